/**
 * The same playbooks/deploy.yml run by ansible-playbook (the pinned Ansible, as a user without this
 * engine runs the bundled roles) on a fresh 2-node lab whose cluster NICs have different names
 * (eno1, ens3) reaches the end state that `playbook run deploy.yml` reaches (test/lab/deploy.test.ts),
 * checked on the nodes themselves: the API answers the worker, Ray has both nodes and GPUs, a GPU
 * process on each node, each node's environment file and raylet address, the model copied file for
 * file, the firewall's peer rules, the systemd units. Then this engine's `playbook run deploy.yml` on
 * those nodes changes nothing and restarts nothing, and a second ansible-playbook run changes nothing
 * either: both engines converge on one state, and report the idempotent run alike (the same PLAY
 * RECAP lines, the same status of every task on every host).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab } from '../../src/lab/index.js';
import type { LabNode } from '../../src/lab/index.js';
import { ensureWheelhouse } from '../../src/lab/wheelhouse.js';
import { IMAGE_BUILD_TIMEOUT, engine, testScope } from '../docker/support.js';
import { ansiblePython, ansibleVenv } from '../support/ansible.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const name = `da${testScope('lab').slice(-8)}`;
const stateRoot = mkdtempSync(path.join(tmpdir(), 'pb-deploy-ansible-state-'));
/** Neither engine runs from the checkout; ansible-playbook reads only the empty ansible.cfg here. */
const elsewhere = mkdtempSync(path.join(tmpdir(), 'pb-deploy-ansible-cwd-'));
const ansibleCfg = path.join(elsewhere, 'ansible.cfg');
writeFileSync(ansibleCfg, '');

const ENV_BIN = '/opt/miniforge3/envs/vllm-ray/bin';
const MODEL = '/models/Qwen3-0.6B';
const PORT = 10322;

const t0 = Date.now();
const progress = (line: string): void => void process.stderr.write(`[deploy-ansible ${((Date.now() - t0) / 1000).toFixed(0).padStart(4)}s] ${line}\n`);

let lab: Lab | undefined;
let nodes: LabNode[] = [];

function theLab(): Lab {
  if (!lab) throw new Error('the lab did not come up (see beforeAll)');
  return lab;
}

const ip = (n: string): string => nodes.find((x) => x.name === n)?.clusterIp ?? '(no cluster IP)';
const escaped = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

interface Run {
  code: number | null;
  output: string;
}

