/** blockinfile, against the checksums of Ansible's blockinfile integration target, plus modes and errors. */
import fs from 'node:fs/promises';
import { sha1File } from '../../src/connection/local.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import blockinfile from '../../src/modules/blockinfile.js';
import { type Sandbox, createSandbox, defaultMode, readText } from '../support/module-context.js';

let sb: Sandbox;
beforeEach(async () => {
  sb = await createSandbox();
});
afterEach(async () => {
  await sb.cleanup();
});

const read = readText;
const THREE_LINES = 'line1\nline2\nline3\n';

describe('blockinfile: integration target checksums', () => {
  it('adds a block without trailing newline once, to a new file', async () => {
    const f = sb.p('chomped');
    expect((await sb.run(blockinfile, { path: f, create: true, content: 'one\ntwo\nthree' })).changed).toBe(true);
    expect((await sb.run(blockinfile, { path: f, content: 'one\ntwo\nthree' })).changed).toBe(false);
    expect(await sha1File(f)).toBe('50d49f528a5f7147c7029ed6220c326b1ee2c4ae');
  });

  it('adds a newline to a file that has none before the block', async () => {
    const f = sb.p('no_newline');
    await fs.writeFile(f, '# File with no newline');
    expect((await sb.run(blockinfile, { path: f, content: 'one\ntwo\nthree\n' })).changed).toBe(true);
    expect((await sb.run(blockinfile, { path: f, content: 'one\ntwo\nthree\n' })).changed).toBe(false);
    expect(await sha1File(f)).toBe('dab16f864025e59125e74d1498ffb2bb048224e6');
  });

  it('insertafter and insertbefore', async () => {
    for (const [option, checksum] of [
      ['insertafter', 'a8adeb971358230a28ce554f3b8fdd1ef65fdf1c'],
      ['insertbefore', '16681d1d7f29d173243bb951d6afb9c0824d7bf4'],
    ] as const) {
      const f = sb.p(option);
      await fs.writeFile(f, THREE_LINES);
      expect((await sb.run(blockinfile, { path: f, [option]: 'line2', block: 'block1\nblock2\n' })).changed).toBe(true);
      expect((await sb.run(blockinfile, { path: f, [option]: 'line2', block: 'block1\nblock2\n' })).changed).toBe(false);
      expect(await sha1File(f)).toBe(checksum);
    }
  });

  it('a (?m) pattern is matched across lines; without it line by line', async () => {
    const f = sb.p('listener.ora');
    const sid = (db: string, name: string): string =>
      `    (SID_LIST =\n        (SID_DESC =\n            (GLOBAL_DBNAME = ${db})\n            (ORACLE_HOME = /u01/app/oracle/product/12.1.0.1/db_1)\n            (SID_NAME = ${name})\n        )\n    )\n`;
    await fs.writeFile(
      f,
      'LISTENER=(DESCRIPTION=(ADDRESS_LIST=(ADDRESS=(PROTOCOL=IPC)(KEY=LISTENER)))) # line added by Agent\n' +
        'ENABLE_GLOBAL_DYNAMIC_ENDPOINT_LISTENER=ON                                   # line added by Agent\n' +
        `\nSID_LIST_LISTENER_DG =\n${sid('DB01_DG', 'DB011')}\nSID_LIST_LISTENER =\n${sid('DB02', 'DB021')}`,
    );
    const block = '(SID_DESC =\n  (GLOBAL_DBNAME = DB03\n  (ORACLE_HOME = /u01/app/oracle/product/12.1.0.1/db_1)\n  (SID_NAME = DB031)\n)\n';
    const args = { path: f, block, insertafter: '(?m)SID_LIST_LISTENER_DG =\\n.*\\(SID_LIST =', marker: '    <!-- {mark} ANSIBLE MANAGED BLOCK 1-->' };
    expect((await sb.run(blockinfile, args)).changed).toBe(true);
    expect((await sb.run(blockinfile, args)).changed).toBe(false);
    const lineByLine = { ...args, insertafter: 'SID_LIST_LISTENER_DG =\\n.*\\(SID_LIST =', marker: '    <!-- {mark} ANSIBLE MANAGED BLOCK 2-->' };
    expect((await sb.run(blockinfile, lineByLine)).changed).toBe(true);
    expect(await sha1File(f)).toBe('5a8010ac4a2fad7c822e6aeb276931657cee75c0');
  });

  it('prepend_newline', async () => {
    const f = sb.p('prepend');
    await fs.writeFile(f, THREE_LINES);
    await sb.run(blockinfile, { path: f, prepend_newline: true, insertbefore: 'line1', block: 'line0.5\n' });
    expect(await sha1File(f)).toBe('bfd32c880bbfadd1983c67836c46bf8ed9d50343');
    const wrapped = { path: f, prepend_newline: true, marker: '#{mark} WRAPPED TEXT', insertafter: 'line1', block: 'line1.5\n' };
    expect((await sb.run(blockinfile, wrapped)).changed).toBe(true);
    expect((await sb.run(blockinfile, wrapped)).changed).toBe(false);
    expect(await sha1File(f)).toBe('d5b8b42690f4a38b9a040adc3240a6f81ad5f8ee');
    await sb.run(blockinfile, { path: f, marker: '#{mark} UNWRAPPED TEXT', insertafter: 'line3', block: 'line3.5\n' });
    expect(await sha1File(f)).toBe('ad06200e7ee5b22b7eff4c57075b42d038eaffb6');
    expect((await sb.run(blockinfile, { path: f, prepend_newline: true, marker: '#{mark} UNWRAPPED TEXT', insertafter: 'line3', block: 'line3.5\n' })).changed).toBe(true);
    expect(await sha1File(f)).toBe('f2dd48160fb3c7c8e02d292666a1a3f08503f6bf');
    expect((await sb.run(blockinfile, { path: f, prepend_newline: true, marker: '#{mark} UNWRAPPED TEXT', state: 'absent' })).changed).toBe(true);
    expect(await sha1File(f)).toBe('c97c3da7d607acfd5d786fbb81f3d93d867c914a');
  });

  it('append_newline', async () => {
    const f = sb.p('append');
    await fs.writeFile(f, THREE_LINES);
    const first = { path: f, append_newline: true, insertafter: 'line1', block: 'line1.5\n' };
    expect((await sb.run(blockinfile, first)).changed).toBe(true);
    expect((await sb.run(blockinfile, first)).changed).toBe(false);
    expect(await sha1File(f)).toBe('525ffd613a0b0eb6675e506226dc2adedf621f34');
    await sb.run(blockinfile, { path: f, marker: '#{mark} UNWRAPPED TEXT', insertafter: 'line2', block: 'line2.5\n' });
    expect(await sha1File(f)).toBe('d5f5ed1428af50b5484a5184dc7e1afda1736646');
    await sb.run(blockinfile, { path: f, append_newline: true, marker: '#{mark} UNWRAPPED TEXT', insertafter: 'line2', block: 'line2.5\n' });
    expect(await sha1File(f)).toBe('b09dd16be73a0077027d5a324294db8a75a7b0f9');
    await sb.run(blockinfile, { path: f, append_newline: true, marker: '#{mark} END OF FILE TEXT', insertafter: 'line3', block: 'line3.5\n' });
    expect(await sha1File(f)).toBe('9b90722b84d9bdda1be781cc4bd44d8979887691');
    expect((await sb.run(blockinfile, { path: f, append_newline: true, marker: '#{mark} UNWRAPPED TEXT', state: 'absent' })).changed).toBe(true);
    expect(await sha1File(f)).toBe('9a40d4c0969255cd6147537b38309d69a9b10049');
  });
});

