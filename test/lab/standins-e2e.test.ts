/**
 * The vLLM stand-in on real Ray 2.53.0 (from the lab's wheelhouse), end to end, on this machine:
 * standins-e2e.py builds a two-node cluster out of network/mount/UTS namespaces inside a PID
 * namespace of its own (so nothing it starts outlives it, and no other Ray on the machine is
 * touched), runs `vllm serve` as the guide does (PP=2 across the nodes) and provokes the failures
 * the roles must prevent. Needs root, util-linux unshare and iproute2, and fails saying so without
 * them (CI has them). The first run downloads the wheelhouse (about 100 MB) and makes a venv from
 * it; both are cached under $PLAYBOOK_LAB_CACHE (default ~/.cache/playbook-engine).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { cacheRoot, ensureWheelhouse, readWheelhouseManifest } from '../../src/lab/wheelhouse.js';
import { ROOT, run } from './standins-helpers.js';

const PYTHON = '/usr/bin/python3';

function why(): string | undefined {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return 'needs root on Linux';
  if (!existsSync(PYTHON)) return `needs ${PYTHON}`;
  const help = spawnSync('unshare', ['--help'], { encoding: 'utf8' });
  if (help.error || !help.stdout.includes('--kill-child')) return 'needs util-linux unshare with --kill-child';
  if (spawnSync('ip', ['-V']).error) return 'needs iproute2';
  const probe = spawnSync('unshare', ['--pid', '--fork', '--kill-child', '--mount-proc', '--net', '--mount', '--uts', 'ip', 'link', 'add', 'p0', 'type', 'veth', 'peer', 'name', 'p1'], { encoding: 'utf8' });
  if (probe.status !== 0) return `namespaces or veth not available here: ${probe.stderr.trim()}`;
  return undefined;
}

const missing = why();

/** A venv with ray[default] and the vllm stand-in from the wheelhouse, made once per wheelhouse. */
function ensureVenv(wheelhouse: string): string {
  const root = path.join(cacheRoot(), 'e2e-venv');
  const venv = path.join(root, path.basename(wheelhouse));
  const marker = path.join(venv, '.complete');
  if (existsSync(marker)) return venv;
  // Venvs of older wheelhouses (about 350 MB each), unless one may still be in use.
  for (const name of existsSync(root) ? readdirSync(root) : []) {
    const other = path.join(root, name);
    if (other !== venv && Date.now() - statSync(other).mtimeMs > 3600_000) rmSync(other, { recursive: true, force: true });
  }
  rmSync(venv, { recursive: true, force: true });
  const mk = run(PYTHON, ['-m', 'venv', venv], { timeoutMs: 120_000 });
  if (mk.code !== 0) throw new Error(`python3 -m venv failed: ${mk.stderr}`);
  const pip = run(path.join(venv, 'bin', 'pip'), ['install', '--no-index', '--find-links', wheelhouse, '--disable-pip-version-check', '-q', 'ray[default]==2.53.0', 'vllm'], { timeoutMs: 600_000 });
  if (pip.code !== 0) throw new Error(`pip install from the wheelhouse failed: ${pip.stderr}`);
  writeFileSync(marker, `${wheelhouse}\n`);
  return venv;
}

interface Scenario {
  exit_code: number;
  seconds: number;
  output: string;
  timed_out?: boolean;
  gpu_processes_left: Record<string, string[]>;
  cluster_after?: string;
  health?: number;
  models?: any;
  chat?: any;
  nvidia_smi?: Record<string, { table: string; apps: string }>;
}

interface Result {
  error?: string;
  timings: Record<string, number>;
  scenarios: Record<string, Scenario>;
}

