/**
 * The deployment benchmark: playbooks/deploy.yml (the bundled roles: preflight, conda, packages,
 * network, firewall, ray, model-sync, vllm) on a fresh 2-node lab (1 GPU per node, cluster NICs
 * eno1 and ens3, systemd as PID 1), run by `playbook` and by ansible-playbook tuned as its
 * documentation advises (pipelining, ControlMaster/ControlPersist, forks = hosts, the interpreter
 * set). Each tool gets a lab of its own, one after the other: the first deploy (Ray and vLLM from
 * nothing), then the idempotent re-run, --rounds times (median), whose recap must say changed=0 on
 * every host, then playbooks/verify.yml (read-only; exit 0 and changed=0), --rounds times (median).
 * Prints the wall times, the ratios ansible-playbook / playbook, the load average, and
 * whether the aims hold (re-run under 5 s with playbook, at least 10x faster than ansible-playbook),
 * then brings the labs down (on errors and Ctrl-C too).
 *
 * Run: npm run bench:deploy [-- --rounds 3 --keep-lab --no-build]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { Lab } from '../src/lab/index.js';
import { ensureWheelhouse } from '../src/lab/wheelhouse.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ansibleVenv = process.env['PLAYBOOK_ANSIBLE_VENV'] ?? path.join(process.env['HOME'] ?? '/root', '.cache', 'playbook-engine', 'ansible-12.3.0');

const { values: opts } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    'keep-lab': { type: 'boolean', default: false },
    'no-build': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (opts.help) {
  console.log(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('*/')[0]!.replace(/^\/\*\*|^ \* ?/gm, ''));
  process.exit(0);
}
const ROUNDS = Number(opts.rounds);
if (!(ROUNDS >= 1 && ROUNDS <= 10)) throw new Error('--rounds must be 1 to 10');
const HOSTS = 2;
/** A first deploy installs conda, Ray and vLLM and starts them: minutes on a loaded 2-core machine. */
const RUN_TIMEOUT_MS = 30 * 60_000;
const AIM_SECONDS = 5;
const AIM_RATIO = 10;

const log = (msg: string): void => void process.stderr.write(`bench: ${msg}\n`);
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
const tail = (s: string, lines = 30): string => s.trimEnd().split('\n').slice(-lines).join('\n');

// ---------------------------------------------------------------------------------------------
// One child process at a time, killed on Ctrl-C and after RUN_TIMEOUT_MS.

let current: ChildProcess | undefined;

interface Ran {
  code: number | null;
  output: string;
  seconds: number;
}

function run(cmd: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(cmd[0]!, cmd.slice(1), { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    current = child;
    const timer = setTimeout(() => child.kill('SIGTERM'), RUN_TIMEOUT_MS);
    const out: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => out.push(d));
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      current = undefined;
      resolve({ code, output: Buffer.concat(out).toString('utf8'), seconds: (performance.now() - started) / 1000 });
    });
  });
}

/** Throws unless the run succeeded on both hosts; a first deploy must change them, a re-run must not. */
function verify(what: string, r: Ran, rerun: boolean): void {
  const recap = new Map<string, { changed: number; unreachable: number; failed: number }>();
  for (const line of r.output.slice(Math.max(r.output.lastIndexOf('PLAY RECAP'), 0)).split('\n')) {
    const m = /^(\S+)\s+:\s+ok=\d+\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)/.exec(line);
    if (m) recap.set(m[1]!, { changed: Number(m[2]), unreachable: Number(m[3]), failed: Number(m[4]) });
  }
  const fail = (why: string): never => {
    let task = '';
    const problems: string[] = [];
    for (const l of r.output.split('\n')) {
      if (l.startsWith('TASK [')) task = l.replace(/\s*\*+$/, '');
      else if (/^fatal:|UNREACHABLE|ERROR/.test(l) || (rerun && /^changed:/.test(l))) problems.push(`${task} ${l}`);
    }
    throw new Error(`${what}: ${why}\n--- problems ---\n${problems.slice(0, 20).join('\n')}\n--- output (end) ---\n${tail(r.output)}`);
  };
  if (r.code !== 0) fail(`exit code ${String(r.code)}`);
  if (recap.size !== HOSTS) fail(`PLAY RECAP has ${recap.size} hosts, expected ${HOSTS}`);
  for (const [host, c] of recap) {
    if (c.failed || c.unreachable) fail(`${host} failed=${c.failed} unreachable=${c.unreachable}`);
    if (rerun && c.changed !== 0) fail(`${host} changed=${c.changed} on the re-run (must be 0)`);
    if (!rerun && c.changed === 0) fail(`${host} changed nothing on the first deploy`);
  }
}

