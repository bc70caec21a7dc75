/** Playbooks over a real sshd: become with and without a sudo password (kept out of ps and output), and a 100 MB copy. */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, cli, project, recapLine } from '../engine/helpers.js';
import { OTHER, PASSWORD, type Sshd, inventoryLine, startSshd } from './sshd.js';

let sshd: Sshd;

beforeAll(async () => {
  sshd = await startSshd();
}, 30_000);

afterAll(async () => {
  await sshd?.stop();
});

const inventory = (extra = ''): string => `${inventoryLine(sshd, 'node1', extra)}\n`;

/** Samples every process's command line until stopped: the password must never appear in one. */
function watchProcessTable(): { stop(): Promise<string[]> } {
  const seen = new Set<string>();
  let running = true;
  const loop = (async () => {
    while (running) {
      const { stdout } = await promisify(execFile)('ps', ['-eo', 'args']);
      for (const line of stdout.split('\n')) seen.add(line);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return [...seen];
    },
  };
}

describe('become over ssh', () => {
  it('runs tasks as root with a sudo password and as another user without one; the password is in no process and no output', async () => {
    const work = mkdtempSync(path.join(tmpdir(), 'pb-become-'));
    chmodSync(work, 0o777);
    const dir = project({
      'pb.yml': `- hosts: all
  gather_facts: false
  tasks:
    - command: id -un
      become: true
      register: as_root
    - command: id -un
      become: true
      become_user: ${OTHER}
      register: as_other
    - copy: { dest: ${work}/root-owned, content: "secret\\n", mode: "0600" }
      become: true
    - shell: sleep 0.5; ps -eo args
      become: true
      register: ps_during
    - assert:
        that:
          - as_root.stdout == 'root'
          - as_other.stdout == '${OTHER}'
    - debug: { var: ps_during.stdout_lines }
`,
      'inventory.ini': inventory(`ansible_become_password=${PASSWORD}`),
    });
    const ps = watchProcessTable();
    const r = await cli(['run', '-i', 'inventory.ini', 'pb.yml', '-vvv'], dir);
    const processes = await ps.stop();
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(recapLine(r.stdout, 'node1')).toMatch(/ok=6\s+changed=4\s+unreachable=0\s+failed=0/);
    expect(processes.some((p) => p.includes('sudo -H -S'))).toBe(true); // the sampler saw sudo run
    expect(processes.filter((p) => p.includes(PASSWORD))).toEqual([]);
    expect(r.stdout).not.toContain(PASSWORD);
    expect(r.stderr).not.toContain(PASSWORD);
    expect(readFileSync(path.join(work, 'root-owned'), 'utf8')).toBe('secret\n');

    // Without the password, the sudo rule that needs one fails as a task failure, not a hang.
    const nopass = project({ 'pb.yml': '- hosts: all\n  gather_facts: false\n  tasks:\n    - command: id -un\n      become: true\n', 'inventory.ini': inventory() });
    const refused = await cli(['run', '-i', 'inventory.ini', 'pb.yml'], nopass);
    expect(refused.code).toBe(2);
    expect(refused.stdout).toMatch(/fatal: \[node1\]: FAILED!.*(a password is required|no password was provided|incorrect password)/);
  }, 60_000);
});

/** Runs the CLI on a terminal (python's pty) and types `answer` at the first prompt. */
async function cliOnTerminal(args: string[], cwd: string, answer: string): Promise<{ code: number; output: string }> {
  const script = `
import os, pty, select, sys, time
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
out, sent, deadline = b'', False, time.time() + 60
while time.time() < deadline:
    if select.select([fd], [], [], 0.2)[0]:
        try:
            d = os.read(fd, 4096)
        except OSError:
            break
        if not d:
            break
        out += d
        if not sent and b'password:' in out:
            os.write(fd, os.environ['ANSWER'].encode() + b'\\r')
            sent = True
sys.stdout.write(out.decode(errors='replace'))
sys.exit(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
`;
  try {
    const { stdout } = await promisify(execFile)('python3', ['-c', script, process.execPath, path.join(ROOT, 'bin', 'playbook.js'), ...args], { cwd, env: { ...process.env, ANSWER: answer, NO_COLOR: '1' } });
    return { code: 0, output: stdout };
  } catch (e) {
    const err = e as { code: number; stdout: string };
    return { code: err.code, output: err.stdout };
  }
}

describe('-K', () => {
  it('asks for the become password on the terminal without echoing it', async () => {
    const dir = project({ 'pb.yml': '- hosts: all\n  gather_facts: false\n  tasks:\n    - command: id -un\n      become: true\n      register: who\n    - assert: { that: "who.stdout == \'root\'" }\n', 'inventory.ini': inventory() });
    const r = await cliOnTerminal(['run', '-i', 'inventory.ini', 'pb.yml', '-K'], dir, PASSWORD);
    expect(r.code, r.output).toBe(0);
    expect(r.output).toMatch(/^BECOME password: /);
    expect(recapLine(r.output.replace(/\r/g, ''), 'node1')).toMatch(/ok=2\s+changed=1/);
    expect(r.output).not.toContain(PASSWORD);
  }, 60_000);
});

describe('copy over ssh', () => {
  it('copies 100 MB that arrive with the right checksum, and reports ok on the second run', async () => {
    const src = mkdtempSync(path.join(tmpdir(), 'pb-big-'));
    const dest = mkdtempSync(path.join(tmpdir(), 'pb-big-dest-'));
    chmodSync(dest, 0o777);
    const data = randomBytes(100 * 1024 * 1024);
    writeFileSync(path.join(src, 'model.bin'), data);
    const sha1 = createHash('sha1').update(data).digest('hex');
    const dir = project({
      'pb.yml': `- hosts: all
  gather_facts: false
  tasks:
    - copy: { src: ${src}/model.bin, dest: ${dest}/model.bin, mode: "0644" }
      register: copied
    - debug: { var: copied.checksum }
`,
      'inventory.ini': inventory(),
    });
    const first = await cli(['run', '-i', 'inventory.ini', 'pb.yml'], dir);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(recapLine(first.stdout, 'node1')).toMatch(/ok=2\s+changed=1/);
    expect(first.stdout).toContain(`"copied.checksum": "${sha1}"`);
    const arrived = readFileSync(path.join(dest, 'model.bin'));
    expect(arrived.length).toBe(data.length);
    expect(createHash('sha256').update(arrived).digest('hex')).toBe(createHash('sha256').update(data).digest('hex'));
    const again = await cli(['run', '-i', 'inventory.ini', 'pb.yml'], dir);
    expect(recapLine(again.stdout, 'node1')).toMatch(/ok=2\s+changed=0/);
  }, 120_000);
});
