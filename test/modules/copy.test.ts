/** copy: content, controller files and trees, remote_src, modes, backup, validate, check and diff. */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import copy from '../../src/modules/copy.js';
import { type Sandbox, createSandbox, readText } from '../support/module-context.js';

let sb: Sandbox;
beforeEach(async () => {
  sb = await createSandbox();
  await fs.writeFile(path.join(sb.files, 'foo.txt'), 'foo.txt\n');
});
afterEach(async () => {
  await sb.cleanup();
});

const hash = (algorithm: string, text: string): string => createHash(algorithm).update(text).digest('hex');
const read = readText;
const modeOf = async (p: string): Promise<number> => (await fs.lstat(p)).mode & 0o7777;
const isRoot = process.getuid?.() === 0;

describe('copy: content and single files', () => {
  it('writes content with its mode, returns checksums and path info, then is idempotent', async () => {
    const dest = sb.p('c.txt');
    const r = await sb.run(copy, { content: 'abc\n', dest, mode: '0600' });
    expect(r).toMatchObject({ changed: true, dest, checksum: hash('sha1', 'abc\n'), md5sum: hash('md5', 'abc\n'), mode: '0600', state: 'file', size: 4 });
    expect(await read(dest)).toBe('abc\n');
    const again = await sb.run(copy, { content: 'abc\n', dest, mode: '0600' });
    expect(again).toMatchObject({ changed: false, dest, path: dest, checksum: hash('sha1', 'abc\n'), mode: '0600' });
    expect(again['md5sum']).toBeUndefined();
  });

  it('copies a file from files/ into an existing directory and with a trailing slash', async () => {
    await fs.mkdir(sb.p('dir'));
    const r = await sb.run(copy, { src: 'foo.txt', dest: sb.p('dir') });
    expect(r).toMatchObject({ changed: true, dest: sb.p('dir', 'foo.txt'), src: path.join(sb.files, 'foo.txt') });
    expect(r['checksum']).toBe(hash('sha1', 'foo.txt\n'));
    const slash = await sb.run(copy, { src: 'foo.txt', dest: `${sb.p('new', 'sub')}/`, directory_mode: '0700' });
    expect(slash).toMatchObject({ changed: true, dest: sb.p('new', 'sub', 'foo.txt') });
    expect(await modeOf(sb.p('new'))).toBe(0o700);
    expect(await modeOf(sb.p('new', 'sub'))).toBe(0o700);
  });

  it('accepts modes as YAML ints, octal strings, symbolic strings and preserve', async () => {
    await sb.run(copy, { src: 'foo.txt', dest: sb.p('a'), mode: 0o444 });
    expect(await modeOf(sb.p('a'))).toBe(0o444);
    await sb.run(copy, { src: 'foo.txt', dest: sb.p('b'), mode: 'u=rw,g=r,o=' });
    expect(await modeOf(sb.p('b'))).toBe(0o640);
    await fs.chmod(path.join(sb.files, 'foo.txt'), 0o547);
    const preserved = await sb.run(copy, { src: 'foo.txt', dest: sb.p('c'), mode: 'preserve' });
    expect(preserved['mode']).toBe('0547');
    expect((await sb.run(copy, { src: 'foo.txt', dest: sb.p('c'), mode: 'preserve' })).changed).toBe(false);
  });

  it('keeps the mode of an existing file when none is given, and changes only the mode when content matches', async () => {
    await fs.writeFile(sb.p('f'), 'old', { mode: 0o600 });
    await sb.run(copy, { content: 'new', dest: sb.p('f') });
    expect(await modeOf(sb.p('f'))).toBe(0o600);
    const r = await sb.run(copy, { content: 'new', dest: sb.p('f'), mode: '0640' }, { diff: true });
    expect(r).toMatchObject({ changed: true, mode: '0640' });
    expect(r.diff).toEqual({ before: { path: sb.p('f'), mode: '0600' }, after: { path: sb.p('f'), mode: '0640' } });
  });

  it('backs up the old file as dest.PID.YYYY-MM-DD@HH:MM:SS~', async () => {
    await fs.writeFile(sb.p('f'), 'old\n');
    const r = await sb.run(copy, { content: 'new\n', dest: sb.p('f'), backup: true });
    const backup = String(r['backup_file']);
    expect(path.basename(backup)).toMatch(/^f\.\d+\.\d{4}-\d\d-\d\d@\d\d:\d\d:\d\d~$/);
    expect(await read(backup)).toBe('old\n');
    expect((await sb.run(copy, { content: 'new\n', dest: sb.p('f'), backup: true }))['backup_file']).toBeUndefined();
  });

  it('force=no leaves an existing file alone', async () => {
    await fs.writeFile(sb.p('f'), 'old\n');
    const r = await sb.run(copy, { content: 'new\n', dest: sb.p('f'), force: false });
    expect(r.changed).toBe(false);
    expect(await read(sb.p('f'))).toBe('old\n');
  });

  it('validates a temp copy first, and installs nothing when validation fails', async () => {
    await fs.writeFile(sb.p('sudoers'), 'old\n');
    const bad = await sb.run(copy, { content: 'new\n', dest: sb.p('sudoers'), validate: 'grep -q nothing-like-this %s' });
    expect(bad).toMatchObject({ failed: true, msg: 'failed to validate', exit_status: 1, stdout: '', stderr: '' });
    expect(await read(sb.p('sudoers'))).toBe('old\n');
    expect(await fs.readdir(sb.root)).toEqual(['sudoers']);
    const good = await sb.run(copy, { content: 'new\n', dest: sb.p('sudoers'), validate: 'grep -q new %s', mode: '0440' });
    expect(good).toMatchObject({ changed: true, mode: '0440' });
    expect(await sb.run(copy, { content: 'x', dest: sb.p('sudoers'), validate: 'visudo -c' })).toMatchObject({ failed: true, msg: 'validate must contain %s: visudo -c' });
  });

  it('replaces a link unless follow=yes, which writes through it', async () => {
    await fs.writeFile(sb.p('target'), 'old\n');
    await fs.symlink('target', sb.p('link'));
    await sb.run(copy, { content: 'via link\n', dest: sb.p('link'), follow: true });
    expect(await read(sb.p('target'))).toBe('via link\n');
    expect((await fs.lstat(sb.p('link'))).isSymbolicLink()).toBe(true);
    await sb.run(copy, { content: 'replaced\n', dest: sb.p('link') });
    expect((await fs.lstat(sb.p('link'))).isFile()).toBe(true);
    expect(await read(sb.p('target'))).toBe('via link\n');
  });

  it('checks the checksum option before installing', async () => {
    const bad = await sb.run(copy, { src: 'foo.txt', dest: sb.p('x'), checksum: '0'.repeat(40) });
    expect(bad).toMatchObject({ failed: true, msg: 'Copied file does not match the expected checksum. Transfer failed.', checksum: hash('sha1', 'foo.txt\n') });
    expect((await sb.run(copy, { src: 'foo.txt', dest: sb.p('x'), checksum: hash('sha1', 'foo.txt\n') })).changed).toBe(true);
  });

  it('writes dict content as JSON', async () => {
    await sb.run(copy, { content: { a: 1, b: [true, 'x'] }, dest: sb.p('j') });
    expect(await read(sb.p('j'))).toBe('{"a": 1, "b": [true, "x"]}');
  });

  it('check mode reports the change and the diff but writes nothing', async () => {
    const dest = sb.p('c.txt');
    const r = await sb.run(copy, { content: 'abc\n', dest }, { check: true, diff: true });
    expect(r).toEqual({ changed: true, diff: [{ before: '', after: 'abc\n', after_header: dest }] });
    await expect(fs.stat(dest)).rejects.toThrow();
    await fs.writeFile(dest, 'abc\n');
    const src = await sb.run(copy, { src: 'foo.txt', dest }, { check: true, diff: true });
    expect(src.diff).toEqual([{ before: 'abc\n', before_header: dest, after: 'foo.txt\n', after_header: path.join(sb.files, 'foo.txt') }]);
    expect(await read(dest)).toBe('abc\n');
  });

  it('fails with Ansible messages', async () => {
    expect(await sb.run(copy, { dest: sb.p('x') })).toMatchObject({ failed: true, msg: 'src (or content) is required' });
    expect(await sb.run(copy, { src: 'foo.txt', content: 'x', dest: sb.p('x') })).toMatchObject({ failed: true, msg: 'src and content are mutually exclusive' });
    expect(await sb.run(copy, { content: 'x', dest: `${sb.root}/` })).toMatchObject({ failed: true, msg: 'can not use content with a dir as dest' });
    expect(await sb.run(copy, { content: 'x', dest: sb.root })).toMatchObject({ failed: true, msg: 'can not use content with a dir as dest' });
    expect(await sb.run(copy, { content: 'x', dest: sb.p('nope', 'x') })).toMatchObject({ failed: true, msg: `Destination directory ${sb.p('nope')} does not exist` });
    expect(await sb.run(copy, { src: 'invalid_file_location_does_not_exist', dest: sb.p('x') })).toMatchObject({ failed: true });
    expect(String((await sb.run(copy, { src: 'invalid_file_location_does_not_exist', dest: sb.p('x') })).msg)).toContain('invalid_file_location_does_not_exist');
  });

  it.runIf(isRoot)('sets owner and group', async () => {
    const r = await sb.run(copy, { content: 'x', dest: sb.p('o'), owner: 'nobody', group: 'nogroup' });
    expect(r).toMatchObject({ changed: true, owner: 'nobody', uid: 65534 });
    expect((await sb.run(copy, { content: 'x', dest: sb.p('o'), owner: 'nobody', group: 'nogroup' })).changed).toBe(false);
  });
});

