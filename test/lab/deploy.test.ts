/**
 * The product, end to end: playbooks/deploy.yml (the bundled roles) on a fresh 2-node lab whose
 * cluster NICs have different names (eno1, ens3), run by `playbook run deploy.yml` from another
 * folder, as a user runs the bundled playbook. It must bring the vLLM API up across the nodes
 * (pipeline 2 × tensor 1) with the model downloaded on the head by the real modelscope client from
 * the lab's hub and copied from the head to the worker; a second run changes
 * nothing and restarts nothing (the raylets' and vLLM's PIDs stay); changing one vLLM variable
 * restarts vLLM only. Each claim is checked on the nodes themselves (ray status, nvidia-smi, the
 * API from the worker, the files).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IMAGE_BUILD_TIMEOUT, testScope } from '../docker/support.js';
import { type DeployLab, type Run, clusterEnv, recap, startDeployLab, taskStatus } from '../support/deploy-lab.js';

const MODEL = '/models/Qwen3-0.6B';
const PORT = 10322;

let dl: DeployLab;
const ip = (n: string): string => dl.ip(n);
const sh = (node: string, command: string, user?: string): Promise<string> => dl.sh(node, command, user);
/** `playbook run deploy.yml` from a folder without one: the bundled playbook is found. */
const deploy = (args: string[], timeoutMs: number): Promise<Run> => dl.deploy(args, { playbook: 'deploy.yml', timeoutMs });


beforeAll(async () => {
  dl = await startDeployLab('deploy', `dp${testScope('lab').slice(-8)}`);
}, IMAGE_BUILD_TIMEOUT);

afterAll(async () => {
  await dl?.down();
}, 120_000);

describe('playbooks/deploy.yml on a fresh 2-node lab', () => {
  let first: Run;

  it('brings the API up across both nodes, and says so', async () => {
    first = await deploy([], 1_200_000);
    expect(first.code, first.output).toBe(0);
    expect(first.output).toMatch(/^Playbook: .*\/playbooks\/deploy\.yml \(bundled with /m);
    for (const n of ['node1', 'node2']) expect(recap(first.output, n)).toMatch(/changed=[1-9]\d* +unreachable=0 +failed=0/);
    expect(first.output).toContain(`"API: http://${ip('node1')}:${PORT}/v1"`);
    expect(first.output).toContain(`"model: ${MODEL}, pipeline 2 x tensor 1"`);
    expect(first.output).toContain('"nodes: 2, GPUs: 2"');
    expect(first.output).toMatch(/"answer: Hello from the vLLM lab stand-in: .* on 2 node\(s\), 2 GPU\(s\)/);
  }, 1_300_000);

  it('serves a chat completion to the worker, with both GPUs in use and a process in each nvidia-smi', async () => {
    const body = JSON.stringify({ model: MODEL, max_tokens: 64, messages: [{ role: 'user', content: 'Hello from the deploy test' }] });
    const chat = JSON.parse(await sh('node2', `curl -sS -m 30 -H 'content-type: application/json' -d '${body}' http://${ip('node1')}:${PORT}/v1/chat/completions`, 'playbook')) as {
      choices: { message: { content: string } }[];
    };
    expect(chat.choices[0]?.message.content).toContain('You said: Hello from the deploy test');
    const status = await dl.rayStatus(/^ +2\.0\/2\.0 GPU\b/m);
    expect(status.match(/^ +1 node_[0-9a-f]+$/gm)?.length, status).toBe(2);
    expect(status).toMatch(/^ +2\.0\/2\.0 GPU\b/m);
    for (const n of ['node1', 'node2']) expect(await sh(n, 'nvidia-smi --query-compute-apps=pid,process_name --format=csv,noheader')).toMatch(/^\d+, /m);
    // Each node's Ray runs with its own NIC and address, from the one environment file.
    expect(await sh('node2', 'cat /etc/ray/cluster.env')).toBe(clusterEnv('ens3', ip('node2')));
    expect(await sh('node2', 'tr "\\0" " " < /proc/$(pgrep -x raylet)/cmdline')).toContain(`--node_ip_address=${ip('node2')}`);
    // The worker got the head's model, file for file.
    const sums = async (n: string): Promise<string> => sh(n, `cd ${MODEL} && find . -type f ! -name '.*' | sort | xargs sha256sum`);
    expect(await sums('node2')).toBe(await sums('node1'));
    // Peers are allowed in, and every rule the role added says so.
    expect(await sh('node1', 'ufw status')).toMatch(new RegExp(`^Anywhere +ALLOW +${ip('node2').replace(/\./g, '\\.')} +# playbook ray-vllm: peer node2$`, 'm'));
  }, 300_000);

  it('changes nothing and restarts nothing on a second run', async () => {
    const before = await dl.servicePids();
    const again = await deploy([], 600_000);
    expect(again.code, again.output).toBe(0);
    for (const n of ['node1', 'node2']) expect(recap(again.output, n), again.output).toMatch(/changed=0 +unreachable=0 +failed=0/);
    expect(await dl.servicePids()).toEqual(before);
  }, 700_000);

  it('restarts vLLM only when one of its variables changes', async () => {
    const before = await dl.servicePids();
    const changed = await deploy(['-e', 'vllm_max_num_seqs=2'], 900_000);
    expect(changed.code, changed.output).toBe(0);
    expect(recap(changed.output, 'node2')).toMatch(/changed=0 +unreachable=0 +failed=0/);
    expect(taskStatus(changed.output, 'vllm : start vLLM', 'node1')).toBe('changed');
    const after = await dl.servicePids();
    expect([after.node1_raylet, after.node2_raylet]).toEqual([before.node1_raylet, before.node2_raylet]);
    expect(after.vllm).not.toBe(before.vllm);
    expect(await sh('node1', 'systemctl show -p ExecStart --value vllm')).toContain('--max-num-seqs 2');
  }, 1_000_000);
});
