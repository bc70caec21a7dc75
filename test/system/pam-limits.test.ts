/**
 * pam_limits on lab nodes: lines added to and changed in /etc/security/limits.conf and a file of
 * limits.d, confirmed with tail/cat/stat on the node; re-runs report changed=0; check mode predicts
 * and writes nothing; the diff as Ansible shows it; bad values fail naming the value; the same
 * tasks under ansible-playbook on the other node give the same recaps, return values and files.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ModuleLab, startModuleLab } from '../support/module-lab.js';

let lab: ModuleLab;

const sh = async (node: string, command: string): Promise<string> => (await lab.sh(node, command)).stdout;

beforeAll(async () => {
  lab = await startModuleLab('pamlim');
}, 600_000);

afterAll(async () => {
  await lab?.down();
}, 120_000);

describe('pam_limits', () => {
  it('adds a limit to limits.conf once; check mode predicts it and writes nothing; --diff shows it', async () => {
    const before = await sh('node2', 'md5sum /etc/security/limits.conf');
    const task = `    - pam_limits: { domain: "*", limit_type: soft, limit_item: nofile, value: "65536" }\n      register: r\n`;
    const checked = await lab.play(task, { hosts: 'node2', args: ['--check'] });
    expect(checked.recap('node2')).toMatchObject({ changed: 1, failed: 0 });
    expect(await sh('node2', 'md5sum /etc/security/limits.conf')).toBe(before);
    const run = await lab.play(task, { hosts: 'node2', args: ['--diff'], dump: ['r'] });
    expect(run.code, run.stdout).toBe(0);
    expect(run.registered('node2')['r']).toMatchObject({ changed: true, msg: '*\tsoft\tnofile\t65536\n' });
    expect(run.stdout).toMatch(/# End of file\n\+\*\s+soft\s+nofile\s+65536/);
    expect(await sh('node2', 'tail -n 2 /etc/security/limits.conf; stat -c "%a %U" /etc/security/limits.conf')).toBe('# End of file\n*\tsoft\tnofile\t65536\n644 root\n');
    const again = await lab.play(task, { hosts: 'node2' });
    expect(again.recap('node2')).toMatchObject({ changed: 0, failed: 0 });
  }, 300_000);

  it('use_max keeps a larger value, use_min lowers it, unlimited; a new file in limits.d with a comment', async () => {
    const conf = '/etc/security/limits.d/90-lab.conf';
    const tasks = `    - pam_limits: { dest: ${conf}, domain: "@labdev", limit_type: hard, limit_item: nproc, value: "500", comment: lab }
    - pam_limits: { dest: ${conf}, domain: "@labdev", limit_type: hard, limit_item: nproc, value: "200", use_max: true }
    - pam_limits: { dest: ${conf}, domain: "@labdev", limit_type: hard, limit_item: nproc, value: "300", use_min: true }
    - pam_limits: { dest: ${conf}, domain: root, limit_type: "-", limit_item: memlock, value: unlimited }
    - pam_limits: { dest: ${conf}, domain: root, limit_type: "-", limit_item: nice, value: "-5" }
`;
    const [run, theirs] = await Promise.all([lab.play(tasks, { hosts: 'node2' }), lab.play(tasks, { hosts: 'node1', engine: 'ansible' })]);
    expect(run.code, run.stdout).toBe(0);
    expect(run.recap('node2')).toMatchObject({ changed: 4, failed: 0 });
    // Ansible's quirk, kept: the first line's comment ("lab", with its newline) is reused for the lines written after it.
    const expected = '@labdev\thard\tnproc\t300\t#lab\n\nroot\t-\tmemlock\tunlimited\t#lab\n\nroot\t-\tnice\t-5\t#lab\n\n644 root\n';
    expect(await sh('node2', `cat ${conf}; stat -c "%a %U" ${conf}`)).toBe(expected);
    expect(await sh('node1', `cat ${conf}; stat -c "%a %U" ${conf}`)).toBe(expected);
    expect(theirs.recap('node1')).toEqual(run.recap('node2'));
    // use_min with a larger value and the same lines again: nothing to change.
    const again = await lab.play(tasks.split('\n').slice(2).join('\n').replace('value: "300", use_min: true', 'value: "400", use_min: true'), { hosts: 'node2' });
    expect(again.recap('node2')).toMatchObject({ ok: 3 });
    expect(again.recap('node2')).toMatchObject({ changed: 0, failed: 0 });
  }, 300_000);

  it('backup: a copy of the file as it was, named as Ansible names it', async () => {
    await lab.sh('node2', 'printf "* soft core 0\\n" > /etc/security/limits.d/92-backup.conf');
    const run = await lab.play(`    - pam_limits: { dest: /etc/security/limits.d/92-backup.conf, domain: "*", limit_type: soft, limit_item: core, value: "100", backup: true }\n      register: b\n`, { hosts: 'node2', dump: ['b'] });
    const b = run.registered('node2')['b'];
    expect(b).toMatchObject({ changed: true, backup_file: expect.stringMatching(/^\/etc\/security\/limits\.d\/92-backup\.conf\.\d+\.\d{4}-\d\d-\d\d@\d\d:\d\d:\d\d~$/) });
    expect(await sh('node2', `cat ${b['backup_file']} /etc/security/limits.d/92-backup.conf`)).toBe('* soft core 0\n*\tsoft\tcore\t100\n');
  }, 300_000);

  it('fails on a bad value, naming it, and on a bad line in the file, naming the file', async () => {
    await lab.sh('node2', 'printf "* hard core lots\\n" > /etc/security/limits.d/91-bad.conf');
    const run = await lab.play(`    - pam_limits: { domain: "*", limit_type: soft, limit_item: nofile, value: many }
      register: value
      ignore_errors: true
    - pam_limits: { dest: /etc/security/limits.d/91-bad.conf, domain: "*", limit_type: soft, limit_item: nofile, value: "10" }
      register: file
      ignore_errors: true
    - pam_limits: { dest: /nonexistent/dir/x.conf, domain: "*", limit_type: soft, limit_item: nofile, value: "10" }
      register: dir
      ignore_errors: true
`, { hosts: 'node2', dump: ['value', 'file', 'dir'] });
    const r = run.registered('node2');
    expect(r['value']).toMatchObject({ failed: true, msg: expect.stringContaining("Value of 'many' for item 'nofile' is invalid.") });
    expect(r['file']).toMatchObject({ failed: true, msg: expect.stringMatching(/^Invalid configuration found in '\/etc\/security\/limits\.d\/91-bad\.conf'\. Value of 'lots' for item 'core' is invalid\./) });
    expect(r['dir']).toMatchObject({ failed: true, msg: 'directory /nonexistent/dir is not writable (check presence, access rights, use sudo)' });
    expect(run.stdout).toMatch(/fatal: \[node2\]: FAILED! => .*Value of 'many' for item 'nofile' is invalid/);
    expect(await sh('node2', 'cat /etc/security/limits.d/91-bad.conf')).toBe('* hard core lots\n');
  }, 300_000);

  it('gives what ansible-playbook gives', async () => {
    const setup = 'printf "# lab\\nroot  hard nproc  100\\n*   soft   nofile   1024 # old\\n" > /etc/security/limits.d/95-parity.conf';
    await Promise.all([lab.sh('node1', setup), lab.sh('node2', setup)]);
    const conf = '/etc/security/limits.d/95-parity.conf';
    const tasks = `    - pam_limits: { dest: ${conf}, domain: "*", limit_type: soft, limit_item: nofile, value: "1024" }
      register: same
    - pam_limits: { dest: ${conf}, domain: "*", limit_type: soft, limit_item: nofile, value: "2048" }
      register: replace
    - pam_limits: { dest: ${conf}, domain: root, limit_type: hard, limit_item: nproc, value: unlimited, use_min: true }
      register: min
    - pam_limits: { dest: ${conf}, domain: root, limit_type: hard, limit_item: nproc, value: "50", use_max: true }
      register: max
    - pam_limits: { dest: ${conf}, domain: "@ops", limit_type: "-", limit_item: maxlogins, value: "4", comment: ops }
      register: add
    - pam_limits: { dest: /etc/security/limits.d/96-parity.conf, domain: "*", limit_type: hard, limit_item: core, value: "0" }
      register: new
    - pam_limits: { dest: ${conf}, domain: "*", limit_type: soft, limit_item: priority, value: "30" }
      register: bad
      ignore_errors: true
`;
    const keys = ['same', 'replace', 'min', 'max', 'add', 'new', 'bad'];
    const [ours, theirs] = await Promise.all([lab.play(tasks, { hosts: 'node2', dump: keys }), lab.play(tasks, { hosts: 'node1', dump: keys, engine: 'ansible' })]);
    expect(theirs.recap('node1'), theirs.stdout + theirs.stderr).toMatchObject({ failed: 0, ignored: 1 });
    expect(ours.recap('node2')).toEqual(theirs.recap('node1'));
    const pick = (r: Record<string, any>): unknown => ({ changed: r['changed'], failed: r['failed'] ?? false, msg: r['msg'], diff: r['diff'] });
    for (const k of keys) expect(pick(ours.registered('node2')[k]), k).toEqual(pick(theirs.registered('node1')[k]));
    const files = 'cat /etc/security/limits.d/95-parity.conf /etc/security/limits.d/96-parity.conf; stat -c "%a %U" /etc/security/limits.d/9[56]-parity.conf';
    expect(await sh('node2', files)).toBe(await sh('node1', files));
  }, 300_000);
});
