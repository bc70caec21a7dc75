/**
 * playbooks/deploy.yml on a fresh 3-node lab with 2 GPUs per node, run by `playbook run deploy.yml`
 * from another folder: vLLM must come up as pipeline 3 × tensor 2 (one stage per node, one rank per
 * GPU), checked in the run's summary, the vllm unit's command line, `ray status` on the head (3 nodes,
 * all 6 GPUs in use), nvidia-smi on each node (one process per GPU) and a chat completion.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IMAGE_BUILD_TIMEOUT, testScope } from '../docker/support.js';
import { type DeployLab, type Run, VERIFY_YML, recap, startDeployLab } from '../support/deploy-lab.js';

const MODEL = '/models/Qwen3-0.6B';
const PORT = 10322;
const NODES = ['node1', 'node2', 'node3'];

let dl: DeployLab;
const ip = (n: string): string => dl.ip(n);
const sh = (node: string, command: string, user?: string): Promise<string> => dl.sh(node, command, user);
/** `playbook run deploy.yml` from a folder without one, against the lab's inventory. */
const deploy = (timeoutMs: number): Promise<Run> => dl.deploy([], { playbook: 'deploy.yml', timeoutMs });

beforeAll(async () => {
  dl = await startDeployLab('deploy-3x2', `d32${testScope('lab').slice(-8)}`, { nodes: 3, gpusPerNode: 2, nicNames: ['eno1', 'ens3', 'eno1'] });
}, IMAGE_BUILD_TIMEOUT);

afterAll(async () => {
  await dl?.down();
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
    const status = await dl.rayStatus(/^ +6\.0\/6\.0 GPU\b/m);
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
    const content = await dl.chat('node3', 'Hello from the 3x2 test');
    expect(content).toContain('You said: Hello from the 3x2 test');
    expect(content).toMatch(/3 node\(s\), 6 GPU\(s\)/);
  }, 120_000);

  it('verify.yml passes: 3 nodes, 2 GPUs each in use, every node reaches every other', async () => {
    const run = await dl.deploy([], { playbook: VERIFY_YML, timeoutMs: 300_000 });
    expect(run.code, run.output).toBe(0);
    expect(run.output).toMatch(/"GPUs +2, 2 in use +2, 2 in use +2, 2 in use"/);
    expect(run.output).toContain('"Ray: 3 of 3 nodes alive, 6 of 6 GPUs registered"');
    expect(run.output).toMatch(/"vLLM +healthy, pipeline 3 x tensor 2"/);
    expect(run.output).toMatch(/"node1 +- +ok +ok"/);
    expect(run.output).toMatch(/"node2 +ok +- +ok"/);
    expect(run.output).toMatch(/"node3 +ok +ok +-"/);
  }, 400_000);
});
