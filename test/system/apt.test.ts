/**
 * apt, package and package_facts on lab nodes (bookworm, the lab mirror as the only apt source):
 * packages installed, pinned, upgraded, removed and purged, .deb files from a path and a URL, the
 * cache refreshed; every change confirmed with dpkg on the node; re-runs report changed=0; check
 * mode predicts and changes nothing; a held dpkg lock is waited for, then named; package picks apt
 * and refuses a manager it does not carry; package_facts lists what dpkg has; the same tasks under
 * ansible-playbook on the other node give the same recaps, return values and end state.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ModuleLab, startModuleLab } from '../support/module-lab.js';

let lab: ModuleLab;

/** dpkg's status and version of a package on a node ('absent' when dpkg has no record). */
const dpkg = async (node: string, pkg: string): Promise<string> => {
  const r = await lab.sh(node, `dpkg-query -W -f='\${db:Status-Status} \${Version}' ${pkg} 2>/dev/null || echo absent`);
  return r.stdout.trim();
};

beforeAll(async () => {
  lab = await startModuleLab('apt');
  // ansible-playbook's apt needs python3-apt on the node; both nodes get it, so they stay alike.
  for (const node of ['node1', 'node2']) {
    const r = await lab.sh(node, 'apt-get -q update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-apt >/dev/null 2>&1; dpkg -s python3-apt >/dev/null', 300_000);
    expect(r.rc, r.stdout + r.stderr).toBe(0);
  }
}, 900_000);

afterAll(async () => {
  await lab?.down();
}, 120_000);