// ---------------------------------------------------------------------------------------------

type Tool = 'playbook' | 'ansible';
interface Timings {
  first: number;
  again: number[];
  /** playbooks/verify.yml on the deployed nodes (read-only; exit 0). */
  verify: number[];
  loads: number[];
}

async function main(): Promise<number> {
  if (!opts['no-build']) {
    log('npm run build (the command runs the bundle, as an installed playbook does)');
    const b = await run(['npm', 'run', 'build'], root, process.env);
    if (b.code !== 0) throw new Error(`npm run build failed:\n${tail(b.output)}`);
  }
  const ansiblePlaybook = path.join(ansibleVenv, 'bin', 'ansible-playbook');
  const versions = {
    ansible: /\[core ([^\]]+)\]/.exec((await run([ansiblePlaybook, '--version'], root, process.env)).output)?.[1] ?? '?',
    playbook: (await run([process.execPath, path.join(root, 'bin', 'playbook.js'), '--version'], root, process.env)).output.trim(),
  };
  const loadAtStart = loadavg()[0]!;

  // A folder without a deploy.yml: `playbook run deploy.yml` finds the bundled one, as for a user.
  const work = mkdtempSync(path.join(tmpdir(), 'pb-bench-deploy-'));
  // The labs' state in a temp folder, or where `playbook lab` finds it when they are kept.
  const stateRoot = opts['keep-lab'] ? undefined : mkdtempSync(path.join(tmpdir(), 'pb-bench-deploy-lab-'));
  cleanups.push(() => {
    rmSync(work, { recursive: true, force: true });
    if (stateRoot) rmSync(stateRoot, { recursive: true, force: true });
  });
  writeFileSync(
    path.join(work, 'ansible.cfg'),
    [
      '[defaults]',
      `forks = ${HOSTS}`,
      'host_key_checking = True',
      'interpreter_python = /usr/bin/python3',
      'retry_files_enabled = False',
      '',
      '[ssh_connection]',
      'pipelining = True',
      'ssh_args = -o ControlMaster=auto -o ControlPersist=60s',
      `control_path_dir = ${path.join(work, 'cp')}`,
      '',
    ].join('\n'),
  );
  const env: NodeJS.ProcessEnv = { ...process.env, ANSIBLE_CONFIG: path.join(work, 'ansible.cfg'), ANSIBLE_NOCOLOR: '1', NO_COLOR: '1' };
  const command = (tool: Tool, inventory: string, playbook = 'deploy.yml'): string[] =>
    tool === 'ansible'
      ? [ansiblePlaybook, '-i', inventory, '-f', String(HOSTS), path.join(root, 'playbooks', playbook)]
      : [process.execPath, path.join(root, 'bin', 'playbook.js'), 'run', playbook, '-i', inventory, '-f', String(HOSTS)];
  const wheelhouse = await ensureWheelhouse({ onProgress: (l) => log(`wheelhouse: ${l}`) });

  const results = new Map<Tool, Timings>();
  for (const tool of ['playbook', 'ansible'] as const) {
    const name = `benchdeploy-${tool}`;
    const down = async (): Promise<void> => {
      log(`lab ${name} down`);
      await Lab.down({ name, ...(stateRoot ? { stateRoot } : {}) });
    };
    if (opts['keep-lab']) log(`--keep-lab: lab ${name} stays up (npx playbook lab status --name ${name}; lab down --name ${name} removes it)`);
    else cleanups.push(down);
    log(`lab ${name} up: ${HOSTS} nodes, 1 GPU each, NICs eno1/ens3, systemd as PID 1`);
    const lab = await Lab.up({ name, nodes: HOSTS, gpusPerNode: 1, nicNames: ['eno1', 'ens3'], init: 'systemd', wheelhouse, ...(stateRoot ? { stateRoot } : {}), onProgress: (l) => log(l) });
    const t: Timings = { first: 0, again: [], verify: [], loads: [] };
    t.loads.push(loadavg()[0]!);
    const first = await run(command(tool, lab.inventoryPath), work, env);
    verify(`${tool} first deploy`, first, false);
    t.first = first.seconds;
    log(`${tool} first deploy: ${first.seconds.toFixed(1)} s`);
    for (let round = 0; round < ROUNDS; round++) {
      t.loads.push(loadavg()[0]!);
      const again = await run(command(tool, lab.inventoryPath), work, env);
      verify(`${tool} re-run ${round + 1}`, again, true);
      t.again.push(again.seconds);
      log(`${tool} re-run ${round + 1}/${ROUNDS}: ${again.seconds.toFixed(2)} s`);
    }
    for (let round = 0; round < ROUNDS; round++) {
      const checked = await run(command(tool, lab.inventoryPath, 'verify.yml'), work, env);
      verify(`${tool} verify.yml ${round + 1}`, checked, true);
      t.verify.push(checked.seconds);
      log(`${tool} verify.yml ${round + 1}/${ROUNDS}: ${checked.seconds.toFixed(2)} s`);
    }
    results.set(tool, t);
    if (!opts['keep-lab']) {
      cleanups.splice(cleanups.indexOf(down), 1);
      await down();
    }
  }

  const ours = results.get('playbook')!;
  const ref = results.get('ansible')!;
  const loads = [...ours.loads, ...ref.loads];
  console.log(`\nplaybooks/deploy.yml on ${HOSTS} lab nodes (1 GPU each, NICs eno1/ens3; Debian bookworm, systemd, over SSH), a fresh lab per tool; re-run: median of ${ROUNDS}`);
  console.log(`machine: ${cpus().length} cores, load average (1 min) at start ${loadAtStart.toFixed(1)}, at the runs' start ${Math.min(...loads).toFixed(1)} to ${Math.max(...loads).toFixed(1)}\n`);
  const rows: string[][] = [['', 'first deploy', 're-run (changed=0)', 'verify.yml']];
  rows.push([`ansible-playbook (core ${versions.ansible}; pipelining, forks ${HOSTS}, ControlPersist)`, `${ref.first.toFixed(1)} s`, `${median(ref.again).toFixed(2)} s`, `${median(ref.verify).toFixed(2)} s`]);
  rows.push([`playbook ${versions.playbook}`, `${ours.first.toFixed(1)} s`, `${median(ours.again).toFixed(2)} s`, `${median(ours.verify).toFixed(2)} s`]);
  const firstRatio = ref.first / ours.first;
  const againRatio = median(ref.again) / median(ours.again);
  const verifyRatio = median(ref.verify) / median(ours.verify);
  rows.push(['ratio ansible-playbook / playbook', `${firstRatio.toFixed(1)}x`, `${againRatio.toFixed(1)}x`, `${verifyRatio.toFixed(1)}x`]);
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i]!)).join('   ').trimEnd());
  const ok = (b: boolean): string => (b ? 'OK' : 'SHORT');
  console.log(`\nre-run with playbook: ${median(ours.again).toFixed(2)} s (aim: under ${AIM_SECONDS} s) ${ok(median(ours.again) < AIM_SECONDS)}`);
  console.log(`re-run vs tuned ansible-playbook: ${againRatio.toFixed(1)}x (aim: at least ${AIM_RATIO}x) ${ok(againRatio >= AIM_RATIO)}`);
  console.log(`re-runs: playbook ${ours.again.map((s) => s.toFixed(2)).join(', ')} s; ansible-playbook ${ref.again.map((s) => s.toFixed(2)).join(', ')} s`);
  return 0;
}

// ---------------------------------------------------------------------------------------------

const cleanups: Array<() => unknown> = [];
let cleaning: Promise<void> | undefined;
let stopping = false;
function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    for (const fn of cleanups.reverse()) {
      try {
        await fn();
      } catch (e) {
        log(`cleanup: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  })();
  return cleaning;
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping`);
    stopping = true;
    current?.kill('SIGTERM');
    void cleanup().finally(() => process.exit(130));
  });
}

let code = 1;
try {
  code = await main();
} catch (e) {
  // After Ctrl-C the run that was killed fails: not worth a report.
  if (!stopping) process.stderr.write(`bench: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
} finally {
  await cleanup();
}
process.exit(code);
