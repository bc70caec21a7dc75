/**
 * The lab's acceptance, end to end on the Docker engine: two GPU nodes whose cluster NICs have
 * different names (eno1, ens3); a plain playbook (examples/lab/ray-vllm.yml, no roles) run by
 * this engine over SSH installs Ray and the vLLM stand-in from the lab's mirror, opens ufw between
 * the peers and starts the Ray head and worker, and `ray status` shows both nodes and both GPUs;
 * `vllm serve` with PP=2 across the nodes answers /v1/chat/completions and each node's nvidia-smi
 * lists its worker; the failures the guide does not warn about happen here as on real servers (a
 * model that differs on the worker, the head's NCCL_SOCKET_IFNAME carried over to the ens3 worker, a
 * VLLM_HOST_IP that is not the node's Ray address); `lab down` leaves nothing behind. One Ray
 * cluster serves every scenario; vLLM is started and stopped between them.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab } from '../../src/lab/index.js';
import type { LabNode } from '../../src/lab/index.js';
import { ensureWheelhouse } from '../../src/lab/wheelhouse.js';
import { IMAGE_BUILD_TIMEOUT, engine, testScope } from '../docker/support.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const playbook = path.join(root, 'examples', 'lab', 'ray-vllm.yml');
const name = `rv${testScope('lab').slice(-8)}`;
const stateRoot = mkdtempSync(path.join(tmpdir(), 'pb-rayvllm-state-'));

/** As the playbook has them. */
const VENV = '/opt/ray-venv';
const MODEL = '/models/Qwen3-0.6B';
const PORT = 8000;
const PID_FILE = '/tmp/vllm-serve.pid';
const LOG_FILE = '/tmp/vllm-serve.log';
/**
 * The same folder name on both nodes, other weights on the worker (as another revision would have):
 * small enough (under 4 MiB) that vLLM's check compares the weights' sha256, not only their size.
 */
const MODEL_DIFFERS = '/models/Qwen3-0.6B-copy';
const MODEL_DIFFERS_MB = 2;
const USER = 'playbook';

const t0 = Date.now();
const timings: [string, number][] = [];
const progress = (line: string): void => void process.stderr.write(`[ray-vllm ${((Date.now() - t0) / 1000).toFixed(0).padStart(4)}s] ${line}\n`);

async function step<T>(what: string, fn: () => Promise<T>): Promise<T> {
  const started = Date.now();
  progress(`${what}…`);
  try {
    return await fn();
  } finally {
    const s = (Date.now() - started) / 1000;
    timings.push([what, s]);
    progress(`${what}: ${s.toFixed(1)} s`);
  }
}

let docker: Docker;
let lab: Lab | undefined;
let nodes: LabNode[] = [];

function theLab(): Lab {
  if (!lab) throw new Error('the lab did not come up (see beforeAll)');
  return lab;
}

function byName(n: string): LabNode {
  const node = nodes.find((x) => x.name === n);
  if (!node) throw new Error(`no ${n} in ${nodes.map((x) => x.name).join(', ')}`);
  return node;
}

const ip = (n: string): string => byName(n).clusterIp ?? '(no cluster IP)';

interface Run {
  code: number | null;
  output: string;
}

/** `playbook run` against the lab's inventory; its output goes to the test log as it comes. */
function playbookRun(args: string[], timeoutMs: number): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(root, 'bin', 'playbook.js'), 'run', '-i', theLab().inventoryPath, playbook, ...args], {
      cwd: root,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const started = Date.now();
    const echo = (l: string): void => void process.stderr.write(`  | ${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s | ${l}\n`);
    let output = '';
    let pending = '';
    const take = (d: Buffer): void => {
      output += d.toString();
      pending += d.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const l of lines) if (l.trim()) echo(l);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('close', (code) => {
      clearTimeout(timer);
      if (pending.trim()) echo(pending);
      resolve({ code, output });
    });
  });
}

/** A shell line on a node through Docker, as the lab's user unless told (stdout and stderr together). */
async function sh(node: string, command: string, options: { timeoutMs?: number; user?: string; env?: Record<string, string> } = {}): Promise<Run> {
  const r = await theLab().exec(node, ['/bin/sh', '-c', `${command} 2>&1`], { user: options.user ?? USER, workingDir: `/home/${USER}`, timeoutMs: options.timeoutMs ?? 60_000, ...(options.env ? { env: options.env } : {}) });
  return { code: r.rc, output: r.stdout + r.stderr };
}