describe('apt', () => {
  it('refreshes the cache and installs packages; a re-run within cache_valid_time changes nothing', async () => {
    expect(await dpkg('node2', 'hello')).toBe('absent');
    const task = `    - apt: { name: [hello, "jq=1.6*"], update_cache: true, cache_valid_time: 3600 }\n      register: r\n`;
    const first = await lab.play(task, { hosts: 'node2', dump: ['r'] });
    expect(first.code, first.stdout).toBe(0);
    expect(first.recap('node2')).toMatchObject({ changed: 1, failed: 0 });
    const r = first.registered('node2')['r'];
    expect(r).toMatchObject({ changed: true, cache_updated: false });
    expect(r.cache_update_time).toBeGreaterThan(0);
    expect(r.stdout).toMatch(/Setting up hello \(2\.10-3\)/);
    expect(r.stdout_lines).toContain('Setting up hello (2.10-3) ...');
    expect(await dpkg('node2', 'hello')).toBe('installed 2.10-3');
    expect(await dpkg('node2', 'jq')).toMatch(/^installed 1\.6-/);
    const again = await lab.play(task, { hosts: 'node2', dump: ['r'] });
    expect(again.recap('node2')).toMatchObject({ ok: 2, changed: 0, failed: 0 });
    expect(again.registered('node2')['r']).toMatchObject({ changed: false, cache_updated: false });
    // update_cache alone, without cache_valid_time: the lists are fetched again (here, after they were deleted).
    // The cache's age is the lists' mtime in whole seconds (as Ansible reads it): date it back, so the update shows.
    await lab.sh('node2', "rm -f /var/lib/apt/lists/*Packages* && touch -d '1 hour ago' /var/lib/apt/lists && rm -f /var/lib/apt/periodic/update-success-stamp");
    const update = await lab.play(`    - apt: { update_cache: true }\n      register: u\n`, { hosts: 'node2', dump: ['u'] });
    expect(update.registered('node2')['u']).toMatchObject({ changed: true, cache_updated: true });
    expect((await lab.sh('node2', 'ls /var/lib/apt/lists/ | grep -c Packages')).stdout.trim()).not.toBe('0');
  }, 600_000);

  it('check mode predicts an install and a removal and changes nothing', async () => {
    const run = await lab.play(`    - apt: { name: tree }\n      register: add\n    - apt: { name: hello, state: absent }\n      register: rm\n`, { hosts: 'node2', args: ['--check'], dump: ['add', 'rm'] });
    expect(run.code, run.stdout).toBe(0);
    expect(run.recap('node2')).toMatchObject({ changed: 2, failed: 0 });
    expect(await dpkg('node2', 'tree')).toBe('absent');
    expect(await dpkg('node2', 'hello')).toBe('installed 2.10-3');
    const noop = await lab.play(`    - apt: { name: hello }\n`, { hosts: 'node2', args: ['--check'] });
    expect(noop.recap('node2')).toMatchObject({ changed: 0, failed: 0 });
  }, 300_000);

  it('removes, then purges what removal left; a re-run changes nothing', async () => {
    const remove = await lab.play(`    - apt: { name: jq, state: absent }\n`, { hosts: 'node2' });
    expect(remove.recap('node2')).toMatchObject({ changed: 1, failed: 0 });
    expect(await dpkg('node2', 'jq')).toBe('absent');
    await lab.sh('node2', 'DEBIAN_FRONTEND=noninteractive apt-get install -y -q memcached >/dev/null 2>&1 && apt-get remove -y -q memcached >/dev/null 2>&1');
    expect(await dpkg('node2', 'memcached')).toMatch(/^config-files /);
    const purge = await lab.play(`    - apt: { name: memcached, state: absent, purge: true }\n`, { hosts: 'node2' });
    expect(purge.recap('node2')).toMatchObject({ changed: 1, failed: 0 });
    expect(await dpkg('node2', 'memcached')).toBe('absent');
    const again = await lab.play(`    - apt: { name: [memcached, jq], state: absent, purge: true }\n`, { hosts: 'node2' });
    expect(again.recap('node2')).toMatchObject({ changed: 0, failed: 0 });
  }, 300_000);

  it('installs .deb files from a path and from a URL, once', async () => {
    const dl = await lab.sh('node2', 'cd /tmp && apt-get download tree >/dev/null 2>&1 && ls /tmp/tree_*.deb');
    expect(dl.rc, dl.stderr).toBe(0);
    const tasks = `    - apt: { deb: ${dl.stdout.trim()} }\n      register: path\n    - apt: { deb: "http://mirror.lab:8080/debian/zip_3.0-13+deb12u1_amd64.deb" }\n      register: url\n`;
    const first = await lab.play(tasks, { hosts: 'node2', dump: ['path', 'url'] });
    expect(first.code, first.stdout).toBe(0);
    expect(first.recap('node2')).toMatchObject({ changed: 2, failed: 0 });
    expect(await dpkg('node2', 'tree')).toBe('installed 2.1.0-1');
    expect(await dpkg('node2', 'zip')).toBe('installed 3.0-13+deb12u1');
    const again = await lab.play(tasks, { hosts: 'node2' });
    expect(again.recap('node2')).toMatchObject({ changed: 0, failed: 0 });
  }, 300_000);

  it('autoremove takes away the dependencies a removal leaves behind', async () => {
    await lab.sh('node2', 'DEBIAN_FRONTEND=noninteractive apt-get install -y -q jq >/dev/null 2>&1');
    expect(await dpkg('node2', 'libjq1')).toMatch(/^installed /);
    const run = await lab.play(`    - apt: { name: jq, state: absent, autoremove: true }\n`, { hosts: 'node2' });
    expect(run.recap('node2')).toMatchObject({ changed: 1, failed: 0 });
    expect(await dpkg('node2', 'jq')).toBe('absent');
    expect(await dpkg('node2', 'libjq1')).toBe('absent');
  }, 300_000);

  it("fails with Ansible's messages, naming the host and the package", async () => {
    const run = await lab.play(
      `    - apt: { name: no-such-package }\n      ignore_errors: true\n      register: missing\n    - apt: { name: "hello=9*" }\n      ignore_errors: true\n      register: pin\n    - apt: { name: "a=1=2" }\n      ignore_errors: true\n      register: spec\n`,
      { hosts: 'node2', dump: ['missing', 'pin', 'spec'] },
    );
    const r = run.registered('node2');
    expect(r['missing']).toMatchObject({ failed: true, msg: "No package matching 'no-such-package' is available" });
    expect(r['pin']).toMatchObject({ failed: true, msg: 'no available installation candidate for hello=9*' });
    expect(r['spec']).toMatchObject({ failed: true, msg: 'invalid package spec: a=1=2' });
    expect(run.stdout).toMatch(/fatal: \[node2\]: FAILED! => .*No package matching 'no-such-package' is available/);
  }, 300_000);

  it('waits for the dpkg lock another process holds, and names it when lock_timeout runs out', async () => {
    const hold = (seconds: number): string =>
      `nohup python3 -c 'import fcntl, time; f = open("/var/lib/dpkg/lock-frontend", "w"); fcntl.lockf(f, fcntl.LOCK_EX); open("/tmp/locked", "w").close(); time.sleep(${seconds})' >/dev/null 2>&1 & echo $! > /tmp/holder; while [ ! -e /tmp/locked ]; do sleep 0.1; done`;
    await lab.sh('node2', `rm -f /tmp/locked; ${hold(3600)}`);
    const timedOut = await lab.play(`    - apt: { name: tree, state: absent, lock_timeout: 2 }\n      ignore_errors: true\n      register: r\n`, { hosts: 'node2', dump: ['r'] });
    expect(timedOut.registered('node2')['r']).toMatchObject({ failed: true, msg: expect.stringMatching(/^Failed to lock apt for exclusive operation: Could not get lock \/var\/lib\/dpkg\/lock-frontend\. It is held by process \d+ \(python3\)/) });
    expect(await dpkg('node2', 'tree')).toBe('installed 2.1.0-1');
    // The holder lets go while the task waits (it holds for a few seconds only): the task succeeds.
    await lab.sh('node2', `kill $(cat /tmp/holder); rm -f /tmp/locked; ${hold(4)}`);
    const waited = await lab.play(`    - apt: { name: tree, state: absent }\n`, { hosts: 'node2' });
    expect(waited.recap('node2')).toMatchObject({ changed: 1, failed: 0 });
    expect(await dpkg('node2', 'tree')).toBe('absent');
  }, 300_000);
});

