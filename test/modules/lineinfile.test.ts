/**
 * lineinfile, checked against the assertions of Ansible's lineinfile integration target (the
 * checksums after each step are Ansible's) plus check mode, diffs and errors.
 */
import fs from 'node:fs/promises';
import { sha1File } from '../../src/connection/local.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import lineinfile from '../../src/modules/lineinfile.js';
import { type Sandbox, createSandbox, defaultMode, readText } from '../support/module-context.js';

const TEST_TXT = 'This is line 1\nThis is line 2\nREF this is a line for backrefs REF\nThis is line 4\nThis is line 5\n';
const TEST_58923 = '#!/bin/sh\n\ncase "`uname`" in\n  Darwin*) if [ -z "$JAVA_HOME" ] ; then\n';

let sb: Sandbox;
beforeEach(async () => {
  sb = await createSandbox();
});
afterEach(async () => {
  await sb.cleanup();
});

const read = readText;

describe('lineinfile: the integration target sequence on test.txt', () => {
  it('inserts, replaces with backrefs, removes and validates with the same checksums as Ansible', async () => {
    const f = sb.p('test.txt');
    await fs.writeFile(f, TEST_TXT);
    expect(await sha1File(f)).toBe('5feac65e442c91f557fc90069ce6efc4d346ab51');

    const r1 = await sb.run(lineinfile, { dest: f, state: 'present', line: 'New line at the beginning', insertbefore: 'BOF', backup: true });
    const r2 = await sb.run(lineinfile, { dest: f, state: 'present', line: 'New line at the beginning', insertbefore: 'BOF' });
    expect(r1).toMatchObject({ changed: true, msg: 'line added' });
    expect(r2.changed).toBe(false);
    expect(r1['backup']).toMatch(/test\.txt\.\d+\.\d{4}-\d\d-\d\d@\d\d:\d\d:\d\d~$/);
    expect(await sha1File(String(r1['backup']))).toBe('5feac65e442c91f557fc90069ce6efc4d346ab51');
    expect(await sha1File(f)).toBe('7eade4042b23b800958fe807b5bfc29f8541ec09');

    expect(await sb.run(lineinfile, { dest: f, line: 'New line at the end', insertafter: 'EOF' })).toMatchObject({ changed: true, msg: 'line added' });
    expect(await sha1File(f)).toBe('fb57af7dc10a1006061b000f1f04c38e4bef50a9');

    expect(await sb.run(lineinfile, { dest: f, line: 'New line after line 1', insertafter: '^This is line 1$' })).toMatchObject({ changed: true, msg: 'line added' });
    expect(await sha1File(f)).toBe('5348da605b1bc93dbadf3a16474cdf22ef975bec');

    expect(await sb.run(lineinfile, { dest: f, line: 'New line before line 5', insertbefore: '^This is line 5$' })).toMatchObject({ changed: true });
    expect(await sha1File(f)).toBe('2e9e460ff68929e4453eb765761fd99814f6e286');

    const backrefs = { dest: f, line: 'This is line 3', backrefs: true, regexp: '^(REF) .* \\1$' };
    expect(await sb.run(lineinfile, backrefs)).toMatchObject({ changed: true, msg: 'line replaced' });
    expect((await sb.run(lineinfile, backrefs)).changed).toBe(false);
    expect(await sha1File(f)).toBe('72f60239a735ae06e769d823f5c2b4232c634d9c');

    expect(await sb.run(lineinfile, { dest: f, state: 'absent', regexp: '^This is line 3$' })).toMatchObject({ changed: true, msg: '1 line(s) removed', found: 1 });
    expect(await sha1File(f)).toBe('d4eeb07bdebab2d1cdb3ec4a3635afa2618ad4ea');
    expect(await sb.run(lineinfile, { dest: f, state: 'absent', regexp: '^This is line 3$' })).toMatchObject({ changed: false, found: 0 });

    expect(await sb.run(lineinfile, { dest: f, state: 'absent', regexp: '^This is line 5$', validate: 'true %s' })).toMatchObject({ changed: true, msg: '1 line(s) removed' });
    expect(await sha1File(f)).toBe('ab56c210ea82839a54487464800fed4878cb2608');

    const failed = await sb.run(lineinfile, { dest: f, state: 'absent', regexp: '^This is line 1$', validate: '/bin/false %s' });
    expect(failed).toMatchObject({ failed: true, msg: 'failed to validate: rc:1 error:' });
    expect(await sha1File(f)).toBe('ab56c210ea82839a54487464800fed4878cb2608');
    expect((await fs.readdir(sb.root)).filter((n) => n.startsWith('.'))).toEqual([]);

    expect(await sb.run(lineinfile, { dest: f, line: 'This is a line\nwith \\n character', insertafter: 'EOF' })).toMatchObject({ changed: true });
    expect(await sha1File(f)).toBe('fde683229429a4f05d670e6c10afc875e1d5c489');

    expect(await sb.run(lineinfile, { dest: f, line: 'New \\1 created with the backref', backrefs: true, regexp: '^This is (line 4)$' })).toMatchObject({ msg: 'line replaced' });
    expect(await sha1File(f)).toBe('981ad35c4b30b03bc3a1beedce0d1e72c491898e');
  });
});

