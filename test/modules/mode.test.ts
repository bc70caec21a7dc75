/** Mode arguments: octal forms and symbolic modes resolved as AnsibleModule does. */
import { describe, expect, it } from 'vitest';
import { ModeError, formatMode, modeNeedsUmask, parseModeArg, resolveMode } from '../../src/modules/support/mode.js';

const resolve = (mode: unknown, current: number, isDir = false, umask = 0o022): number => resolveMode(parseModeArg(mode)!, current, isDir, umask);

describe('mode', () => {
  it('reads ints (YAML octal), octal strings and Python int(x, 8) spellings', () => {
    expect(parseModeArg(420)).toEqual({ octal: 0o644 });
    expect(parseModeArg(644)).toEqual({ octal: 644 }); // decimal 644, as Ansible takes it: 01204
    expect(formatMode(644)).toBe('01204');
    expect(parseModeArg('0644')).toEqual({ octal: 0o644 });
    expect(parseModeArg('644')).toEqual({ octal: 0o644 });
    expect(parseModeArg('0o1777')).toEqual({ octal: 0o1777 });
    expect(parseModeArg('u=rw')).toEqual({ symbolic: 'u=rw' });
    expect(parseModeArg(null)).toBeUndefined();
  });

  it('resolves symbolic modes against the current mode', () => {
    expect(resolve('u=rw,g=r,o=r', 0o777)).toBe(0o644);
    expect(resolve('u+x', 0o644)).toBe(0o744);
    expect(resolve('go-w', 0o666)).toBe(0o644);
    expect(resolve('a=r', 0o777)).toBe(0o444);
    expect(resolve('u=rwX,g=rX,o=', 0o600)).toBe(0o640);
    expect(resolve('u=rwX,g=rX,o=', 0o600, true)).toBe(0o750);
    expect(resolve('u=rwX,g=rX,o=', 0o700)).toBe(0o750);
    expect(resolve('g=u', 0o700)).toBe(0o770);
    expect(resolve('o+t', 0o444)).toBe(0o1444);
    expect(resolve('u+s,g+s', 0o755)).toBe(0o6755);
    expect(resolve('u=rwx,g-w,+t', 0o1204)).toBe(0o1704);
  });

  it('applies the umask to clauses without u/g/o/a', () => {
    expect(modeNeedsUmask(parseModeArg('+w'))).toBe(true);
    expect(modeNeedsUmask(parseModeArg('a+w'))).toBe(false);
    expect(resolve('+w', 0o444, false, 0o022)).toBe(0o644);
    expect(resolve('=rwx', 0o000, false, 0o027)).toBe(0o750);
  });

  it('rejects what Ansible rejects', () => {
    expect(() => resolve('u=rwy', 0o644)).toThrow(ModeError);
    expect(() => resolve('z+x', 0o644)).toThrow('bad symbolic permission for mode: z+x');
  });
});