describe('package and package_facts', () => {
  it('package installs through apt; a manager playbook does not carry fails naming it', async () => {
    const run = await lab.play(`    - setup: { gather_subset: [min] }\n    - package: { name: tree, state: present }\n    - package: { name: tree, use: yum }\n      ignore_errors: true\n      register: other\n`, { hosts: 'node2', dump: ['other'] });
    expect(run.recap('node2')).toMatchObject({ changed: 1, ignored: 1 });
    expect(await dpkg('node2', 'tree')).toBe('installed 2.1.0-1');
    expect(run.registered('node2')['other']).toMatchObject({ failed: true, msg: expect.stringContaining("this host's package manager is yum, which playbook does not support") });
  }, 300_000);

  it('package_facts lists the installed packages as Ansible shapes them', async () => {
    const run = await lab.play(`    - package_facts: {}\n    - set_fact: { hello_pkg: "{{ ansible_facts.packages['hello'] }}", count: "{{ ansible_facts.packages | length }}" }\n`, { hosts: 'node2', dump: ['hello_pkg', 'count'] });
    expect(run.code, run.stdout).toBe(0);
    const r = run.registered('node2');
    expect(r['hello_pkg']).toEqual([{ name: 'hello', version: '2.10-3', arch: 'amd64', category: 'devel', origin: expect.any(String), source: 'apt' }]);
    const listed = Number((await lab.sh('node2', "dpkg-query -W -f='${db:Status-Status}\\n' | grep -c '^installed$'")).stdout.trim());
    expect(Number(r['count'])).toBe(listed);
  }, 300_000);
});

describe('parity with ansible-playbook', () => {
  it('gives the same recaps, return values and packages on two nodes', async () => {
    await lab.sh('node2', 'DEBIAN_FRONTEND=noninteractive apt-get purge -y -q hello tree zip jq >/dev/null 2>&1; true');
    const tasks = `    - apt: { name: hello, update_cache: true }
      register: install
    - apt: { name: [hello, jq], cache_valid_time: 3600 }
      register: more
    - apt: { name: hello }
      register: again
    - apt: { name: tree }
      check_mode: true
      register: checked
    - apt: { name: jq, state: absent, purge: true }
      register: purged
    - apt: { name: "hello=2.10*", state: latest }
      register: pinned
    - package: { name: tree }
      register: pkg
    - apt: { name: no-such-package }
      ignore_errors: true
      register: missing
    - package_facts: {}
    - set_fact: { facts_hello: "{{ ansible_facts.packages['hello'] }}", facts_tree: "{{ ansible_facts.packages['tree'] }}" }
`;
    const keys = ['install', 'more', 'again', 'checked', 'purged', 'pinned', 'pkg', 'missing', 'facts_hello', 'facts_tree'];
    const [ours, theirs] = await Promise.all([lab.play(tasks, { hosts: 'node2', dump: keys }), lab.play(tasks, { hosts: 'node1', dump: keys, engine: 'ansible' })]);
    expect(theirs.code, theirs.stdout + theirs.stderr).toBe(0);
    expect(ours.code, ours.stdout).toBe(0);
    expect(ours.recap('node2')).toEqual(theirs.recap('node1'));
    const o = ours.registered('node2');
    const t = theirs.registered('node1');
    const pick = (r: Record<string, any>): unknown => ({ changed: r['changed'], failed: r['failed'], msg: r['failed'] ? r['msg'] : undefined, cache_updated: r['cache_updated'], has_stdout: typeof r['stdout'] === 'string' && r['stdout'] !== '' });
    for (const k of keys.slice(0, 8)) expect(pick(o[k]), k).toEqual(pick(t[k]));
    expect(o['facts_hello']).toEqual(t['facts_hello']);
    expect(o['facts_tree']).toEqual(t['facts_tree']);
    for (const pkg of ['hello', 'jq', 'tree']) expect(await dpkg('node2', pkg), pkg).toBe(await dpkg('node1', pkg));
  }, 600_000);
});