interface RayStatus {
  activeNodes: number;
  gpusUsed: number;
  gpusTotal: number;
  text: string;
}

/** `ray status` on the head, parsed: the Active section's nodes and the GPU line of the usage. */
async function rayStatus(): Promise<RayStatus> {
  const r = await sh('node1', `${VENV}/bin/ray status --address=${ip('node1')}:6379`, { timeoutMs: 90_000 });
  const active = /^Active:\n((?: +\d+ node_[0-9a-f]+\n)*)/m.exec(r.output)?.[1] ?? '';
  const gpu = /^ +([\d.]+)\/([\d.]+) GPU\b/m.exec(r.output);
  return {
    activeNodes: active.split('\n').filter((l) => /^ +1 node_/.test(l)).length,
    gpusUsed: gpu ? Number(gpu[1]) : NaN,
    gpusTotal: gpu ? Number(gpu[2]) : NaN,
    text: r.output,
  };
}

/** `ray status` until `ok` holds or `timeoutMs` passed; the last one either way. */
async function waitRayStatus(ok: (s: RayStatus) => boolean, timeoutMs: number): Promise<RayStatus> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await rayStatus();
    if (ok(s) || Date.now() > deadline) return s;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** The GPU processes nvidia-smi lists on a node: [gpu uuid, pid, name, MiB]. */
async function gpuProcesses(node: string): Promise<string[][]> {
  const r = await sh(node, 'nvidia-smi --query-compute-apps=gpu_uuid,pid,process_name,used_memory --format=csv,noheader,nounits');
  expect(r.code, r.output).toBe(0);
  return r.output
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => l.split(', '));
}

