/**
 * authorized_key on lab nodes: a key added for a user whose .ssh does not exist yet (directory
 * 0700 and file 0600, both the user's), and the key then letting ssh in as that user from the
 * other node (and not before); a re-run that changes nothing; check mode with its diff changing
 * nothing; several keys, key_options, comment, exclusive and state=absent, checked in the file; a
 * key fetched from a URL on the node; bad input failing with Ansible's messages; and the same tasks
 * under ansible-playbook on the other node giving the same recap, return values and files.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ModuleLab, startModuleLab } from '../support/module-lab.js';

let lab: ModuleLab;
/** node1's key pair (made on node1, for root): its public line. */
let pub: string;
let node2Ip: string;

const KEY_A = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ3y2kZ5m0Hn0k2bXQ1j9GJ0C5m6a5H2q8R7c1jz9L0A alice@laptop';
const KEY_B = 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQDlabkeyBbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb bob';

/** ssh from node1 to node2 as `user` with node1's key: the remote `id -un`, or the failure. */
async function sshAs(user: string): Promise<{ rc: number | null; stdout: string }> {
  const r = await lab.sh('node1', `ssh -i /root/.ssh/lab_key -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o ConnectTimeout=20 ${user}@${node2Ip} id -un`);
  return { rc: r.rc, stdout: r.stdout };
}

beforeAll(async () => {
  lab = await startModuleLab('akey');
  node2Ip = /^node2 .*cluster_ip=(\S+)/m.exec(readFileSync(lab.lab.inventoryPath, 'utf8'))![1]!;
  for (const node of ['node1', 'node2']) {
    // Accounts with a home and no .ssh; '*' (not '!') so that sshd does not treat them as locked.
    const made = await lab.sh(node, "for u in deploy svc alt; do useradd -m -s /bin/bash $u && usermod -p '*' $u || exit 1; done");
    expect(made.rc, made.stdout).toBe(0);
  }
  const keygen = await lab.sh('node1', "ssh-keygen -q -t ed25519 -N '' -C lab@node1 -f /root/.ssh/lab_key && cat /root/.ssh/lab_key.pub");
  expect(keygen.rc).toBe(0);
  pub = keygen.stdout.trim();
}, 600_000);

afterAll(async () => {
  await lab?.down();
}, 120_000);

