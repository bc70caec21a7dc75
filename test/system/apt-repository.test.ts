/**
 * apt_repository on lab nodes whose only source is the lab mirror (an intranet mirror, flat and
 * unsigned: http://mirror.lab:8080/debian ./): the mirror added in a file of its own after
 * sources.list was emptied, the lists refreshed so apt installs from it; mode, names Ansible
 * derives from the URL, removal, check and diff mode, a failed update that puts the file back,
 * bad lines; every change confirmed on the node; parity with ansible-playbook on the other node.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ModuleLab, startModuleLab } from '../support/module-lab.js';

let lab: ModuleLab;
const MIRROR = 'deb [trusted=yes] http://mirror.lab:8080/debian ./';
const OTHER = 'deb [trusted=yes] http://mirror.lab:8080/debian2 ./';

beforeAll(async () => {
  lab = await startModuleLab('aptrepo');
  for (const node of ['node1', 'node2']) {
    // ansible-playbook's apt_repository needs python3-apt; then the mirror line is taken out of sources.list.
    const r = await lab.sh(node, `apt-get -q update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-apt >/dev/null 2>&1 && grep -v '^deb ' /etc/apt/sources.list > /tmp/s && cat /tmp/s > /etc/apt/sources.list && rm -rf /var/lib/apt/lists/*Packages*`, 300_000);
    expect(r.rc, r.stdout + r.stderr).toBe(0);
  }
}, 900_000);

afterAll(async () => {
  await lab?.down();
}, 120_000);

const policy = async (node: string): Promise<string> => (await lab.sh(node, 'apt-cache policy hello')).stdout;

describe('apt_repository', () => {
  it('adds the intranet mirror in its own file and refreshes the lists; a re-run changes nothing', async () => {
    expect(await policy('node2')).not.toMatch(/Candidate: 2\.10-3/);
    const task = `    - apt_repository: { repo: "${MIRROR}", filename: lab-mirror }\n      register: r\n`;
    const run = await lab.play(task, { hosts: 'node2', dump: ['r'], args: ['--diff'] });
    expect(run.code, run.stdout).toBe(0);
    expect(run.recap('node2')).toMatchObject({ changed: 1, failed: 0 });
    expect(run.registered('node2')['r']).toMatchObject({ changed: true, repo: MIRROR, state: 'present', sources_added: ['/etc/apt/sources.list.d/lab-mirror.list'], sources_removed: [] });
    expect(run.stdout).toContain(`+${MIRROR}`);
    expect((await lab.sh('node2', 'stat -c %a /etc/apt/sources.list.d/lab-mirror.list; cat /etc/apt/sources.list.d/lab-mirror.list')).stdout).toBe(`644\n${MIRROR}\n`);
    expect(await policy('node2')).toMatch(/Candidate: 2\.10-3/);
    const again = await lab.play(task, { hosts: 'node2' });
    expect(again.recap('node2')).toMatchObject({ changed: 0, failed: 0 });
  }, 300_000);

  it('names the file after the URL, sets its mode; check mode and removal', async () => {
    const add = await lab.play(`    - apt_repository: { repo: "${OTHER}", update_cache: false, mode: "0600" }\n      register: r\n`, { hosts: 'node2', dump: ['r'] });
    expect(add.registered('node2')['r']).toMatchObject({ changed: true, sources_added: ['/etc/apt/sources.list.d/mirror_lab_8080_debian2.list'] });
    expect((await lab.sh('node2', 'stat -c %a /etc/apt/sources.list.d/mirror_lab_8080_debian2.list')).stdout.trim()).toBe('600');
    const checked = await lab.play(`    - apt_repository: { repo: "${OTHER}", state: absent }\n`, { hosts: 'node2', args: ['--check'] });
    expect(checked.recap('node2')).toMatchObject({ changed: 1, failed: 0 });
    expect((await lab.sh('node2', 'test -f /etc/apt/sources.list.d/mirror_lab_8080_debian2.list')).rc).toBe(0);
    const removed = await lab.play(`    - apt_repository: { repo: "${OTHER}", state: absent, update_cache: false }\n      register: r\n`, { hosts: 'node2', dump: ['r'] });
    expect(removed.registered('node2')['r']).toMatchObject({ changed: true, sources_removed: ['/etc/apt/sources.list.d/mirror_lab_8080_debian2.list'] });
    expect((await lab.sh('node2', 'test -e /etc/apt/sources.list.d/mirror_lab_8080_debian2.list')).rc).toBe(1);
  }, 300_000);

  it('puts the file back when the update fails; refuses a line that is not a source', async () => {
    const bad = `deb [trusted=yes] http://mirror.lab:8080/no-such-repo ./`;
    const run = await lab.play(
      `    - apt_repository: { repo: "${bad}", update_cache_retries: 1 }\n      ignore_errors: true\n      register: update\n    - apt_repository: { repo: "foo bar" }\n      ignore_errors: true\n      register: invalid\n`,
      { hosts: 'node2', dump: ['update', 'invalid'] },
    );
    const r = run.registered('node2');
    expect(r['update']).toMatchObject({ failed: true, msg: expect.stringMatching(/^Failed to update apt cache after 1 retries: .*no-such-repo/) });
    expect((await lab.sh('node2', 'test -e /etc/apt/sources.list.d/mirror_lab_8080_no_such_repo.list')).rc).toBe(1);
    expect(r['invalid']).toMatchObject({ failed: true, msg: 'Invalid repository string: foo bar' });
    expect(run.stdout).toMatch(/fatal: \[node2\]: FAILED! => .*Invalid repository string: foo bar/);
  }, 300_000);
});

describe('parity with ansible-playbook', () => {
  it('gives the same recaps, return values and files on two nodes', async () => {
    await lab.sh('node2', 'rm -f /etc/apt/sources.list.d/*.list');
    const tasks = `    - apt_repository: { repo: "${MIRROR}", filename: lab-mirror }
      register: add
    - apt_repository: { repo: "${MIRROR}", filename: lab-mirror }
      register: again
    - apt_repository: { repo: "${OTHER}", update_cache: false, mode: "0600" }
      register: other
    - apt_repository: { repo: "${OTHER}", state: absent }
      check_mode: true
      register: checked
    - apt_repository: { repo: "${OTHER}", state: absent, update_cache: false }
      register: removed
    - apt_repository: { repo: "${OTHER}", state: absent, update_cache: false }
      register: removed_again
    - apt_repository: { repo: "foo bar" }
      ignore_errors: true
      register: invalid
`;
    const keys = ['add', 'again', 'other', 'checked', 'removed', 'removed_again', 'invalid'];
    const [ours, theirs] = await Promise.all([lab.play(tasks, { hosts: 'node2', dump: keys }), lab.play(tasks, { hosts: 'node1', dump: keys, engine: 'ansible' })]);
    expect(theirs.code, theirs.stdout + theirs.stderr).toBe(0);
    expect(ours.code, ours.stdout).toBe(0);
    expect(ours.recap('node2')).toEqual(theirs.recap('node1'));
    const o = ours.registered('node2');
    const t = theirs.registered('node1');
    const pick = (r: Record<string, any>): unknown => ({ changed: r['changed'], failed: r['failed'], msg: r['msg'], repo: r['repo'], state: r['state'], added: r['sources_added'], removed: r['sources_removed'] });
    for (const k of keys) expect(pick(o[k]), k).toEqual(pick(t[k]));
    const files = 'for f in /etc/apt/sources.list.d/*.list; do echo "$f $(stat -c %a "$f")"; cat "$f"; done';
    expect((await lab.sh('node2', files)).stdout).toBe((await lab.sh('node1', files)).stdout);
  }, 600_000);
});
