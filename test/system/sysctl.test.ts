/**
 * ansible.posix.sysctl on lab nodes. Docker gives the container a read-only /proc/sys (sysctl -w
 * says "permission denied on key" for every key, network ones included), so what can really change
 * here is the file: written in /etc/sysctl.d/, through a link where the path is one, parameters
 * added, replaced, dropped; the reload and sysctl_set are tried and fail with sysctl's own words,
 * as they do under ansible-playbook; ignoreerrors lets `sysctl -e -p` pass over unknown keys.
 * Every change is confirmed with cat/stat on the node; re-runs report changed=0; check mode
 * predicts and writes nothing; the same tasks under ansible-playbook on the other node give the
 * same recap, return values and files.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ModuleLab, startModuleLab } from '../support/module-lab.js';

let lab: ModuleLab;

const cat = async (node: string, file: string): Promise<string> => (await lab.sh(node, `cat ${file}`)).stdout;

beforeAll(async () => {
  lab = await startModuleLab('sysctl');
}, 600_000);

afterAll(async () => {
  await lab?.down();
}, 120_000);

describe('sysctl', () => {
  it('writes a parameter into a file of /etc/sysctl.d without reloading, then a re-run changes nothing', async () => {
    await lab.sh('node2', 'printf "# lab tuning\\nvm.overcommit_memory = 1\\n" > /etc/sysctl.d/90-lab.conf && chmod 640 /etc/sysctl.d/90-lab.conf');
    const tasks = `    - sysctl: { name: vm.swappiness, value: 10, sysctl_file: /etc/sysctl.d/90-lab.conf, reload: false }
      register: swap
    - sysctl: { name: net.ipv4.ip_local_port_range, value: "32000   60000", sysctl_file: /etc/sysctl.d/90-lab.conf, reload: no }
      register: ports
`;
    const first = await lab.play(tasks, { hosts: 'node2', dump: ['swap', 'ports'] });
    expect(first.code, first.stdout).toBe(0);
    expect(first.recap('node2')).toMatchObject({ changed: 2, failed: 0 });
    expect(first.registered('node2')['swap']).toMatchObject({ changed: true });
    // Every setting line normalised to k=v, comments kept, new ones appended; the mode kept.
    expect(await cat('node2', '/etc/sysctl.d/90-lab.conf')).toBe('# lab tuning\nvm.overcommit_memory=1\nvm.swappiness=10\nnet.ipv4.ip_local_port_range=32000   60000\n');
    expect((await lab.sh('node2', 'stat -c "%a %U %G" /etc/sysctl.d/90-lab.conf')).stdout).toBe('640 root root\n');
    const again = await lab.play(tasks, { hosts: 'node2' });
    expect(again.recap('node2')).toMatchObject({ changed: 0, failed: 0 });
    // A different value replaces the line in place.
    const replaced = await lab.play(`    - sysctl: { name: vm.swappiness, value: "20", sysctl_file: /etc/sysctl.d/90-lab.conf, reload: false }\n`, { hosts: 'node2' });
    expect(replaced.recap('node2')).toMatchObject({ changed: 1 });
    expect(await cat('node2', '/etc/sysctl.d/90-lab.conf')).toBe('# lab tuning\nvm.overcommit_memory=1\nvm.swappiness=20\nnet.ipv4.ip_local_port_range=32000   60000\n');
  }, 300_000);

  it('check mode predicts a change and writes nothing; state absent drops the line, once', async () => {
    await lab.sh('node2', 'printf "a.b = 1\\nkernel.panic=5\\n" > /etc/sysctl.d/91-lab.conf');
    const checked = await lab.play(`    - sysctl: { name: kernel.panic, value: "10", sysctl_file: /etc/sysctl.d/91-lab.conf, reload: false }\n    - sysctl: { name: kernel.panic, value: "5", sysctl_file: /etc/sysctl.d/91-lab.conf, reload: false }\n`, { hosts: 'node2', args: ['--check'] });
    expect(checked.recap('node2')).toMatchObject({ ok: 2, changed: 1, failed: 0 });
    expect(await cat('node2', '/etc/sysctl.d/91-lab.conf')).toBe('a.b = 1\nkernel.panic=5\n');
    const absent = `    - sysctl: { name: kernel.panic, state: absent, sysctl_file: /etc/sysctl.d/91-lab.conf, reload: false }\n`;
    const checkedAbsent = await lab.play(absent, { hosts: 'node2', args: ['--check'] });
    expect(checkedAbsent.recap('node2')).toMatchObject({ changed: 1 });
    expect(await cat('node2', '/etc/sysctl.d/91-lab.conf')).toBe('a.b = 1\nkernel.panic=5\n');
    const removed = await lab.play(absent, { hosts: 'node2' });
    expect(removed.recap('node2')).toMatchObject({ changed: 1, failed: 0 });
    expect(await cat('node2', '/etc/sysctl.d/91-lab.conf')).toBe('a.b=1\n');
    const again = await lab.play(absent, { hosts: 'node2' });
    expect(again.recap('node2')).toMatchObject({ changed: 0, failed: 0 });
  }, 300_000);

  it('writes through a link to where it leads (Debian: /etc/sysctl.d/99-sysctl.conf -> ../sysctl.conf)', async () => {
    expect((await lab.sh('node2', 'readlink /etc/sysctl.d/99-sysctl.conf')).stdout).toBe('../sysctl.conf\n');
    const run = await lab.play(`    - sysctl: { name: fs.inotify.max_user_watches, value: "524288", sysctl_file: /etc/sysctl.d/99-sysctl.conf, reload: false }\n`, { hosts: 'node2' });
    expect(run.recap('node2')).toMatchObject({ changed: 1, failed: 0 });
    expect((await lab.sh('node2', 'readlink /etc/sysctl.d/99-sysctl.conf; tail -n 1 /etc/sysctl.conf')).stdout).toBe('../sysctl.conf\nfs.inotify.max_user_watches=524288\n');
  }, 300_000);

  it('the kernel refuses here: the reload and sysctl_set fail with what sysctl said; ignoreerrors passes over unknown keys', async () => {
    const tasks = `    - sysctl: { name: net.core.somaxconn, value: "1024", sysctl_file: /etc/sysctl.d/92-lab.conf }
      register: reload
      ignore_errors: true
    - sysctl: { name: net.core.somaxconn, value: "2048", sysctl_file: /etc/sysctl.d/93-lab.conf, sysctl_set: true, reload: false }
      register: set
      ignore_errors: true
    - sysctl: { name: lab.no.such.key, value: "1", sysctl_file: /etc/sysctl.d/94-lab.conf, ignoreerrors: true }
      register: ignored
    - sysctl: { name: lab.other.key, value: "1", sysctl_file: /etc/sysctl.d/95-lab.conf }
      register: unknown
      ignore_errors: true
`;
    const run = await lab.play(tasks, { hosts: 'node2', dump: ['reload', 'set', 'ignored', 'unknown'] });
    const r = run.registered('node2');
    // Ansible fails without saying changed, though the file was written: so do we.
    expect(r['reload']).toMatchObject({ changed: false, failed: true, msg: 'Failed to reload sysctl: sysctl: permission denied on key "net.core.somaxconn"\n' });
    expect(r['set']).toMatchObject({ failed: true, msg: 'setting net.core.somaxconn failed: sysctl: permission denied on key "net.core.somaxconn"\n' });
    expect(r['ignored']).toMatchObject({ changed: true });
    expect(r['ignored']['failed']).toBeFalsy();
    expect(r['unknown']).toMatchObject({ failed: true, msg: 'Failed to reload sysctl: sysctl: cannot stat /proc/sys/lab/other/key: No such file or directory\n' });
    expect(run.stdout).toMatch(/fatal: \[node2\]: FAILED! => .*setting net\.core\.somaxconn failed: sysctl: permission denied on key/);
    // The running value did not move; the file was written before the reload, as Ansible does.
    expect((await lab.sh('node2', 'sysctl -n net.core.somaxconn; cat /etc/sysctl.d/92-lab.conf; test -e /etc/sysctl.d/93-lab.conf || echo no-93')).stdout).toBe('4096\nnet.core.somaxconn=1024\nno-93\n');
  }, 300_000);

  it('refuses a blank value and a missing one, naming the host and the module', async () => {
    const run = await lab.play(`    - sysctl: { name: vm.swappiness, value: "", reload: false }\n      ignore_errors: true\n      register: blank\n`, { hosts: 'node2', dump: ['blank'] });
    expect(run.registered('node2')['blank']).toMatchObject({ failed: true, msg: 'value cannot be blank' });
    expect(run.stdout).toMatch(/fatal: \[node2\]: FAILED! => .*value cannot be blank/);
    const missing = await lab.play(`    - sysctl: { name: vm.swappiness }\n`, { hosts: 'node2' });
    expect(missing.code).not.toBe(0);
    expect(missing.stdout + missing.stderr).toMatch(/state is present but all of the following are missing: value/);
    expect(missing.stdout + missing.stderr).toMatch(/sysctl/);
  }, 300_000);

  it('gives what ansible-playbook gives: recaps, return values and the files', async () => {
    const setup = 'printf "# parity\\nvm.swappiness = 30\\nkernel.panic=5\\n" > /etc/sysctl.d/96-parity.conf';
    await Promise.all([lab.sh('node1', setup), lab.sh('node2', setup)]);
    const tasks = `    - sysctl: { name: vm.swappiness, value: "10", sysctl_file: /etc/sysctl.d/96-parity.conf, reload: false }
      register: replace
    - sysctl: { name: vm.swappiness, value: "10", sysctl_file: /etc/sysctl.d/96-parity.conf, reload: false }
      register: again
    - sysctl: { name: kernel.panic, state: absent, sysctl_file: /etc/sysctl.d/96-parity.conf, reload: false }
      register: absent
    - sysctl: { name: net.ipv4.ip_forward, value: "yes", sysctl_file: /etc/sysctl.d/96-parity.conf, reload: false }
      register: boolean
    - sysctl: { name: lab.no.such.key, value: "1", sysctl_file: /etc/sysctl.d/97-parity.conf, ignoreerrors: true }
      register: ignored
    - sysctl: { name: net.core.somaxconn, value: "1024", sysctl_file: /etc/sysctl.d/98-parity.conf }
      register: reload
      ignore_errors: true
    - sysctl: { name: net.core.somaxconn, value: "2048", sysctl_file: /etc/sysctl.d/98-parity.conf, sysctl_set: true }
      register: set
      ignore_errors: true
    - sysctl: { name: vm.swappiness, value: "", reload: false }
      register: blank
      ignore_errors: true
`;
    const keys = ['replace', 'again', 'absent', 'boolean', 'ignored', 'reload', 'set', 'blank'];
    const [ours, theirs] = await Promise.all([lab.play(tasks, { hosts: 'node2', dump: keys }), lab.play(tasks, { hosts: 'node1', dump: keys, engine: 'ansible' })]);
    expect(theirs.recap('node1'), theirs.stdout + theirs.stderr).toMatchObject({ failed: 0, ignored: 3 });
    expect(ours.recap('node2')).toEqual(theirs.recap('node1'));
    const pick = (r: Record<string, any>): unknown => ({ changed: r['changed'], failed: r['failed'] ?? false, msg: r['msg'] });
    for (const k of keys) expect(pick(ours.registered('node2')[k]), k).toEqual(pick(theirs.registered('node1')[k]));
    const files = 'cat /etc/sysctl.d/96-parity.conf /etc/sysctl.d/97-parity.conf /etc/sysctl.d/98-parity.conf; stat -c "%a %U" /etc/sysctl.d/9[678]-parity.conf';
    expect(await cat('node2', '/etc/sysctl.d/96-parity.conf')).toBe('# parity\nvm.swappiness=10\nnet.ipv4.ip_forward=1\n');
    expect((await lab.sh('node2', files)).stdout).toBe((await lab.sh('node1', files)).stdout);
  }, 300_000);
});
