/**
 * A stand-in for the containers while debugging the benchmark (`--local-sshd`): N OpenSSH sshd
 * processes on 127.0.0.1, each with its own host key, all logging in as this machine's current
 * user with the benchmark's key. Every "node" is this machine, so the figures are not the
 * benchmark's; they only show that the three tools run and agree.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { userInfo } from 'node:os';
import path from 'node:path';

/** A machine the SSH benchmark runs on. */
export interface SshNode {
  name: string;
  host: string;
  port: number;
  user: string;
  /** `type base64`, as in known_hosts. */
  hostPublicKey: string;
  /** The container's ID, when the node is one: its cgroup tells the CPU it spent. */
  containerId?: string;
}


function freePort(): Promise<number> {
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

async function waitForPort(port: number, proc: ChildProcess): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`sshd on port ${port} exited with ${proc.exitCode}`);
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
  throw new Error(`sshd did not listen on 127.0.0.1:${port} within 10 s`);
}

export async function startLocalSshds(count: number, dir: string, authorizedKey: string): Promise<{ nodes: SshNode[]; stop(): Promise<void> }> {
  const procs: ChildProcess[] = [];
  const nodes: SshNode[] = [];
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o755);
  writeFileSync(path.join(dir, 'authorized_keys'), authorizedKey + '\n', { mode: 0o644 });
  mkdirSync('/run/sshd', { recursive: true });
  const user = userInfo().username;
  const stop = async (): Promise<void> => {
    await Promise.all(
      procs.map(async (p) => {
        if (p.exitCode !== null || p.signalCode !== null) return;
        const exited = new Promise((r) => p.once('exit', r));
        p.kill('SIGTERM');
        await exited;
      }),
    );
  };
  try {
    for (let i = 0; i < count; i++) {
      const key = path.join(dir, `host${i}`);
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
      const port = await freePort();
      const config = [
        `Port ${port}`,
        'ListenAddress 127.0.0.1',
        `HostKey ${key}`,
        `PidFile ${dir}/sshd${i}.pid`,
        `AuthorizedKeysFile ${dir}/authorized_keys`,
        'UsePAM no',
        'StrictModes no',
        'PermitRootLogin prohibit-password',
        'PasswordAuthentication no',
        'MaxSessions 10',
        'MaxStartups 200',
        'Subsystem sftp internal-sftp',
        'LogLevel ERROR',
      ].join('\n');
      writeFileSync(path.join(dir, `sshd${i}.conf`), config + '\n');
      const proc = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', path.join(dir, `sshd${i}.conf`)], { stdio: 'ignore' });
      procs.push(proc);
      await waitForPort(port, proc);
      const hostPublicKey = readFileSync(`${key}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
      nodes.push({ name: `sshd${i}`, host: '127.0.0.1', port, user, hostPublicKey });
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return { nodes, stop };
}
