/**
 * Reaching hosts, and failing to: ProxyJump through bastions, the failure classes that make a host
 * UNREACHABLE while the others go on, and a host that goes away in the middle of a play.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { type Server, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, project, recapLine } from '../engine/helpers.js';
import { type Sshd, USER, freePort, startSshd } from './sshd.js';

let target: Sshd;
let bastion: Sshd;
let closedBastion: Sshd;
let silent: Server;
let silentPort = 0;

beforeAll(async () => {
  [target, bastion, closedBastion] = await Promise.all([startSshd(), startSshd(), startSshd({ config: ['AllowTcpForwarding no'] })]);
  // Accepts TCP but never speaks SSH: a handshake that times out.
  silent = createServer(() => {});
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  const addr = silent.address();
  silentPort = typeof addr === 'object' && addr ? addr.port : 0;
}, 30_000);

afterAll(async () => {
  silent?.close();
  await Promise.allSettled([target?.stop(), bastion?.stop(), closedBastion?.stop()]);
});

/** An inventory line for a host on `sshd`, with that sshd's key and known_hosts (plus extra ssh args). */
function hostLine(name: string, sshd: Sshd, extra = '', args = ''): string {
  return `${name} ansible_host=127.0.0.1 ansible_port=${sshd.port} ansible_user=${USER} ansible_ssh_private_key_file=${sshd.clientKey} ansible_ssh_retries=0 ansible_ssh_common_args='-o UserKnownHostsFile=${knownHostsOfAll()} ${args}' ${extra}\n`;
}

/** One known_hosts with every test sshd's key. */
function knownHostsOfAll(): string {
  const file = path.join(target.dir, 'all_known_hosts');
  if (!existsSync(file)) writeFileSync(file, [target, bastion, closedBastion].map((s) => `[127.0.0.1]:${s.port} ${s.hostPublicKey}\n`).join(''));
  return file;
}

describe('ProxyJump', () => {
  it('reaches the target through one and through two bastions, and names a bastion that refuses to forward', async () => {
    // The bastions authorize the target's client key too: each test sshd has its own keys.
    writeFileSync(path.join(bastion.dir, 'authorized_keys'), [bastion, target].map((s) => `${readPub(s.clientKey)}\n`).join(''));
    writeFileSync(path.join(closedBastion.dir, 'authorized_keys'), `${readPub(target.clientKey)}\n`);
    const jump = `${USER}@127.0.0.1:${bastion.port}`;
    const dir = project({
      'pb.yml': `- hosts: all
  gather_facts: false
  tasks:
    - command: echo "$SSH_CONNECTION"
      register: conn
    - debug: { msg: "{{ conn.stdout.split()[0] }}" }
`,
      'inventory.ini':
        hostLine('one_hop', target, '', `-o ProxyJump=${jump}`) +
        hostLine('two_hops', target, '', `-J ${jump},${jump}`) +
        hostLine('refused', target, '', `-o ProxyJump=${USER}@127.0.0.1:${closedBastion.port}`),
    });
    const r = await cli(['run', '-i', 'inventory.ini', 'pb.yml'], dir);
    expect(r.code, r.stdout + r.stderr).toBe(4);
    expect(recapLine(r.stdout, 'one_hop'), r.stdout).toMatch(/ok=2\s+changed=1\s+unreachable=0\s+failed=0/);
    expect(recapLine(r.stdout, 'two_hops')).toMatch(/ok=2\s+changed=1\s+unreachable=0\s+failed=0/);
    expect(recapLine(r.stdout, 'refused')).toMatch(/ok=0\s+changed=0\s+unreachable=1/);
    expect(r.stdout).toMatch(new RegExp(`fatal: \\[refused\\]: UNREACHABLE! => .*bastion ${USER}@127\\.0\\.0\\.1:${closedBastion.port} could not open a connection to 127\\.0\\.0\\.1:${target.port}`));
  });
});

