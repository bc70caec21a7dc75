/**
 * hostname on lab nodes (systemd as PID 1, in Docker). What the container allows: the transient
 * name can change (the lab keeps CAP_SYS_ADMIN), the static one cannot through hostnamectl, because
 * Docker bind-mounts /etc/hostname and systemd-hostnamed replaces the file by renaming (EBUSY);
 * use: alpine writes the file in place. Every outcome is confirmed with hostname and cat on the
 * node, and compared with ansible-playbook on the other node.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ModuleLab, startModuleLab } from '../support/module-lab.js';

let lab: ModuleLab;

const names = async (node: string): Promise<string> => (await lab.sh(node, 'echo "$(hostname) $(cat /etc/hostname) $(hostnamectl --static status)"')).stdout.trim();

beforeAll(async () => {
  lab = await startModuleLab('hostname');
}, 600_000);

afterAll(async () => {
  await lab?.down();
}, 120_000);

describe('hostname', () => {
  it('the name it already has: changed=0, and the names as facts', async () => {
    const run = await lab.play(`    - hostname: { name: node2 }\n      register: h\n    - debug: { msg: "{{ ansible_hostname }} {{ ansible_nodename }}" }\n      register: facts\n`, { hosts: 'node2', dump: ['h', 'facts'] });
    expect(run.code, run.stdout).toBe(0);
    expect(run.recap('node2')).toMatchObject({ changed: 0, failed: 0 });
    expect(run.registered('node2')['h']).toMatchObject({ changed: false, name: 'node2', ansible_facts: { ansible_hostname: 'node2', ansible_nodename: 'node2' } });
    expect(run.registered('node2')['facts']['msg']).toBe('node2 node2');
  }, 300_000);

  it('only the transient name differs: hostnamectl sets it, once; check mode predicts it and changes nothing', async () => {
    // The drifted name resolves (as a name set by hand usually does): sudo and hostname -f need not wait for DNS.
    await lab.sh('node2', 'echo "127.0.1.1 drifted" >> /etc/hosts && hostname drifted');
    const task = `    - hostname: { name: node2 }\n      register: h\n`;
    const checked = await lab.play(task, { hosts: 'node2', args: ['--check'] });
    expect(checked.recap('node2')).toMatchObject({ changed: 1, failed: 0 });
    expect(await names('node2')).toBe('drifted node2 node2');
    const run = await lab.play(task, { hosts: 'node2', args: ['--diff'], dump: ['h'] });
    expect(run.recap('node2')).toMatchObject({ changed: 1, failed: 0 });
    expect(run.registered('node2')['h']['diff']).toEqual({ before: 'hostname = drifted\n', after: 'hostname = node2\n' });
    expect(run.stdout).toMatch(/-hostname = drifted\n\+hostname = node2/);
    expect(await names('node2')).toBe('node2 node2 node2');
    expect((await lab.play(task, { hosts: 'node2' })).recap('node2')).toMatchObject({ changed: 0 });
  }, 300_000);

  it('a new name through systemd: refused in a container, said clearly, nothing changed', async () => {
    const run = await lab.play(`    - hostname: { name: web01 }\n      register: h\n      ignore_errors: true\n`, { hosts: 'node2', dump: ['h'] });
    const h = run.registered('node2')['h'];
    expect(h['failed']).toBe(true);
    expect(h['msg']).toMatch(/^Command failed rc=1, out=, err=Could not set static hostname: .*Device or resource busy/);
    expect(h['msg']).toMatch(/busy\n \(\/etc\/hostname is a mount point on this host, as in a container: it cannot be replaced; use: alpine writes it in place\)$/);
    expect(run.stdout).toMatch(/fatal: \[node2\]: FAILED! => .*Could not set static hostname/);
    expect(await names('node2')).toBe('node2 node2 node2');
  }, 300_000);

  it('refuses a strategy it does not know, naming the value', async () => {
    const run = await lab.play(`    - hostname: { name: web01, use: bogus }\n`, { hosts: 'node2' });
    expect(run.code).not.toBe(0);
    expect(run.stdout + run.stderr).toMatch(/value of use must be one of: alpine, debian, .*systemd, got: bogus/);
  }, 300_000);

  it('gives what ansible-playbook gives, including use: alpine (the file written in place, then hostname -F read before it)', async () => {
    const tasks = `    - hostname: { name: "{{ inventory_hostname }}" }
      register: same
    - hostname: { name: "web-{{ inventory_hostname }}" }
      register: refused
      ignore_errors: true
    - hostname: { name: "web-{{ inventory_hostname }}.example.com", use: alpine }
      register: alpine
    - hostname: { name: "web-{{ inventory_hostname }}.example.com", use: alpine }
      register: alpine_again
    - hostname: { name: "{{ inventory_hostname }}", use: systemd }
      register: back
      ignore_errors: true
`;
    const keys = ['same', 'refused', 'alpine', 'alpine_again', 'back'];
    const [ours, theirs] = await Promise.all([lab.play(tasks, { hosts: 'node2', dump: keys, args: ['--diff'] }), lab.play(tasks, { hosts: 'node1', dump: keys, engine: 'ansible', args: ['--diff'] })]);
    expect(theirs.recap('node1'), theirs.stdout + theirs.stderr).toMatchObject({ failed: 0 });
    expect(ours.recap('node2')).toEqual(theirs.recap('node1'));
    const pick = (r: Record<string, any>): unknown =>
      JSON.parse(JSON.stringify({ changed: r['changed'], failed: r['failed'] ?? false, msg: typeof r['msg'] === 'string' ? r['msg'].replace(/ \(\/etc\/hostname is a mount point.*$/, '') : r['msg'], name: r['name'], facts: r['ansible_facts'] && { ...r['ansible_facts'], ansible_fqdn: undefined, ansible_domain: undefined }, diff: r['diff'] }).replaceAll('node1', 'node2'));
    for (const k of keys) expect(pick(ours.registered('node2')[k]), k).toEqual(pick(theirs.registered('node1')[k]));
    expect(await names('node2')).toBe((await names('node1')).replaceAll('node1', 'node2'));
  }, 300_000);
});
