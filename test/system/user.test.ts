/**
 * user and group on lab nodes: accounts created, changed and removed with useradd/usermod/userdel,
 * every change confirmed with getent, id and ls on the node; re-runs report changed=0; check mode
 * predicts and changes nothing; SSH keys generated; bad input names the host and the value; the
 * same tasks under ansible-playbook on the other node give the same recaps, return values and
 * accounts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ModuleLab, startModuleLab } from '../support/module-lab.js';

let lab: ModuleLab;

const HASH = '$6$labsalt1$DLNHtul5yuEqc0G29lS0Ij9dIUl87sbp9Xe5bkVHtP2C4EwGRallEbNCmmMuz7ic11noGccS.dLZV851t7WgT.';
const HASH2 = '$6$labsalt2$0UK/A4YqpOIfAhrQOhx6utuh2d.uQO58iniN5f4R4LtiwyW4ezTJMf.jxBS/lXUWL9wzna4oYvOZz8mH401CJ1';

const sh = async (node: string, command: string): Promise<string> => (await lab.sh(node, command)).stdout;

beforeAll(async () => {
  lab = await startModuleLab('user');
  for (const node of ['node1', 'node2']) await lab.sh(node, 'groupadd -g 3001 labdev && groupadd -g 3002 labops && groupadd -g 3003 labweb');
}, 600_000);

afterAll(async () => {
  await lab?.down();
}, 120_000);

describe('user', () => {
  it('creates an account with uid, shell, comment, groups and home; a re-run changes nothing', async () => {
    const task = `    - user: { name: alice, uid: 2001, shell: /bin/bash, comment: "Alice Lab", groups: [labdev, labops], home: /srv/homes/alice }
      register: r
`;
    const first = await lab.play(task, { hosts: 'node2', dump: ['r'] });
    expect(first.code, first.stdout).toBe(0);
    expect(first.recap('node2')).toMatchObject({ changed: 1, failed: 0 });
    expect(first.registered('node2')['r']).toMatchObject({ changed: true, name: 'alice', uid: 2001, group: 2001, groups: 'labdev,labops', home: '/srv/homes/alice', shell: '/bin/bash', comment: 'Alice Lab', state: 'present', system: false, create_home: true });
    expect(await sh('node2', 'getent passwd alice; id -nG alice; stat -c "%U %G %a" /srv/homes/alice; ls -A /srv/homes/alice | head -n 1')).toBe('alice:x:2001:2001:Alice Lab:/srv/homes/alice:/bin/bash\nalice labdev labops\nalice alice 755\n.bash_logout\n');
    const again = await lab.play(task, { hosts: 'node2', dump: ['r'] });
    expect(again.recap('node2')).toMatchObject({ changed: 0, failed: 0 });
    expect(again.registered('node2')['r']).toMatchObject({ changed: false, append: false, move_home: false, uid: 2001 });
  }, 300_000);

  it("expands ~ in shell and home on the host (type path), in the home of the user it runs as; a re-run changes nothing", async () => {
    const task = `    - user: { name: tilde, shell: ~/custom_shell, home: ~/tilde_home, create_home: false }
      register: r
`;
    const first = await lab.play(task, { hosts: 'node2', dump: ['r'] });
    expect(first.registered('node2')['r']).toMatchObject({ changed: true, shell: '/root/custom_shell', home: '/root/tilde_home' });
    expect(await sh('node2', 'getent passwd tilde | cut -d: -f6,7')).toBe('/root/tilde_home:/root/custom_shell\n');
    const again = await lab.play(task, { hosts: 'node2', dump: ['r'] });
    expect(again.recap('node2')).toMatchObject({ changed: 0, failed: 0 });
    await lab.play('    - user: { name: tilde, state: absent }\n', { hosts: 'node2' });
  }, 300_000);

  it('check mode predicts a new account and a change, and touches nothing', async () => {
    const run = await lab.play(`    - user: { name: bob }\n      register: new\n    - user: { name: alice, shell: /bin/sh }\n      register: mod\n`, { hosts: 'node2', args: ['--check'], dump: ['new', 'mod'] });
    expect(run.recap('node2')).toMatchObject({ changed: 2, failed: 0 });
    // As Ansible: a new account in check mode says only that it would change.
    expect(run.registered('node2')['new']).toMatchObject({ changed: true });
    expect(run.registered('node2')['new']).not.toHaveProperty('uid');
    expect(run.registered('node2')['mod']).toMatchObject({ changed: true, shell: '/bin/bash' });
    expect((await lab.sh('node2', 'getent passwd bob')).rc).toBe(2);
    expect(await sh('node2', 'getent passwd alice | cut -d: -f7')).toBe('/bin/bash\n');
  }, 300_000);

  it('appends groups, moves the home, sets and locks the password, expires; each once', async () => {
    const tasks = `    - user: { name: alice, groups: labweb, append: true }
    - user: { name: alice, home: /home/alice, move_home: true }
    - user: { name: alice, password: "${HASH}" }
    - user: { name: alice, password: "${HASH2}", update_password: on_create }
    - user: { name: alice, password_lock: true }
    - user: { name: alice, expires: 1893456000 }
`;
    const run = await lab.play(tasks, { hosts: 'node2' });
    expect(run.code, run.stdout).toBe(0);
    expect(run.recap('node2')).toMatchObject({ changed: 5, failed: 0 });
    expect(await sh('node2', 'id -nG alice; getent passwd alice | cut -d: -f6; test -d /srv/homes/alice || echo moved; ls -ld /home/alice | cut -d" " -f3; getent shadow alice | cut -d: -f2,8')).toBe(`alice labdev labops labweb\n/home/alice\nmoved\nalice\n!${HASH}:21915\n`);
    const again = await lab.play(tasks, { hosts: 'node2' });
    expect(again.recap('node2')).toMatchObject({ changed: 0, failed: 0 });
    // Without append, groups are exactly the ones asked for.
    const exact = await lab.play(`    - user: { name: alice, groups: [labops] }\n`, { hosts: 'node2' });
    expect(exact.recap('node2')).toMatchObject({ changed: 1 });
    expect(await sh('node2', 'id -nG alice')).toBe('alice labops\n');
  }, 300_000);

  it('generates an SSH key once, returning its fingerprint and public key', async () => {
    const task = `    - user: { name: alice, generate_ssh_key: true, ssh_key_type: ed25519, ssh_key_comment: lab-key }\n      register: key\n`;
    const run = await lab.play(task, { hosts: 'node2', dump: ['key'] });
    expect(run.recap('node2')).toMatchObject({ changed: 1, failed: 0 });
    const key = run.registered('node2')['key'];
    const pub = await sh('node2', 'cat /home/alice/.ssh/id_ed25519.pub');
    expect(key).toMatchObject({ changed: true, ssh_key_file: '/home/alice/.ssh/id_ed25519', ssh_public_key: pub.trim() });
    expect(key['ssh_fingerprint']).toMatch(/^256 SHA256:\S+ lab-key \(ED25519\)$/);
    expect(await sh('node2', 'stat -c "%U %a" /home/alice/.ssh /home/alice/.ssh/id_ed25519')).toBe('alice 700\nalice 600\n');
    const again = await lab.play(task, { hosts: 'node2', dump: ['key'] });
    expect(again.recap('node2')).toMatchObject({ changed: 0, failed: 0 });
    expect(again.stdout + again.stderr).toMatch(/\[WARNING\]: Found existing ssh key private file "\/home\/alice\/\.ssh\/id_ed25519", no force, so skipping ssh-keygen generation/);
    expect(again.registered('node2')['key']['ssh_fingerprint']).toBe(key['ssh_fingerprint']);
  }, 300_000);

  it('fails naming a group that does not exist, and changes nothing', async () => {
    const run = await lab.play(`    - user: { name: carol, group: nosuchgroup }\n      register: bad\n      ignore_errors: true\n`, { hosts: 'node2', dump: ['bad'] });
    expect(run.registered('node2')['bad']).toMatchObject({ failed: true, msg: 'Group nosuchgroup does not exist' });
    expect(run.stdout).toMatch(/fatal: \[node2\]: FAILED! => .*Group nosuchgroup does not exist/);
    expect((await lab.sh('node2', 'getent passwd carol')).rc).toBe(2);
  }, 300_000);

  it('removes an account with its home, once', async () => {
    const task = `    - user: { name: alice, state: absent, remove: true }\n      register: gone\n`;
    const run = await lab.play(task, { hosts: 'node2', dump: ['gone'] });
    expect(run.recap('node2')).toMatchObject({ changed: 1, failed: 0 });
    expect(run.registered('node2')['gone']).toMatchObject({ changed: true, name: 'alice', state: 'absent', remove: true, force: false });
    expect(await sh('node2', 'getent passwd alice || echo no-user; test -e /home/alice || echo no-home')).toBe('no-user\nno-home\n');
    const again = await lab.play(task, { hosts: 'node2' });
    expect(again.recap('node2')).toMatchObject({ changed: 0, failed: 0 });
  }, 300_000);

  it('gives what ansible-playbook gives: recaps, return values and accounts', async () => {
    const tasks = `    - user: { name: pat, uid: 2101, comment: "Pat", groups: [labdev], shell: /bin/bash, password: "${HASH}" }
      register: create
    - user: { name: pat, uid: 2101, comment: "Pat", groups: [labdev], shell: /bin/bash, password: "${HASH}" }
      register: again
    - user: { name: pat, groups: [labops], append: true, comment: "Pat Q" }
      register: modify
    - user: { name: pat, password_lock: true, expires: -1 }
      register: lock
    - user: { name: svc, system: true, create_home: false, shell: /usr/sbin/nologin }
      register: system
    - user: { name: pat, group: nosuchgroup }
      register: badgroup
      ignore_errors: true
    - user: { name: svc, state: absent }
      register: absent
    - user: { name: svc, state: absent }
      register: absent_again
`;
    const keys = ['create', 'again', 'modify', 'lock', 'system', 'badgroup', 'absent', 'absent_again'];
    const [ours, theirs] = await Promise.all([lab.play(tasks, { hosts: 'node2', dump: keys }), lab.play(tasks, { hosts: 'node1', dump: keys, engine: 'ansible' })]);
    expect(theirs.recap('node1'), theirs.stdout + theirs.stderr).toMatchObject({ failed: 0, ignored: 1 });
    expect(ours.recap('node2')).toEqual(theirs.recap('node1'));
    const fields = ['changed', 'failed', 'msg', 'name', 'uid', 'group', 'groups', 'home', 'shell', 'comment', 'state', 'system', 'create_home', 'append', 'move_home', 'password', 'force', 'remove'];
    const pick = (r: Record<string, any>): Record<string, unknown> => Object.fromEntries(fields.map((f) => [f, f === 'group' && r['name'] === 'svc' ? typeof r[f] : r[f]]));
    for (const k of keys) expect(pick(ours.registered('node2')[k]), k).toEqual(pick(theirs.registered('node1')[k]));
    const state = 'getent passwd pat; id -nG pat; getent shadow pat | cut -d: -f2,8; getent passwd svc || echo no-svc; ls -ld /home/pat | cut -d" " -f1,3,4';
    expect(await sh('node2', state)).toBe(await sh('node1', state));
  }, 300_000);
});

describe('user parity, continued', () => {
  it('homes, SSH keys, check mode, groups cleared, removal: as ansible-playbook does them', async () => {
    for (const node of ['node1', 'node2']) await lab.sh(node, 'mkdir -p /opt/labskel && echo hello > /opt/labskel/.labrc');
    const tasks = `    - user: { name: quinn, home: /data/people/quinn, skeleton: /opt/labskel, groups: [labdev, labweb], password: "${HASH}", update_password: on_create }
      register: create
    - user: { name: quinn, password: "${HASH2}", update_password: on_create }
      register: on_create
    - user: { name: quinn, shell: /bin/sh, comment: Quinn }
      register: check
      check_mode: true
    - user: { name: quinn, groups: [] }
      register: cleared
    - user: { name: quinn, home: /data/quinn2, move_home: true }
      register: moved
    - user: { name: quinn, generate_ssh_key: true, ssh_key_bits: 2048, ssh_key_comment: parity }
      register: key
    - user: { name: quinn, generate_ssh_key: true, ssh_key_bits: 2048, ssh_key_comment: parity }
      register: key_again
    - user: { name: nohome, create_home: false, uid: 2300, non_unique: true }
      register: nohome
    - user: { name: nohome, password_expire_max: 90, password_expire_min: 1, password_expire_warn: 7, generate_ssh_key: true, ssh_key_file: /root/nohome_key, ssh_key_type: ed25519, ssh_key_passphrase: "lab pass" }
      register: expiry
    - user: { name: nohome, password_expire_max: 90, password_expire_min: 1, password_expire_warn: 7 }
      register: expiry_again
    - user: { name: quinn, state: absent, remove: true }
      register: removed
      check_mode: true
`;
    const keys = ['create', 'on_create', 'check', 'cleared', 'moved', 'key', 'key_again', 'nohome', 'expiry', 'expiry_again', 'removed'];
    const [ours, theirs] = await Promise.all([lab.play(tasks, { hosts: 'node2', dump: keys }), lab.play(tasks, { hosts: 'node1', dump: keys, engine: 'ansible' })]);
    expect(theirs.code, theirs.stdout + theirs.stderr).toBe(0);
    expect(ours.code, ours.stdout).toBe(0);
    expect(ours.recap('node2')).toEqual(theirs.recap('node1'));
    const fields = ['changed', 'failed', 'msg', 'name', 'uid', 'group', 'groups', 'home', 'shell', 'comment', 'state', 'system', 'create_home', 'append', 'move_home', 'password', 'force', 'remove', 'ssh_key_file'];
    const pick = (r: Record<string, any>): Record<string, unknown> => ({
      ...Object.fromEntries(fields.map((f) => [f, r[f]])),
      // The key differs from node to node; its shape does not.
      ssh_fingerprint: typeof r['ssh_fingerprint'] === 'string' ? r['ssh_fingerprint'].replace(/SHA256:\S+/, 'SHA256:x') : r['ssh_fingerprint'],
      ssh_public_key: typeof r['ssh_public_key'] === 'string' ? r['ssh_public_key'].replace(/^(ssh-\S+) \S+/, '$1 x') : r['ssh_public_key'],
    });
    // (The default key comment names the host: "ansible-generated on node1".)
    const onNode2 = (v: unknown): unknown => JSON.parse(JSON.stringify(v).replaceAll('node1', 'node2'));
    for (const k of keys) expect(pick(ours.registered('node2')[k]), k).toEqual(onNode2(pick(theirs.registered('node1')[k])));
    expect(ours.registered('node2')['key']['ssh_fingerprint']).toMatch(/^2048 SHA256:\S+ parity \(RSA\)$/);
    // The passphrase protects the key: ssh-keygen -y opens it only with it.
    expect((await lab.sh('node2', 'ssh-keygen -y -P "lab pass" -f /root/nohome_key >/dev/null && ! ssh-keygen -y -P "" -f /root/nohome_key 2>/dev/null')).rc).toBe(0);
    const state = 'getent shadow nohome | cut -d: -f4-6; getent passwd quinn nohome; id -nG quinn; getent shadow quinn | cut -d: -f2; stat -c "%n %a %U %G" /data /data/people /data/quinn2 /data/quinn2/.labrc /data/quinn2/.ssh /data/quinn2/.ssh/id_rsa /data/quinn2/.ssh/id_rsa.pub; test -e /data/people/quinn || echo moved; test -e /home/nohome || echo no-home';
    expect(await sh('node2', state)).toBe(await sh('node1', state));
    expect(await sh('node2', 'cat /data/quinn2/.labrc')).toBe('hello\n');
  }, 300_000);
});

describe('group', () => {
  it('creates a group with a gid, changes the gid, removes it; each once; check mode touches nothing', async () => {
    const create = `    - group: { name: labqa, gid: 3100 }\n      register: g\n`;
    const checked = await lab.play(create, { hosts: 'node2', args: ['--check'], dump: ['g'] });
    expect(checked.recap('node2')).toMatchObject({ changed: 1, failed: 0 });
    expect((await lab.sh('node2', 'getent group labqa')).rc).toBe(2);
    const first = await lab.play(create, { hosts: 'node2', dump: ['g'] });
    expect(first.registered('node2')['g']).toMatchObject({ changed: true, name: 'labqa', gid: 3100, state: 'present', system: false });
    expect(await sh('node2', 'getent group labqa')).toBe('labqa:x:3100:\n');
    expect((await lab.play(create, { hosts: 'node2' })).recap('node2')).toMatchObject({ changed: 0, failed: 0 });
    const regid = await lab.play(`    - group: { name: labqa, gid: 3101 }\n      register: g\n`, { hosts: 'node2', dump: ['g'] });
    expect(regid.registered('node2')['g']).toMatchObject({ changed: true, gid: 3101 });
    expect(await sh('node2', 'getent group labqa')).toBe('labqa:x:3101:\n');
    const system = await lab.play(`    - group: { name: labsys, system: true }\n      register: g\n`, { hosts: 'node2', dump: ['g'] });
    expect(system.registered('node2')['g']['gid']).toBeLessThan(1000);
    expect(await sh('node2', 'getent group labsys | cut -d: -f3')).toBe(`${system.registered('node2')['g']['gid']}\n`);
    const absent = `    - group: { name: labqa, state: absent }\n`;
    expect((await lab.play(absent, { hosts: 'node2', args: ['--check'] })).recap('node2')).toMatchObject({ changed: 1 });
    expect(await sh('node2', 'getent group labqa')).toBe('labqa:x:3101:\n');
    expect((await lab.play(absent, { hosts: 'node2' })).recap('node2')).toMatchObject({ changed: 1 });
    expect((await lab.sh('node2', 'getent group labqa')).rc).toBe(2);
    expect((await lab.play(absent, { hosts: 'node2' })).recap('node2')).toMatchObject({ changed: 0, failed: 0 });
  }, 300_000);

  it('refuses non_unique without a gid before running, and says why groupdel failed', async () => {
    const bad = await lab.play(`    - group: { name: labx, non_unique: true }\n`, { hosts: 'node2' });
    expect(bad.code).not.toBe(0);
    expect(bad.stdout + bad.stderr).toMatch(/non_unique is True but all of the following are missing: gid/);
    await lab.sh('node2', 'useradd -U -M primo');
    const primary = await lab.play(`    - group: { name: primo, state: absent }\n      register: g\n      ignore_errors: true\n`, { hosts: 'node2', dump: ['g'] });
    expect(primary.registered('node2')['g']).toMatchObject({ failed: true, name: 'primo', msg: "groupdel: cannot remove the primary group of user 'primo'\n" });
    expect(primary.stdout).toMatch(/fatal: \[node2\]: FAILED! => .*cannot remove the primary group of user 'primo'/);
  }, 300_000);

  it('gives what ansible-playbook gives', async () => {
    const tasks = `    - group: { name: parg, gid: 3200 }
      register: create
    - group: { name: parg, gid: 3200 }
      register: again
    - group: { name: parg, gid: 3001, non_unique: true }
      register: dup
    - group: { name: parg, gid: 3201 }
      register: check
      check_mode: true
    - group: { name: parsys, system: true }
      register: system
    - group: { name: parg, state: absent }
      register: absent
    - group: { name: parg, state: absent }
      register: absent_again
`;
    const keys = ['create', 'again', 'dup', 'check', 'system', 'absent', 'absent_again'];
    const [ours, theirs] = await Promise.all([lab.play(tasks, { hosts: 'node2', dump: keys }), lab.play(tasks, { hosts: 'node1', dump: keys, engine: 'ansible' })]);
    expect(theirs.code, theirs.stdout + theirs.stderr).toBe(0);
    expect(ours.recap('node2')).toEqual(theirs.recap('node1'));
    const fields = ['changed', 'failed', 'msg', 'name', 'gid', 'state', 'system', 'stdout', 'stderr'];
    const pick = (r: Record<string, any>, k: string): Record<string, unknown> => Object.fromEntries(fields.map((f) => [f, f === 'gid' && k === 'system' ? typeof r[f] : r[f]]));
    for (const k of keys) expect(pick(ours.registered('node2')[k], k), k).toEqual(pick(theirs.registered('node1')[k], k));
    const state = 'getent group parg || echo no-parg; getent group parsys | cut -d: -f1';
    expect(await sh('node2', state)).toBe(await sh('node1', state));
  }, 300_000);
});
