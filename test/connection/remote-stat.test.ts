/**
 * The shell stat that SSH (and become) uses must say what the local connection's stat(2)/lstat(2)
 * says: same existence, type, mode, size, inode and link target, also for dangling links.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { LocalConnection } from '../../src/connection/local.js';
import { parseStat, statScript } from '../../src/connection/remote-stat.js';

const dir = mkdtempSync(path.join(tmpdir(), 'pb-remote-stat-'));
writeFileSync(path.join(dir, 'file.txt'), 'content\n', { mode: 0o640 });
symlinkSync('file.txt', path.join(dir, 'link'));
symlinkSync('does-not-exist', path.join(dir, 'dangling'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function shellStat(file: string, follow: boolean): ReturnType<typeof parseStat> {
  // As over ssh: the script runs under /bin/sh and must exit 0 whenever it has an answer.
  return parseStat(file, execFileSync('/bin/sh', ['-c', statScript(file, follow, true)], { encoding: 'utf8' }));
}

const local = new LocalConnection('localhost');
const essentials = (s: Awaited<ReturnType<LocalConnection['stat']>>): unknown =>
  s && { type: s.type, mode: s.mode, size: s.size, inode: s.inode, uid: s.uid, linkTarget: s.linkTarget, checksum: s.checksum };

describe.each([false, true])('follow=%s', (follow) => {
  test.each(['file.txt', 'link', 'dangling', 'missing', 'file.txt/below', '.'])('%s', async (name) => {
    const file = path.join(dir, name);
    const expected = await local.stat(file, { follow, checksum: true });
    expect(essentials(shellStat(file, follow))).toEqual(essentials(expected));
  });
});

test('a dangling link is absent when followed and a link when not', () => {
  const file = path.join(dir, 'dangling');
  expect(shellStat(file, true)).toBeNull();
  expect(shellStat(file, false)).toMatchObject({ type: 'link', linkTarget: 'does-not-exist' });
});

test('content comes with the stat, byte for byte, for regular files only', async () => {
  const bytes = Buffer.from([0x44, 0x3a, 0x0a, 0x53, 0x3a, 0x00, 0xff, 0x0a, 0x44, 0x3a, 0x78]); // "D:\nS:\0\xff\nD:x"
  writeFileSync(path.join(dir, 'binary'), bytes);
  const shell = (file: string, follow: boolean): ReturnType<typeof parseStat> => parseStat(file, execFileSync('/bin/sh', ['-c', statScript(file, follow, false, true)]));
  expect(shell(path.join(dir, 'binary'), false)?.content).toEqual(bytes);
  expect((await local.stat(path.join(dir, 'binary'), { content: true }))?.content).toEqual(bytes);
  expect(shell(path.join(dir, 'file.txt'), false)).toMatchObject({ size: 8, content: Buffer.from('content\n') });
  // Without following, a link has no content; following, it has its target's.
  expect(shell(path.join(dir, 'link'), false)?.content).toBeUndefined();
  expect(shell(path.join(dir, 'link'), true)?.content).toEqual(Buffer.from('content\n'));
  expect(shell(dir, true)?.content).toBeUndefined();
  writeFileSync(path.join(dir, 'empty'), '');
  expect(shell(path.join(dir, 'empty'), false)?.content).toEqual(Buffer.alloc(0));
});
