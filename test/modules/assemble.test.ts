/**
 * assemble, with the fragments and checksums of ansible-core's assemble integration target: all
 * fragments, a regexp, a delimiter, from the host and from the controller; check mode, re-runs,
 * hidden files, backup, validate, attributes, and the escapes of the delimiter.
 */
import fs from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import assemble from '../../src/modules/assemble.js';
import { assembleFragments, escapeDecode } from '../../src/modules/support/assemble.js';
import { fragments } from '../../src/facts/fragments.js';
import { type Sandbox, createSandbox, readText } from '../support/module-context.js';

let sb: Sandbox;
let src: string;

/** The target's files/: fragment1..5, then (on the host) ßΩ.txt holding "π\n". */
async function fillFragments(dir: string, unicode: boolean): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  for (let i = 1; i <= 5; i++) await fs.writeFile(`${dir}/fragment${i}`, `this is fragment ${i}\n`);
  if (unicode) await fs.writeFile(`${dir}/ßΩ.txt`, 'π\n');
}

beforeEach(async () => {
  sb = await createSandbox();
  src = sb.p('src');
  await fillFragments(src, true);
  await fillFragments(`${sb.files}/frags`, false);
});
afterEach(async () => {
  await sb.cleanup();
});

describe('assemble: the integration target', () => {
  it('predicts in check mode, then assembles all fragments, then changes nothing', async () => {
    const dest = sb.p('assembled1');
    const checked = await sb.run(assemble, { src, dest }, { check: true });
    expect(checked).toMatchObject({ changed: true, state: 'absent' });
    await expect(fs.stat(dest)).rejects.toThrow();
    const made = await sb.run(assemble, { src, dest });
    expect(made).toMatchObject({ changed: true, state: 'file', msg: 'OK', checksum: '74152e9224f774191bc0bedf460d35de86ad90e6', src, dest });
    const again = await sb.run(assemble, { src, dest });
    expect(again).toMatchObject({ changed: false, state: 'file', checksum: '74152e9224f774191bc0bedf460d35de86ad90e6' });
    expect(await readText(dest)).toBe('this is fragment 1\nthis is fragment 2\nthis is fragment 3\nthis is fragment 4\nthis is fragment 5\nπ\n');
  });

  it('filters by a regexp and puts a delimiter between fragments', async () => {
    expect(await sb.run(assemble, { src, dest: sb.p('assembled3'), regexp: '^fragment[1-3]$' })).toMatchObject({ state: 'file', checksum: 'edfe2d7487ef8f5ebc0f1c4dc57ba7b70a7b8e2b' });
    expect(await sb.run(assemble, { src, dest: sb.p('assembled5'), delimiter: '#--- delimiter ---#' })).toMatchObject({ state: 'file', checksum: 'd986cefb82e34e4cf14d33a3cda132ff45aa2980' });
  });

  it('assembles a directory of the controller (remote_src=false), with and without delimiter, and a diff', async () => {
    const made = await sb.run(assemble, { src: 'frags', dest: sb.p('assembled7'), remote_src: false });
    expect(made).toMatchObject({ changed: true, state: 'file', checksum: '048a1bd1951aa5ccc427eeb4ca19aee45e9c68b3' });
    expect((await sb.run(assemble, { src: 'frags', dest: sb.p('assembled7'), remote_src: false })).changed).toBe(false);
    expect(await sb.run(assemble, { src: 'frags', dest: sb.p('assembled9'), remote_src: false, delimiter: '#--- delimiter ---#' })).toMatchObject({ checksum: '505359f48c65b3904127cf62b912991d4da7ed6d' });
    const diffed = await sb.run(assemble, { src: 'frags', dest: sb.p('assembled11'), remote_src: false }, { diff: true });
    expect(diffed).toMatchObject({ changed: true, state: 'file' });
    // The action plugin's diff is one mapping (result.diff.after), not copy's list of them.
    expect(diffed.diff).toEqual(expect.objectContaining({ before: '', after: expect.stringContaining('this is fragment 5\n') }));
  });

  it('fails naming a source that is missing or not a directory', async () => {
    expect(await sb.run(assemble, { src: sb.p('nope'), dest: sb.p('x') })).toMatchObject({ failed: true, msg: `Source (${sb.p('nope')}) does not exist` });
    expect(await sb.run(assemble, { src: `${src}/fragment1`, dest: sb.p('x') })).toMatchObject({ failed: true, msg: `Source (${src}/fragment1) is not a directory` });
    expect(await sb.run(assemble, { src, dest: sb.p('x'), regexp: '(' })).toMatchObject({ failed: true, msg: expect.stringMatching(/^Invalid Regexp \(.*\) in "\("$/) });
    expect(await sb.run(assemble, { src: 'nowhere', dest: sb.p('x'), remote_src: false })).toMatchObject({ failed: true, msg: expect.stringContaining("Could not find or access 'nowhere'") });
  });
});

