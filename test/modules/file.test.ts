/** The file module: states, modes (octal and symbolic), links, recursion, times, check and diff. */
import fs from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import file from '../../src/modules/file.js';
import { type Sandbox, createSandbox, defaultMode } from '../support/module-context.js';

let sb: Sandbox;
beforeEach(async () => {
  sb = await createSandbox();
});
afterEach(async () => {
  await sb.cleanup();
});

const modeOf = async (p: string): Promise<number> => (await fs.lstat(p)).mode & 0o7777;
const isRoot = process.getuid?.() === 0;

describe('file: state=file / touch / absent', () => {
  it('_diff_peek (internal to the action plugins) says whether the file looks binary and changes nothing', async () => {
    await fs.writeFile(sb.p('text'), 'hi\n');
    await fs.writeFile(sb.p('bin'), Buffer.from([0x41, 0x00, 0x42]));
    expect(await sb.run(file, { path: sb.p('text'), _diff_peek: true })).toMatchObject({ changed: false, path: sb.p('text'), appears_binary: false, state: 'file' });
    expect(await sb.run(file, { path: sb.p('bin'), _diff_peek: true })).toMatchObject({ changed: false, appears_binary: true });
    const missing = await sb.run(file, { path: sb.p('ghost'), _diff_peek: true });
    expect(missing).toMatchObject({ changed: false, appears_binary: false });
    expect(missing['failed']).toBeUndefined();
    expect(missing['warnings']).toBeUndefined();
  });

  it('reports path info and refuses a missing file', async () => {
    await fs.writeFile(sb.p('f'), 'hi\n');
    const r = await sb.run(file, { path: sb.p('f') });
    expect(r).toMatchObject({ changed: false, path: sb.p('f'), state: 'file', mode: '0644', size: 3 });
    const ghost = await sb.run(file, { path: sb.p('ghost'), state: 'file' });
    expect(ghost).toMatchObject({ changed: false, failed: true, state: 'absent', msg: `file (${sb.p('ghost')}) is absent, cannot continue` });
  });

  it('changes the mode once, with a file-style diff', async () => {
    await fs.writeFile(sb.p('f'), 'hi\n');
    const r = await sb.run(file, { path: sb.p('f'), mode: '0600' }, { diff: true });
    expect(r).toMatchObject({ changed: true, mode: '0600' });
    expect(r.diff).toEqual({ before: { path: sb.p('f'), mode: '0644' }, after: { path: sb.p('f'), mode: '0600' } });
    expect((await sb.run(file, { path: sb.p('f'), mode: 0o600 })).changed).toBe(false);
    expect(await modeOf(sb.p('f'))).toBe(0o600);
  });

  it('walks the integration target symbolic mode sequence', async () => {
    const p = sb.p('test_symbolic');
    const steps: [string, string][] = [
      ['u=rwx,g=rwx,o=rwx', '0777'], ['a=r', '0444'], ['u+w', '0644'], ['g+w', '0664'], ['o+w', '0666'], ['u+x', '0766'],
      ['g+x', '0776'], ['o+x', '0777'], ['o-wx', '0774'], ['g-wx', '0744'], ['u-wx', '0444'], ['o+t', '01444'],
      ['o-t', '0444'], ['g+s', '02444'], ['g-s', '0444'], ['u+s', '04444'], ['u-s', '0444'],
    ];
    for (const [mode, expected] of steps) {
      const r = await sb.run(file, { dest: p, state: 'touch', mode });
      expect(r['mode'], mode).toBe(expected);
    }
  });

  it('rejects a bad symbolic mode with Ansible message', async () => {
    await fs.writeFile(sb.p('f'), '');
    expect(await sb.run(file, { path: sb.p('f'), mode: 'u=rwy' })).toMatchObject({
      failed: true,
      msg: 'mode must be in octal or symbolic form',
      details: 'bad symbolic permission for mode: u=rwy',
    });
  });

  it('touch creates, always reports changed, and sets given times', async () => {
    const p = sb.p('t');
    const created = await sb.run(file, { path: p, state: 'touch', mode: 'u=rw,g=,o=' }, { diff: true });
    expect(created).toMatchObject({ changed: true, dest: p, state: 'file', mode: '0600' });
    expect((created.diff as unknown as { before: Record<string, unknown> }).before).toMatchObject({ state: 'absent', mode: defaultMode() });
    expect((await sb.run(file, { path: p, state: 'touch' })).changed).toBe(true);
    const fixed = { path: p, state: 'touch', modification_time: '202001011200.00', access_time: 'preserve' };
    expect((await sb.run(file, fixed)).changed).toBe(true);
    expect((await fs.stat(p)).mtime.getTime()).toBe(new Date(2020, 0, 1, 12, 0, 0).getTime());
    expect((await sb.run(file, fixed)).changed).toBe(false);
    expect(await sb.run(file, { path: p, state: 'touch', modification_time: '2020-01-01' })).toMatchObject({
      failed: true,
      msg: "Error while obtaining timestamp for time 2020-01-01 using format %Y%m%d%H%M.%S: time data '2020-01-01' does not match format '%Y%m%d%H%M.%S'",
    });
  });

  it('check mode changes nothing', async () => {
    expect(await sb.run(file, { path: sb.p('t'), state: 'touch' }, { check: true })).toEqual({ dest: sb.p('t'), changed: true });
    expect(await sb.run(file, { path: sb.p('d/e'), state: 'directory' }, { check: true })).toMatchObject({ changed: true });
    await fs.writeFile(sb.p('f'), '');
    expect((await sb.run(file, { path: sb.p('f'), mode: '0600' }, { check: true })).changed).toBe(true);
    expect((await sb.run(file, { path: sb.p('f'), state: 'absent' }, { check: true })).changed).toBe(true);
    expect(await fs.readdir(sb.root)).toEqual(['f']);
    expect(await modeOf(sb.p('f'))).toBe(0o644);
  });

  it('absent removes files and trees, listing a tree in the diff', async () => {
    await fs.mkdir(sb.p('d', 'sub'), { recursive: true });
    await fs.writeFile(sb.p('d', 'sub', 'x'), '');
    const r = await sb.run(file, { path: sb.p('d'), state: 'absent' }, { diff: true });
    expect(r).toMatchObject({ changed: true, state: 'absent', path: sb.p('d') });
    expect(r.diff).toEqual({
      before: { path: sb.p('d'), state: 'directory', path_content: { directories: [sb.p('d', 'sub')], files: [sb.p('d', 'sub', 'x')] } },
      after: { path: sb.p('d'), state: 'absent' },
    });
    expect(await sb.run(file, { path: sb.p('d'), state: 'absent' })).toEqual({ path: sb.p('d'), changed: false, state: 'absent' });
  });
});