describe('copy: directory trees', () => {
  beforeEach(async () => {
    const subdir = path.join(sb.files, 'subdir');
    await fs.mkdir(path.join(subdir, 'subdir1'), { recursive: true });
    await fs.mkdir(path.join(subdir, 'subdir2', 'subdir3'), { recursive: true });
    await fs.writeFile(path.join(subdir, 'bar.txt'), 'bar\n');
    await fs.writeFile(path.join(subdir, 'subdir2', 'baz.txt'), 'baz\n');
    await fs.writeFile(path.join(subdir, 'subdir2', 'subdir3', 'qux.txt'), 'qux\n');
    await fs.symlink('bar.txt', path.join(subdir, 'bar_link'));
  });

  it('copies the directory itself without a trailing slash, its contents with one', async () => {
    const r = await sb.run(copy, { src: 'subdir', dest: sb.p('a'), directory_mode: '0700' });
    expect(r).toMatchObject({ changed: true, dest: `${sb.p('a')}/` });
    expect(await read(sb.p('a', 'subdir', 'subdir2', 'subdir3', 'qux.txt'))).toBe('qux\n');
    expect(await modeOf(sb.p('a', 'subdir', 'subdir1'))).toBe(0o700);
    // local_follow defaults to yes: the link arrives as a file.
    expect((await fs.lstat(sb.p('a', 'subdir', 'bar_link'))).isFile()).toBe(true);
    expect((await sb.run(copy, { src: 'subdir', dest: sb.p('a'), directory_mode: '0700' })).changed).toBe(false);

    await sb.run(copy, { src: 'subdir/', dest: sb.p('b'), local_follow: false });
    expect(await read(sb.p('b', 'bar.txt'))).toBe('bar\n');
    expect(await fs.readlink(sb.p('b', 'bar_link'))).toBe('bar.txt');
  });

  it('check mode creates nothing, the real run does, the next check reports no change', async () => {
    const args = { src: 'subdir', dest: `${sb.p('checkmode_subdir')}/`, directory_mode: 0o700, local_follow: false };
    expect((await sb.run(copy, args, { check: true })).changed).toBe(true);
    await expect(fs.stat(sb.p('checkmode_subdir'))).rejects.toThrow();
    expect((await sb.run(copy, args)).changed).toBe(true);
    expect((await sb.run(copy, args, { check: true })).changed).toBe(false);
  });
});