describe('unreachable hosts', () => {
  it('marks refused, timed-out, unresolvable, wrong-key and wrong-host-key hosts UNREACHABLE while the others finish', async () => {
    const dir = project({
      'pb.yml': `- hosts: all
  gather_facts: false
  tasks:
    - command: "true"
    - command: "false"
      when: inventory_hostname == 'fails'
    - command: "true"
`,
      'inventory.ini':
        hostLine('good', target) +
        hostLine('fails', target) +
        `refused ansible_host=127.0.0.1 ansible_port=1 ansible_ssh_retries=1\n` +
        `timeout ansible_host=127.0.0.1 ansible_port=${silentPort} ansible_timeout=1 ansible_ssh_retries=0\n` +
        `nodns ansible_host=no-such-host.invalid\n` +
        hostLine('wrongkey', target, `ansible_ssh_private_key_file=${target.wrongKey}`).replace(`ansible_ssh_private_key_file=${target.clientKey} `, '') +
        `wronghostkey ansible_host=127.0.0.1 ansible_port=${target.port} ansible_user=${USER} ansible_ssh_private_key_file=${target.clientKey} ansible_ssh_common_args='-o UserKnownHostsFile=${knownHostsWithWrongKey()}'\n`,
    });
    const r = await cli(['run', '-i', 'inventory.ini', 'pb.yml'], dir);
    expect(r.code, r.stdout + r.stderr).toBe(4); // unreachable outranks failed, as in ansible-playbook
    expect(recapLine(r.stdout, "good")).toMatch(/ok=2\s+changed=2\s+unreachable=0\s+failed=0\s+skipped=1/);
    expect(recapLine(r.stdout, 'fails')).toMatch(/ok=1\s+changed=1\s+unreachable=0\s+failed=1/);
    for (const h of ['refused', 'timeout', 'nodns', 'wrongkey', 'wronghostkey']) expect(recapLine(r.stdout, h), h).toMatch(/ok=0\s+changed=0\s+unreachable=1\s+failed=0/);
    const fatal = (h: string): string => r.stdout.split('\n').find((l) => l.startsWith(`fatal: [${h}]: UNREACHABLE!`)) ?? '';
    expect(fatal('refused')).toMatch(/ECONNREFUSED/);
    expect(fatal('timeout')).toMatch(/Timed out while waiting for handshake/);
    expect(fatal('nodns')).toMatch(/ENOTFOUND|EAI_AGAIN/);
    expect(fatal('wrongkey')).toMatch(/All configured authentication methods failed/);
    expect(fatal('wronghostkey')).toMatch(/REMOTE HOST IDENTIFICATION HAS CHANGED/);
  });

  it('makes a host that goes away mid-play UNREACHABLE; the others finish, and the exit code is 4', async () => {
    const doomed = await startSshd();
    try {
      const flags = mkdtempSync(path.join(tmpdir(), 'pb-midplay-'));
      chmodSync(flags, 0o777); // the ssh user writes its flags here
      const knownHosts = path.join(flags, 'known_hosts');
      writeFileSync(knownHosts, `[127.0.0.1]:${target.port} ${target.hostPublicKey}\n[127.0.0.1]:${doomed.port} ${doomed.hostPublicKey}\n`);
      const line = (name: string, s: Sshd): string =>
        `${name} ansible_host=127.0.0.1 ansible_port=${s.port} ansible_user=${USER} ansible_ssh_private_key_file=${s.clientKey} ansible_ssh_retries=1 ansible_ssh_common_args='-o UserKnownHostsFile=${knownHosts}'\n`;
      const dir = project({
        'pb.yml': `- hosts: all
  gather_facts: false
  tasks:
    - command: touch ${flags}/started-{{ inventory_hostname }}
    - name: wait until the test has stopped the doomed host
      shell: while [ ! -e ${flags}/go ]; do sleep 0.05; done
    - command: "true"
    - command: "true"
`,
        'inventory.ini': line('stays', target) + line('vanishes', doomed),
      });
      const running = cli(['run', '-i', 'inventory.ini', 'pb.yml'], dir);
      const deadline = Date.now() + 30_000;
      while (!existsSync(path.join(flags, 'started-vanishes')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, 300)); // the wait loop is running on the doomed host
      doomed.crash();
      writeFileSync(path.join(flags, 'go'), '');
      const r = await running;
      expect(r.code, r.stdout + r.stderr).toBe(4);
      expect(recapLine(r.stdout, 'stays')).toMatch(/ok=4\s+changed=4\s+unreachable=0\s+failed=0/);
      expect(recapLine(r.stdout, 'vanishes')).toMatch(/ok=1\s+changed=1\s+unreachable=1\s+failed=0/);
      expect(r.stdout).toMatch(/fatal: \[vanishes\]: UNREACHABLE! => .*was lost while a command was running/);
    } finally {
      await doomed.stop();
    }
  }, 60_000);
});

describe('wait_for_connection', () => {
  it('waits until a host that is still booting answers, and fails a host that never does', async () => {
    const port = await freePort();
    const dir = project({
      'pb.yml': `- hosts: all
  gather_facts: false
  tasks:
    - wait_for_connection: { sleep: 1, timeout: "{{ wait }}", connect_timeout: 2 }
      register: waited
    - command: hostname
`,
      'inventory.ini':
        `booting ansible_host=127.0.0.1 ansible_port=${port} ansible_user=${USER} ansible_ssh_private_key_file=${target.clientKey} ansible_ssh_retries=0 ansible_host_key_checking=false wait=30\n` +
        `never ansible_host=127.0.0.1 ansible_port=1 ansible_ssh_retries=0 wait=2\n`,
    });
    const running = cli(['run', '-i', 'inventory.ini', 'pb.yml'], dir);
    await new Promise((r) => setTimeout(r, 2500));
    // The host comes up late, with the client key the inventory names.
    const late = await startSshd({ port });
    writeFileSync(path.join(late.dir, 'authorized_keys'), `${readPub(target.clientKey)}\n`);
    try {
      const r = await running;
      expect(r.code, r.stdout + r.stderr).toBe(2);
      expect(recapLine(r.stdout, 'booting')).toMatch(/ok=2\s+changed=1\s+unreachable=0\s+failed=0/);
      expect(recapLine(r.stdout, 'never')).toMatch(/ok=0\s+changed=0\s+unreachable=0\s+failed=1/);
      expect(r.stdout).toMatch(/fatal: \[never\]: FAILED! => .*"msg": "timed out waiting for ping module test: .*ECONNREFUSED/);
    } finally {
      await late.stop();
    }
  }, 60_000);
});

function readPub(key: string): string {
  return readFileSync(`${key}.pub`, 'utf8').trim();
}

function knownHostsWithWrongKey(): string {
  const file = path.join(target.dir, 'wrong_known_hosts');
  const wrong = readPub(target.wrongKey).split(' ').slice(0, 2).join(' ');
  writeFileSync(file, `[127.0.0.1]:${target.port} ${wrong}\n`);
  return file;
}
