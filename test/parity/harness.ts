/**
 * The Ansible side of the playbook parity harness: run a case of test/parity/cases/ with the pinned
 * ansible-playbook in a fresh temporary directory and capture what it leaves behind (exit codes,
 * PLAY RECAP, the file tree under out/). A later step runs our engine the same way and compares.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import type { HostStats } from '../../src/output/events.js';
import { ansibleVenv } from '../support/ansible.js';

export const PARITY_DIR = path.dirname(fileURLToPath(import.meta.url));
export const CASES_DIR = path.join(PARITY_DIR, 'cases');
export const SHARED_INVENTORY = path.join(PARITY_DIR, 'inventory.ini');
/** Stands for the run's temporary root in snapshot contents and link targets. */
export const TMP_TOKEN = '@TMP@';

export interface TreeEntry {
  path: string;
  type: 'file' | 'dir' | 'link';
  mode: string;
  content?: string;
  target?: string;
}

/** A host's PLAY RECAP counters: the engine's own HostStats. */
export type RecapCounts = HostStats;

export interface CaseSpec {
  name: string;
  dir: string;
  description: string;
  runs: number;
  extraArgs: string[];
  expect: {
    exitCodes: number[];
    secondRunChangedZero: boolean;
    /** out/ must hold at least one entry after the last run (default true). */
    outNotEmpty: boolean;
    /** Exact file contents (relative to out/) after the last run. */
    files: Record<string, string>;
    /** Paths (relative to out/) that must not exist after the last run. */
    absent: string[];
    /** Partial recap counts per run index, per host. */
    recap: Array<Record<string, Partial<RecapCounts>> | null>;
    stdoutContains: string[];
    stdoutNotContains: string[];
  };
}

export interface AnsibleRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  recapLines: string[];
  recap: Record<string, RecapCounts>;
}

export interface RunOptions {
  /** Number of runs; defaults to the case's `runs`. */
  runs?: number;
  /** Overrides the case's extra_args. */
  extraArgs?: string[];
  /** The ansible-playbook binary; defaults to the pinned venv's. */
  ansiblePlaybook?: string;
  /**
   * Program and leading arguments to run instead of ansible-playbook (e.g. our engine's
   * ['node', 'dist/cli.js', 'run']); the usual `-i … playbook.yml -e out=… <extra_args>` follow.
   */
  command?: string[];
  env?: Record<string, string>;
  /** Per-run timeout in ms (default 120 s). */
  timeoutMs?: number;
  /** Keep the temporary directory (its path is returned as `tmp`). */
  keep?: boolean;
  /**
   * Rewrites the inventory's text before the runs (e.g. to reach the same hosts another way). A
   * case's own inventory.ini is rewritten in place in the copy, so that group_vars/ and
   * host_vars/ beside it still apply; the shared one is written to <tmp>/inventory.ini.
   */
  rewriteInventory?: (text: string) => string;
}

function asStringArray(v: unknown, what: string): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new Error(`${what} must be a list`);
  return v.map((x) => String(x));
}

/** Reads cases/<name>/case.yml and fills in the defaults. */
export async function loadCase(caseDir: string): Promise<CaseSpec> {
  const raw = (parseYaml(await readFile(path.join(caseDir, 'case.yml'), 'utf8')) ?? {}) as Record<string, unknown>;
  const exp = (raw['expect'] ?? {}) as Record<string, unknown>;
  const runs = typeof raw['runs'] === 'number' ? raw['runs'] : 2;
  const exitCodes = exp['exit_codes'] === undefined ? Array<number>(runs).fill(0) : (exp['exit_codes'] as number[]);
  if (exitCodes.length !== runs) throw new Error(`${caseDir}: expect.exit_codes needs ${runs} entries`);
  const files: Record<string, string> = {};
  for (const [k, v] of Object.entries((exp['files'] ?? {}) as Record<string, unknown>)) files[k] = String(v);
  return {
    name: path.basename(caseDir),
    dir: caseDir,
    description: String(raw['description'] ?? ''),
    runs,
    extraArgs: asStringArray(raw['extra_args'], 'extra_args'),
    expect: {
      exitCodes,
      secondRunChangedZero: exp['second_run_changed_zero'] === true,
      outNotEmpty: exp['out_not_empty'] !== false,
      files,
      absent: asStringArray(exp['absent'], 'expect.absent'),
      recap: ((exp['recap'] ?? []) as Array<Record<string, Partial<RecapCounts>> | null>),
      stdoutContains: asStringArray(exp['stdout_contains'], 'expect.stdout_contains'),
      stdoutNotContains: asStringArray(exp['stdout_not_contains'], 'expect.stdout_not_contains'),
    },
  };
}

