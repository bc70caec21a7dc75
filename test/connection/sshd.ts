/**
 * A real OpenSSH sshd on 127.0.0.1 for the SSH connection tests: generated host and client keys,
 * a temp config, a test user with a password, sudoers entries for become. Needs root and
 * /usr/sbin/sshd (.ci/run installs openssh-server); without them the tests fail, never skip.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const USER = 'pbssh';
export const PASSWORD = 'pb-Ssh-secret-7391';
/** The become target reachable without a password; root needs the password. */
export const OTHER = 'pbother';
/** OTHER's own password, for su. */
export const OTHER_PASSWORD = 'pb-Other-secret-2208';

export interface Sshd {
  port: number;
  dir: string;
  clientKey: string;
  wrongKey: string;
  /** known_hosts holding the server's key as `[127.0.0.1]:port`. */
  knownHosts: string;
  hostPublicKey: string;
  /** sshd's log (LogLevel from the options; ERROR by default). */
  log(): string;
  /** Kills sshd and every process it started, as if the host went away; open connections drop. */
  crash(): void;
  stop(): Promise<void>;
}

export interface SshdOptions {
  /** Listen here instead of on a free port. */
  port?: number;
  /** Extra sshd_config lines (later lines do not override earlier ones in sshd: put overrides here, they come first). */
  config?: string[];
}

/** The connection variables that reach `sshd` with its client key and known_hosts (no retries), plus `extra`. */
export function connectionVars(sshd: Sshd, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ansible_host: '127.0.0.1',
    ansible_port: sshd.port,
    ansible_user: USER,
    ansible_ssh_private_key_file: sshd.clientKey,
    ansible_ssh_common_args: `-o UserKnownHostsFile=${sshd.knownHosts}`,
    ansible_ssh_retries: 0,
    ...extra,
  };
}

/** An INI inventory line for host `name` on `sshd` (client key, known_hosts), plus `extra` variables. */
export function inventoryLine(sshd: Sshd, name: string, extra = ''): string {
  return `${name} ansible_host=127.0.0.1 ansible_port=${sshd.port} ansible_user=${USER} ansible_ssh_private_key_file=${sshd.clientKey} ansible_ssh_common_args='-o UserKnownHostsFile=${sshd.knownHosts}'${extra ? ` ${extra}` : ''}`;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function ensureUser(name: string, password?: string): void {
  try {
    execFileSync('id', [name], { stdio: 'ignore' });
  } catch {
    try {
      execFileSync('useradd', ['-m', '-s', '/bin/sh', name], { stdio: 'ignore' });
    } catch (e) {
      // Another test file (two run at once) may have just created it.
      execFileSync('id', [name], { stdio: 'ignore' });
      void e;
    }
  }
  // A home left by an earlier account of the same name keeps that account's owner: the user must own it.
  execFileSync('chown', [`${name}:`, `/home/${name}`]);
  if (password) execFileSync('chpasswd', { input: `${name}:${password}\n` });
}

async function waitForPort(port: number, proc: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`sshd exited with ${proc.exitCode}: ${log()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = createConnection({ host: '127.0.0.1', port }, () => {
        s.end();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`sshd did not listen on 127.0.0.1:${port} within 10 s: ${log()}`);
}

export async function startSshd(options: SshdOptions = {}): Promise<Sshd> {
  if (!existsSync('/usr/sbin/sshd')) throw new Error('SSH tests need OpenSSH: /usr/sbin/sshd is missing (apt-get install openssh-server sudo; .ci/run does this)');
  if (process.getuid?.() !== 0) throw new Error('SSH tests start sshd and create a test user, which needs root');
  if (!existsSync('/usr/bin/sudo')) throw new Error('SSH become tests need sudo (apt-get install sudo)');
  ensureUser(USER, PASSWORD);
  ensureUser(OTHER, OTHER_PASSWORD);
  // One sudoers file per sshd: test files run in parallel, and one's stop must not remove another's rules.
  const sudoers = `/etc/sudoers.d/playbook-ssh-test-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
  writeFileSync(sudoers, `${USER} ALL=(${OTHER}) NOPASSWD: ALL\n${USER} ALL=(root) ALL\n`, { mode: 0o440 });

  const dir = mkdtempSync(path.join(tmpdir(), 'pb-sshd-'));
  chmodSync(dir, 0o755); // sshd reads authorized_keys as the logging-in user
  const keygen = (file: string): void => void execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', file]);
  keygen(path.join(dir, 'host_ed25519'));
  keygen(path.join(dir, 'client'));
  keygen(path.join(dir, 'wrong'));
  writeFileSync(path.join(dir, 'authorized_keys'), readFileSync(path.join(dir, 'client.pub')), { mode: 0o644 });
  const port = options.port ?? (Number(process.env['PLAYBOOK_TEST_SSHD_PORT'] ?? 0) || (await freePort()));
  const config = [
    ...(options.config ?? []),
    `Port ${port}`,
    'ListenAddress 127.0.0.1',
    `HostKey ${dir}/host_ed25519`,
    `PidFile ${dir}/sshd.pid`,
    `AuthorizedKeysFile ${dir}/authorized_keys`,
    'UsePAM no',
    'StrictModes no',
    'PasswordAuthentication yes',
    'KbdInteractiveAuthentication no',
    'PubkeyAuthentication yes',
    'MaxSessions 10',
    'Subsystem sftp internal-sftp',
    'LogLevel ERROR',
  ].join('\n');
  writeFileSync(path.join(dir, 'sshd_config'), config + '\n');
  mkdirSync('/run/sshd', { recursive: true }); // privilege separation directory
  const hostPublicKey = readFileSync(path.join(dir, 'host_ed25519.pub'), 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
  const knownHosts = path.join(dir, 'known_hosts');
  writeFileSync(knownHosts, `[127.0.0.1]:${port} ${hostPublicKey}\n`);

  let log = '';
  const proc = spawn('/usr/sbin/sshd', ['-D', '-f', path.join(dir, 'sshd_config'), '-e'], { stdio: ['ignore', 'ignore', 'pipe'] });
  proc.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  await waitForPort(port, proc, () => log);
  return {
    port,
    dir,
    clientKey: path.join(dir, 'client'),
    wrongKey: path.join(dir, 'wrong'),
    knownHosts,
    hostPublicKey,
    log: () => log,
    crash() {
      const pid = proc.pid;
      if (pid === undefined || proc.exitCode !== null || proc.signalCode !== null) return;
      const table = execFileSync('ps', ['-eo', 'pid=,ppid='], { encoding: 'utf8' })
        .trim()
        .split('\n')
        .map((l) => l.trim().split(/\s+/).map(Number));
      const doomed = new Set([pid]);
      for (let grew = true; grew; ) {
        grew = false;
        for (const [child = 0, parent = 0] of table) if (doomed.has(parent) && !doomed.has(child)) grew = Boolean(doomed.add(child));
      }
      for (const p of doomed) {
        try {
          process.kill(p, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    },
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        const exited = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        await exited;
      }
      rmSync(sudoers, { force: true });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
