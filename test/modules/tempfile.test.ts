/** tempfile: names, locations, path info and failures, as the integration target checks them. */
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import tempfile from '../../src/modules/tempfile.js';
import { type Sandbox, createSandbox } from '../support/module-context.js';

let sb: Sandbox;
const made: string[] = [];
beforeEach(async () => {
  sb = await createSandbox();
});
afterEach(async () => {
  await Promise.all(made.splice(0).map((p) => fs.rm(p, { recursive: true, force: true })));
  await sb.cleanup();
});

describe('tempfile', () => {
  it('creates a file and a directory with the default prefix in the system temp dir', async () => {
    const file = await sb.run(tempfile, {});
    const dir = await sb.run(tempfile, { state: 'directory' });
    made.push(String(file['path']), String(dir['path']));
    expect(file).toMatchObject({ changed: true, state: 'file', mode: '0600', size: 0 });
    expect(dir).toMatchObject({ changed: true, state: 'directory', mode: '0700' });
    expect(path.basename(String(file['path'])).split('.')[0]).toBe('ansible');
    expect(path.basename(String(dir['path'])).split('.')[0]).toBe('ansible');
    expect((await fs.stat(String(dir['path']))).isDirectory()).toBe(true);
  });

  it('honours path, prefix and suffix', async () => {
    for (const state of ['file', 'directory']) {
      const r = await sb.run(tempfile, { state, path: sb.root, prefix: 'hello.', suffix: '.goodbye' });
      const name = path.basename(String(r['path']));
      expect(String(r['path']).startsWith(sb.root)).toBe(true);
      expect([name.split('.')[0], name.split('.').at(-1), r['state']]).toEqual(['hello', 'goodbye', state]);
    }
  });

  it('fails in a missing directory and for names with a slash', async () => {
    const r = await sb.run(tempfile, { path: sb.p('does_not_exist') });
    expect(r).toMatchObject({ failed: true, changed: false });
    expect(String(r.msg)).toMatch(/^\[Errno 2\] No such file or directory: /);
    expect((await sb.run(tempfile, { state: 'directory', path: sb.p('does_not_exist') })).failed).toBe(true);
    expect(await sb.run(tempfile, { prefix: 'a/b' })).toMatchObject({ failed: true, msg: "prefix must be a valid file name component, got 'a/b'" });
  });

  it('does not claim check mode support', () => {
    expect(tempfile.supportsCheckMode).toBe(false);
  });
});