export async function listCases(): Promise<string[]> {
  const names = await readdir(CASES_DIR);
  return names.filter((n) => existsSync(path.join(CASES_DIR, n, 'case.yml'))).sort();
}

/**
 * Every entry under dir (not dir itself), sorted by relative path. Contents are read as UTF-8;
 * `replace` pairs are applied to contents and link targets (used to hide the temporary root).
 */
export async function snapshotTree(dir: string, replace: Array<[string, string]> = []): Promise<TreeEntry[]> {
  const out: TreeEntry[] = [];
  const norm = (s: string): string => replace.reduce((acc, [from, to]) => acc.split(from).join(to), s);
  async function walk(rel: string): Promise<void> {
    const names = (await readdir(path.join(dir, rel))).sort();
    for (const name of names) {
      const r = rel === '' ? name : `${rel}/${name}`;
      const abs = path.join(dir, r);
      const st = await lstat(abs);
      const mode = (st.mode & 0o7777).toString(8).padStart(4, '0');
      if (st.isSymbolicLink()) {
        out.push({ path: r, type: 'link', mode, target: norm(await readlink(abs)) });
      } else if (st.isDirectory()) {
        out.push({ path: r, type: 'dir', mode });
        await walk(r);
      } else {
        out.push({ path: r, type: 'file', mode, content: norm(await readFile(abs, 'utf8')) });
      }
    }
  }
  if (existsSync(dir)) await walk('');
  out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return out;
}

/** The host lines after the last "PLAY RECAP" header, as printed. */
export function recapLines(stdout: string): string[] {
  const lines = stdout.split('\n');
  let start = -1;
  for (let i = lines.length - 1; i >= 0; i--) {
    if (lines[i]!.startsWith('PLAY RECAP ')) {
      start = i;
      break;
    }
  }
  if (start < 0) return [];
  const out: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (!/^\S+\s+:\s+ok=/.test(line)) break;
    out.push(line);
  }
  return out;
}

/** PLAY RECAP counts per host ({} when there is no recap, e.g. a syntax error). */
export function parseRecap(stdout: string): Record<string, RecapCounts> {
  const result: Record<string, RecapCounts> = {};
  for (const line of recapLines(stdout)) {
    const m = /^(\S+)\s+:\s+(.*)$/.exec(line);
    if (!m) continue;
    const counts: RecapCounts = { ok: 0, changed: 0, unreachable: 0, failed: 0, skipped: 0, rescued: 0, ignored: 0 };
    for (const kv of m[2]!.trim().split(/\s+/)) {
      const [k, v] = kv.split('=');
      if (k !== undefined && v !== undefined && k in counts) counts[k as keyof RecapCounts] = Number(v);
    }
    result[m[1]!] = counts;
  }
  return result;
}

/** The environment every ansible-playbook run gets: no colour, no retry files, nothing in the real home. */
export function ansibleEnv(tmp: string, python: string): Record<string, string> {
  return {
    ANSIBLE_NOCOLOR: '1',
    ANSIBLE_FORCE_COLOR: '0',
    ANSIBLE_RETRY_FILES_ENABLED: '0',
    ANSIBLE_HOST_KEY_CHECKING: '0',
    ANSIBLE_LOCALHOST_WARNING: '0',
    ANSIBLE_PYTHON_INTERPRETER: python,
    ANSIBLE_LOCAL_TEMP: path.join(tmp, 'ansible-local'),
    ANSIBLE_REMOTE_TEMP: path.join(tmp, 'ansible-remote'),
    // async jobs: an absolute directory, since Ansible's async wrapper and async_status expand `~`
    // differently when HOME is not the user's home from passwd (as here).
    ANSIBLE_ASYNC_DIR: path.join(tmp, 'home', '.ansible_async'),
    ANSIBLE_CONFIG: path.join(tmp, 'ansible.cfg'),
    ANSIBLE_STDOUT_CALLBACK: 'default',
    HOME: path.join(tmp, 'home'),
    LANG: 'C.UTF-8',
    LC_ALL: 'C.UTF-8',
  };
}

function spawnRun(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    // umask 022 so that default file modes do not depend on the caller's umask.
    const child = spawn('/bin/sh', ['-c', 'umask 022; exec "$@"', 'sh', cmd, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ exitCode: code ?? (signal ? 128 : -1), stdout, stderr });
    });
  });
}

/**
 * Copies the case to <tmp>/<case name>/, runs ansible-playbook there `runs` times with
 * `-i <inventory> playbook.yml -e out=<tmp>/out <extra_args>`, then snapshots <tmp>/out (the
 * temporary root is replaced by @TMP@ in contents and link targets).
 */
