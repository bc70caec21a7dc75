/**
 * community.general.ufw on lab nodes (ufw active, default deny incoming, SSH allowed): each node
 * allows the other's cluster address and `nc` between the nodes passes only after that; comments,
 * delete, reload, check mode, idempotent re-runs; the guard that refuses to enable the firewall
 * while the SSH port of the connection is closed; bad input refused before anything changes; and
 * the same tasks under ansible-playbook on the other node give the same recap, return values and
 * firewall.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabNode } from '../../src/lab/index.js';
import { type ModuleLab, startModuleLab } from '../support/module-lab.js';

let lab: ModuleLab;
let nodes: LabNode[];

const ip = (name: string): string => nodes.find((n) => n.name === name)!.clusterIp!;
const status = async (node: string): Promise<string> => (await lab.sh(node, 'ufw status verbose')).stdout;
/** Whether `from` reaches `to`'s port 5555 (nc's exit status: 0 connected, 1 refused or timed out). */
const reaches = async (from: string, to: string): Promise<boolean> => (await lab.sh(from, `nc -z -w 2 ${ip(to)} 5555; echo rc=$?`)).stdout.trim() === 'rc=0';

beforeAll(async () => {
  lab = await startModuleLab('ufw');
  nodes = await lab.lab.nodes();
  for (const node of ['node1', 'node2']) {
    const listen = await lab.lab.exec(node, ['/bin/sh', '-c', 'nohup nc -lk -p 5555 >/dev/null 2>&1 & echo started']);
    expect(listen.stdout).toContain('started');
    const up = await lab.sh(node, 'for i in $(seq 100); do grep -q ":15B3 " /proc/net/tcp && exit 0; sleep 0.1; done; exit 1');
    expect(up.rc).toBe(0);
  }
}, 600_000);

afterAll(async () => {
  await lab?.down();
}, 120_000);

