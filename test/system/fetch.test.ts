/**
 * fetch from lab nodes to the controller over SSH: a file (and one readable only by root, with
 * become) lands under dest/<host>/<path> or flat; the controller's copy is read back and compared
 * with sha1sum on the node; the re-run transfers nothing; check mode is skipped; missing files and
 * directories fail or are ignored as asked; ansible-playbook on node1 gives the same recap and
 * return values as playbook on node2.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ModuleLab, startModuleLab } from '../support/module-lab.js';

let lab: ModuleLab;

const seed = (node: string): Promise<unknown> =>
  lab.sh(node, `mkdir -p /srv/f && printf 'hello from ${node}\\n' > /srv/f/data.txt && head -c 300000 /dev/urandom > /srv/f/blob.bin && printf 'secret\\n' > /srv/f/root-only && chmod 600 /srv/f/root-only`);

beforeAll(async () => {
  lab = await startModuleLab('fetch');
  await Promise.all([seed('node1'), seed('node2')]);
}, 600_000);

afterAll(async () => {
  await lab?.down();
}, 120_000);

describe('fetch', () => {
  it('copies files to dest/<host>/<path> on the controller; the re-run changes nothing', async () => {
    const tasks = `    - fetch: { src: /srv/f/data.txt, dest: out }
      register: text
    - fetch: { src: /srv/f/blob.bin, dest: out }
      register: blob
`;
    const first = await lab.play(tasks, { hosts: 'node2', dump: ['text', 'blob'], become: false });
    expect(first.code, first.stdout).toBe(0);
    expect(first.recap('node2')).toMatchObject({ changed: 2, failed: 0 });
    const local = path.join(lab.work, 'out', 'node2', 'srv', 'f');
    expect(readFileSync(path.join(local, 'data.txt'), 'utf8')).toBe('hello from node2\n');
    const sums = (await lab.sh('node2', 'sha1sum /srv/f/data.txt /srv/f/blob.bin')).stdout.split('\n').map((l) => l.split(' ')[0]);
    const r = first.registered('node2');
    expect(r['text']).toMatchObject({ changed: true, checksum: sums[0], remote_checksum: sums[0], dest: path.join(local, 'data.txt'), remote_md5sum: null });
    expect(r['blob']).toMatchObject({ changed: true, checksum: sums[1] });
    expect(readFileSync(path.join(local, 'blob.bin')).length).toBe(300000);
    const again = await lab.play(tasks, { hosts: 'node2', become: false });
    expect(again.recap('node2')).toMatchObject({ ok: 2, changed: 0, failed: 0 });
  }, 300_000);

  it('reads a root-only file with become, flat into a directory; check mode is skipped', async () => {
    const denied = await lab.play(`    - fetch: { src: /srv/f/root-only, dest: flat/, flat: true }\n      register: d\n      ignore_errors: true\n`, { hosts: 'node2', become: false, dump: ['d'] });
    expect(denied.registered('node2')['d']).toMatchObject({ failed: true, msg: 'File is not readable: /srv/f/root-only' });
    const run = await lab.play(`    - fetch: { src: /srv/f/root-only, dest: flat/, flat: true }\n`, { hosts: 'node2' });
    expect(run.recap('node2')).toMatchObject({ changed: 1, failed: 0 });
    expect(readFileSync(path.join(lab.work, 'flat', 'root-only'), 'utf8')).toBe('secret\n');
    const checked = await lab.play(`    - fetch: { src: /srv/f/data.txt, dest: checked }\n      register: c\n`, { hosts: 'node2', args: ['--check'], dump: ['c'] });
    expect(checked.recap('node2')).toMatchObject({ skipped: 1, changed: 0 });
    expect(checked.registered('node2')['c']).toMatchObject({ skipped: true, msg: 'check mode not (yet) supported for this module' });
    expect(existsSync(path.join(lab.work, 'checked'))).toBe(false);
  }, 300_000);

  it('fails naming a missing file; ignores it when fail_on_missing is false', async () => {
    const run = await lab.play(`    - fetch: { src: /srv/f/none, dest: out, fail_on_missing: false }\n    - fetch: { src: /srv/f/none, dest: out }\n`, { hosts: 'node2' });
    expect(run.code).toBe(2);
    expect(run.recap('node2')).toMatchObject({ ok: 1, failed: 1 });
    expect(run.stdout).toMatch(/fatal: \[node2\]: FAILED! => .*the remote file does not exist, not transferring, ignored/);
  }, 300_000);

  it('gives what ansible-playbook gives: recaps and return values', async () => {
    const tasks = `    - fetch: { src: /srv/f/data.txt, dest: parity }
      register: first
    - fetch: { src: /srv/f/data.txt, dest: parity }
      register: again
    - fetch: { src: /srv/f/data.txt, dest: "parity/{{ inventory_hostname }}-flat.txt", flat: true }
      register: flat
    - fetch: { src: /srv/f/none, dest: parity, fail_on_missing: false }
      register: missing
    - fetch: { src: /srv/f, dest: parity, fail_on_missing: false }
      register: directory
    - fetch: { src: /srv/f/none, dest: parity }
      register: failing
      ignore_errors: true
    - fetch: { src: /srv/f, dest: parity }
      register: failing_dir
      ignore_errors: true
`;
    const keys = ['first', 'again', 'flat', 'missing', 'directory', 'failing', 'failing_dir'];
    const [ours, theirs] = await Promise.all([lab.play(tasks, { hosts: 'node2', dump: keys, become: false }), lab.play(tasks, { hosts: 'node1', dump: keys, engine: 'ansible', become: false })]);
    expect(theirs.code, theirs.stdout + theirs.stderr).toBe(0);
    expect(ours.code, ours.stdout).toBe(0);
    expect(ours.recap('node2')).toEqual(theirs.recap('node1'));
    const pick = (v: Record<string, any>, host: string): unknown => ({
      changed: v['changed'], failed: v['failed'], msg: v['msg'], checksum: v['checksum'] === undefined ? undefined : 'sha1', remote_checksum: v['remote_checksum'] === undefined ? undefined : 'sha1',
      md5sum: v['md5sum'] === undefined ? undefined : 'md5', remote_md5sum: v['remote_md5sum'], file: v['file'], dest: typeof v['dest'] === 'string' ? v['dest'].replace(host, 'HOST') : v['dest'],
    });
    for (const k of keys) expect(pick(ours.registered('node2')[k], 'node2'), k).toEqual(pick(theirs.registered('node1')[k], 'node1'));
    expect(readFileSync(path.join(lab.work, 'parity', 'node2-flat.txt'), 'utf8')).toBe('hello from node2\n');
    expect(readFileSync(path.join(lab.work, 'parity', 'node1-flat.txt'), 'utf8')).toBe('hello from node1\n');
  }, 300_000);
});
