/**
 * service and service_facts: through systemd on a node that boots it (as systemd_service, with the
 * same recap and return values as ansible-playbook gives), and through the init script on a node
 * without systemd; service_facts lists both kinds as Ansible lists them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ModuleLab, startModuleLab } from '../support/module-lab.js';

let lab: ModuleLab;
let plain: ModuleLab;

const install = 'apt-get -q update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q memcached >/dev/null 2>&1';

/** A small LSB init script, for the node without systemd. */
const INIT_SCRIPT = `#!/bin/sh
### BEGIN INIT INFO
# Provides:          lab-sleeper
# Required-Start:    $remote_fs
# Required-Stop:     $remote_fs
# Default-Start:     2 3 4 5
# Default-Stop:      0 1 6
# Short-Description: a sleeper for the service tests
### END INIT INFO
PID=/run/lab-sleeper.pid
case "$1" in
  start) start-stop-daemon --start --quiet --background --make-pidfile --pidfile $PID --exec /bin/sleep -- 86400 ;;
  stop) start-stop-daemon --stop --quiet --oknodo --retry 5 --pidfile $PID --exec /bin/sleep; rm -f $PID ;;
  restart|force-reload) "$0" stop; "$0" start ;;
  status) start-stop-daemon --status --pidfile $PID --exec /bin/sleep ;;
  *) echo "Usage: $0 {start|stop|restart|status}" >&2; exit 3 ;;
esac
`;

beforeAll(async () => {
  [lab, plain] = await Promise.all([startModuleLab('service'), startModuleLab('svplain', { nodes: 1, init: 'plain' })]);
  for (const [l, node, stop] of [[lab, 'node1', 'systemctl disable --now memcached'], [lab, 'node2', 'systemctl disable --now memcached'], [plain, 'node1', `printf '%s' '${INIT_SCRIPT.replace(/'/g, `'"'"'`)}' > /etc/init.d/lab-sleeper && chmod 755 /etc/init.d/lab-sleeper`]] as const) {
    const r = await l.sh(node, `${install} && ${stop} 2>&1`, 300_000);
    expect(r.rc, r.stdout + r.stderr).toBe(0);
  }
}, 600_000);

afterAll(async () => {
  await Promise.allSettled([lab?.down(), plain?.down()]);
}, 120_000);

describe('service', () => {
  it('manages a unit through systemd as ansible-playbook does, warning about what systemd ignores', async () => {
    const tasks = `    - service: { name: memcached, state: started, enabled: true, sleep: 1 }
      register: start
    - service: { name: memcached, state: started, enabled: true }
      register: again
    - service: { name: memcached, state: restarted }
      register: restart
    - service: { name: memcached, state: stopped, enabled: false }
      register: stop
`;
    const keys = ['start', 'again', 'restart', 'stop'];
    const [ours, theirs] = await Promise.all([lab.play(tasks, { hosts: 'node2', dump: keys }), lab.play(tasks, { hosts: 'node1', dump: keys, engine: 'ansible' })]);
    expect(theirs.code, theirs.stdout + theirs.stderr).toBe(0);
    expect(ours.code, ours.stdout).toBe(0);
    expect(ours.recap('node2')).toEqual(theirs.recap('node1'));
    expect(ours.recap('node2')).toMatchObject({ changed: 3 });
    const pick = (r: Record<string, any>): unknown => ({ changed: r['changed'], name: r['name'], enabled: r['enabled'], state: r['state'], active: r['status']?.['ActiveState'] });
    for (const k of keys) expect(pick(ours.registered('node2')[k]), k).toEqual(pick(theirs.registered('node1')[k]));
    expect(ours.stdout + ours.stderr).toContain('[WARNING]: Ignoring "sleep" as it is not used in "systemd"');
    expect((await lab.sh('node2', 'systemctl is-active memcached; systemctl is-enabled memcached')).stdout).toBe('inactive\ndisabled\n');
  }, 300_000);

  it('manages an init script where systemd does not run: start, enable, a quiet re-run, check mode, stop', async () => {
    const running = async (): Promise<string> => (await plain.sh('node1', '/etc/init.d/lab-sleeper status && echo running || echo stopped; ls /etc/rc2.d | grep -c "^S..lab-sleeper$"')).stdout;
    expect(await running()).toBe('stopped\n0\n');
    const task = `    - service: { name: lab-sleeper, state: started, enabled: true }\n      register: r\n`;
    const first = await plain.play(task, { hosts: 'node1', dump: ['r'] });
    expect(first.code, first.stdout).toBe(0);
    expect(first.registered('node1')['r']).toMatchObject({ changed: true, name: 'lab-sleeper', state: 'started', enabled: true });
    expect(await running()).toBe('running\n1\n');
    expect((await plain.play(task, { hosts: 'node1' })).recap('node1')).toMatchObject({ changed: 0, failed: 0 });
    const checked = await plain.play(`    - service: { name: lab-sleeper, state: stopped }\n`, { hosts: 'node1', args: ['--check'] });
    expect(checked.recap('node1')).toMatchObject({ changed: 1 });
    expect(await running()).toBe('running\n1\n');
    const stopped = await plain.play(`    - service: { name: lab-sleeper, state: stopped, enabled: false }\n`, { hosts: 'node1' });
    expect(stopped.recap('node1')).toMatchObject({ changed: 1, failed: 0 });
    expect(await running()).toBe('stopped\n0\n');
    const missing = await plain.play(`    - service: { name: no-such-service, state: started }\n`, { hosts: 'node1' });
    expect(missing.code).toBe(2);
    expect(missing.stdout).toContain('Could not find the requested service no-such-service');
  }, 300_000);
});

describe('service_facts', () => {
  it('lists systemd units and init scripts as ansible-playbook does', async () => {
    const tasks = `    - service_facts:\n    - set_fact: { s: "{{ ansible_facts.services }}" }\n`;
    const [ours, theirs] = await Promise.all([lab.play(tasks, { hosts: 'node2', dump: ['s'] }), lab.play(tasks, { hosts: 'node1', dump: ['s'], engine: 'ansible' })]);
    expect(theirs.code, theirs.stdout + theirs.stderr).toBe(0);
    expect(ours.code, ours.stdout).toBe(0);
    const a = ours.registered('node2')['s'] as Record<string, Record<string, unknown>>;
    const b = theirs.registered('node1')['s'] as Record<string, Record<string, unknown>>;
    expect(a['ssh.service']).toEqual({ name: 'ssh.service', state: 'running', status: 'enabled', source: 'systemd' });
    expect(a['memcached.service']).toMatchObject({ status: 'disabled', source: 'systemd' });
    expect(a['ssh']).toMatchObject({ source: 'sysv' });
    expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
    for (const name of Object.keys(b)) expect(a[name], name).toEqual(b[name]);
    const onPlain = await plain.play(tasks, { hosts: 'node1', dump: ['s'] });
    const p = onPlain.registered('node1')['s'] as Record<string, Record<string, unknown>>;
    expect(p['ssh']).toEqual({ name: 'ssh', state: 'running', source: 'sysv' });
    expect(Object.values(p).every((s) => s['source'] === 'sysv')).toBe(true);
  }, 300_000);
});