/** After vLLM ended: both GPUs free in Ray and no process left in either node's nvidia-smi. */
async function waitClusterIdle(): Promise<void> {
  const deadline = Date.now() + 90_000;
  let last = '';
  while (Date.now() < deadline) {
    const s = await rayStatus();
    const left = [...(await gpuProcesses('node1')), ...(await gpuProcesses('node2'))];
    if (s.activeNodes === 2 && s.gpusUsed === 0 && s.gpusTotal === 2 && left.length === 0) return;
    last = `${s.text}\nGPU processes: ${JSON.stringify(left)}`;
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error(`the cluster did not become idle (2 nodes, 0.0/2.0 GPU, no GPU process) in 90 s:\n${last}`);
}

/** `vllm serve` in the foreground on the head, as the guide has it, until it exits (at most 150 s). */
async function serveForeground(model: string, env: Record<string, string>): Promise<Run & { seconds: number }> {
  const started = Date.now();
  const argv = `${VENV}/bin/vllm serve ${model} --host 0.0.0.0 --port ${PORT} --distributed-executor-backend ray --tensor-parallel-size 1 --pipeline-parallel-size 2 --max-model-len 512 --max-num-seqs 1 --gpu-memory-utilization 0.8 --dtype half`;
  const r = await sh('node1', `timeout -k 5 150 ${argv}`, { timeoutMs: 170_000, env: { RAY_ADDRESS: `${ip('node1')}:6379`, ...env } });
  const seconds = (Date.now() - started) / 1000;
  progress(`vllm serve exited ${String(r.code)} after ${seconds.toFixed(1)} s; its last lines:\n${r.output.trim().split('\n').slice(-6).map((l) => `  | ${l}`).join('\n')}`);
  return { ...r, seconds };
}

/** The head's own variables, as the playbook gives its `ray start` and `vllm serve`. */
const headEnv = (): Record<string, string> => ({ VLLM_HOST_IP: ip('node1'), NCCL_SOCKET_IFNAME: 'eno1', GLOO_SOCKET_IFNAME: 'eno1' });

beforeAll(async () => {
  docker = await engine();
  const wheelhouse = await step('the wheelhouse', () => ensureWheelhouse({ onProgress: (l) => progress(`wheelhouse: ${l}`) }));
  lab = await step(`lab up ${name} (2 nodes, eno1 and ens3)`, () => Lab.up({ name, nodes: 2, gpusPerNode: 1, nicNames: ['eno1', 'ens3'], wheelhouse, stateRoot, docker, onProgress: progress }));
  nodes = await lab.nodes();
  await step('the model on both nodes, and a copy that differs on the worker', async () => {
    for (const n of ['node1', 'node2']) await theLab().seedModel(n, MODEL, { sizeMb: 8 });
    await theLab().seedModel('node1', MODEL_DIFFERS, { sizeMb: MODEL_DIFFERS_MB, name: 'Qwen3-0.6B' });
    await theLab().seedModel('node2', MODEL_DIFFERS, { sizeMb: MODEL_DIFFERS_MB, name: 'Qwen3-1.7B' });
  });
}, IMAGE_BUILD_TIMEOUT);

afterAll(async () => {
  // Always, whatever failed: the lab's containers (and the Ray in them), networks and files.
  const [down] = await Promise.allSettled([lab ? lab.down() : Lab.down({ name, stateRoot, ...(docker ? { docker } : {}) })]);
  if (down.status === 'rejected') progress(`lab down failed: ${String(down.reason)}`);
  rmSync(stateRoot, { recursive: true, force: true });
  progress(`timings:\n${timings.map(([w, s]) => `  ${s.toFixed(1).padStart(6)} s  ${w}`).join('\n')}\n  ${((Date.now() - t0) / 1000).toFixed(1).padStart(6)} s  in all`);
}, 120_000);

describe('Ray and vLLM on the lab, by a plain playbook', () => {
  it('brings up 2 nodes, one with the cluster NIC eno1, one with ens3', () => {
    expect(nodes.map((n) => [n.name, n.role, n.nic, n.gpus, n.state])).toEqual([
      ['node1', 'head', 'eno1', 1, 'running'],
      ['node2', 'worker', 'ens3', 1, 'running'],
    ]);
    expect(ip('node1')).not.toBe(ip('node2'));
  });

  it('installs Ray from the mirror, opens the firewall to the peer, starts head and worker: `ray status` shows 2 nodes and 2 GPUs', async () => {
    const first = await step('playbook --tags ray', () => playbookRun(['--tags', 'ray'], 420_000));
    expect(first.code, first.output).toBe(0);
    for (const n of ['node1', 'node2']) expect(first.output).toMatch(new RegExp(`^${n} +: ok=\\d+ +changed=[1-9]\\d* +unreachable=0 +failed=0 `, 'm'));

    const status = await step('ray status', rayStatus);
    expect(status.activeNodes, status.text).toBe(2);
    expect(status.gpusTotal, status.text).toBe(2);
    expect(status.gpusUsed, status.text).toBe(0);

    // Installed from the wheelhouse (there is no other index), the same Ray everywhere.
    for (const n of ['node1', 'node2']) {
      const v = await sh(n, `${VENV}/bin/ray --version; ${VENV}/bin/pip show vllm | grep ^Version; ufw status`, { user: 'root' });
      expect(v.output).toContain('ray, version 2.53.0');
      expect(v.output).toMatch(/^Version: 0\.17\.1\+lab\.1$/m);
      const peer = n === 'node1' ? 'node2' : 'node1';
      expect(v.output).toMatch(new RegExp(`^Anywhere +ALLOW +${ip(peer).replace(/\./g, '\\.')} .*# ray cluster peer ${peer}$`, 'm'));
    }
    // Each Ray node runs with its own address and GPUs: its raylet's command line.
    for (const n of ['node1', 'node2']) {
      const raylet = await sh(n, 'tr "\\0" " " < /proc/$(pgrep -x raylet)/cmdline');
      expect(raylet.output).toContain(`--node_ip_address=${ip(n)}`);
    }

    const again = await step('playbook --tags ray, again', () => playbookRun(['--tags', 'ray'], 300_000));
    expect(again.code, again.output).toBe(0);
    for (const n of ['node1', 'node2']) expect(again.output).toMatch(new RegExp(`^${n} +: ok=\\d+ +changed=0 +unreachable=0 +failed=0 `, 'm'));
  }, 900_000);

  it('serves /v1/chat/completions with vLLM started on the head, and nvidia-smi on both nodes lists its processes', async () => {
    const served = await step('playbook --tags vllm (until /health answers)', () => playbookRun(['--tags', 'vllm'], 400_000));
    const log = async (): Promise<string> => (await sh('node1', `tail -n 80 ${LOG_FILE}`)).output;
    expect(served.code, served.output + (await log())).toBe(0);
    try {
      const body = JSON.stringify({ model: MODEL, max_tokens: 64, messages: [{ role: 'user', content: 'Hello from the lab test' }] });
      // From the worker, to the head's cluster address: the firewall lets the peer in.
      const chat = await step('POST /v1/chat/completions', () => sh('node2', `curl -sS -m 30 -H 'content-type: application/json' -d '${body}' http://${ip('node1')}:${PORT}/v1/chat/completions`));
      expect(chat.code, chat.output).toBe(0);
      const reply = JSON.parse(chat.output) as {
        id: string;
        object: string;
        model: string;
        created: number;
        choices: { index: number; message: { role: string; content: string }; finish_reason: string }[];
        usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
      };
      expect(reply.object).toBe('chat.completion');
      expect(reply.id).toMatch(/^chatcmpl-/);
      expect(reply.model).toBe(MODEL);
      expect(typeof reply.created).toBe('number');
      expect(reply.choices).toHaveLength(1);
      expect(reply.choices[0]?.index).toBe(0);
      expect(reply.choices[0]?.message.role).toBe('assistant');
      expect(reply.choices[0]?.message.content).toMatch(/on 2 node\(s\), 2 GPU\(s\) \(TP=1, PP=2\)\. You said: Hello from the lab test$/);
      expect(reply.choices[0]?.finish_reason).toBe('stop');
      expect(reply.usage.total_tokens).toBe(reply.usage.prompt_tokens + reply.usage.completion_tokens);

      // One Ray worker per node, each on its own node's GPU, as vLLM's log and nvidia-smi say.
      const text = await log();
      // The NIC variables stay per node (a Python set: either order).
      expect(text).toMatch(/RAY_NON_CARRY_OVER_ENV_VARS from config: \{(?=[^}]*'NCCL_SOCKET_IFNAME')(?=[^}]*'GLOO_SOCKET_IFNAME')[^}]*\}/);
      expect(/Copying the following environment variables to workers: (\[[^\]]*\])/.exec(text)?.[1]).not.toMatch(/NCCL_|GLOO_|VLLM_HOST_IP/);
      for (const [rank, n] of [[0, 'node1'], [1, 'node2']] as const) {
        const pid = new RegExp(`lab: worker rank ${rank} on ${n} \\(${ip(n).replace(/\./g, '\\.')}\\), GPU 0, pid (\\d+)`).exec(text)?.[1];
        expect(pid, text).toBeDefined();
        const uuid = (await sh(n, 'nvidia-smi --query-gpu=uuid --format=csv,noheader')).output.trim();
        expect(await gpuProcesses(n)).toEqual([[uuid, pid, 'ray::RayWorkerWrapper', expect.stringMatching(/^\d+$/)]]);
        const table = await sh(n, 'nvidia-smi');
        expect(table.output).toMatch(new RegExp(`^\\| +0 +N/A +N/A +${pid} +C +ray::RayWorkerWrapper +\\d+MiB \\|$`, 'm'));
      }
      // `ray status` shows both GPUs in use (its report lags the cluster by a few seconds, and the
      // placement-group accounting can show up one report after the usage itself).
      const reserved = /^ 2\.0\/2\.0 GPU \(2\.0 used of 2\.0 reserved in placement groups\)$/m;
      const inUse = await step('ray status shows the GPUs in use', () => waitRayStatus((s) => s.activeNodes === 2 && s.gpusUsed === 2 && s.gpusTotal === 2 && reserved.test(s.text), 60_000));
      expect([inUse.activeNodes, inUse.gpusUsed, inUse.gpusTotal], inUse.text).toEqual([2, 2, 2]);
      expect(inUse.text).toMatch(reserved);
    } finally {
      await step('stop vllm serve', async () => {
        const stop = await sh('node1', `pid=$(cat ${PID_FILE}) && kill -TERM "$pid" && for i in $(seq 120); do kill -0 "$pid" 2>/dev/null || exit 0; sleep 0.5; done; echo "vllm serve ($pid) still runs"; exit 1`);
        expect(stop.code, stop.output + (await log())).toBe(0);
        expect(await log()).toContain('Application shutdown complete.');
        await waitClusterIdle();
      });
    }
  }, 600_000);

  it('fails naming the worker when its model file differs from the head\'s', async () => {
    const r = await step('vllm serve, a model that differs on node2', () => serveForeground(MODEL_DIFFERS, headEnv()));
    expect(r.code, r.output).toBe(1);
    expect(r.output).toContain(`The model folder ${MODEL_DIFFERS} on this node differs from the head's:`);
    expect(r.output).toMatch(/model\.safetensors: sha256 [0-9a-f]{12}\.\.\., the head has [0-9a-f]{12}\.\.\./);
    expect(r.output).toContain(`(vLLM worker rank 1 on node node2 (${ip('node2')}))`);
    expect(r.output).toContain('RuntimeError: Engine core initialization failed. See root cause above.');
    await step('the cluster idle again', waitClusterIdle);
  }, 300_000);

  it('fails naming the worker and the interface when the head\'s NCCL_SOCKET_IFNAME is carried over to the ens3 worker', async () => {
    // vLLM's configuration directory without ray_non_carry_over_env_vars.json: the deployment as
    // the guide writes it.
    const r = await step('vllm serve, NCCL_SOCKET_IFNAME=eno1 copied to node2', () => serveForeground(MODEL, { ...headEnv(), VLLM_CONFIG_ROOT: '/tmp/vllm-config-without-exclusions' }));
    expect(r.code, r.output).toBe(1);
    expect(r.output).toMatch(/Copying the following environment variables to workers: \[[^\]]*'NCCL_SOCKET_IFNAME'/);
    expect(r.output).toContain("Overwriting environment variable NCCL_SOCKET_IFNAME from 'ens3' to 'eno1'");
    expect(r.output).toContain('Bootstrap : no socket interface found (NCCL_SOCKET_IFNAME=eno1)');
    expect(r.output).toMatch(/\(NCCL_SOCKET_IFNAME=eno1, GLOO_SOCKET_IFNAME=ens3\) does not exist here; interfaces with an address: .*\bens3\b/);
    expect(r.output).toContain(`(vLLM worker rank 1 on node node2 (${ip('node2')}))`);
    expect(r.output).toContain('RuntimeError: Engine core initialization failed. See root cause above.');
    await step('the cluster idle again', waitClusterIdle);
  }, 300_000);

  it('fails with Ray\'s placement message when VLLM_HOST_IP is not the address Ray knows the head by', async () => {
    // The head's management address (eth0, the default route's): what vLLM guesses without VLLM_HOST_IP.
    const eth0 = (await sh('node1', "ip -4 -o addr show dev eth0 | awk '{print $4}' | cut -d/ -f1")).output.trim();
    expect(eth0).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(eth0).not.toBe(ip('node1'));
    const r = await step('vllm serve, VLLM_HOST_IP the management address', () => serveForeground(MODEL, { ...headEnv(), VLLM_HOST_IP: eth0, VLLM_LAB_PG_WAIT_TIMEOUT: '15' }));
    const quoted = eth0.replace(/\./g, '\\.');
    expect(r.code, r.output).toBe(1);
    expect(r.output).toMatch(new RegExp(`No available node types can fulfill resource request \\{[^}]*'node:${quoted}': 0\\.001[^}]*\\}`));
    expect(r.output).toContain('Waiting for creating a placement group of specs for');
    expect(r.output).toContain(`ValueError: Cannot provide a placement group requiring 2.0 GPUs (placement_group_specs=[{'GPU': 1.0, 'node:${eth0}': 0.001}, {'GPU': 1.0}]) within 15 seconds.`);
    await step('the cluster idle again', waitClusterIdle);
  }, 300_000);

  it('`lab down` leaves nothing behind: no container, network or volume with the lab\'s labels, no state directory', async () => {
    const labels = { label: [`dev.playbook.lab=${name}`] };
    const scope = { label: [`dev.playbook.scope=lab-${name}`] };
    const before = (await docker.listContainers({ all: true, filters: JSON.stringify(labels) })).map((c) => (c.Names[0] ?? '').replace(/^\//, '')).sort();
    expect(before).toEqual([`lab-${name}-mirror`, `lab-${name}-node1`, `lab-${name}-node2`]);
    const removed = await step('lab down', () => theLab().down());
    expect(removed.containers.length).toBe(3);
    for (const filters of [labels, scope]) {
      const f = JSON.stringify(filters);
      expect((await docker.listContainers({ all: true, filters: f })).map((c) => c.Names)).toEqual([]);
      expect((await docker.listNetworks({ filters: f })).map((n) => n.Name)).toEqual([]);
      expect(((await docker.listVolumes({ filters: f })).Volumes ?? []).map((v) => v.Name)).toEqual([]);
    }
    // Nor anything by the lab's names, labelled or not.
    const named = JSON.stringify({ name: [`lab-${name}-`] });
    expect((await docker.listContainers({ all: true, filters: named })).map((c) => c.Names)).toEqual([]);
    expect((await docker.listNetworks({ filters: named })).map((n) => n.Name)).toEqual([]);
    expect(existsSync(path.join(stateRoot, name))).toBe(false);
  }, 180_000);
});
