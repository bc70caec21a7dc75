/** stat: the keys and values Ansible's stat returns, for files, links, directories and nothing. */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import stat from '../../src/modules/stat.js';
import { type Sandbox, createSandbox } from '../support/module-context.js';

let sb: Sandbox;
beforeEach(async () => {
  sb = await createSandbox();
  await fs.writeFile(sb.p('foo.txt'), 'foo\n', { mode: 0o644 });
  await fs.symlink('foo.txt', sb.p('link'));
});
afterEach(async () => {
  await sb.cleanup();
});

type StatFacts = Record<string, unknown>;
const facts = async (args: Record<string, unknown>): Promise<StatFacts> => {
  const r = await sb.run(stat, args, { check: true });
  expect(r.changed).toBe(false);
  return r['stat'] as StatFacts;
};

describe('stat', () => {
  it('reports a regular file as Ansible does', async () => {
    const s = await facts({ path: sb.p('foo.txt') });
    const st = await fs.stat(sb.p('foo.txt'));
    expect(s).toMatchObject({
      exists: true,
      path: sb.p('foo.txt'),
      mode: '0644',
      isreg: true,
      isdir: false,
      islnk: false,
      ischr: false,
      isblk: false,
      isfifo: false,
      issock: false,
      uid: st.uid,
      gid: st.gid,
      size: 4,
      inode: st.ino,
      nlink: 1,
      rusr: true,
      wusr: true,
      xusr: false,
      rgrp: true,
      wgrp: false,
      roth: true,
      woth: false,
      isuid: false,
      isgid: false,
      readable: true,
      writeable: true,
      executable: false,
      checksum: createHash('sha1').update('foo\n').digest('hex'),
      block_size: expect.any(Number),
      blocks: expect.any(Number),
      device_type: 0,
    });
    // Mime data comes from the host's `file` program, as in Ansible.
    if (existsSync('/usr/bin/file')) expect(s).toMatchObject({ mimetype: 'text/plain', charset: 'us-ascii' });
    expect(typeof s['mtime']).toBe('number');
    expect(s['pw_name']).toBeTypeOf('string');
    expect(s).toHaveProperty('attributes');
    expect(s).toHaveProperty('version');
  });

  it('describes a link, or its target with follow=yes, and other checksum algorithms', async () => {
    const link = await facts({ path: sb.p('link') });
    expect(link).toMatchObject({ islnk: true, isreg: false, mode: '0777', lnk_target: 'foo.txt', lnk_source: sb.p('foo.txt') });
    expect(link['checksum']).toBeUndefined();
    const followed = await facts({ path: sb.p('link'), follow: true, checksum_algorithm: 'sha256' });
    expect(followed).toMatchObject({ islnk: false, isreg: true, checksum: createHash('sha256').update('foo\n').digest('hex') });
  });

  it('returns exists=false for nothing, and honours get_checksum/get_mime/get_attributes=no', async () => {
    expect(await sb.run(stat, { path: sb.p('nope') })).toEqual({ changed: false, stat: { exists: false } });
    const bare = await facts({ path: sb.p('foo.txt'), get_checksum: false, get_mime: false, get_attributes: false });
    for (const key of ['checksum', 'mimetype', 'charset', 'attributes', 'version', 'attr_flags']) expect(bare[key]).toBeUndefined();
  });

  it('describes a directory and a character device', async () => {
    expect(await facts({ path: sb.root })).toMatchObject({ isdir: true, executable: true });
    // The mode as this machine has it (0666 on most; some containers make it 0777).
    const mode = `0${((await fs.stat('/dev/null')).mode & 0o7777).toString(8)}`;
    expect(await facts({ path: '/dev/null' })).toMatchObject({ ischr: true, mode, device_type: 259 });
  });

  it('rejects an unknown checksum algorithm through the argument spec', async () => {
    await expect(sb.run(stat, { path: sb.root, checksum_algorithm: 'crc32' })).rejects.toThrow('value of checksum_algorithm must be one of: md5, sha1, sha224, sha256, sha384, sha512, got: crc32');
  });
});