describe('lineinfile: insertion points', () => {
  it('adds a newline before appending to a file without one, and nothing extra to an empty file', async () => {
    await fs.writeFile(sb.p('noeof'), 'This is line 1\nThis is line 2');
    await sb.run(lineinfile, { dest: sb.p('noeof'), line: 'New line at the end', insertafter: 'EOF' });
    expect(await sha1File(sb.p('noeof'))).toBe('f9af7008e3cb67575ce653d094c79cabebf6e523');
    await fs.writeFile(sb.p('empty'), '');
    await sb.run(lineinfile, { dest: sb.p('empty'), line: 'New line at the end', insertafter: 'EOF' });
    expect(await sha1File(sb.p('empty'))).toBe('f440dc65ea9cec3fd496c1479ddf937e1b949412');
  });

  it('inserts the same line once after/before several different matches (issue 28721)', async () => {
    const f = sb.p('multiple');
    for (const [option, checksum] of [
      ['insertafter', 'c6733b6c53ddd0e11e6ba39daa556ef8f4840761'],
      ['insertbefore', '5d298651fbc377b45257da10308a9dc2fe1f8be5'],
    ] as const) {
      await fs.writeFile(f, 'This is line 1\n\nThis is line 2\n\nThis is line 3\n\nThis is line 4\n');
      for (const pass of [1, 2]) {
        const changed = [];
        for (const regex of ['1', '2', '3', '4']) changed.push((await sb.run(lineinfile, { path: f, [option]: regex, line: 'bar' })).changed);
        expect(changed).toEqual(pass === 1 ? [true, false, false, false] : [false, false, false, false]);
      }
      expect(await sha1File(f)).toBe(checksum);
    }
  });

  it('honours insertafter/insertbefore only when regexp has no match (issue 36156)', async () => {
    const f = sb.p('test.conf');
    const items = ['one', 'two', 'three'].map((n, i) => ({ regexp: `option_${n}=`, line: `option_${n}=${i + 1}` }));
    for (const [option, anchor, checksum] of [
      ['insertafter', 'section_one', '06e2c456e5028dd7bcd0b117b5927a1139458c82'],
      ['insertbefore', 'section_three', 'c3be9438a07c44d4c256cebfcdbca15a15b1db91'],
    ] as const) {
      await fs.writeFile(f, '[section_one]\n\n[section_two]\n\n[section_three]\n');
      for (const item of items) expect((await sb.run(lineinfile, { path: f, ...item, [option]: anchor })).changed).toBe(true);
      for (const item of items) expect((await sb.run(lineinfile, { path: f, ...item, [option]: anchor })).changed).toBe(false);
      for (const item of items) expect((await sb.run(lineinfile, { path: f, line: item.line, [option]: anchor })).changed).toBe(false);
      expect(await sha1File(f)).toBe(checksum);
    }
  });

  it('firstmatch inserts after the first match only (issue 58923)', async () => {
    const f = sb.p('firstmatch');
    await fs.writeFile(f, 'line1\nline1\nline1\nline2\nline3\n');
    expect((await sb.run(lineinfile, { path: f, line: 'INSERT', insertafter: 'line1', firstmatch: true })).changed).toBe(true);
    expect((await sb.run(lineinfile, { path: f, line: 'INSERT', insertafter: 'line1', firstmatch: true })).changed).toBe(false);
    expect(await sha1File(f)).toBe('114aae024073a3ee8ec8db0ada03c5483326dd86');

    const line = 'export FISHEYE_OPTS="-Xmx4096m -Xms2048m"';
    for (const [args, checksum] of [
      [{ insertafter: '^#!/bin/sh', regexp: '^export FISHEYE_OPTS' }, '9232aed6fe88714964d9e29d13e42cd782070b08'],
      [{ insertafter: '^#!/bin/sh' }, '9232aed6fe88714964d9e29d13e42cd782070b08'],
      [{ insertbefore: '^#!/bin/sh', regexp: '^export FISHEYE_OPTS' }, '3c6630b9d44f561ea9ad999be56a7504cadc12f7'],
      [{ insertbefore: '^#!/bin/sh', search_string: 'export FISHEYE_OPTS' }, '3c6630b9d44f561ea9ad999be56a7504cadc12f7'],
    ] as const) {
      await fs.writeFile(f, TEST_58923);
      expect((await sb.run(lineinfile, { path: f, firstmatch: true, line, ...args })).changed).toBe(true);
      expect((await sb.run(lineinfile, { path: f, firstmatch: true, line, ...args })).changed).toBe(false);
      expect(await sha1File(f)).toBe(checksum);
    }
  });

  it('adds at the end when insertafter matches the last line (issue 63684)', async () => {
    const f = sb.p('testend.txt');
    expect((await sb.run(lineinfile, { path: f, create: true, line: 'testline' })).changed).toBe(true);
    expect((await sb.run(lineinfile, { path: f, insertafter: 'testline', regexp: 'line at the end', line: 'line at the end' })).changed).toBe(true);
    expect(await sha1File(f)).toBe('ef36116966836ce04f6b249fd1837706acae4e19');
  });

  it('an empty regexp replaces the last line and warns', async () => {
    const f = sb.p('test.txt');
    await fs.writeFile(f, TEST_TXT);
    const r = await sb.run(lineinfile, { path: f, regexp: '', line: 'This is line 6' });
    expect(r.changed).toBe(true);
    expect(r['warnings']).toEqual([
      'The regular expression is an empty string, which will match every line in the file. This may have unintended consequences, such as replacing the last line in the file rather than appending. ' +
        "If this is desired, use '^' to match every line in the file and avoid this warning.",
    ]);
    expect(await sha1File(f)).toBe('23555a98ceaa88756b4c7c7bba49d9f86eed868f');
  });

  it('keeps non-ASCII text intact and matches it', async () => {
    const f = sb.p('utf8');
    await fs.writeFile(f, 'größe=1\nname=café\n');
    await sb.run(lineinfile, { path: f, regexp: '^größe=', line: 'größe=2' });
    expect(await read(f)).toBe('größe=2\nname=café\n');
  });
});

