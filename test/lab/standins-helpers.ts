/** Helpers for the stand-in tests: paths, a Python to run them with, process and HTTP utilities. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const LAB = path.join(ROOT, 'lab');
export const STANDINS = path.join(LAB, 'standins');
export const FIXTURES = path.join(ROOT, '..', 'shared', 'fixtures', 'nvidia-smi');

/** The Python the nodes have (Debian's), when this machine has it; else python3 on PATH. */
export const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

export function run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string; cwd?: string; timeoutMs?: number } = {}): Ran {
  const r = spawnSync(cmd, args, {
    // No __pycache__ in lab/ (the sources are run from the checkout).
    env: { ...(opts.env ?? process.env), PYTHONDONTWRITEBYTECODE: '1' },
    input: opts.input ?? '',
    cwd: opts.cwd,
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 60_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error) throw r.error;
  return { code: r.status ?? (r.signal ? 128 : 1), stdout: r.stdout, stderr: r.stderr };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** A background process whose output is collected. */
export class Background {
  readonly child: ChildProcess;
  output = '';
  exit: Promise<number>;

  constructor(cmd: string, args: string[], env: NodeJS.ProcessEnv) {
    this.child = spawn(cmd, args, { env: { ...env, PYTHONDONTWRITEBYTECODE: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout?.on('data', (d: Buffer) => (this.output += d.toString()));
    this.child.stderr?.on('data', (d: Buffer) => (this.output += d.toString()));
    this.exit = new Promise((resolve) => this.child.once('close', (code, signal) => resolve(code ?? (signal ? 128 : 1))));
  }

  async stop(timeoutMs = 10_000): Promise<number> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    try {
      return await this.exit;
    } finally {
      clearTimeout(timer);
    }
  }
}

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs: number, bg?: Background): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (bg && (bg.child.exitCode !== null || bg.child.signalCode !== null)) throw new Error(`${what}: the process exited early:\n${bg.output}`);
    if (Date.now() > deadline) throw new Error(`${what}: timed out${bg ? `:\n${bg.output}` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function http(url: string, init: RequestInit = {}): Promise<{ status: number; body: string; json: () => any }> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(15_000) });
  const body = await res.text();
  return { status: res.status, body, json: () => JSON.parse(body) };
}
