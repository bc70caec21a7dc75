/**
 * The parity corpus over SSH: every case runs under `playbook run` twice (a first and an
 * idempotent second run) with its hosts reached over a real sshd on the loopback (as root, with
 * the test client key, the host key checked against the sshd's known_hosts), and must give the
 * same exit codes, PLAY RECAP lines and out/ tree as the same runs over the local connection.
 * The local runs are the reference here: engine-parity.test.ts proves them equal to Ansible.
 *
 * Only the way hosts are reached changes (see ssh-inventory.ts): the hosts the inventory declares
 * `ansible_connection=local` get ssh connection variables; everything else stays. No case is
 * excluded: the corpus has no `connection: local` keyword, and the cases with deliberately
 * unreachable ssh hosts (unreachable_host, ignore_unreachable, delegate_to_localhost) keep them
 * unreachable while their localhost goes over ssh too.
 *
 * PARITY_CASES=a,b picks cases; SSH_PARITY_CONCURRENCY (default 2) cases run at once, each with
 * its local and ssh runs side by side.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Semaphore } from '../../src/connection/semaphore.js';
import { type Sshd, startSshd } from '../connection/sshd.js';
import { ROOT } from '../engine/helpers.js';
import { CASES_DIR, type RunOptions, listCases, runAnsible } from './harness.js';
import { type SshTarget, sshInventory } from './ssh-inventory.js';

const selected = process.env['PARITY_CASES']?.split(',').map((s) => s.trim()).filter(Boolean);
const cases = (await listCases()).filter((c) => !selected || selected.includes(c));
const ours = [process.execPath, path.join(ROOT, 'bin', 'playbook.js'), 'run'];
const slots = new Semaphore(Number(process.env['SSH_PARITY_CONCURRENCY'] ?? 2) || 2);

let sshd: Sshd;
let target: SshTarget;

beforeAll(async () => {
  sshd = await startSshd();
  target = { port: sshd.port, user: 'root', key: sshd.clientKey, knownHosts: sshd.knownHosts };
}, 30_000);

afterAll(async () => {
  await sshd?.stop();
});

/** The harness options that reach the case's hosts over the sshd; host keys are checked. */
function overSsh(extra: RunOptions = {}): RunOptions {
  return { ...extra, env: { ANSIBLE_HOST_KEY_CHECKING: '1', ...extra.env }, rewriteInventory: (text) => sshInventory(text, target) };
}

async function limited<T>(fn: () => Promise<T>): Promise<T> {
  const release = await slots.acquire();
  try {
    return await fn();
  } finally {
    release();
  }
}

describe('the ssh override', () => {
  test('reaches every host of the shared inventory through the sshd, as root, and nothing else changes', () => {
    const text = ['localhost ansible_connection=local', '[web]', 'node1 ansible_connection=local', 'gone ansible_connection=ssh ansible_port=1', '[web:vars]', 'ansible_connection=local', 'x=1'].join('\n');
    const vars = `ansible_connection=ssh ansible_host=127.0.0.1 ansible_port=${target.port} ansible_user=root ansible_ssh_private_key_file=${target.key} ansible_ssh_common_args='-o UserKnownHostsFile=${target.knownHosts}'`;
    expect(sshInventory(text, target).split('\n')).toEqual([
      `localhost ${vars}`,
      '[web]',
      `node1 ${vars}`,
      'gone ansible_connection=ssh ansible_port=1',
      '[web:vars]',
      ...vars.replace(/ (?=ansible_)/g, '\n').split('\n'),
      'x=1',
    ]);
    expect(() => sshInventory('gone ansible_connection=ssh\n', target)).toThrow(/no host with ansible_connection=local/);
  });

  test('commands run in an ssh session of the sshd, with the remote environment and chdir, as Ansible runs them over ssh', { timeout: 120_000 }, async () => {
    // A throwaway case: what each host's commands see, as files under out/.
    const dir = await mkdtemp(path.join(os.tmpdir(), 'ssh-parity-probe-'));
    try {
      await writeFile(path.join(dir, 'case.yml'), 'description: where commands run over ssh\nruns: 1\n');
      await writeFile(
        path.join(dir, 'playbook.yml'),
        `- hosts: all
  gather_facts: false
  tasks:
    - command: printenv SSH_CONNECTION
      register: conn
    - command: echo $HOME ~ $GREETING ~/x $UNSET_VARIABLE
      environment: { GREETING: hello }
      register: expanded
    - command: id -un
      register: who
    - command: pwd
      args: { chdir: /nonexistent/directory }
      register: nodir
      ignore_errors: true
    - copy:
        dest: "{{ out }}/{{ inventory_hostname }}.txt"
        content: "{{ conn.stdout.split(' ')[2:] | join(' ') }}|{{ expanded.stdout }}|{{ who.stdout }}|{{ nodir.rc is none }} {{ nodir.msg }}\\n"
`,
      );
      const expected = `127.0.0.1 ${target.port}|/root /root hello /root/x $UNSET_VARIABLE|root|True Unable to change directory before execution.\n`;
      const [engine, reference] = await Promise.all([limited(() => runAnsible(dir, overSsh({ command: ours }))), limited(() => runAnsible(dir, overSsh()))]);
      for (const ran of [engine, reference]) {
        expect(ran.runs[0]?.exitCode, ran.runs[0]?.stdout).toBe(0);
        expect(ran.tree.map((e) => [e.path, e.content])).toEqual(['localhost', 'node1', 'node2', 'node3'].map((h) => [`${h}.txt`, expected]));
      }
      expect(engine.runs[0]?.recapLines).toEqual(reference.runs[0]?.recapLines);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe.concurrent('playbooks give the same result over ssh as over the local connection', () => {
  test.each(cases)('%s', { timeout: 600_000 }, (name) =>
    limited(async () => {
      const dir = path.join(CASES_DIR, name);
      const [local, ssh] = await Promise.all([runAnsible(dir, { command: ours }), runAnsible(dir, overSsh({ command: ours }))]);
      const report = (i: number): string => `run ${i + 1}\n--- local\n${local.runs[i]?.stdout}${local.runs[i]?.stderr}\n--- ssh\n${ssh.runs[i]?.stdout}${ssh.runs[i]?.stderr}`;
      local.runs.forEach((r, i) => {
        expect(ssh.runs[i]?.exitCode, `exit code, ${report(i)}`).toBe(r.exitCode);
        expect(ssh.runs[i]?.recapLines, `PLAY RECAP, ${report(i)}`).toEqual(r.recapLines);
      });
      expect(ssh.tree, report(local.runs.length - 1)).toEqual(local.tree);
    }),
  );
});