describe('lineinfile: files, modes, check and diff', () => {
  it('creates a file (and its directory) with create=yes and produces a diff', async () => {
    const f = sb.p('a', 'a.txt');
    const r = await sb.run(lineinfile, { dest: f, line: 'First line', create: true, mode: '0640' }, { diff: true });
    expect(r).toMatchObject({ changed: true, msg: 'line added and ownership, perms or SE linux context changed', backup: '' });
    expect(r.diff).toEqual([
      { before: '', after: 'First line\n', before_header: `${f} (content)`, after_header: `${f} (content)` },
      { before: { mode: defaultMode() }, after: { mode: '0640' }, before_header: `${f} (file attributes)`, after_header: `${f} (file attributes)` },
    ]);
    expect((await fs.stat(f)).mode & 0o777).toBe(0o640);
    expect((await sb.run(lineinfile, { dest: f, line: 'First line', create: true, mode: '0640' })).changed).toBe(false);
  });

  it('changes nothing in check mode and reports the diff alone for a new file', async () => {
    const f = sb.p('new.txt');
    const r = await sb.run(lineinfile, { path: f, line: 'x', create: true }, { check: true, diff: true });
    expect(r).toEqual({ changed: true, msg: 'line added', backup: '', diff: { before: '', after: 'x\n', before_header: `${f} (content)`, after_header: `${f} (content)` } });
    await expect(fs.stat(f)).rejects.toThrow();
    await fs.writeFile(f, 'a\n');
    const c = await sb.run(lineinfile, { path: f, line: 'b', mode: '0600' }, { check: true });
    expect(c).toMatchObject({ changed: true, msg: 'line added and ownership, perms or SE linux context changed' });
    expect(await read(f)).toBe('a\n');
    expect((await fs.stat(f)).mode & 0o777).toBe(0o644);
  });

  it('only fixes attributes when the line is already there', async () => {
    const f = sb.p('f');
    await fs.writeFile(f, 'a\n', { mode: 0o644 });
    const r = await sb.run(lineinfile, { path: f, line: 'a', mode: 'u=rw,go=' });
    expect(r).toMatchObject({ changed: true, msg: 'ownership, perms or SE linux context changed' });
    expect((await fs.stat(f)).mode & 0o777).toBe(0o600);
  });

  it('edits the target of a link and leaves the link', async () => {
    await fs.writeFile(sb.p('real'), 'a\n');
    await fs.symlink('real', sb.p('link'));
    const r = await sb.run(lineinfile, { path: sb.p('link'), line: 'b', backup: true });
    expect(r.changed).toBe(true);
    expect((await fs.lstat(sb.p('link'))).isSymbolicLink()).toBe(true);
    expect(await read(sb.p('real'))).toBe('a\nb\n');
    expect(await read(String(r['backup']))).toBe('a\n');
  });

  it('fails as Ansible does', async () => {
    expect(await sb.run(lineinfile, { path: '/some/where/that/doesnotexist.txt', line: 'x' })).toMatchObject({
      failed: true,
      rc: 257,
      msg: 'Destination /some/where/that/doesnotexist.txt does not exist !',
    });
    await fs.writeFile(sb.p('t'), 'a\n');
    expect(await sb.run(lineinfile, { path: sb.p('t'), line: 'x', validate: '/some/path' })).toMatchObject({ failed: true, msg: 'validate must contain %s: /some/path' });
    expect(await sb.run(lineinfile, { path: sb.p('t') })).toMatchObject({ failed: true, msg: 'line is required with state=present' });
    expect(await sb.run(lineinfile, { path: sb.p('t'), line: 'x', backrefs: true })).toMatchObject({ failed: true, msg: 'regexp is required with backrefs=true' });
    expect(await sb.run(lineinfile, { path: sb.p('t'), state: 'absent' })).toMatchObject({
      failed: true,
      msg: 'one of line, search_string, or regexp is required with state=absent',
    });
    expect(await sb.run(lineinfile, { path: sb.root, line: 'x' })).toMatchObject({ failed: true, rc: 256, msg: `Path ${sb.root} is a directory !` });
    expect(await sb.run(lineinfile, { path: sb.p('nope'), state: 'absent', line: 'x' })).toEqual({ changed: false, msg: 'file not present' });
    await expect(sb.run(lineinfile, { path: sb.p('t'), line: 'x', insertafter: 'a', insertbefore: 'b' })).rejects.toThrow('parameters are mutually exclusive: insertbefore|insertafter');
  });
});
