/**
 * unarchive with a local "host" (GNU tar and unzip on this machine): tar.gz and zip archives
 * unpacked, then found unpacked; a changed member unpacks again; check mode for zip (predicts) and
 * tar (skipped); list_files, include/exclude, creates; Ansible's messages. The planners on their own:
 * which `tar --diff` lines count, and the zip comparison's itemized diff.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import unarchive from '../../src/modules/unarchive.js';
import { pySplit, tarDifferences } from '../../src/modules/support/archive-plan.js';
import { type Sandbox, createSandbox, readText } from '../support/module-context.js';

let sb: Sandbox;
beforeEach(async () => {
  sb = await createSandbox();
  const content = sb.p('content');
  await fs.mkdir(path.join(content, 'sub'), { recursive: true });
  await fs.writeFile(path.join(content, 'a.txt'), 'alpha\n');
  await fs.writeFile(path.join(content, 'sub', 'b.txt'), 'beta\n');
  execFileSync('tar', ['-czf', sb.p('arch.tar.gz'), '-C', content, 'a.txt', 'sub']);
  execFileSync('zip', ['-qr', sb.p('arch.zip'), 'a.txt', 'sub'], { cwd: content });
  await fs.copyFile(sb.p('arch.zip'), path.join(sb.files, 'arch.zip'));
  await fs.mkdir(sb.p('out'));
});
afterEach(async () => {
  await sb.cleanup();
});

describe('unarchive', () => {
  it('unpacks a tar.gz on the host, then finds it unpacked; a changed member unpacks again', async () => {
    const first = await sb.run(unarchive, { src: sb.p('arch.tar.gz'), dest: sb.p('out'), remote_src: true, list_files: true });
    expect(first).toMatchObject({ changed: true, handler: 'TgzArchive', dest: sb.p('out'), src: sb.p('arch.tar.gz'), state: 'directory', files: ['a.txt', 'sub/', 'sub/b.txt'] });
    expect(await readText(sb.p('out', 'sub', 'b.txt'))).toBe('beta\n');
    expect(await sb.run(unarchive, { src: sb.p('arch.tar.gz'), dest: sb.p('out'), remote_src: true })).toMatchObject({ changed: false, handler: 'TgzArchive' });
    await fs.writeFile(sb.p('out', 'a.txt'), 'changed\n');
    expect(await sb.run(unarchive, { src: sb.p('arch.tar.gz'), dest: sb.p('out'), remote_src: true })).toMatchObject({ changed: true });
    expect(await readText(sb.p('out', 'a.txt'))).toBe('alpha\n');
  });

  it('copies a zip from the controller, predicts in check mode, then unpacks once', async () => {
    const checked = await sb.run(unarchive, { src: 'arch.zip', dest: sb.p('out') }, { check: true, diff: true });
    expect(checked).toMatchObject({ changed: true, handler: 'ZipArchive' });
    expect((checked['diff'] as { prepared: string }).prepared).toContain('>f++++++.?? a.txt');
    await expect(fs.stat(sb.p('out', 'a.txt'))).rejects.toThrow();
    expect(await sb.run(unarchive, { src: 'arch.zip', dest: sb.p('out') })).toMatchObject({ changed: true, handler: 'ZipArchive' });
    expect(await readText(sb.p('out', 'a.txt'))).toBe('alpha\n');
    expect(await sb.run(unarchive, { src: 'arch.zip', dest: sb.p('out') })).toMatchObject({ changed: false });
    expect(await sb.run(unarchive, { src: 'arch.zip', dest: sb.p('out') }, { check: true })).toMatchObject({ changed: false });
  });

  // GNU tar recognises a compressed archive when it reads it, so after -z fails the plain handler
  // (no flag) takes bzip2 and xz archives, as in Ansible.
  it('reads plain, bzip2 and xz tar archives', async () => {
    const content = sb.p('content');
    execFileSync('tar', ['-cf', sb.p('arch.tar'), '-C', content, 'a.txt']);
    execFileSync('tar', ['-cjf', sb.p('arch.tar.bz2'), '-C', content, 'a.txt']);
    execFileSync('tar', ['-cJf', sb.p('arch.tar.xz'), '-C', content, 'a.txt']);
    for (const [file, handler] of [['arch.tar', 'TarArchive'], ['arch.tar.bz2', 'TarArchive'], ['arch.tar.xz', 'TarArchive']] as const) {
      const dest = sb.p(`x-${file}`);
      await fs.mkdir(dest);
      expect(await sb.run(unarchive, { src: sb.p(file), dest, remote_src: true }), file).toMatchObject({ changed: true, handler });
      expect(await readText(path.join(dest, 'a.txt'))).toBe('alpha\n');
      expect(await sb.run(unarchive, { src: sb.p(file), dest, remote_src: true }), file).toMatchObject({ changed: false, handler });
    }
  });

  it('keeps newer files with keep_newer', async () => {
    await sb.run(unarchive, { src: sb.p('arch.zip'), dest: sb.p('out'), remote_src: true });
    await fs.writeFile(sb.p('out', 'a.txt'), 'mine\n');
    const future = new Date(Date.now() + 3600_000);
    await fs.utimes(sb.p('out', 'a.txt'), future, future);
    expect(await sb.run(unarchive, { src: sb.p('arch.zip'), dest: sb.p('out'), remote_src: true, keep_newer: true })).toMatchObject({ changed: false });
    expect(await readText(sb.p('out', 'a.txt'))).toBe('mine\n');
    await fs.mkdir(sb.p('tout'));
    await sb.run(unarchive, { src: sb.p('arch.tar.gz'), dest: sb.p('tout'), remote_src: true });
    await fs.writeFile(sb.p('tout', 'a.txt'), 'mine\n');
    await fs.utimes(sb.p('tout', 'a.txt'), future, future);
    await sb.run(unarchive, { src: sb.p('arch.tar.gz'), dest: sb.p('tout'), remote_src: true, keep_newer: true });
    expect(await readText(sb.p('tout', 'a.txt'))).toBe('mine\n');
  });

  it('is skipped in check mode for tar archives, and by creates', async () => {
    expect(await sb.run(unarchive, { src: sb.p('arch.tar.gz'), dest: sb.p('out'), remote_src: true }, { check: true })).toEqual({ changed: false, skipped: true, msg: 'remote module (unarchive) does not support check mode when using gtar' });
    expect(await sb.run(unarchive, { src: sb.p('arch.tar.gz'), dest: sb.p('out'), remote_src: true, creates: sb.p('content') })).toEqual({ changed: false, skipped: true, msg: `skipped, since ${sb.p('content')} exists` });
  });

  it('unpacks only what include names, and not what exclude names', async () => {
    expect(await sb.run(unarchive, { src: sb.p('arch.zip'), dest: sb.p('out'), remote_src: true, include: ['sub/*'], list_files: true })).toMatchObject({ changed: true, files: ['sub/', 'sub/b.txt'] });
    await expect(fs.stat(sb.p('out', 'a.txt'))).rejects.toThrow();
    await fs.mkdir(sb.p('out2'));
    expect(await sb.run(unarchive, { src: sb.p('arch.tar.gz'), dest: sb.p('out2'), remote_src: true, exclude: ['a.txt'], list_files: true })).toMatchObject({ changed: true, files: ['sub/', 'sub/b.txt'] });
    await expect(fs.stat(sb.p('out2', 'a.txt'))).rejects.toThrow();
  });

  it('says what is wrong, as Ansible does', async () => {
    expect(await sb.run(unarchive, { src: sb.p('arch.zip'), dest: sb.p('none'), remote_src: true })).toEqual({ changed: false, failed: true, msg: `dest '${sb.p('none')}' must be an existing dir` });
    expect(await sb.run(unarchive, { src: sb.p('none.zip'), dest: sb.p('out'), remote_src: true })).toEqual({ changed: false, failed: true, msg: `Source '${sb.p('none.zip')}' does not exist` });
    expect(await sb.run(unarchive, { src: 'none.zip', dest: sb.p('out') })).toMatchObject({ failed: true, msg: expect.stringContaining("Could not find or access 'none.zip' on the Ansible Controller.") });
    await fs.writeFile(sb.p('empty.tgz'), '');
    expect(await sb.run(unarchive, { src: sb.p('empty.tgz'), dest: sb.p('out'), remote_src: true })).toEqual({ changed: false, failed: true, msg: `Invalid archive '${sb.p('empty.tgz')}', the file is 0 bytes` });
    await fs.writeFile(sb.p('text.tgz'), 'not an archive\n');
    expect(await sb.run(unarchive, { src: sb.p('text.tgz'), dest: sb.p('out'), remote_src: true })).toMatchObject({ failed: true, msg: expect.stringMatching(/^Failed to find handler for ".*text\.tgz"\. Make sure the required command to extract the file is installed\.\n/) });
    expect(await sb.run(unarchive, { dest: sb.p('out') })).toEqual({ changed: false, failed: true, msg: 'src (or content) and dest are required' });
    expect(await sb.run(unarchive, { src: 'https://example.com/a.zip', dest: sb.p('out') })).toEqual({ changed: false, failed: true, msg: 'Unsupported option, an URI src (https://example.com/a.zip) is only supported when remote_src is True' });
    expect(await sb.run(unarchive, { src: sb.p('arch.zip'), dest: sb.p('out'), remote_src: true, mode: 'u=foo' })).toMatchObject({ failed: true, details: 'bad symbolic permission for mode: u=foo' });
  });
});

describe('unarchive planners', () => {
  it('counts the tar --diff lines Ansible counts', () => {
    const err = 'tar: a.txt: Mod time differs\ntar: b: Mode differs\ntar: c: Uid differs\n';
    expect(tarDifferences('', err, 0, { owner: null, group: null, mode: undefined })).toBe(err);
    expect(tarDifferences('', 'tar: b: Mode differs\ntar: c: Uid differs\n', 0, { owner: 'root', group: null, mode: { octal: 0o644 } })).toBe('');
    expect(tarDifferences('', 'tar: c: Uid differs\n', 1000, { owner: null, group: null, mode: undefined })).toBe('');
    expect(tarDifferences('', 'tar: : Warning: Cannot stat: No such file or directory\n', 0, { owner: null, group: null, mode: undefined })).toBe('');
  });

  it('splits zipinfo lines as Python does', () => {
    expect(pySplit('-rw-r--r--  3.0 unx        6 tx stor 20261203.182127 a file.txt', 7)).toEqual(['-rw-r--r--', '3.0', 'unx', '6', 'tx', 'stor', '20261203.182127', 'a file.txt']);
  });
});