describe('file: state=directory', () => {
  it('creates missing parents with the mode on each new directory, then is idempotent', async () => {
    const p = sb.p('x', 'y', 'z');
    const r = await sb.run(file, { path: p, state: 'directory', mode: '0750' }, { diff: true });
    expect(r).toMatchObject({ changed: true, state: 'directory', mode: '0750' });
    expect(r.diff).toEqual({ before: { path: p, state: 'absent', mode: defaultMode(true) }, after: { path: p, state: 'directory', mode: '0750' } });
    expect(await modeOf(sb.p('x'))).toBe(0o750);
    expect((await sb.run(file, { path: p, state: 'directory', mode: '0750' })).changed).toBe(false);
  });

  it('refuses to turn a file into a directory', async () => {
    await fs.writeFile(sb.p('f'), '');
    expect(await sb.run(file, { path: sb.p('f'), state: 'directory' })).toMatchObject({ failed: true, msg: `${sb.p('f')} already exists as a file` });
  });

  // a-x on the top directory first (Ansible's order) locks a non-root user out of the rest.
  it.runIf(isRoot)('recurse follows links only with follow=yes', async () => {
    const top = sb.p('test_follow_rec');
    await fs.mkdir(top);
    await fs.writeFile(sb.p('target_file'), '', { mode: 0o700 });
    await fs.mkdir(sb.p('target_dir'), { mode: 0o700 });
    await fs.writeFile(sb.p('target_dir', 'foo'), '', { mode: 0o700 });
    await fs.symlink('../target_file', `${top}/test_link`);
    await fs.symlink('../target_dir', `${top}/test_link_dir`);
    await fs.symlink('does_not_exist', `${top}/nonexistent`);
    expect((await sb.run(file, { path: top, follow: false, mode: 'a-x', recurse: true })).changed).toBe(true);
    expect([await modeOf(sb.p('target_file')), await modeOf(sb.p('target_dir')), await modeOf(sb.p('target_dir', 'foo'))]).toEqual([0o700, 0o700, 0o700]);
    expect((await sb.run(file, { path: top, follow: true, mode: 'a-x', recurse: true })).changed).toBe(true);
    expect([await modeOf(sb.p('target_file')), await modeOf(sb.p('target_dir')), await modeOf(sb.p('target_dir', 'foo'))]).toEqual([0o600, 0o600, 0o600]);
  });

  it('recurse sets modes with X and is idempotent', async () => {
    await fs.mkdir(sb.p('r', 'sub'), { recursive: true });
    await fs.writeFile(sb.p('r', 'sub', 'f'), '', { mode: 0o600 });
    await fs.writeFile(sb.p('r', 'x'), '', { mode: 0o700 });
    const args = { path: sb.p('r'), state: 'directory', recurse: true, mode: 'u=rwX,g=rX,o=' };
    expect((await sb.run(file, args)).changed).toBe(true);
    expect([await modeOf(sb.p('r')), await modeOf(sb.p('r', 'sub')), await modeOf(sb.p('r', 'sub', 'f')), await modeOf(sb.p('r', 'x'))]).toEqual([0o750, 0o750, 0o640, 0o750]);
    expect((await sb.run(file, args)).changed).toBe(false);
  });

  it.runIf(isRoot)('recurse changes owners', async () => {
    await fs.mkdir(sb.p('o', 'sub'), { recursive: true });
    await fs.writeFile(sb.p('o', 'sub', 'f'), '');
    expect((await sb.run(file, { path: sb.p('o'), recurse: true, owner: 'nobody' })).changed).toBe(true);
    expect((await fs.stat(sb.p('o', 'sub', 'f'))).uid).toBe(65534);
    expect((await sb.run(file, { path: sb.p('o'), recurse: true, owner: 'nobody' })).changed).toBe(false);
  });

  it('validates option combinations as Ansible does', async () => {
    await fs.writeFile(sb.p('f'), '');
    expect(await sb.run(file, { path: sb.p('f'), recurse: true, state: 'file' })).toMatchObject({ failed: true, msg: "recurse option requires state to be 'directory'", mode: '0644' });
    expect(await sb.run(file, { path: sb.p('f'), src: sb.p('d') })).toMatchObject({ failed: true, msg: "src option requires state to be 'link' or 'hard'" });
    await expect(sb.run(file, { state: 'hard' })).rejects.toThrow('missing required arguments: path');
  });
});

