/**
 * systemd_service on lab nodes that boot systemd: a real unit (memcached, from the lab's apt
 * mirror, and a unit file of our own) started, stopped, enabled, restarted, masked; every change
 * confirmed with systemctl on the node; re-runs report changed=0; check mode predicts and changes
 * nothing; the same playbook under ansible-playbook on the other node gives the same recap and
 * return values; a unit that does not exist and a host without systemd fail naming why.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ModuleLab, startModuleLab } from '../support/module-lab.js';

let lab: ModuleLab;
let plain: ModuleLab;

const state = async (node: string, unit: string): Promise<string> =>
  (await lab.sh(node, `systemctl is-active ${unit}; systemctl is-enabled ${unit}; systemctl show -p MainPID --value ${unit}`)).stdout.trim().split('\n').slice(0, 3).join(' ');

beforeAll(async () => {
  [lab, plain] = await Promise.all([startModuleLab('systemd'), startModuleLab('sdplain', { nodes: 1, init: 'plain' })]);
  for (const node of ['node1', 'node2']) {
    const r = await lab.sh(node, 'apt-get -q update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q memcached >/dev/null && systemctl disable --now memcached 2>&1', 300_000);
    expect(r.rc, r.stdout + r.stderr).toBe(0);
  }
}, 600_000);

afterAll(async () => {
  await Promise.allSettled([lab?.down(), plain?.down()]);
}, 120_000);

describe('systemd_service', () => {
  it('starts and enables a unit, then a re-run changes nothing', async () => {
    expect(await state('node2', 'memcached')).toMatch(/^inactive disabled 0$/);
    const task = `    - systemd_service: { name: memcached, state: started, enabled: true }\n      register: r\n`;
    const first = await lab.play(task, { hosts: 'node2', dump: ['r'] });
    expect(first.code, first.stdout).toBe(0);
    expect(first.recap('node2')).toMatchObject({ ok: 2, changed: 1, failed: 0 });
    expect(first.registered('node2')['r']).toMatchObject({ changed: true, name: 'memcached', enabled: true, state: 'started', status: { ActiveState: 'inactive', LoadState: 'loaded' } });
    expect(await state('node2', 'memcached')).toMatch(/^active enabled [1-9]\d*$/);
    const again = await lab.play(task, { hosts: 'node2' });
    expect(again.recap('node2')).toMatchObject({ ok: 1, changed: 0, failed: 0 });
  }, 300_000);

  it('check mode predicts a stop without stopping; a real stop and a restart change the main PID', async () => {
    const before = await state('node2', 'memcached');
    const checked = await lab.play(`    - systemd_service: { name: memcached, state: stopped }\n`, { hosts: 'node2', args: ['--check'] });
    expect(checked.recap('node2')).toMatchObject({ changed: 1, failed: 0 });
    expect(await state('node2', 'memcached')).toBe(before);
    const restarted = await lab.play(`    - systemd_service: { name: memcached, state: restarted }\n`, { hosts: 'node2' });
    expect(restarted.recap('node2')).toMatchObject({ changed: 1, failed: 0 });
    const after = await state('node2', 'memcached');
    expect(after.split(' ')[0]).toBe('active');
    expect(after.split(' ')[2]).not.toBe(before.split(' ')[2]);
    const stopped = await lab.play(`    - systemd_service: { name: memcached, state: stopped, enabled: false }\n`, { hosts: 'node2' });
    expect(stopped.recap('node2')).toMatchObject({ changed: 1, failed: 0 });
    expect(await state('node2', 'memcached')).toMatch(/^inactive disabled 0$/);
  }, 300_000);

  it('installs a unit file, reloads the daemon, masks and unmasks it', async () => {
    const tasks = `    - file: { path: /usr/local/lib/systemd/system, state: directory }
    - copy:
        dest: /usr/local/lib/systemd/system/lab-sleeper.service
        content: "[Unit]\\nDescription=lab sleeper\\n[Service]\\nExecStart=/bin/sleep infinity\\n[Install]\\nWantedBy=multi-user.target\\n"
    - systemd_service: { name: lab-sleeper, state: started, daemon_reload: true }
    - systemd_service: { name: lab-sleeper.service, masked: true, state: stopped }
      register: masked
`;
    const run = await lab.play(tasks, { hosts: 'node2', dump: ['masked'] });
    expect(run.code, run.stdout).toBe(0);
    expect(run.recap('node2')).toMatchObject({ changed: 4, failed: 0 });
    expect((await lab.sh('node2', 'systemctl is-enabled lab-sleeper; systemctl is-active lab-sleeper')).stdout).toBe('masked\ninactive\n');
    const unmask = await lab.play(`    - systemd_service: { name: lab-sleeper, masked: false }\n`, { hosts: 'node2' });
    expect(unmask.recap('node2')).toMatchObject({ changed: 1 });
    expect((await lab.sh('node2', 'systemctl is-enabled lab-sleeper')).stdout).toBe('disabled\n');
  }, 300_000);

  it('fails naming a unit that does not exist, and warns of bad arguments before the run, failing the task as Ansible does', async () => {
    const run = await lab.play(`    - systemd_service: { name: no-such-unit, state: started }\n      ignore_errors: true\n      register: missing\n    - systemd_service: { name: "memcache*", state: started }\n      ignore_errors: true\n      register: glob\n`, { hosts: 'node2', dump: ['missing', 'glob'] });
    const r = run.registered('node2');
    expect(r['missing']).toMatchObject({ failed: true, msg: 'Could not find the requested service no-such-unit: host' });
    expect(r['glob']).toMatchObject({ failed: true, msg: "This module does not currently support using glob patterns, found '*' in service name: memcache*" });
    expect(run.stdout).toMatch(/fatal: \[node2\]: FAILED! => .*Could not find the requested service no-such-unit: host/);
    // A missing name is known from the playbook alone: a warning with its place before the run, and
    // the task fails when it runs, with the module's message (as ansible-playbook: exit 2).
    const nameless = await lab.play(`    - systemd_service: { state: started }\n`, { hosts: 'node2' });
    expect(nameless.code).toBe(2);
    expect(nameless.stderr + nameless.stdout).toMatch(/play-\d+\.yml:5:7: missing parameter\(s\) required by 'state': name \(in task systemd_service\)/);
    expect(nameless.stdout).toMatch(/fatal: \[node2\]: FAILED! => .*missing parameter\(s\) required by 'state': name/);
  }, 300_000);

  it('gives what ansible-playbook gives: the same recaps and return values on two nodes', async () => {
    const tasks = `    - systemd_service: { name: memcached, state: started, enabled: true }
      register: start
    - systemd_service: { name: memcached, state: started, enabled: true }
      register: again
    - systemd_service: { name: memcached, state: restarted }
      register: reload
    - systemd_service: { name: memcached, state: stopped, enabled: false }
      register: stop
    - systemd_service: { daemon_reload: true }
      register: reloaded_daemon
`;
    const keys = ['start', 'again', 'reload', 'stop', 'reloaded_daemon'];
    const [ours, theirs] = await Promise.all([lab.play(tasks, { hosts: 'node2', dump: keys }), lab.play(tasks, { hosts: 'node1', dump: keys, engine: 'ansible' })]);
    expect(theirs.code, theirs.stdout + theirs.stderr).toBe(0);
    expect(ours.code, ours.stdout).toBe(0);
    expect(ours.recap('node2')).toEqual(theirs.recap('node1'));
    const pick = (r: Record<string, any>): unknown => ({ changed: r['changed'], name: r['name'], enabled: r['enabled'], state: r['state'], active: r['status']?.['ActiveState'], failed: r['failed'] });
    for (const k of keys) expect(pick(ours.registered('node2')[k]), k).toEqual(pick(theirs.registered('node1')[k]));
    expect(await state('node2', 'memcached')).toBe(await state('node1', 'memcached'));
  }, 300_000);

  it('on a host without systemd, says so instead of failing obscurely', async () => {
    const run = await plain.play(`    - systemd_service: { name: ssh, state: started }\n`, { hosts: 'node1' });
    expect(run.code).toBe(2);
    expect(run.stdout).toMatch(/systemd is not running on this host \(PID 1 is \S+, and \/run\/systemd\/system does not exist\): systemd_service cannot start, stop or reload units here/);
  }, 300_000);
});