export async function runAnsible(
  caseDir: string,
  opts: RunOptions = {},
): Promise<{ runs: AnsibleRun[]; tree: TreeEntry[]; tmp: string }> {
  const spec = await loadCase(caseDir);
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'parity-'));
  try {
    const work = path.join(tmp, spec.name);
    const out = path.join(tmp, 'out');
    await cp(caseDir, work, { recursive: true });
    for (const d of [out, path.join(tmp, 'home'), path.join(tmp, 'ansible-local'), path.join(tmp, 'ansible-remote')]) {
      await mkdir(d, { recursive: true });
    }
    // An empty config, so that no ansible.cfg of the machine (/etc/ansible, ~) changes the result.
    await writeFile(path.join(tmp, 'ansible.cfg'), '');
    let inventory = existsSync(path.join(work, 'inventory.ini')) ? path.join(work, 'inventory.ini') : SHARED_INVENTORY;
    if (opts.rewriteInventory) {
      const rewritten = opts.rewriteInventory(await readFile(inventory, 'utf8'));
      if (inventory === SHARED_INVENTORY) inventory = path.join(tmp, 'inventory.ini');
      await writeFile(inventory, rewritten);
    }
    const venv = ansibleVenv();
    const [bin, ...lead] = opts.command ?? [opts.ansiblePlaybook ?? path.join(venv, 'bin', 'ansible-playbook')];
    const python = path.join(venv, 'bin', 'python');
    const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...ansibleEnv(tmp, python), ...opts.env };
    const args = [...lead, '-i', inventory, 'playbook.yml', '-e', `out=${out}`, ...(opts.extraArgs ?? spec.extraArgs)];
    const runs: AnsibleRun[] = [];
    for (let i = 0; i < (opts.runs ?? spec.runs); i++) {
      const r = await spawnRun(bin!, args, work, env, opts.timeoutMs ?? 120_000);
      runs.push({ ...r, recapLines: recapLines(r.stdout), recap: parseRecap(r.stdout) });
    }
    const tree = await snapshotTree(out, [[tmp, TMP_TOKEN]]);
    return { runs, tree, tmp };
  } finally {
    if (!opts.keep) await rm(tmp, { recursive: true, force: true });
  }
}

/**
 * Asserts that Ansible's runs of a case meet the case's own expectations (exit codes, recap,
 * files, stdout); throws with the runs' output on the first mismatch. Used by the parity test on
 * the reference runs, so the corpus stays true to Ansible.
 */
export function assertCaseExpectations(spec: CaseSpec, runs: AnsibleRun[], tree: TreeEntry[]): void {
  const exp = spec.expect;
  const fail = (what: string): never => {
    throw new Error(`${spec.name}: ${what}\n${runs.map((r, i) => `--- run ${i + 1} (exit ${r.exitCode})\n${r.stdout}${r.stderr}`).join('\n')}`);
  };
  const codes = runs.map((r) => r.exitCode);
  if (JSON.stringify(codes) !== JSON.stringify(exp.exitCodes)) fail(`exit codes ${JSON.stringify(codes)}, expected ${JSON.stringify(exp.exitCodes)}`);
  if (exp.secondRunChangedZero) {
    const second = runs[1];
    if (!second || Object.keys(second.recap).length === 0) fail('second_run_changed_zero needs a second run with a recap');
    for (const [host, counts] of Object.entries(second!.recap)) if (counts.changed !== 0) fail(`${host} changed on the second run`);
  }
  exp.recap.forEach((perHost, i) => {
    if (!perHost) return;
    for (const [host, counts] of Object.entries(perHost)) {
      const got = runs[i]?.recap[host];
      for (const [k, v] of Object.entries(counts)) if (got?.[k as keyof RecapCounts] !== v) fail(`run ${i + 1} recap for ${host}: ${k}=${String(got?.[k as keyof RecapCounts])}, expected ${String(v)}`);
    }
  });
  if (exp.outNotEmpty && tree.length === 0) fail('out/ is empty');
  if (!exp.outNotEmpty && tree.length > 0) fail('out/ should stay empty');
  const byPath = new Map(tree.map((e) => [e.path, e]));
  for (const [p, content] of Object.entries(exp.files)) {
    const entry = byPath.get(p);
    if (entry?.type !== 'file') fail(`out/${p} missing or not a file`);
    if (entry?.content !== content) fail(`out/${p} is ${JSON.stringify(entry?.content)}, expected ${JSON.stringify(content)}`);
  }
  for (const p of exp.absent) if (byPath.has(p)) fail(`out/${p} should not exist`);
  for (const text of exp.stdoutContains) if (!runs[0]?.stdout.includes(text)) fail(`first run stdout lacks ${JSON.stringify(text)}`);
  for (const text of exp.stdoutNotContains) runs.forEach((r, i) => r.stdout.includes(text) && fail(`run ${i + 1} stdout contains ${JSON.stringify(text)}`));
}