describe('file: links', () => {
  it('creates, keeps and repoints a symlink', async () => {
    await fs.writeFile(sb.p('f'), 'x');
    await fs.writeFile(sb.p('g'), 'y');
    const r = await sb.run(file, { path: sb.p('l'), src: 'f', state: 'link' }, { diff: true });
    expect(r).toMatchObject({ changed: true, dest: sb.p('l'), src: 'f', state: 'link' });
    expect(r.diff).toEqual({ before: { path: sb.p('l'), state: 'absent' }, after: { path: sb.p('l'), state: 'link' } });
    expect((await sb.run(file, { path: sb.p('l'), src: 'f', state: 'link' })).changed).toBe(false);
    const moved = await sb.run(file, { path: sb.p('l'), src: 'g', state: 'link' }, { diff: true });
    expect(moved.diff).toEqual({ before: { path: sb.p('l'), src: 'f' }, after: { path: sb.p('l'), src: 'g' } });
    expect(await fs.readlink(sb.p('l'))).toBe('g');
  });

  it('refuses to replace files without force, and a missing src without force', async () => {
    await fs.writeFile(sb.p('f'), 'x');
    expect(await sb.run(file, { path: sb.p('f'), src: '/etc/hostname', state: 'link' })).toMatchObject({ failed: true, msg: `refusing to convert from file to symlink for ${sb.p('f')}` });
    expect(await sb.run(file, { path: sb.p('l'), src: sb.p('zz'), state: 'link' })).toMatchObject({
      failed: true,
      msg: `src file does not exist, use 'force=yes' if you really want to create the link: ${sb.p('zz')}`,
    });
    expect((await sb.run(file, { path: sb.p('f'), src: sb.p('zz'), state: 'link', force: true })).changed).toBe(true);
    expect(await fs.readlink(sb.p('f'))).toBe(sb.p('zz'));
    await fs.mkdir(sb.p('full'));
    await fs.writeFile(sb.p('full', 'x'), '');
    expect(await sb.run(file, { path: sb.p('full'), src: 'x', state: 'link', force: true })).toMatchObject({ failed: true, msg: `the directory ${sb.p('full')} is not empty, refusing to convert it` });
  });

  it('makes hard links and checks them by inode', async () => {
    await fs.writeFile(sb.p('f'), 'x');
    const r = await sb.run(file, { path: sb.p('h'), src: sb.p('f'), state: 'hard' });
    expect(r).toMatchObject({ changed: true, state: 'hard' });
    expect((await fs.stat(sb.p('h'))).ino).toBe((await fs.stat(sb.p('f'))).ino);
    expect((await sb.run(file, { path: sb.p('h'), src: sb.p('f'), state: 'hard' })).changed).toBe(false);
    expect(await sb.run(file, { path: sb.p('h2'), state: 'hard' })).toMatchObject({ failed: true, msg: 'src is required for creating new hardlinks' });
    expect(await sb.run(file, { path: sb.p('h2'), src: sb.p('none'), state: 'hard' })).toMatchObject({ failed: true, msg: 'src does not exist' });
    await fs.writeFile(sb.p('other'), '');
    expect(await sb.run(file, { path: sb.p('other'), src: sb.p('f'), state: 'hard' })).toMatchObject({ failed: true, msg: 'Cannot link, file exists at destination' });
  });

  it('follows a link to set the mode of its target', async () => {
    await fs.writeFile(sb.p('f'), 'x');
    await fs.symlink('f', sb.p('l'));
    // The state defaults to the current one (link); the result describes the link itself.
    const r = await sb.run(file, { path: sb.p('l'), mode: '0600' });
    expect(r).toMatchObject({ changed: true, dest: sb.p('l'), src: 'f', state: 'link', mode: '0777' });
    expect((await sb.run(file, { path: sb.p('l'), state: 'file', mode: '0600' })).path).toBe(sb.p('f'));
    expect(await modeOf(sb.p('f'))).toBe(0o600);
  });

  it.runIf(isRoot)('reports the new owner by id in the diff', async () => {
    await fs.writeFile(sb.p('f'), 'x');
    const r = await sb.run(file, { path: sb.p('f'), owner: 'nobody' }, { diff: true });
    expect(r.diff).toEqual({ before: { path: sb.p('f'), owner: 0 }, after: { path: sb.p('f'), owner: 65534 } });
    expect(await sb.run(file, { path: sb.p('f'), owner: 'no-such-user-here' })).toMatchObject({ failed: true, msg: 'chown failed: failed to look up user no-such-user-here' });
  });
});