describe('blockinfile: messages, backup, check and diff', () => {
  it('inserts, updates in place, removes, with Ansible messages', async () => {
    const f = sb.p('conf');
    await fs.writeFile(f, 'a\nb\n');
    const inserted = await sb.run(blockinfile, { path: f, block: 'Match User ansible-agent\nPasswordAuthentication no\n', backup: true });
    expect(inserted).toMatchObject({ changed: true, msg: 'Block inserted' });
    expect(await read(String(inserted['backup_file']))).toBe('a\nb\n');
    expect(await read(f)).toBe('a\nb\n# BEGIN ANSIBLE MANAGED BLOCK\nMatch User ansible-agent\nPasswordAuthentication no\n# END ANSIBLE MANAGED BLOCK\n');
    expect(await sb.run(blockinfile, { path: f, block: 'Match User ansible-agent\nPasswordAuthentication no\n' })).toEqual({
      changed: false,
      msg: '',
      diff: [
        { before: '', after: '', before_header: `${f} (content)`, after_header: `${f} (content)` },
        { before_header: `${f} (file attributes)`, after_header: `${f} (file attributes)` },
      ],
    });
    await sb.run(blockinfile, { path: f, block: 'X', insertbefore: 'BOF' });
    expect(await read(f)).toBe('a\nb\n# BEGIN ANSIBLE MANAGED BLOCK\nX\n# END ANSIBLE MANAGED BLOCK\n');
    expect(await sb.run(blockinfile, { path: f, block: '' })).toMatchObject({ changed: true, msg: 'Block removed' });
    expect(await read(f)).toBe('a\nb\n');
    expect(await sb.run(blockinfile, { path: f, state: 'absent' })).toMatchObject({ changed: false });
  });

  it('custom markers, marker_begin/marker_end, and a new file with mode', async () => {
    const f = sb.p('new', 'index.html');
    const r = await sb.run(blockinfile, { path: f, create: true, marker: '<!-- {mark} -->', marker_begin: 'start', marker_end: 'stop', block: '<h1>hi</h1>', mode: '0600' }, { diff: true });
    expect(r).toMatchObject({ changed: true, msg: 'File created and ownership, perms or SE linux context changed' });
    expect(await read(f)).toBe('<!-- start -->\n<h1>hi</h1>\n<!-- stop -->\n');
    expect((await fs.stat(f)).mode & 0o777).toBe(0o600);
    expect(r.diff).toEqual([
      { before: '', after: '<!-- start -->\n<h1>hi</h1>\n<!-- stop -->\n', before_header: `${f} (content)`, after_header: `${f} (content)` },
      { before: { mode: defaultMode() }, after: { mode: '0600' }, before_header: `${f} (file attributes)`, after_header: `${f} (file attributes)` },
    ]);
  });

  it('check mode writes nothing', async () => {
    const f = sb.p('c');
    await fs.writeFile(f, 'a\n');
    const r = await sb.run(blockinfile, { path: f, block: 'x' }, { check: true, diff: true });
    expect(r).toMatchObject({ changed: true, msg: 'Block inserted' });
    expect((r.diff as { after: string }[])[0]?.after).toBe('a\n# BEGIN ANSIBLE MANAGED BLOCK\nx\n# END ANSIBLE MANAGED BLOCK\n');
    expect(await read(f)).toBe('a\n');
    const created = await sb.run(blockinfile, { path: sb.p('n'), block: 'x', create: true }, { check: true });
    expect(created).toMatchObject({ changed: true, msg: 'File created' });
    await expect(fs.stat(sb.p('n'))).rejects.toThrow();
  });

  it('validates before installing', async () => {
    const f = sb.p('v');
    await fs.writeFile(f, 'a\n');
    const r = await sb.run(blockinfile, { path: f, block: 'x', validate: 'grep -q nothing-like-this %s' });
    expect(r).toMatchObject({ failed: true, msg: 'failed to validate: rc:1 error:' });
    expect(await read(f)).toBe('a\n');
    expect((await sb.run(blockinfile, { path: f, block: 'x', validate: 'grep -q x %s' })).changed).toBe(true);
  });

  it('fails as Ansible does', async () => {
    expect(await sb.run(blockinfile, { path: sb.p('none'), block: 'x' })).toMatchObject({ failed: true, rc: 257, msg: `Path ${sb.p('none')} does not exist !` });
    expect(await sb.run(blockinfile, { path: sb.root, block: 'x' })).toMatchObject({ failed: true, rc: 256, msg: `Path ${sb.root} is a directory !` });
    // The existence check comes first, so absent needs create=yes to pass quietly.
    expect(await sb.run(blockinfile, { path: sb.p('none'), state: 'absent' })).toMatchObject({ failed: true, rc: 257 });
    expect(await sb.run(blockinfile, { path: sb.p('none'), state: 'absent', create: true })).toEqual({ changed: false, msg: `File ${sb.p('none')} not present` });
  });
});
