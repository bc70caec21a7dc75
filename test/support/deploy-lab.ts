/**
 * A fresh lab for one deployment test file, and the few things those tests do with it: run the
 * bundled deploy.yml (with playbook, or ansible-playbook), a shell line on a node as root, and read
 * the recap and the failed tasks of a run. The lab, its state and work folders go in `down()`.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Lab, type LabInit, type LabNode } from '../../src/lab/index.js';
import { ensureWheelhouse } from '../../src/lab/wheelhouse.js';
import { engine } from '../docker/support.js';
import { ansibleVenv } from './ansible.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DEPLOY_YML = path.join(ROOT, 'playbooks', 'deploy.yml');
export const VERIFY_YML = path.join(ROOT, 'playbooks', 'verify.yml');

export interface Run {
  code: number | null;
  output: string;
}

export interface DeployOptions {
  /** The inventory (default the lab's). */
  inventory?: string;
  /** 'playbook' (default) or 'ansible' (the pinned ansible-playbook). */
  engine?: 'playbook' | 'ansible';
  /** The playbook argument as typed (default the bundled deploy.yml's absolute path). */
  playbook?: string;
  /** Working directory (default the lab's work folder, not the checkout). */
  cwd?: string;
  timeoutMs?: number;
}

export interface DeployLab {
  lab: Lab;
  nodes: LabNode[];
  /** A folder of the test's own (not the checkout). */
  work: string;
  /** A node's address on the cluster network. */
  ip(node: string): string;
  deploy(args?: string[], options?: DeployOptions): Promise<Run>;
  /** A shell line on a node as root (or `user`); throws with its output when it fails. */
  sh(node: string, command: string, user?: string): Promise<string>;
  /**
   * `ray status` on the head, as Ray's user: asked again (up to 30 s) until it matches `wanted`, since
   * it reads the autoscaler's summary, which the raylets' reports refresh every few seconds.
   */
  rayStatus(wanted: RegExp): Promise<string>;
  /** One chat completion from the API on the head (port 10322), asked from `node` with curl: the answer's text. */
  chat(node: string, content: string): Promise<string>;
  /** The PIDs that must not change when nothing changed: each node's raylet, and vLLM on the head. */
  servicePids(): Promise<Record<string, string>>;
  down(): Promise<void>;
}

/** /etc/ray/cluster.env as the roles write it for a node whose cluster NIC is `nic` with address `ip`. */
export const clusterEnv = (nic: string, ip: string): string => `GLOO_SOCKET_IFNAME=${nic}\nNCCL_SOCKET_IFNAME=${nic}\nVLLM_HOST_IP=${ip}\n`;

/** The recap counts of a host, as printed (`ok=.. changed=.. ...`). */
export const recap = (output: string, host: string): string => new RegExp(`^${host} +: (.*?) *$`, 'm').exec(output)?.[1] ?? `(no recap line for ${host})`;

/** A host's status line in a task's block ('changed', 'ok', 'skipping', 'fatal'...), or undefined. */
export function taskStatus(output: string, task: string, host: string): string | undefined {
  const start = output.indexOf(`TASK [${task}] `);
  if (start < 0) return undefined;
  const next = output.indexOf('\nTASK [', start + 1);
  const block = output.slice(start, next < 0 ? undefined : next);
  return new RegExp(`^(\\w+): \\[${host}\\]`, 'm').exec(block)?.[1];
}

/** The failed tasks' result lines of a run. */
export const failures = (run: Run): string =>
  run.output
    .split('\n')
    .filter((l) => /^(fatal|failed): /.test(l))
    .join('\n');