function runCommand(label: string, file: string, args: string[], env: Record<string, string>, timeoutMs: number): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(file, args, { cwd: elsewhere, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let pending = '';
    const take = (d: Buffer): void => {
      output += d.toString();
      pending += d.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const l of lines) if (l.trim()) progress(`  ${label}| ${l}`);
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

/** `ansible-playbook -i <the lab's inventory> <checkout>/playbooks/deploy.yml`, as the README says. */
function ansibleDeploy(timeoutMs: number): Promise<Run> {
  return runCommand('ansible ', path.join(ansibleVenv(), 'bin', 'ansible-playbook'), ['-i', theLab().inventoryPath, path.join(root, 'playbooks', 'deploy.yml')], {
    ANSIBLE_CONFIG: ansibleCfg,
    ANSIBLE_NOCOLOR: '1',
    // The inventory's ssh args check the nodes' keys against the lab's known_hosts.
    ANSIBLE_HOST_KEY_CHECKING: 'True',
  }, timeoutMs);
}

/** `playbook run deploy.yml` (the bundled playbook, found by name), against the same inventory. */
function playbookDeploy(timeoutMs: number): Promise<Run> {
  return runCommand('playbook', process.execPath, [path.join(root, 'bin', 'playbook.js'), 'run', 'deploy.yml', '-i', theLab().inventoryPath], { NO_COLOR: '1' }, timeoutMs);
}

async function sh(node: string, command: string, user = 'root'): Promise<string> {
  const r = await theLab().exec(node, ['/bin/sh', '-c', `${command} 2>&1`], { user, timeoutMs: 120_000 });
  if (r.rc !== 0) throw new Error(`${command} on ${node} failed (${String(r.rc)}): ${r.stdout}${r.stderr}`);
  return r.stdout;
}

const recap = (output: string, host: string): string => new RegExp(`^${host} +: (.*?) *$`, 'm').exec(output)?.[1] ?? `(no recap line for ${host})`;

/**
 * Every task's banner with the status lines of its hosts, sorted (hosts run in parallel): what each
 * task did where. Ansible names a role given by path as written (`../roles/ray : ...`), this
 * engine by its directory; retry notes depend on timing and are left out.
 */
function taskStatuses(output: string): string[] {
  const out: string[] = [];
  let current: string[] = [];
  const flush = (): void => void out.push(...current.sort());
  for (const line of output.split('\n')) {
    const banner = /^(TASK|RUNNING HANDLER) \[(?:\.\.\/roles\/)?(.*)\] \*+$/.exec(line);
    if (banner) {
      flush();
      current = [];
      out.push(`${banner[1]} [${banner[2]}]`);
    } else if (/^(ok|changed|skipping|fatal|failed): \[/.test(line)) {
      current.push(line.trimEnd());
    }
  }
  flush();
  return out;
}

/** The PIDs that must not change when nothing changed: each node's raylet, and vLLM on the head. */
async function pids(): Promise<Record<string, string>> {
  return {
    node1_raylet: (await sh('node1', 'pgrep -x raylet')).trim(),
    node2_raylet: (await sh('node2', 'pgrep -x raylet')).trim(),
    vllm: (await sh('node1', 'systemctl show -p MainPID --value vllm')).trim(),
  };
}

beforeAll(async () => {
  ansiblePython();
  const docker = await engine();
  const wheelhouse = await ensureWheelhouse({ onProgress: (l) => progress(`wheelhouse: ${l}`) });
  lab = await Lab.up({ name, nodes: 2, gpusPerNode: 1, nicNames: ['eno1', 'ens3'], wheelhouse, stateRoot, docker, onProgress: progress });
  nodes = await lab.nodes();
}, IMAGE_BUILD_TIMEOUT);

afterAll(async () => {
  const [down] = await Promise.allSettled([lab ? lab.down() : Lab.down({ name, stateRoot })]);
  if (down.status === 'rejected') progress(`lab down failed: ${String(down.reason)}`);
  rmSync(stateRoot, { recursive: true, force: true });
  rmSync(elsewhere, { recursive: true, force: true });
}, 120_000);

describe('playbooks/deploy.yml run by ansible-playbook on a fresh 2-node lab', () => {
  let idempotentPlaybook: Run | undefined;

  it('brings the API up across both nodes', async () => {
    const first = await ansibleDeploy(1_800_000);
    expect(first.code, first.output).toBe(0);
    for (const n of ['node1', 'node2']) expect(recap(first.output, n), first.output).toMatch(/changed=[1-9]\d* +unreachable=0 +failed=0/);
    expect(first.output).toContain(`"API: http://${ip('node1')}:${PORT}/v1"`);
    expect(first.output).toContain(`"model: ${MODEL}, pipeline 2 x tensor 1"`);
    expect(first.output).toContain('"nodes: 2, GPUs: 2"');
    expect(first.output).toMatch(/"answer: Hello from the vLLM lab stand-in: .* on 2 node\(s\), 2 GPU\(s\)/);
  }, 1_900_000);

  it("leaves the nodes as playbook's deploy does", async () => {
    // The API answers the worker; Ray has both nodes and both GPUs, each node a GPU process.
    const body = JSON.stringify({ model: MODEL, max_tokens: 64, messages: [{ role: 'user', content: 'Hello from the ansible deploy test' }] });
    const chat = JSON.parse(await sh('node2', `curl -sS -m 30 -H 'content-type: application/json' -d '${body}' http://${ip('node1')}:${PORT}/v1/chat/completions`, 'playbook')) as {
      choices: { message: { content: string } }[];
    };
    expect(chat.choices[0]?.message.content).toContain('You said: Hello from the ansible deploy test');
    const status = await sh('node1', `${ENV_BIN}/ray status --address=${ip('node1')}:6379`, 'playbook');
    expect(status.match(/^ +1 node_[0-9a-f]+$/gm)?.length, status).toBe(2);
    expect(status).toMatch(/^ +2\.0\/2\.0 GPU\b/m);
    for (const n of ['node1', 'node2']) expect(await sh(n, 'nvidia-smi --query-compute-apps=pid,process_name --format=csv,noheader')).toMatch(/^\d+, /m);
    // Each node's Ray runs with its own NIC and address, from the one environment file.
    const nic = { node1: 'eno1', node2: 'ens3' };
    for (const n of ['node1', 'node2'] as const) {
      expect(await sh(n, 'cat /etc/ray/cluster.env')).toBe(`GLOO_SOCKET_IFNAME=${nic[n]}\nNCCL_SOCKET_IFNAME=${nic[n]}\nVLLM_HOST_IP=${ip(n)}\n`);
      expect(await sh(n, 'tr "\\0" " " < /proc/$(pgrep -x raylet)/cmdline')).toContain(`--node_ip_address=${ip(n)}`);
    }
    // The worker got the head's model, file for file.
    const sums = async (n: string): Promise<string> => sh(n, `cd ${MODEL} && find . -type f ! -name '.*' | sort | xargs sha256sum`);
    const headSums = await sums('node1');
    expect(headSums).toMatch(/config\.json/);
    expect(await sums('node2')).toBe(headSums);
    // Each node lets the other in, and every rule the role added says so.
    for (const [n, peer] of [['node1', 'node2'], ['node2', 'node1']] as const) {
      const ufw = await sh(n, 'ufw status');
      expect(ufw).toMatch(/^Status: active$/m);
      expect(ufw).toMatch(new RegExp(`^Anywhere +ALLOW +${escaped(ip(peer))} +# playbook ray-vllm: peer ${peer}$`, 'm'));
      expect(ufw).toMatch(/^22\/tcp +ALLOW +Anywhere +# playbook ray-vllm: ssh$/m);
    }
    // The systemd units: Ray on both nodes (head first, the worker joining it), vLLM on the head only.
    const execStart = async (n: string, unit: string): Promise<string> => (await sh(n, `grep '^ExecStart=' /etc/systemd/system/${unit}`)).trim();
    expect(await execStart('node1', 'ray.service')).toBe(
      `ExecStart=${ENV_BIN}/ray start --head --port=6379 --dashboard-host=0.0.0.0 --dashboard-port=8265 --node-ip-address=${ip('node1')} --num-gpus=1 --disable-usage-stats`,
    );
    expect(await execStart('node2', 'ray.service')).toBe(`ExecStart=${ENV_BIN}/ray start --address=${ip('node1')}:6379 --node-ip-address=${ip('node2')} --num-gpus=1 --disable-usage-stats`);
    expect(await execStart('node1', 'vllm.service')).toBe(
      `ExecStart=${ENV_BIN}/vllm serve ${MODEL} --host 0.0.0.0 --port ${PORT} --distributed-executor-backend ray --max-model-len 512 --max-num-seqs 1` +
        ' --gpu-memory-utilization 0.8 --tensor-parallel-size 1 --pipeline-parallel-size 2 --enable-prefix-caching --enable-chunked-prefill --dtype half',
    );
    expect(await sh('node2', 'test -e /etc/systemd/system/vllm.service && echo present || echo absent')).toBe('absent\n');
    for (const n of ['node1', 'node2']) expect((await sh(n, 'systemctl is-enabled ray')).trim()).toBe('enabled');
    expect((await sh('node1', 'systemctl is-active vllm')).trim()).toBe('active');
  }, 300_000);

  it('then playbook run deploy.yml on those nodes changes nothing and restarts nothing', async () => {
    const before = await pids();
    idempotentPlaybook = await playbookDeploy(900_000);
    expect(idempotentPlaybook.code, idempotentPlaybook.output).toBe(0);
    for (const n of ['node1', 'node2']) expect(recap(idempotentPlaybook.output, n), idempotentPlaybook.output).toMatch(/changed=0 +unreachable=0 +failed=0/);
    expect(await pids()).toEqual(before);
  }, 1_000_000);

  it('and ansible-playbook again changes nothing: both engines report the idempotent run alike', async () => {
    const before = await pids();
    const again = await ansibleDeploy(900_000);
    expect(again.code, again.output).toBe(0);
    for (const n of ['node1', 'node2']) expect(recap(again.output, n), again.output).toMatch(/changed=0 +unreachable=0 +failed=0/);
    expect(await pids()).toEqual(before);
    if (!idempotentPlaybook) throw new Error("playbook's run did not happen (see the test before)");
    const ours = idempotentPlaybook;
    for (const n of ['node1', 'node2']) {
      progress(`recap ${n}: ansible-playbook ${recap(again.output, n)}`);
      progress(`recap ${n}: playbook         ${recap(ours.output, n)}`);
      expect(recap(ours.output, n), `${n}: playbook's recap, then ansible-playbook's`).toBe(recap(again.output, n));
    }
    expect(taskStatuses(ours.output)).toEqual(taskStatuses(again.output));
  }, 1_000_000);
});
