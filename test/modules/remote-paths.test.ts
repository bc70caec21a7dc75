/** `path` options: `~` and `$VAR` expanded on the host as Ansible's modules do (expanduser(expandvars(value))). */
import fs from 'node:fs/promises';
import os from 'node:os';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import copy from '../../src/modules/copy.js';
import stat from '../../src/modules/stat.js';
import { expandUser, expandVars } from '../../src/modules/support/remote-paths.js';
import { type Sandbox, createSandbox } from '../support/module-context.js';

let sb: Sandbox;
beforeEach(async () => {
  sb = await createSandbox();
});
afterEach(async () => {
  await sb.cleanup();
});

describe('expanding path options', () => {
  it("follows Python's os.path.expandvars and expanduser", () => {
    const env = { HOME: '/home/me/', A: 'x' };
    expect(expandVars('$A/${A}/$B/${B}/$', env)).toBe('x/x/$B/${B}/$');
    const host = { env, homes: { root: '/root', '': '/ignored' } };
    expect(expandUser('~', host)).toBe('/home/me');
    expect(expandUser('~/f', host)).toBe('/home/me/f');
    expect(expandUser('~root/.ssh', host)).toBe('/root/.ssh');
    expect(expandUser('~nobody-here/x', host)).toBe('~nobody-here/x');
    expect(expandUser('a/~', host)).toBe('a/~');
    expect(expandUser('~', { env: {}, homes: { '': '/' } })).toBe('/');
  });

  it('a module gets its path options expanded on the host, not its controller paths', async () => {
    await fs.writeFile(sb.p('src.txt'), 'hello');
    const home = os.homedir();
    const r = await sb.run(stat, { path: '$HOME' });
    expect(r['stat']).toMatchObject({ exists: true, path: home, isdir: true });
    const tilde = await sb.run(stat, { path: '~' });
    expect(tilde['stat']).toMatchObject({ exists: true, path: home });
    // copy's src is the controller's unless remote_src; dest is the host's.
    const copied = await sb.run(copy, { src: sb.p('src.txt'), dest: sb.p('$NOT_SET_HERE.txt') });
    expect(copied).toMatchObject({ changed: true, dest: sb.p('$NOT_SET_HERE.txt') });
  });
});