export async function startDeployLab(label: string, name: string, options: { nodes?: number; gpusPerNode?: number; init?: LabInit; nicNames?: string[] } = {}): Promise<DeployLab> {
  const t0 = Date.now();
  const progress = (line: string): void => void process.stderr.write(`[${label} ${((Date.now() - t0) / 1000).toFixed(0).padStart(4)}s] ${line}\n`);
  const stateRoot = mkdtempSync(path.join(tmpdir(), `pb-${label}-state-`));
  const work = mkdtempSync(path.join(tmpdir(), `pb-${label}-`));
  const docker = await engine();
  const wheelhouse = await ensureWheelhouse({ onProgress: (l) => progress(`wheelhouse: ${l}`) });
  const nodeCount = options.nodes ?? 2;
  const nicNames = options.nicNames ?? ['eno1', 'ens3', 'enp1s0'].slice(0, nodeCount);
  let lab: Lab;
  try {
    lab = await Lab.up({ name, nodes: nodeCount, gpusPerNode: options.gpusPerNode ?? 1, nicNames, ...(options.init ? { init: options.init } : {}), wheelhouse, stateRoot, docker, onProgress: progress });
  } catch (e) {
    await Lab.down({ name, stateRoot }).catch(() => {});
    throw e;
  }
  const nodes = await lab.nodes();

  const deploy = (args: string[] = [], o: DeployOptions = {}): Promise<Run> =>
    new Promise((resolve) => {
      const ansible = o.engine === 'ansible';
      const program = ansible ? path.join(ansibleVenv(), 'bin', 'ansible-playbook') : process.execPath;
      const argv = [...(ansible ? [] : [path.join(ROOT, 'bin', 'playbook.js'), 'run']), o.playbook ?? DEPLOY_YML, '-i', o.inventory ?? lab.inventoryPath, ...args];
      const child = spawn(program, argv, { cwd: o.cwd ?? work, env: { ...process.env, NO_COLOR: '1', ANSIBLE_NOCOLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
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
      const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 1_200_000);
      child.once('close', (code) => {
        clearTimeout(timer);
        progress(`${ansible ? 'ansible-playbook' : 'playbook run'} ${args.join(' ')} → exit ${String(code)}`);
        resolve({ code, output });
      });
    });

  const sh = async (node: string, command: string, user = 'root'): Promise<string> => {
    const r = await lab.exec(node, ['/bin/sh', '-c', `${command} 2>&1`], { user, timeoutMs: 120_000 });
    if (r.rc !== 0) throw new Error(`${command} on ${node} failed (${String(r.rc)}): ${r.stdout}${r.stderr}`);
    return r.stdout;
  };

  return {
    lab,
    nodes,
    work,
    ip: (n) => nodes.find((x) => x.name === n)?.clusterIp ?? '(no cluster IP)',
    deploy,
    sh,
    async rayStatus(wanted) {
      const head = nodes[0]?.clusterIp ?? '(no head)';
      let status = '';
      for (let attempt = 0; attempt < 15; attempt++) {
        status = await sh('node1', `/opt/miniforge3/envs/vllm-ray/bin/ray status --address=${head}:6379`, 'playbook');
        if (wanted.test(status)) break;
        await new Promise((r) => setTimeout(r, 2000));
      }
      return status;
    },
    async chat(node, content) {
      const body = JSON.stringify({ model: '/models/Qwen3-0.6B', max_tokens: 64, messages: [{ role: 'user', content }] }).replace(/'/g, `'\\''`);
      const head = nodes[0]?.clusterIp ?? '(no head)';
      const out = await sh(node, `curl -sS -m 60 -H 'content-type: application/json' -d '${body}' http://${head}:10322/v1/chat/completions`, 'playbook');
      const answer = (JSON.parse(out) as { choices?: { message?: { content?: string } }[] }).choices?.[0]?.message?.content;
      if (answer === undefined) throw new Error(`no answer from the API: ${out}`);
      return answer;
    },
    async servicePids() {
      return {
        node1_raylet: (await sh('node1', 'pgrep -x raylet')).trim(),
        node2_raylet: (await sh('node2', 'pgrep -x raylet')).trim(),
        vllm: (await sh('node1', 'systemctl show -p MainPID --value vllm')).trim(),
      };
    },
    async down() {
      const [down] = await Promise.allSettled([lab.down()]);
      if (down.status === 'rejected') progress(`lab down failed: ${String(down.reason)}`);
      rmSync(stateRoot, { recursive: true, force: true });
      rmSync(work, { recursive: true, force: true });
    },
  };
}
