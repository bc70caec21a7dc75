/**
 * replace, against the assertions of ansible-core's replace integration target (before/after
 * sections, MULTILINE anchors, `.` without DOTALL, \b in short and long form, backup, failures,
 * bad escapes), plus check mode, diff, encodings and Python's line semantics on CRLF files.
 */
import fs from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import replace from '../../src/modules/replace.js';
import { replaceText } from '../../src/modules/support/replace-text.js';
import { parseKv } from '../../src/python/kv.js';
import { type Sandbox, createSandbox, readText } from '../support/module-context.js';

const PANGRAMS = [
  'The quick brown fox jumps over the lazy dog.',
  'We promptly judged antique ivory buckles for the next prize.',
  'Jinxed wizards pluck ivy from the big quilt.',
  'Jaded zombies acted quaintly but kept driving their oxen forward.',
].join('\n');

let sb: Sandbox;
beforeEach(async () => {
  sb = await createSandbox();
});
afterEach(async () => {
  await sb.cleanup();
});

async function pangrams(name: string): Promise<string> {
  const f = sb.p(name);
  await fs.writeFile(f, PANGRAMS);
  return f;
}

const lines = async (f: string): Promise<string[]> => (await readText(f)).split('\n');

describe('replace: the integration target', () => {
  it('replaces only before a pattern', async () => {
    const f = await pangrams('00.txt');
    expect(await sb.run(replace, { path: f, before: 'quilt', regexp: ' ' })).toMatchObject({ changed: true, rc: 0 });
    const l = await lines(f);
    expect(l[0]).toBe('Thequickbrownfoxjumpsoverthelazydog.');
    expect(l.at(-1)).toBe('Jaded zombies acted quaintly but kept driving their oxen forward.');
  });

  it('replaces only after a pattern', async () => {
    const f = await pangrams('01.txt');
    expect((await sb.run(replace, { path: f, after: 'promptly', regexp: ' ' })).changed).toBe(true);
    const l = await lines(f);
    expect(l[0]).toBe('The quick brown fox jumps over the lazy dog.');
    expect(l.at(-1)).toBe('Jadedzombiesactedquaintlybutkeptdrivingtheiroxenforward.');
  });

  it('reports a section that does not match, and replaces inside one that does', async () => {
    const f = await pangrams('02.txt');
    const missed = await sb.run(replace, { path: f, before: 'promptly', after: 'quilt', regexp: 'e', replace: '3' });
    expect(missed).toEqual({ changed: false, rc: 0, msg: 'Pattern for before/after params did not match the given file: quilt(?P<subsection>.*?)promptly' });
    const g = await pangrams('03.txt');
    expect((await sb.run(replace, { path: g, before: 'quilt', after: 'promptly', regexp: 'e', replace: '3' })).changed).toBe(true);
    expect((await lines(g))[1]).toBe('We promptly judg3d antiqu3 ivory buckl3s for th3 n3xt priz3.');
  });

  it('anchors ^ and $ at lines (MULTILINE) and stops . at newlines (no DOTALL)', async () => {
    const f = await pangrams('04.txt');
    expect((await sb.run(replace, { path: f, regexp: '^([\\S\\s]+)$', replace: '"\\1"' })).changed).toBe(true);
    let l = await lines(f);
    expect(l[0]).toBe('"The quick brown fox jumps over the lazy dog.');
    expect(l.at(-1)).toBe('Jaded zombies acted quaintly but kept driving their oxen forward."');
    expect((await sb.run(replace, { path: f, regexp: '^(.+)$', replace: '"\\1"' })).changed).toBe(true);
    l = await lines(f);
    expect(l[0]).toBe('""The quick brown fox jumps over the lazy dog."');
    expect(l.at(-1)).toBe('"Jaded zombies acted quaintly but kept driving their oxen forward.""');
  });

  it('treats \\b as Python does, in the short (key=value) and the long form', async () => {
    const f = await pangrams('05.txt');
    // The short form goes through the key=value parser, which turns '\b' into a backspace.
    const short = (regexp: string): Record<string, unknown> => ({ ...parseKv(`path="${f}" regexp='${regexp}' replace='"\\1"'`) });
    expect((await sb.run(replace, short('\\b(.+)\\b'))).changed).toBe(false);
    expect((await sb.run(replace, short('\\\\b(.+)\\\\b'))).changed).toBe(true);
    expect((await lines(f))[0]).toBe('"The quick brown fox jumps over the lazy dog".');
    expect((await sb.run(replace, { path: f, regexp: '\\b(.+)\\b', replace: '"\\1"' })).changed).toBe(true);
    expect((await lines(f)).at(-1)).toBe('""Jaded zombies acted quaintly but kept driving their oxen forward"".');
    expect((await sb.run(replace, { path: f, regexp: '\\\\b(.+)\\\\b', replace: '"\\1"' })).changed).toBe(false);
  });

  it('makes a backup of the file before the change', async () => {
    const f = await pangrams('06.txt');
    const r = await sb.run(replace, { path: f, regexp: '^(.+)$', replace: '"\\1"', backup: true });
    expect(r).toMatchObject({ changed: true, msg: '4 replacements made' });
    expect(r['backup_file']).toMatch(/\/06\.txt\.\d+\.\d{4}-\d\d-\d\d@\d\d:\d\d:\d\d~$/);
    expect(await readText(String(r['backup_file']))).toBe(PANGRAMS);
    expect(await readText(f)).not.toBe(PANGRAMS);
  });

  it('fails on a directory and on a missing file', async () => {
    expect(await sb.run(replace, { path: sb.root, regexp: '^(.+)$' })).toEqual({ changed: false, failed: true, rc: 256, msg: `Path ${sb.root} is a directory !` });
    const missing = sb.p('missing_file.txt');
    expect(await sb.run(replace, { path: missing, regexp: '^(.+)$' })).toEqual({ changed: false, failed: true, rc: 257, msg: `Path ${missing} does not exist !` });
  });

  it('replaces in the first section only when before/after match several times', async () => {
    const group = '# start of group\n0.0.0.0\n127.0.0.1\n127.0.1.1\n# end of group\n';
    const f = sb.p('addresses.txt');
    await fs.writeFile(f, [group, group, group].join('\n').replace(/\n$/, ''));
    expect((await sb.run(replace, { path: f, after: '# start of group', before: '# end of group', regexp: '0', replace: '9' })).changed).toBe(true);
    const l = await lines(f);
    expect([l[1], l[7], l[13]]).toEqual(['9.9.9.9', '0.0.0.0', '0.0.0.0']);
  });

  it('fails on a bad escape in the replacement even where nothing matches', async () => {
    const r = await sb.run(replace, { path: '/dev/null', after: '^', before: '$', regexp: '\\.', replace: '\\D' });
    expect(r).toMatchObject({ failed: true, msg: 'Unable to process replace due to error: bad escape \\D at position 0' });
  });
});

