/**
 * playbooks/deploy.yml on a fresh 3-node lab with 2 GPUs per node, run by `playbook run deploy.yml`
 * from another folder: vLLM must come up as pipeline 3 × tensor 2 (one stage per node, one rank per
 * GPU), checked in the run's summary, the vllm unit's command line, `ray status` on the head (3 nodes,
 * all 6 GPUs in use), nvidia-smi on each node (one process per GPU) and a chat completion.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab } from '../../src/lab/index.js';
import type { LabNode } from '../../src/lab/index.js';
import { ensureWheelhouse } from '../../src/lab/wheelhouse.js';
import { IMAGE_BUILD_TIMEOUT, engine, testScope } from '../docker/support.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const name = `d32${testScope('lab').slice(-8)}`;
const stateRoot = mkdtempSync(path.join(tmpdir(), 'pb-deploy32-state-'));
const elsewhere = mkdtempSync(path.join(tmpdir(), 'pb-deploy32-cwd-'));

const ENV_BIN = '/opt/miniforge3/envs/vllm-ray/bin';
const MODEL = '/models/Qwen3-0.6B';
const PORT = 10322;
const NODES = ['node1', 'node2', 'node3'];

const t0 = Date.now();
const progress = (line: string): void => void process.stderr.write(`[deploy-3x2 ${((Date.now() - t0) / 1000).toFixed(0).padStart(4)}s] ${line}\n`);

let lab: Lab | undefined;
let nodes: LabNode[] = [];

function theLab(): Lab {
  if (!lab) throw new Error('the lab did not come up (see beforeAll)');
  return lab;
}

const ip = (n: string): string => nodes.find((x) => x.name === n)?.clusterIp ?? '(no cluster IP)';

/** `playbook run deploy.yml` from a folder without one, against the lab's inventory. */
function deploy(timeoutMs: number): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(root, 'bin', 'playbook.js'), 'run', 'deploy.yml', '-i', theLab().inventoryPath], {
      cwd: elsewhere,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let pending = '';
    const take = (d: Buffer): void => {
      output += d.toString();
      pending += d.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const l of lines) if (l.trim()) progress(`  | ${l}`);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

async function sh(node: string, command: string, user = 'root'): Promise<string> {
  const r = await theLab().exec(node, ['/bin/sh', '-c', `${command} 2>&1`], { user, timeoutMs: 120_000 });
  if (r.rc !== 0) throw new Error(`${command} on ${node} failed (${String(r.rc)}): ${r.stdout}${r.stderr}`);
  return r.stdout;
}

const recap = (output: string, host: string): string => new RegExp(`^${host} +: (.*)$`, 'm').exec(output)?.[1] ?? `(no recap line for ${host})`;

beforeAll(async () => {
  const docker = await engine();
  const wheelhouse = await ensureWheelhouse({ onProgress: (l) => progress(`wheelhouse: ${l}`) });
  lab = await Lab.up({ name, nodes: 3, gpusPerNode: 2, nicNames: ['eno1', 'ens3', 'eno1'], wheelhouse, stateRoot, docker, onProgress: progress });
  nodes = await lab.nodes();
}, IMAGE_BUILD_TIMEOUT);

afterAll(async () => {
  const [down] = await Promise.allSettled([lab ? lab.down() : Lab.down({ name, stateRoot })]);
  if (down.status === 'rejected') progress(`lab down failed: ${String(down.reason)}`);
  rmSync(stateRoot, { recursive: true, force: true });
  rmSync(elsewhere, { recursive: true, force: true });
}, 120_000);

describe('playbooks/deploy.yml on a fresh 3-node lab with 2 GPUs per node', () => {
  it('serves the model as pipeline 3 x tensor 2, and says so', async () => {
    const run = await deploy(1_500_000);
    expect(run.code, run.output).toBe(0);
    for (const n of NODES) expect(recap(run.output, n)).toMatch(/changed=[1-9]\d* +unreachable=0 +failed=0/);
    expect(run.output).toContain(`"API: http://${ip('node1')}:${PORT}/v1"`);
    expect(run.output).toContain(`"model: ${MODEL}, pipeline 3 x tensor 2"`);
    expect(run.output).toContain('"nodes: 3, GPUs: 6"');
    expect(run.output).toMatch(/"answer: Hello from the vLLM lab stand-in: .* on 3 node\(s\), 6 GPU\(s\)/);
  }, 1_600_000);

  it('runs vllm serve with tp 2 and pp 3, all 6 GPUs in use on the 3 nodes, one process per GPU', async () => {
    expect(await sh('node1', 'systemctl show -p ExecStart --value vllm')).toContain('--tensor-parallel-size 2 --pipeline-parallel-size 3');
    const status = await sh('node1', `${ENV_BIN}/ray status --address=${ip('node1')}:6379`, 'playbook');
    expect(status.match(/^ +1 node_[0-9a-f]+$/gm)?.length, status).toBe(3);
    expect(status).toMatch(/^ +6\.0\/6\.0 GPU\b/m);
    for (const n of NODES) {
      const apps = await sh(n, 'nvidia-smi --query-compute-apps=gpu_uuid,pid,process_name --format=csv,noheader');
      const lines = apps.split('\n').filter((l) => l.trim());
      expect(lines.length, `${n}: ${apps}`).toBe(2);
      expect(new Set(lines.map((l) => l.split(',')[0])).size, `${n}: one process on each GPU\n${apps}`).toBe(2);
    }
  }, 300_000);

  it('answers a chat completion from a worker, naming 3 nodes and 6 GPUs', async () => {
    const body = JSON.stringify({ model: MODEL, max_tokens: 64, messages: [{ role: 'user', content: 'Hello from the 3x2 test' }] });
    const chat = JSON.parse(await sh('node3', `curl -sS -m 60 -H 'content-type: application/json' -d '${body}' http://${ip('node1')}:${PORT}/v1/chat/completions`, 'playbook')) as {
      choices: { message: { content: string } }[];
    };
    const content = chat.choices[0]?.message.content ?? '';
    expect(content).toContain('You said: Hello from the 3x2 test');
    expect(content).toMatch(/3 node\(s\), 6 GPU\(s\)/);
  }, 120_000);
});