describe('copy: remote_src', () => {
  it('copies a file on the host and keeps the source mode', async () => {
    await fs.writeFile(sb.p('src.txt'), 'remote\n', { mode: 0o640 });
    const r = await sb.run(copy, { src: sb.p('src.txt'), dest: sb.p('dest.txt'), remote_src: true });
    expect(r).toMatchObject({ changed: true, dest: sb.p('dest.txt'), checksum: hash('sha1', 'remote\n'), md5sum: hash('md5', 'remote\n'), mode: '0640' });
    expect((await sb.run(copy, { src: sb.p('src.txt'), dest: sb.p('dest.txt'), remote_src: true })).changed).toBe(false);
    expect(await sb.run(copy, { src: sb.p('missing'), dest: sb.p('x'), remote_src: true })).toMatchObject({ failed: true, msg: `Source ${sb.p('missing')} not found` });
  });

  it('merges a directory: new tree, then missing and differing files only', async () => {
    await fs.mkdir(sb.p('s', 'a', 'b'), { recursive: true });
    await fs.writeFile(sb.p('s', 'f1'), '1\n');
    await fs.writeFile(sb.p('s', 'a', 'b', 'f2'), '2\n');
    const dest = `${sb.p('d')}/`;
    expect(await sb.run(copy, { src: `${sb.p('s')}/`, dest, remote_src: true }, { check: true })).toMatchObject({ changed: true, msg: `dest directory ${sb.p('d')} would be created` });
    expect((await sb.run(copy, { src: `${sb.p('s')}/`, dest, remote_src: true })).changed).toBe(true);
    expect(await read(sb.p('d', 'a', 'b', 'f2'))).toBe('2\n');
    expect((await sb.run(copy, { src: `${sb.p('s')}/`, dest, remote_src: true })).changed).toBe(false);
    await fs.writeFile(sb.p('s', 'f1'), 'changed\n');
    await fs.writeFile(sb.p('s', 'a', 'new'), 'new\n');
    expect((await sb.run(copy, { src: `${sb.p('s')}/`, dest, remote_src: true })).changed).toBe(true);
    expect([await read(sb.p('d', 'f1')), await read(sb.p('d', 'a', 'new'))]).toEqual(['changed\n', 'new\n']);
  });
});
