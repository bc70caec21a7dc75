/** find over the local connection: encoding, mode, depth and the checksum algorithm, as ansible-core's find target states them. */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import find from '../../src/modules/find.js';
import { type Sandbox, createSandbox } from '../support/module-context.js';

let sb: Sandbox;
beforeEach(async () => {
  sb = await createSandbox();
  await fs.mkdir(sb.p('t/a/b/c'), { recursive: true });
  // 你好世界 in GBK: not UTF-8.
  await fs.writeFile(sb.p('t/hello.gbk'), Buffer.from('c4e3bac3cac0bde70a', 'hex'));
  await fs.writeFile(sb.p('t/x.txt'), 'x\n', { mode: 0o644 });
  await fs.writeFile(sb.p('t/y.txt'), 'y\n');
  await fs.chmod(sb.p('t/y.txt'), 0o600);
  await fs.writeFile(sb.p('t/a/b/deep.txt'), 'deep\n');
});
afterEach(async () => {
  await sb.cleanup();
});

describe('find', () => {
  it('skips the path with a warning when a file is not text in the encoding, and reads it in the right one', async () => {
    const dir = sb.p('t');
    const wrong = await sb.run(find, { paths: [dir], patterns: ['*.gbk'], contains: '你好世界', encoding: 'utf-8' });
    expect(wrong).toMatchObject({ msg: 'Not all paths examined, check warnings for details', matched: 0 });
    expect(wrong['skipped_paths']).toEqual({ [dir]: `Failed to read the file ${dir}/hello.gbk due to an encoding error. current encoding: utf-8` });
    expect(wrong['warnings']).toEqual([`Skipped '${dir}' path due to this access issue: Failed to read the file ${dir}/hello.gbk due to an encoding error. current encoding: utf-8\n`]);
    expect(await sb.run(find, { paths: [dir], patterns: ['*.gbk'], contains: '你好世界', encoding: 'gbk' })).toMatchObject({ matched: 1, msg: 'All paths examined' });
    expect((await sb.run(find, { paths: [dir], patterns: ['*.gbk'], contains: 'x', encoding: 'idontexist' }))['skipped_paths']).toEqual({ [dir]: 'unknown encoding: idontexist' });
  });

  it('filters by mode, exact or any bit, octal or symbolic', async () => {
    const names = async (args: Record<string, unknown>): Promise<string[]> =>
      ((await sb.run(find, { paths: [sb.p('t')], patterns: ['*.txt'], ...args }))['files'] as { path: string }[]).map((f) => f.path.slice(f.path.lastIndexOf('/') + 1)).sort();
    expect(await names({ mode: '0644' })).toEqual(['x.txt']);
    expect(await names({ mode: 'u=rw,g=r,o=r' })).toEqual(['x.txt']);
    expect(await names({ mode: 'o=r', exact_mode: false })).toEqual(['x.txt']);
    expect(await names({ mode: '0400', exact_mode: false })).toEqual(['x.txt', 'y.txt']);
  });

  it('counts what the walk examined down to one level below depth, and matches only within it', async () => {
    const deep = await sb.run(find, { paths: [sb.p('t')], recurse: true, file_type: 'any', depth: 2 });
    // t: a, hello.gbk, x.txt, y.txt (4); t/a: b (1); t/a/b: c, deep.txt (2, beyond the depth).
    expect(deep).toMatchObject({ matched: 5, examined: 7 });
    expect(await sb.run(find, { paths: [sb.p('t')], recurse: true, file_type: 'any' })).toMatchObject({ matched: 7, examined: 7 });
    expect(await sb.run(find, { paths: [sb.p('t')], file_type: 'any', depth: 3 })).toMatchObject({ matched: 4, examined: 4 });
  });

  it('gives checksums in the algorithm asked for', async () => {
    const r = await sb.run(find, { paths: [sb.p('t')], patterns: ['x.txt'], get_checksum: true, checksum_algorithm: 'md5' });
    expect((r['files'] as { checksum: string }[])[0]?.checksum).toBe(createHash('md5').update('x\n').digest('hex'));
  });
});