describe('authorized_key', () => {
  it('adds a key for a user without .ssh (0700 dir, 0600 file, the user\'s), lets ssh in, and changes nothing the second time', async () => {
    expect((await sshAs('deploy')).rc).not.toBe(0);
    const task = `    - authorized_key: { user: deploy, key: "${pub}" }\n      register: added\n`;
    const first = await lab.play(task, { hosts: 'node2', dump: ['added'] });
    expect(first.code, first.stdout).toBe(0);
    expect(first.recap('node2')).toMatchObject({ changed: 1, failed: 0 });
    expect(first.registered('node2')['added']).toMatchObject({
      changed: true,
      user: 'deploy',
      key: pub,
      keyfile: '/home/deploy/.ssh/authorized_keys',
      path: null,
      manage_dir: true,
      state: 'present',
      exclusive: false,
      key_options: null,
      comment: null,
      validate_certs: true,
      follow: false,
    });
    const files = await lab.sh('node2', 'stat -c "%n %U %G %a" /home/deploy/.ssh /home/deploy/.ssh/authorized_keys; cat /home/deploy/.ssh/authorized_keys; ls -A /home/deploy/.ssh');
    expect(files.stdout).toBe(`/home/deploy/.ssh deploy deploy 700\n/home/deploy/.ssh/authorized_keys deploy deploy 600\n${pub}\nauthorized_keys\n`);
    expect(await sshAs('deploy')).toEqual({ rc: 0, stdout: 'deploy\n' });
    const again = await lab.play(task, { hosts: 'node2', dump: ['added'] });
    expect(again.recap('node2')).toMatchObject({ changed: 0, failed: 0 });
    expect(again.registered('node2')['added']).toMatchObject({ changed: false, keyfile: '/home/deploy/.ssh/authorized_keys' });
  }, 300_000);

  it('check mode predicts the change and shows the diff, changing nothing', async () => {
    const before = (await lab.sh('node2', 'cat /home/deploy/.ssh/authorized_keys')).stdout;
    // Check and diff mode on the tasks (a play run with --check would not write the registered values out either).
    const run = await lab.play(
      `    - authorized_key: { user: deploy, key: "${KEY_A}" }\n      register: checked\n      check_mode: true\n      diff: true\n    - authorized_key: { user: svc, key: "${KEY_A}" }\n      register: fresh\n      check_mode: true\n`,
      { hosts: 'node2', dump: ['checked', 'fresh'] },
    );
    expect(run.code, run.stdout).toBe(0);
    expect(run.recap('node2')).toMatchObject({ changed: 2, failed: 0 });
    expect(run.registered('node2')['checked']).toMatchObject({
      changed: true,
      diff: { before_header: '/home/deploy/.ssh/authorized_keys', after_header: '/home/deploy/.ssh/authorized_keys', before, after: `${before}${KEY_A}\n` },
    });
    // The diff as printed, under --check --diff.
    const printed = await lab.play(`    - authorized_key: { user: deploy, key: "${KEY_A}" }\n`, { hosts: 'node2', args: ['--check', '--diff'] });
    expect(printed.recap('node2')).toMatchObject({ changed: 1, failed: 0 });
    expect(printed.stdout).toContain(`--- before: /home/deploy/.ssh/authorized_keys\n+++ after: /home/deploy/.ssh/authorized_keys\n@@ -1 +1,2 @@\n ${pub}\n+${KEY_A}\n`);
    expect((await lab.sh('node2', 'cat /home/deploy/.ssh/authorized_keys')).stdout).toBe(before);
    expect((await lab.sh('node2', 'ls -A /home/svc')).stdout).not.toContain('.ssh');
  }, 300_000);

  it('manages several keys with options, a comment, exclusive and absent, as the file shows', async () => {
    const file = '/home/svc/.ssh/authorized_keys';
    const step = async (args: string, changed: number, expected: string): Promise<void> => {
      const run = await lab.play(`    - authorized_key: { user: svc, ${args} }\n`, { hosts: 'node2' });
      expect(run.recap('node2'), `${args}\n${run.stdout}`).toMatchObject({ changed, failed: 0 });
      expect((await lab.sh('node2', `cat ${file}`)).stdout, args).toBe(expected);
    };
    await step(`key: "${KEY_A}\\n${KEY_B}"`, 1, `${KEY_A}\n${KEY_B}\n`);
    await step(`key: "${KEY_B}", key_options: 'no-pty,from="10.0.0.0/8"'`, 1, `${KEY_A}\nno-pty,from="10.0.0.0/8" ${KEY_B}\n`);
    await step(`key: "${KEY_B}", key_options: 'from="10.0.0.0/8",no-pty'`, 0, `${KEY_A}\nno-pty,from="10.0.0.0/8" ${KEY_B}\n`);
    await step(`key: "${KEY_A}", comment: "deploy key"`, 1, `no-pty,from="10.0.0.0/8" ${KEY_B}\n${KEY_A.replace(/ \S+$/, ' deploy key')}\n`);
    await step(`key: "${pub}", exclusive: true`, 1, `${pub}\n`);
    await step(`key: "${pub}", state: absent`, 1, '');
    await step(`key: "${pub}", state: absent`, 0, '');
  }, 300_000);

  it('takes the key from a URL served on the node, and a path of its own with manage_dir false', async () => {
    await lab.sh('node2', `mkdir -p /srv/keys && printf '%s\\n' '${pub}' > /srv/keys/node1.pub && mkdir -p /etc/ssh/keys`);
    const start = await lab.lab.exec('node2', ['/bin/sh', '-c', '(cd /srv/keys && python3 -m http.server 8091 --bind 127.0.0.1 >/dev/null 2>&1 &) ; echo started']);
    expect(start.stdout).toContain('started');
    expect((await lab.sh('node2', 'for i in $(seq 100); do grep -q ":1F9B " /proc/net/tcp && exit 0; sleep 0.1; done; exit 1')).rc).toBe(0);
    const run = await lab.play(`    - authorized_key: { user: alt, key: "http://127.0.0.1:8091/node1.pub", path: /etc/ssh/keys/alt, manage_dir: false }\n      register: fetched\n`, {
      hosts: 'node2',
      dump: ['fetched'],
    });
    expect(run.code, run.stdout).toBe(0);
    expect(run.registered('node2')['fetched']).toMatchObject({ changed: true, key: 'http://127.0.0.1:8091/node1.pub', keyfile: '/etc/ssh/keys/alt', path: '/etc/ssh/keys/alt', manage_dir: false });
    expect((await lab.sh('node2', 'stat -c "%U %a" /etc/ssh/keys /etc/ssh/keys/alt; cat /etc/ssh/keys/alt')).stdout).toBe(`root 755\nalt 600\n${pub}\n`);
  }, 300_000);

  it('fails with Ansible\'s messages on an unknown user, an invalid key and a key URL that answers 404', async () => {
    const run = await lab.play(
      `    - authorized_key: { user: nosuch, key: "${KEY_A}" }
      register: nouser
      ignore_errors: true
    - authorized_key: { user: deploy, key: "ssh-foo AAAA x" }
      register: invalid
      ignore_errors: true
    - authorized_key: { user: deploy, key: "http://127.0.0.1:8091/missing.pub" }
      register: missing
      ignore_errors: true
    - authorized_key: { user: nosuch, key: "${KEY_A}" }
      check_mode: true
      register: nouser_check
      ignore_errors: true
`,
      { hosts: 'node2', dump: ['nouser', 'invalid', 'missing', 'nouser_check'] },
    );
    expect(run.recap('node2')).toMatchObject({ failed: 0, ignored: 4, changed: 0 });
    const r = run.registered('node2');
    expect(r['nouser']).toMatchObject({ failed: true, msg: `Failed to lookup user nosuch: "getpwnam(): name not found: 'nosuch'"` });
    expect(r['invalid']).toMatchObject({ failed: true, msg: 'invalid key specified: ssh-foo AAAA x' });
    expect(r['missing']).toMatchObject({ failed: true, msg: 'Error getting key from: http://127.0.0.1:8091/missing.pub' });
    expect(r['nouser_check']).toMatchObject({ failed: true, msg: 'Either user must exist or you must provide full path to key file in check mode' });
    expect(run.stdout).toMatch(/fatal: \[node2\]: FAILED! => .*invalid key specified: ssh-foo AAAA x/);
  }, 300_000);

  it('gives what ansible-playbook gives: recaps, return values and files', async () => {
    const setup = 'rm -rf /home/alt/.ssh /home/alt/keys; mkdir -p /home/alt/.ssh && printf "# kept\\n\\n\\n%s\\n%s" "$0" "$1" > /home/alt/.ssh/authorized_keys && chmod 644 /home/alt/.ssh/authorized_keys';
    for (const node of ['node1', 'node2']) expect((await lab.sh(node, `sh -c '${setup}' '${KEY_B}' '${KEY_A}'`)).rc).toBe(0);
    const tasks = `    - authorized_key: { user: alt, key: "${KEY_A}" }
      register: same
    - authorized_key: { user: alt, key: "${pub}" }
      register: added
      diff: true
    - authorized_key: { user: alt, key: "${KEY_A}", key_options: "no-agent-forwarding", comment: "new comment" }
      register: options
    - authorized_key: { user: alt, key: "${KEY_B}", state: absent }
      register: removed
    - authorized_key: { user: alt, key: "${KEY_B}", path: /home/alt/keys/extra, manage_dir: false }
      register: other_path
    - authorized_key: { user: alt, key: "${pub}\\n${KEY_B}", exclusive: true }
      register: exclusive
      check_mode: true
    - authorized_key: { user: alt, key: "not-a-key AAAA" }
      register: bad
      ignore_errors: true
`;
    const keys = ['same', 'added', 'options', 'removed', 'other_path', 'exclusive', 'bad'];
    const [ours, theirs] = await Promise.all([lab.play(tasks, { hosts: 'node2', dump: keys }), lab.play(tasks, { hosts: 'node1', dump: keys, engine: 'ansible' })]);
    expect(theirs.recap('node1').failed, theirs.stdout + theirs.stderr).toBe(0);
    expect(ours.recap('node2')).toEqual(theirs.recap('node1'));
    for (const k of keys) {
      // A failed result carries an exception in both; its traceback is Ansible's own.
      const { exception: theirsException, warnings: _w, ...theirsK } = theirs.registered('node1')[k] as Record<string, unknown>;
      const { exception: oursException, ...oursK } = ours.registered('node2')[k] as Record<string, unknown>;
      expect(oursK, k).toEqual(theirsK);
      expect(oursException === undefined, `${k}: exception`).toBe(theirsException === undefined);
    }
    const files = 'cd /home/alt && stat -c "%n %U %G %a" .ssh .ssh/authorized_keys keys keys/extra && cat .ssh/authorized_keys keys/extra';
    expect((await lab.sh('node2', files)).stdout).toBe((await lab.sh('node1', files)).stdout);
  }, 300_000);

  it('follows a linked file or replaces the link, and reads a key from a file: path, as ansible-playbook does', async () => {
    const setup = `rm -rf /home/alt/links && mkdir -p /home/alt/links && printf '%s\\n' '${KEY_B}' > /home/alt/links/real-a && cp /home/alt/links/real-a /home/alt/links/real-b
ln -s real-a /home/alt/links/followed && ln -s real-b /home/alt/links/replaced && printf '%s\\n' '${KEY_A}' > /root/key.pub`;
    for (const node of ['node1', 'node2']) expect((await lab.sh(node, setup)).rc).toBe(0);
    const tasks = `    - authorized_key: { user: alt, key: "${pub}", path: /home/alt/links/followed, follow: true, manage_dir: false }
      register: followed
    - authorized_key: { user: alt, key: "${pub}", path: /home/alt/links/replaced, manage_dir: false }
      register: replaced
    - authorized_key: { user: alt, key: "file:///root/key.pub", path: /home/alt/links/from-file, manage_dir: false }
      register: from_file
    - authorized_key: { user: alt, key: "file:///root/missing.pub", path: /home/alt/links/none, manage_dir: false }
      register: missing_file
      ignore_errors: true
`;
    const keys = ['followed', 'replaced', 'from_file', 'missing_file'];
    const [ours, theirs] = await Promise.all([lab.play(tasks, { hosts: 'node2', dump: keys }), lab.play(tasks, { hosts: 'node1', dump: keys, engine: 'ansible' })]);
    expect(theirs.recap('node1'), theirs.stdout + theirs.stderr).toMatchObject({ failed: 0, changed: 3, ignored: 1 });
    expect(ours.recap('node2')).toEqual(theirs.recap('node1'));
    for (const k of keys) {
      // A failed result carries an exception in both; its traceback is Ansible's own.
      const { exception: theirsException, warnings: _w, ...theirsK } = theirs.registered('node1')[k] as Record<string, unknown>;
      const { exception: oursException, ...oursK } = ours.registered('node2')[k] as Record<string, unknown>;
      expect(oursK, k).toEqual(theirsK);
      expect(oursException === undefined, `${k}: exception`).toBe(theirsException === undefined);
    }
    expect(ours.registered('node2')['missing_file']).toMatchObject({ failed: true, msg: 'Path to a key file not found: /root/missing.pub' });
    const files = 'cd /home/alt/links && for f in *; do stat -c "%n %F %U %a" "$f"; done && cat real-a real-b from-file replaced';
    const seen = (await lab.sh('node2', files)).stdout;
    expect(seen).toBe(
      `followed symbolic link root 777\nfrom-file regular file alt 600\nreal-a regular file alt 600\nreal-b regular file alt 600\nreplaced regular file alt 600\n` +
        `${KEY_B}\n${pub}\n${KEY_B}\n${KEY_A}\n${KEY_B}\n${pub}\n`,
    );
    expect(seen).toBe((await lab.sh('node1', files)).stdout);
  }, 300_000);
});