describe('ufw', () => {
  it('opens each node to its peers: nc passes only after the rule; a re-run changes nothing', async () => {
    expect(await status('node1')).toMatch(/^Status: active\n[\s\S]*Default: deny \(incoming\)/);
    expect(await reaches('node1', 'node2')).toBe(false);
    expect(await reaches('node2', 'node1')).toBe(false);
    const task = `    - community.general.ufw:
        rule: allow
        from_ip: "{{ hostvars[item].cluster_ip }}"
        comment: "ray peer {{ item }}"
      loop: "{{ groups['all'] | difference([inventory_hostname]) }}"
      register: peers
`;
    const run = await lab.play(task, { dump: ['peers'] });
    expect(run.code, run.stdout).toBe(0);
    expect(run.recap('node1')).toMatchObject({ changed: 1, failed: 0 });
    expect(run.recap('node2')).toMatchObject({ changed: 1, failed: 0 });
    const [result] = run.registered('node2')['peers'].results as Record<string, unknown>[];
    expect(result).toMatchObject({ changed: true, commands: [`ufw allow from ${ip('node1')} to any comment 'ray peer node1'`] });
    expect(result!['msg']).toMatch(new RegExp(`^Status: active\\n[\\s\\S]*Anywhere +ALLOW IN +${ip('node1').replace(/\./g, '\\.')} +# ray peer node1`));
    expect(await status('node2')).toMatch(new RegExp(`Anywhere +ALLOW IN +${ip('node1').replace(/\./g, '\\.')} +# ray peer node1`));
    expect(await status('node1')).toMatch(new RegExp(`Anywhere +ALLOW IN +${ip('node2').replace(/\./g, '\\.')} +# ray peer node2`));
    expect(await reaches('node1', 'node2')).toBe(true);
    expect(await reaches('node2', 'node1')).toBe(true);
    const again = await lab.play(task);
    expect(again.recap('node1')).toMatchObject({ ok: 1, changed: 0, failed: 0 });
    expect(again.recap('node2')).toMatchObject({ ok: 1, changed: 0, failed: 0 });
  }, 300_000);

  it('check mode predicts a delete and keeps the rule; the delete closes the port again; reload always counts', async () => {
    const del = `    - ufw: { rule: allow, from_ip: "${ip('node1')}", delete: true }\n      register: deleted\n`;
    // check_mode on the task (--check would also keep the values from coming back to the controller).
    const checked = await lab.play(`${del}      check_mode: true\n`, { hosts: 'node2', dump: ['deleted'] });
    expect(checked.recap('node2')).toMatchObject({ changed: 1, failed: 0 });
    expect(checked.registered('node2')['deleted']).toMatchObject({ changed: true, commands: [`ufw delete allow from ${ip('node1')} to any`] });
    expect(await reaches('node1', 'node2')).toBe(true);
    const done = await lab.play(del, { hosts: 'node2' });
    expect(done.recap('node2')).toMatchObject({ changed: 1, failed: 0 });
    expect(await status('node2')).not.toContain(ip('node1'));
    expect(await reaches('node1', 'node2')).toBe(false);
    const twice = await lab.play(del, { hosts: 'node2', args: ['--check'] });
    expect(twice.recap('node2')).toMatchObject({ changed: 0 });
    const reload = await lab.play(`    - ufw: { state: reloaded }\n`, { hosts: 'node2' });
    expect(reload.recap('node2')).toMatchObject({ changed: 1, failed: 0 });
    expect(await status('node2')).toMatch(/^Status: active/);
  }, 300_000);

  it('refuses to enable the firewall while the SSH port of the connection is closed, and enables it once SSH is allowed', async () => {
    const prep = await lab.sh('node2', 'ufw --force disable >/dev/null && ufw delete allow 22/tcp >/dev/null && ufw status verbose && grep -c "dport 22 " /etc/ufw/user.rules');
    expect(prep.stdout).toMatch(/^Status: inactive\n0\n$/);
    const refused = await lab.play(`    - ufw: { state: enabled }\n`, { hosts: 'node2' });
    expect(refused.code).toBe(2);
    expect(refused.stdout).toMatch(/fatal: \[node2\]: FAILED! => .*ufw: refusing to change the firewall: it would block SSH port 22\/tcp, which this connection uses from \S+ \(the default incoming policy is deny and no rule would allow it\)/);
    expect(await status('node2')).toBe('Status: inactive\n');
    // The escape hatch, in check mode (for real it would cut this test off the node).
    const forced = await lab.play(`    - ufw: { state: enabled, allow_ssh_lockout: true }\n`, { hosts: 'node2', args: ['--check'] });
    expect(forced.recap('node2')).toMatchObject({ changed: 1, failed: 0 });
    expect(await status('node2')).toBe('Status: inactive\n');
    const fixed = await lab.play(`    - ufw: { rule: allow, port: "22", proto: tcp, comment: SSH }\n    - ufw: { state: enabled }\n`, { hosts: 'node2' });
    expect(fixed.code, fixed.stdout).toBe(0);
    expect(fixed.recap('node2')).toMatchObject({ changed: 2, failed: 0 });
    expect(await status('node2')).toMatch(/^Status: active\n[\s\S]*22\/tcp +ALLOW IN +Anywhere +# SSH/);
    // The same connection still works, and so does a new one.
    const after = await lab.play(`    - ping:\n`, { hosts: 'node2' });
    expect(after.recap('node2')).toMatchObject({ ok: 1, unreachable: 0 });
  }, 300_000);

  it('refuses a bad address naming it, before anything changes', async () => {
    const before = await status('node2');
    const run = await lab.play(`    - ufw: { state: reloaded, rule: allow, from_ip: 10.0.0.300, to_port: "6379", proto: tcp }\n`, { hosts: 'node2' });
    expect(run.code).toBe(2);
    expect(run.stdout).toMatch(/fatal: \[node2\]: FAILED! => .*ERROR: Bad source address: from_ip '10\.0\.0\.300' is not an IPv4 or IPv6 address or network/);
    expect(await status('node2')).toBe(before);
    const port = await lab.play(`    - ufw: { rule: allow, to_port: "2000:1000", proto: tcp }\n`, { hosts: 'node2' });
    expect(port.stdout).toMatch(/ERROR: Bad port '2000:1000': to_port '2000:1000'/);
  }, 300_000);

  it('gives what ansible-playbook gives: recaps, return values and the firewall left', async () => {
    const tasks = `    - community.general.ufw: { rule: allow, from_ip: 10.20.30.40, comment: peer }
      register: peer
    - community.general.ufw: { rule: allow, from_ip: 10.20.30.40, comment: peer }
      register: again
    - community.general.ufw: { rule: allow, from_ip: 10.20.0.0/16, to_port: "10002:19999", proto: tcp }
      register: range
    - community.general.ufw: { rule: limit, port: "6379", proto: tcp, comment: gcs }
      register: limit
    - community.general.ufw: { rule: limit, port: "6379", proto: tcp, comment: gcs, delete: true }
      register: deleted
    - community.general.ufw: { rule: deny, direction: out, to_ip: 10.9.9.9, insert: 1 }
      register: inserted
    - community.general.ufw: { default: deny, direction: incoming }
      register: policy
    - community.general.ufw: { logging: medium }
      register: logging
    - community.general.ufw: { state: reloaded }
      register: reloaded
    - community.general.ufw: { rule: allow, from_ip: 10.20.30.400 }
      register: bad
      ignore_errors: true
`;
    const keys = ['peer', 'again', 'range', 'limit', 'deleted', 'inserted', 'policy', 'logging', 'reloaded', 'bad'];
    const [ours, theirs] = await Promise.all([lab.play(tasks, { hosts: 'node2', dump: keys }), lab.play(tasks, { hosts: 'node1', dump: keys, engine: 'ansible' })]);
    expect(theirs.code, theirs.stdout + theirs.stderr).toBe(0);
    expect(ours.code, ours.stdout).toBe(0);
    expect(ours.recap('node2')).toEqual(theirs.recap('node1'));
    const mine = ours.registered('node2');
    const ansible = theirs.registered('node1');
    // The firewalls differ only in the peer rules of the first test (each node allows the other).
    const strip = (s: unknown): string => String(s).split('\n').filter((l) => !l.includes(ip('node1')) && !l.includes(ip('node2'))).join('\n');
    for (const k of keys) {
      expect(mine[k]?.changed, k).toBe(ansible[k]?.changed);
      expect(mine[k]?.failed ?? false, k).toBe(ansible[k]?.failed ?? false);
      if (k !== 'bad') expect(strip(mine[k]?.msg), k).toBe(strip(ansible[k]?.msg));
    }
    expect(ansible['bad']?.msg).toBe('ERROR: Bad source address\n');
    expect(mine['bad']?.msg).toMatch(/^ERROR: Bad source address: from_ip '10\.20\.30\.400'/);
    expect(strip(await status('node2'))).toBe(strip(await status('node1')));
    const rules = `grep '^### tuple' /etc/ufw/user.rules /etc/ufw/user6.rules | grep -v -e ' ${ip('node1')} ' -e ' ${ip('node2')} '`;
    expect((await lab.sh('node2', rules)).stdout).toBe((await lab.sh('node1', rules)).stdout);
  }, 300_000);
});