describe('assemble: options', () => {
  it('skips hidden files when asked, and directories always', async () => {
    await fs.writeFile(`${src}/.hidden`, 'secret\n');
    await fs.mkdir(`${src}/subdir`);
    const dest = sb.p('h');
    await sb.run(assemble, { src, dest, ignore_hidden: true });
    expect(await readText(dest)).not.toContain('secret');
    await sb.run(assemble, { src, dest });
    expect((await readText(dest)).startsWith('secret\n')).toBe(true);
  });

  it('backs up the old file, validates the new one, and settles the mode on an unchanged file', async () => {
    const dest = sb.p('b');
    await fs.writeFile(dest, 'old\n');
    const r = await sb.run(assemble, { src, dest, backup: true, validate: 'grep -q fragment %s' });
    expect(r).toMatchObject({ changed: true, validation: { rc: 0, stdout: '', stderr: '' } });
    expect(await readText(String(r['backup_file']))).toBe('old\n');
    expect(await sb.run(assemble, { src, dest: sb.p('v'), validate: 'false %s' })).toEqual({ changed: false, failed: true, msg: 'failed to validate: rc:1 error:' });
    await expect(fs.stat(sb.p('v'))).rejects.toThrow();
    expect(await sb.run(assemble, { src, dest, mode: '0600' })).toMatchObject({ changed: true, mode: '0600' });
    expect((await fs.stat(dest)).mode & 0o777).toBe(0o600);
    expect(await sb.run(assemble, { src, dest, mode: '0600' })).toMatchObject({ changed: false });
  });

  it('decodes the delimiter escapes again before each fragment, as Ansible does', () => {
    const frags = ['a\n', 'b\n', 'c\n'].map((t, i) => ({ name: String(i), content: Buffer.from(t) }));
    expect(assembleFragments(frags, { delimiter: '--\\n', regexp: null, ignoreHidden: false }).toString()).toBe('a\n--\nb\n--\nc\n');
    // '\\\\n' is a literal \n the first time, a newline the second.
    expect(assembleFragments(frags, { delimiter: '\\\\n', regexp: null, ignoreHidden: false }).toString()).toBe('a\n\\n\nb\n\nc\n');
    // The controller's action plugin always adds a newline after the delimiter.
    expect(assembleFragments(frags, { delimiter: '--\\n', regexp: null, ignoreHidden: false, newlineAfterDelimiter: 'always' }).toString()).toBe('a\n--\n\nb\n--\n\nc\n');
    expect(escapeDecode(Buffer.from('\\x41\\101\\t\\q'))).toEqual(Buffer.from('AA\t\\q'));
  });

  it('reads the fragments and the destination in one command (the fact), any bytes and names', () => {
    const name = Buffer.from('a b\nc').toString('base64');
    const out = `S:81a4|0|0|root|root|3|1.0|2.0|3.0|5|6|1\nC:da39a3ee5e6b4b0d3255bfef95601890afd80709  -\nsrc:dir\nF:${name}:${Buffer.from([0, 255]).toString('base64')}\nO:${Buffer.from('sub').toString('base64')}\n`;
    const state = fragments.parse(out, '/src', '/dest');
    expect(state.dest).toMatchObject({ type: 'file', mode: 0o644, checksum: 'da39a3ee5e6b4b0d3255bfef95601890afd80709' });
    expect(state.source).toEqual({ kind: 'directory', entries: [{ name: 'a b\nc', content: Buffer.from([0, 255]) }, { name: 'sub', content: null }] });
    expect(fragments.parse('src:missing\n', '/src', '/dest')).toEqual({ source: { kind: 'missing' }, dest: null });
  });
});