describe('vLLM stand-in on real Ray, two namespaced nodes', () => {
  const work = mkdtempSync(path.join(tmpdir(), 'standins-e2e-'));
  let result: Result;
  let wheelhouse = '';
  let log = '';

  beforeAll(async () => {
    if (missing !== undefined) throw new Error(`this end-to-end test ${missing}`);
    wheelhouse = await ensureWheelhouse({ onProgress: (l) => (log += `${l}\n`) });
    const venv = ensureVenv(wheelhouse);
    const out = path.join(work, 'result.json');
    const child = spawn('unshare', ['--pid', '--fork', '--kill-child', '--mount-proc', '--net', '--mount', '--uts', '--propagation', 'private', PYTHON, path.join(ROOT, 'test', 'lab', 'standins-e2e.py'), '--venv', venv, '--repo', ROOT, '--work', work, '--out', out], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } });
    child.stdout.on('data', (d: Buffer) => (log += d.toString()));
    child.stderr.on('data', (d: Buffer) => (log += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 420_000);
    await new Promise((resolve) => child.once('close', resolve));
    clearTimeout(timer);
    if (!existsSync(out)) throw new Error(`the e2e harness wrote no result:\n${log}`);
    result = JSON.parse(readFileSync(out, 'utf8')) as Result;
  }, 900_000);

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  test('the wheelhouse: Ray\'s wheels, the vllm stand-in, the conda installer and its sha256', async () => {
    const m = await readWheelhouseManifest(wheelhouse);
    const names = m.files.map((f) => f.name);
    expect(names).toContain('ray-2.53.0-cp311-cp311-manylinux2014_x86_64.whl');
    expect(names).toContain('vllm-0.17.1+lab.1-py3-none-any.whl');
    expect(names).toEqual(expect.arrayContaining(['Miniforge3-Linux-x86_64.sh', 'Miniforge3-Linux-x86_64.sh.sha256']));
    expect(names.some((n) => n.startsWith('aiohttp-'))).toBe(true);
    expect(m.bytes).toBeGreaterThan(50e6);
    // A second call finds it complete and returns at once.
    const t = Date.now();
    expect(await ensureWheelhouse()).toBe(wheelhouse);
    expect(Date.now() - t).toBeLessThan(5000);
  });

  const scenario = (name: string): Scenario => {
    expect(result.error, log).toBeUndefined();
    const s = result.scenarios[name];
    if (!s) throw new Error(`scenario ${name} did not run:\n${log}`);
    expect(s.timed_out, s.output).toBeUndefined();
    expect(s.gpu_processes_left, 'GPU processes left registered').toEqual({ head: [], worker: [] });
    expect(s.cluster_after, 'the cluster afterwards').toBeUndefined();
    return s;
  };

  test('the head\'s NCCL_SOCKET_IFNAME reaches the worker, whose NIC is ens3: vllm serve fails naming it', () => {
    const s = scenario('nccl-carry-over');
    expect(s.exit_code, s.output).toBe(1);
    expect(s.output).toMatch(/Copying the following environment variables to workers: \[[^\]]*'NCCL_SOCKET_IFNAME'/);
    expect(s.output).toContain('Bootstrap : no socket interface found (NCCL_SOCKET_IFNAME=eno1)');
    expect(s.output).toContain('(vLLM worker rank 1 on node lab-worker1 (10.77.0.2))');
    expect(s.output).toContain('RuntimeError: Engine core initialization failed. See root cause above. Failed core proc(s): {}');
  });

  test('with ray_non_carry_over_env_vars.json: PP=2 over both nodes serves, nvidia-smi on each node lists its worker', () => {
    const s = scenario('happy');
    expect(s.exit_code, s.output).toBe(0);
    expect(s.health).toBe(200);
    expect(s.output).toContain("RAY_NON_CARRY_OVER_ENV_VARS from config: {'NCCL_SOCKET_IFNAME'}");
    const copied = /Copying the following environment variables to workers: (\[[^\]]*\])/.exec(s.output)?.[1] ?? '';
    expect(copied).not.toContain('NCCL_SOCKET_IFNAME');
    expect(copied).not.toContain('VLLM_HOST_IP');
    expect(s.output).toMatch(/lab: worker rank 0 on lab-head \(10\.77\.0\.1\), GPU 0/);
    expect(s.output).toMatch(/lab: worker rank 1 on lab-worker1 \(10\.77\.0\.2\), GPU 0/);
    expect(s.chat.choices[0].message.content).toMatch(/on 2 node\(s\), 2 GPU\(s\) \(TP=1, PP=2\)\. You said: Hello from the e2e test$/);
    expect(s.chat.usage.total_tokens).toBe(s.chat.usage.prompt_tokens + s.chat.usage.completion_tokens);
    for (const [node, uuid] of [['head', 'GPU-00000000-0000-4000-8000-000000000000'], ['worker', 'GPU-00000000-0000-4000-8000-000000000001']] as const) {
      const smi = s.nvidia_smi?.[node];
      expect(smi?.apps, node).toMatch(new RegExp(`^${uuid}, \\d+, ray::RayWorkerWrapper, 115007\\n$`));
      expect(smi?.table, node).toMatch(/\|\s+115016MiB \/ 143771MiB \|/);
      expect(smi?.table, node).toMatch(/\|\s+0\s+N\/A\s+N\/A\s+\d+\s+C\s+ray::RayWorkerWrapper\s+115007MiB \|/);
    }
    expect(s.output).toContain('Application shutdown complete.');
  });

  test('a model folder that differs on the worker: vllm serve fails naming the worker and the files', () => {
    const s = scenario('model-differs');
    expect(s.exit_code, s.output).toBe(1);
    expect(s.output).toContain("on this node differs from the head's:");
    expect(s.output).toMatch(/model\.safetensors: sha256 [0-9a-f]{12}\.\.\., the head has [0-9a-f]{12}\.\.\./);
    expect(s.output).toContain('on node lab-worker1 (10.77.0.2)');
  });

  test('VLLM_HOST_IP other than the head\'s Ray address: Ray cannot place node:<ip>, vLLM times out', () => {
    const s = scenario('wrong-host-ip');
    expect(s.exit_code, s.output).toBe(1);
    expect(s.output).toMatch(/No available node types can fulfill resource request \{[^}]*'node:10\.77\.0\.9': 0\.001[^}]*\}/);
    expect(s.output).toContain('Waiting for creating a placement group of specs for');
    expect(s.output).toContain("ValueError: Cannot provide a placement group requiring 2.0 GPUs (placement_group_specs=[{'GPU': 1.0, 'node:10.77.0.9': 0.001}, {'GPU': 1.0}]) within 8 seconds.");
  });

  test('no default route and no VLLM_HOST_IP: vLLM warns, asks for node:0.0.0.0 and times out', () => {
    const s = scenario('no-route');
    expect(s.exit_code, s.output).toBe(1);
    expect(s.output).toContain('UserWarning: Failed to get the IP address, using 0.0.0.0 by default.The value can be set by the environment variable VLLM_HOST_IP or HOST_IP.');
    expect(s.output).toMatch(/No available node types can fulfill resource request \{[^}]*'node:0\.0\.0\.0': 0\.001[^}]*\}/);
  });
});