describe('replace: check mode, diff, attributes, encodings', () => {
  it('predicts the change in check mode without writing, with the diff Ansible gives', async () => {
    const f = await pangrams('c.txt');
    const r = await sb.run(replace, { path: f, regexp: 'dog', replace: 'cat' }, { check: true, diff: true });
    expect(r).toEqual({
      changed: true,
      rc: 0,
      msg: '1 replacements made',
      diff: { before_header: f, before: PANGRAMS, after_header: f, after: PANGRAMS.replace('dog', 'cat') },
    });
    expect(await readText(f)).toBe(PANGRAMS);
    const none = await sb.run(replace, { path: f, regexp: 'unicorn', replace: 'x' }, { diff: true });
    expect(none).toEqual({ changed: false, rc: 0, msg: '' });
  });

  it('settles the mode alone, and says so after a replacement', async () => {
    const f = await pangrams('m.txt');
    await fs.chmod(f, 0o644);
    expect(await sb.run(replace, { path: f, regexp: 'unicorn', mode: '0600' })).toMatchObject({ changed: true, msg: 'ownership, perms or SE linux context changed' });
    expect((await fs.stat(f)).mode & 0o777).toBe(0o600);
    expect(await sb.run(replace, { path: f, regexp: 'dog', replace: 'cat', mode: '0640' })).toMatchObject({
      changed: true,
      msg: '1 replacements made and ownership, perms or SE linux context changed',
    });
    expect((await fs.stat(f)).mode & 0o777).toBe(0o640);
  });

  it('validates the new content before it replaces the file', async () => {
    const f = await pangrams('v.txt');
    expect(await sb.run(replace, { path: f, regexp: 'dog', replace: 'cat', validate: 'false %s' })).toMatchObject({ failed: true, msg: 'failed to validate: rc:1 error:' });
    expect(await readText(f)).toBe(PANGRAMS);
    expect(await sb.run(replace, { path: f, regexp: 'dog', replace: 'cat', validate: 'grep -q cat %s' })).toMatchObject({ changed: true });
    expect(await readText(f)).toContain('lazy cat');
  });

  it('keeps bytes that are not UTF-8, and reads latin-1 when told', async () => {
    const f = sb.p('bytes.txt');
    await fs.writeFile(f, Buffer.from([0x61, 0xff, 0x0a, 0x62, 0x0a]));
    expect((await sb.run(replace, { path: f, regexp: '^b$', replace: 'B' })).changed).toBe(true);
    expect([...(await fs.readFile(f))]).toEqual([0x61, 0xff, 0x0a, 0x42, 0x0a]);
    const l1 = sb.p('latin1.txt');
    await fs.writeFile(l1, Buffer.from('caf\xe9\n', 'latin1'));
    expect((await sb.run(replace, { path: l1, regexp: 'é', replace: 'e', encoding: 'latin-1' })).changed).toBe(true);
    expect(await readText(l1)).toBe('cafe\n');
  });

  it('keeps \\r inside lines of a CRLF file, as Python does', () => {
    expect(replaceText('a\r\nb\r\n', { regexp: '^(.*)$', replace: '[\\1]', after: null, before: null })).toMatchObject({ text: '[a\r]\n[b\r]\n[]', count: 3 });
    expect(replaceText('foo\r\n', { regexp: 'foo$', replace: 'bar', after: null, before: null })).toMatchObject({ changed: false, count: 0 });
  });

  it('follows a link and edits its target', async () => {
    const f = await pangrams('target.txt');
    await fs.symlink(f, sb.p('link.txt'));
    expect((await sb.run(replace, { path: sb.p('link.txt'), regexp: 'dog', replace: 'cat' })).changed).toBe(true);
    expect((await fs.lstat(sb.p('link.txt'))).isSymbolicLink()).toBe(true);
    expect(await readText(f)).toContain('lazy cat');
  });
});
