/**
 * assemble on lab nodes over SSH: fragments in a directory on the node (remote_src) and in the
 * playbook's files/ on the controller, assembled in name order with a regexp and a delimiter; the
 * result read back on the node with cat and sha1sum; re-runs change nothing; check mode writes
 * nothing; a missing source fails naming it; ansible-playbook on node1 and playbook on node2 give
 * the same recap, return values and file.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ModuleLab, startModuleLab } from '../support/module-lab.js';

let lab: ModuleLab;

const seed = (node: string): Promise<unknown> =>
  lab.sh(node, `rm -rf /srv/asm && mkdir -p /srv/asm/frags/sub && cd /srv/asm/frags && printf 'port 1\\n' > 10-a.conf && printf 'port 2' > 20-b.conf && printf 'x\\n' > 30-c.txt && printf 'hidden\\n' > .99-h.conf`);
const file = async (node: string, p: string): Promise<string> => (await lab.sh(node, `cat ${p}`)).stdout;

beforeAll(async () => {
  lab = await startModuleLab('assemble');
  const frags = path.join(lab.work, 'files', 'frags');
  mkdirSync(frags, { recursive: true });
  writeFileSync(path.join(frags, 'b.part'), 'second\n');
  writeFileSync(path.join(frags, 'a.part'), 'first\n');
}, 600_000);

afterAll(async () => {
  await lab?.down();
}, 120_000);

describe('assemble', () => {
  it('assembles a directory on the node, filtered and delimited; the re-run changes nothing', async () => {
    await seed('node2');
    const task = `    - assemble: { src: /srv/asm/frags, dest: /srv/asm/out.conf, regexp: '\\.conf$', delimiter: '### part', ignore_hidden: true, mode: '0640' }\n      register: asm\n`;
    const first = await lab.play(task, { hosts: 'node2', dump: ['asm'] });
    expect(first.code, first.stdout).toBe(0);
    expect(first.recap('node2')).toMatchObject({ changed: 1, failed: 0 });
    const want = 'port 1\n### part\nport 2';
    expect(await file('node2', '/srv/asm/out.conf')).toBe(want);
    const sum = (await lab.sh('node2', 'sha1sum /srv/asm/out.conf; stat -c %a /srv/asm/out.conf')).stdout.split(/\s+/);
    expect(first.registered('node2')['asm']).toMatchObject({ changed: true, msg: 'OK', checksum: sum[0], mode: '0640', state: 'file', dest: '/srv/asm/out.conf' });
    expect(sum[2]).toBe('640');
    const again = await lab.play(task, { hosts: 'node2' });
    expect(again.recap('node2')).toMatchObject({ ok: 1, changed: 0, failed: 0 });
  }, 300_000);

  it('predicts in check mode without writing; a new fragment changes the file', async () => {
    await lab.sh('node2', `printf 'port 3\\n' > /srv/asm/frags/25-new.conf`);
    const task = `    - assemble: { src: /srv/asm/frags, dest: /srv/asm/out.conf, regexp: '\\.conf$', delimiter: '### part', ignore_hidden: true, mode: '0640' }\n`;
    const checked = await lab.play(task, { hosts: 'node2', args: ['--check'] });
    expect(checked.recap('node2')).toMatchObject({ changed: 1, failed: 0 });
    expect(await file('node2', '/srv/asm/out.conf')).toBe('port 1\n### part\nport 2');
    const run = await lab.play(task, { hosts: 'node2' });
    expect(run.recap('node2')).toMatchObject({ changed: 1 });
    expect(await file('node2', '/srv/asm/out.conf')).toBe('port 1\n### part\nport 2\n### part\nport 3\n');
  }, 300_000);

  it("assembles the controller's files/ directory onto the node (remote_src: false)", async () => {
    const task = `    - assemble: { src: frags, dest: /srv/asm/from-controller, remote_src: false }\n      register: local\n`;
    const first = await lab.play(task, { hosts: 'node2', dump: ['local'], args: ['--diff'] });
    expect(first.code, first.stdout).toBe(0);
    expect(await file('node2', '/srv/asm/from-controller')).toBe('first\nsecond\n');
    expect(first.stdout).toMatch(/\n\+first\n\+second\n/);
    expect((await lab.play(task, { hosts: 'node2' })).recap('node2')).toMatchObject({ changed: 0, failed: 0 });
  }, 300_000);

  it('fails naming a source directory that does not exist', async () => {
    const run = await lab.play(`    - assemble: { src: /srv/asm/none, dest: /srv/asm/x }\n`, { hosts: 'node2' });
    expect(run.code).toBe(2);
    expect(run.stdout).toMatch(/fatal: \[node2\]: FAILED! => .*Source \(\/srv\/asm\/none\) does not exist/);
  }, 300_000);

  it('gives what ansible-playbook gives: recaps, return values and files', async () => {
    await Promise.all([seed('node1'), seed('node2')]);
    const tasks = `    - assemble: { src: /srv/asm/frags, dest: /srv/asm/all }
      register: all
    - assemble: { src: /srv/asm/frags, dest: /srv/asm/all, backup: true, delimiter: '--\\n', mode: '0600' }
      register: delimited
    - assemble: { src: /srv/asm/frags, dest: /srv/asm/all, backup: true, delimiter: '--\\n', mode: '0600' }
      register: again
    - assemble: { src: /srv/asm/frags, dest: /srv/asm/valid, validate: 'grep -q port %s' }
      register: validated
    - assemble: { src: /srv/asm/none, dest: /srv/asm/x }
      register: missing
      ignore_errors: true
    - assemble: { src: frags, dest: /srv/asm/local, remote_src: false, delimiter: '##' }
      register: local
`;
    const keys = ['all', 'delimited', 'again', 'validated', 'missing', 'local'];
    const [ours, theirs] = await Promise.all([lab.play(tasks, { hosts: 'node2', dump: keys }), lab.play(tasks, { hosts: 'node1', dump: keys, engine: 'ansible' })]);
    expect(theirs.code, theirs.stdout + theirs.stderr).toBe(0);
    expect(ours.code, ours.stdout).toBe(0);
    expect(ours.recap('node2')).toEqual(theirs.recap('node1'));
    const pick = (v: Record<string, any>): unknown => ({
      changed: v['changed'], failed: v['failed'], msg: v['msg'], checksum: v['checksum'], md5sum: v['md5sum'], mode: v['mode'], state: v['state'],
      owner: v['owner'], size: v['size'], backup: typeof v['backup_file'], validation: v['validation'],
    });
    for (const k of keys) expect(pick(ours.registered('node2')[k]), k).toEqual(pick(theirs.registered('node1')[k]));
    for (const f of ['all', 'valid', 'local']) expect(await file('node2', `/srv/asm/${f}`), f).toBe(await file('node1', `/srv/asm/${f}`));
  }, 300_000);
});
