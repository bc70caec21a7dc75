/**
 * fetch with a local "host": where the copy lands (per host, flat, into a directory), the
 * checksums of the integration target, the re-run without a transfer, check mode, and the
 * messages for missing files, directories and unusable destinations.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import fetchModule, { fetchDestination } from '../../src/modules/fetch.js';
import { type Sandbox, createSandbox, readText } from '../support/module-context.js';

let sb: Sandbox;
let out: string;
beforeEach(async () => {
  sb = await createSandbox();
  out = path.join(path.dirname(sb.root), 'fetched');
  await fs.writeFile(sb.p('orig'), 'test');
});
afterEach(async () => {
  await sb.cleanup();
});

describe('fetch', () => {
  it('copies to dest/<host>/<path>, then finds it unchanged', async () => {
    const first = await sb.run(fetchModule, { src: sb.p('orig'), dest: out });
    const dest = path.join(out, 'localhost', sb.p('orig'));
    expect(first).toEqual({ changed: true, md5sum: '098f6bcd4621d373cade4e832627b4f6', dest, remote_md5sum: null, checksum: 'a94a8fe5ccb19ba61c4c0873d391e987982fbbd3', remote_checksum: 'a94a8fe5ccb19ba61c4c0873d391e987982fbbd3' });
    expect(await readText(dest)).toBe('test');
    const again = await sb.run(fetchModule, { src: sb.p('orig'), dest: out });
    expect(again).toEqual({ changed: false, md5sum: '098f6bcd4621d373cade4e832627b4f6', file: sb.p('orig'), dest, checksum: 'a94a8fe5ccb19ba61c4c0873d391e987982fbbd3' });
  });

  it('fetches through a link, and copies again when the host file changed', async () => {
    await fs.symlink(sb.p('orig'), sb.p('link'));
    expect(await sb.run(fetchModule, { src: sb.p('link'), dest: out })).toMatchObject({ changed: true, checksum: 'a94a8fe5ccb19ba61c4c0873d391e987982fbbd3' });
    await fs.writeFile(sb.p('orig'), 'test2');
    expect(await sb.run(fetchModule, { src: sb.p('link'), dest: out })).toMatchObject({ changed: true });
    expect(await readText(path.join(out, 'localhost', sb.p('link')))).toBe('test2');
  });

  it('writes flat into a directory given with a trailing slash, and relative to the playbook', async () => {
    await fs.mkdir(out);
    expect(await sb.run(fetchModule, { src: sb.p('orig'), dest: `${out}/`, flat: true })).toMatchObject({ changed: true, dest: path.join(out, 'orig') });
    expect(await sb.run(fetchModule, { src: sb.p('orig'), dest: 'rel/copy.txt', flat: true })).toMatchObject({ changed: true, dest: path.join(path.dirname(sb.root), 'rel', 'copy.txt') });
  });

  it('refuses destinations that are directories', async () => {
    await fs.mkdir(path.join(out, 'orig'), { recursive: true });
    expect(await sb.run(fetchModule, { src: sb.p('orig'), dest: out, flat: true })).toEqual({ changed: false, failed: true, msg: 'dest is an existing directory, use a trailing slash if you want to fetch src into that directory' });
    expect(await sb.run(fetchModule, { src: sb.p('orig'), dest: `${out}/`, flat: true })).toEqual({
      changed: false,
      failed: true,
      msg: `calculated dest '${out}/orig' is an existing directory, use another path that does not point to an existing directory`,
    });
  });

  it('says what is missing, failing or not as fail_on_missing says', async () => {
    const none = sb.p('doesnotexist');
    expect(await sb.run(fetchModule, { src: none, dest: out, fail_on_missing: false })).toEqual({ changed: false, file: none, msg: 'the remote file does not exist, not transferring, ignored' });
    expect(await sb.run(fetchModule, { src: none, dest: out })).toEqual({ changed: false, failed: true, msg: 'the remote file does not exist, not transferring, ignored' });
    expect(await sb.run(fetchModule, { src: sb.root, dest: out, fail_on_missing: false })).toEqual({ changed: false, msg: 'remote file is a directory, fetch cannot work on directories, not transferring, ignored' });
    expect(await sb.run(fetchModule, { src: sb.root, dest: out })).toEqual({ changed: false, failed: true, msg: 'remote file is a directory, fetch cannot work on directories' });
    expect(await sb.run(fetchModule, {})).toEqual({ changed: false, failed: true, msg: 'src and dest are required' });
    expect(await sb.run(fetchModule, { src: [1, 2], dest: out })).toEqual({ changed: false, failed: true, msg: 'Invalid type supplied for source option, it must be a string' });
  });

  it('is skipped in check mode, with Ansible\'s message', async () => {
    expect(await sb.run(fetchModule, { src: sb.p('orig'), dest: out }, { check: true })).toEqual({ changed: false, skipped: true, msg: 'check mode not (yet) supported for this module' });
    await expect(fs.stat(out)).rejects.toThrow();
  });

  it('computes the destination as the action plugin does', () => {
    const resolve = (p: string): string => (path.isAbsolute(p) ? p : `/play/${p}`);
    const noDir = (): boolean => false;
    expect(fetchDestination('out', '/etc/hosts', false, 'web1', resolve, noDir)).toEqual({ path: '/play/out/web1/etc/hosts' });
    expect(fetchDestination('/o/', 'rel/f', false, 'web1', resolve, noDir)).toEqual({ path: '/o/web1/rel/f' });
    expect(fetchDestination('/o/', '/etc/hosts', true, 'web1', resolve, noDir)).toEqual({ path: '/o/hosts' });
    expect(fetchDestination('x.txt', '/etc/hosts', true, 'web1', resolve, noDir)).toEqual({ path: '/play/x.txt' });
  });
});
