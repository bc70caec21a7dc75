/**
 * synchronize's command line and result, without a host: Ansible's option order and --no-/-- flags
 * around --archive, the --rsh ssh command, the far end's user@host:path, the itemized lines read for
 * changed (progress lines left out), and the command string as the result shows it.
 */
import fs from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import synchronize, { type RsyncOptions, commandString, rsyncCommand, rsyncOutcome, rsyncTarget } from '../../src/modules/synchronize.js';
import { createSandbox, readText } from '../support/module-context.js';

const base: RsyncOptions = {
  rsync: 'rsync', checkMode: false, delete: false, existingOnly: false, checksum: false, copyLinks: false, compress: true, archive: true,
  recursive: null, links: null, perms: null, times: null, owner: null, group: null, dirs: false, delayUpdates: true, timeout: 0,
  rsh: null, rsyncPath: null, rsyncOpts: [], partial: false, linkDest: [], progress: false, src: '/a/', dest: 'u@h:/b',
};

describe('synchronize command line', () => {
  it('is the module\'s, in its order', () => {
    expect(rsyncCommand(base)).toEqual(['rsync', '--delay-updates', '-F', '--compress', '--archive', '--out-format=<<CHANGED>>%i %n%L', '/a/', 'u@h:/b']);
    const all = rsyncCommand({ ...base, checkMode: true, delete: true, checksum: true, owner: false, group: false, timeout: 9, rsh: 'ssh -S none -o Port=2222', rsyncPath: 'sudo -u root rsync', rsyncOpts: ['--exclude=.git'], partial: true, progress: true });
    expect(all).toEqual(['rsync', '--delay-updates', '-F', '--compress', '--timeout=9', '--dry-run', '--delete-after', '--checksum', '--archive', '--no-owner', '--no-group', '--rsh=ssh -S none -o Port=2222', '--rsync-path=sudo -u root rsync', '--exclude=.git', '--partial', '--out-format=<<CHANGED>>%i %n%L', '--info=progress2', '/a/', 'u@h:/b']);
    expect(rsyncCommand({ ...base, archive: false, recursive: true, times: true, compress: false, delayUpdates: false })).toEqual(['rsync', '--recursive', '--times', '--out-format=<<CHANGED>>%i %n%L', '/a/', 'u@h:/b']);
    expect(commandString(all)).toContain("--rsh='ssh -S none -o Port=2222' --rsync-path='sudo -u root rsync'");
  });

  it('names the far end as Ansible does', () => {
    expect(rsyncTarget('10.0.0.2', '/srv/x', 'deploy')).toBe('deploy@10.0.0.2:/srv/x');
    expect(rsyncTarget('10.0.0.2', 'other:/srv/x', 'deploy')).toBe('deploy@other:/srv/x');
    expect(rsyncTarget('10.0.0.2', 'me@other:/srv/x', 'deploy')).toBe('me@other:/srv/x');
    expect(rsyncTarget('fe80::1', '/x', null)).toBe('[fe80::1]:/x');
  });

  it('reads changed from the itemized lines, leaving progress out', () => {
    const out = '<<CHANGED>>cd+++++++++ d/\n\r     32,768   0%    0.00kB/s    0:00:00\r    524,288,000 100%  150.00MB/s    0:00:03 (xfr#1, to-chk=0/2)\n<<CHANGED>>>f+++++++++ d/big\n';
    expect(rsyncOutcome(out, false)).toEqual({ changed: true, msg: 'cd+++++++++ d/\n>f+++++++++ d/big\n', lines: ['cd+++++++++ d/', '>f+++++++++ d/big'] });
    expect(rsyncOutcome('', false)).toEqual({ changed: false, msg: '', lines: [] });
  });
});

describe('synchronize on a local connection', () => {
  it('copies between local paths (no ssh), predicts in check mode, and finds nothing to do the second time', async () => {
    const sb = await createSandbox();
    try {
      await fs.mkdir(sb.p('a', 'sub'), { recursive: true });
      await fs.writeFile(sb.p('a', 'sub', 'f.txt'), 'f\n');
      const args = { src: `${sb.p('a')}/`, dest: sb.p('b') };
      const checked = await sb.run(synchronize, args, { check: true });
      expect(checked).toMatchObject({ changed: true, rc: 0 });
      expect(checked['cmd']).not.toContain('--rsh');
      await expect(fs.stat(sb.p('b'))).rejects.toThrow();
      expect(await sb.run(synchronize, args)).toMatchObject({ changed: true, stdout_lines: expect.arrayContaining(['>f+++++++++ sub/f.txt']) });
      expect(await readText(sb.p('b', 'sub', 'f.txt'))).toBe('f\n');
      expect(await sb.run(synchronize, args)).toMatchObject({ changed: false, stdout_lines: [] });
      expect(await sb.run(synchronize, { src: sb.p('none/'), dest: sb.p('c') })).toMatchObject({ failed: true, rc: 23, msg: expect.stringContaining('No such file or directory') });
    } finally {
      await sb.cleanup();
    }
  });
});
