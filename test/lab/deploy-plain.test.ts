/**
 * deploy.yml on nodes where systemd does not run (`lab up --init plain`, as in many containers):
 * Ray starts from the role's start script with the cluster's environment file, vLLM runs in the
 * background with a pid file and a log; the model comes from the lab's hub through the real
 * huggingface_hub client (`hf download`); the API answers across both nodes, and a second run
 * changes nothing and restarts nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IMAGE_BUILD_TIMEOUT, testScope } from '../docker/support.js';
import { type DeployLab, type Run, VERIFY_YML, recap, startDeployLab, taskStatus } from '../support/deploy-lab.js';

const PID_FILE = '/run/vllm/vllm-serve.pid';

let dl: DeployLab;
const ip = (n: string): string => dl.ip(n);
const sh = (node: string, command: string): Promise<string> => dl.sh(node, command);
const deploy = (): Promise<Run> => dl.deploy(['-e', 'model_source=huggingface']);

beforeAll(async () => {
  dl = await startDeployLab('plain', `dn${testScope('lab').slice(-8)}`, { init: 'plain' });
}, IMAGE_BUILD_TIMEOUT);

afterAll(async () => {
  await dl?.down();
}, 120_000);

describe('deploy.yml without systemd', () => {
  it('starts Ray from the start script and vLLM in the background; the API answers; a second run restarts nothing', async () => {
    const first = await deploy();
    expect(first.code, first.output).toBe(0);
    expect(first.output).toMatch(/"answer: Hello from the vLLM lab stand-in: .* on 2 node\(s\), 2 GPU\(s\)/);
    expect(taskStatus(first.output, 'ray : start the head (no systemd)', 'node1')).toBe('changed');
    expect(taskStatus(first.output, "model-sync : the head's model, downloaded from the hub (huggingface Qwen/Qwen3-0.6B)", 'node1')).toBe('changed');
    const sums = async (n: string): Promise<string> => sh(n, "cd /models/Qwen3-0.6B && find . -type f ! -path './.*' | sort | xargs sha256sum");
    expect(await sums('node2')).toBe(await sums('node1'));
    expect(await sums('node1')).toContain('./model.safetensors');
    expect(await sh('node1', 'test ! -e /etc/systemd/system/ray.service && test ! -e /etc/systemd/system/vllm.service && echo none')).toBe('none\n');
    // Ray's processes carry the node's own variables: the start script read the environment file.
    const raylet = (await sh('node2', 'pgrep -x raylet')).trim();
    expect(raylet, await sh('node2', 'ps -eo pid,user,args | grep -i ray || true')).toMatch(/^\d+$/);
    // Read as Ray's user: root in a container without CAP_SYS_PTRACE may not read another user's environ.
    const rayletEnv = await dl.sh('node2', `tr "\\0" "\\n" < /proc/${raylet}/environ | grep -E "^(NCCL|GLOO)_SOCKET_IFNAME|^VLLM_HOST_IP" | sort`, 'playbook');
    expect(rayletEnv).toBe(`GLOO_SOCKET_IFNAME=ens3\nNCCL_SOCKET_IFNAME=ens3\nVLLM_HOST_IP=${ip('node2')}\n`);
    const vllmPid = (await sh('node1', `cat ${PID_FILE}`)).trim();
    expect(await sh('node1', `ps -o args= -p ${vllmPid}`)).toContain('vllm serve /models/Qwen3-0.6B');
    const raylets = [(await sh('node1', 'pgrep -x raylet')).trim(), (await sh('node2', 'pgrep -x raylet')).trim()];

    const again = await deploy();
    expect(again.code, again.output).toBe(0);
    for (const n of ['node1', 'node2']) expect(recap(again.output, n), again.output).toMatch(/changed=0 +unreachable=0 +failed=0/);
    expect((await sh('node1', `cat ${PID_FILE}`)).trim()).toBe(vllmPid);
    expect([(await sh('node1', 'pgrep -x raylet')).trim(), (await sh('node2', 'pgrep -x raylet')).trim()]).toEqual(raylets);
  }, 2_400_000);

  it('verify.yml passes there too (the start scripts, the pid file)', async () => {
    const run = await dl.deploy([], { playbook: VERIFY_YML, timeoutMs: 300_000 });
    expect(run.code, run.output).toBe(0);
    expect(run.output).toMatch(/"NCCL_SOCKET_IFNAME \(Ray\) +eno1 +ens3"/);
    expect(run.output).toContain('everything holds: 2 nodes, 2 GPUs, vLLM answers');
  }, 400_000);
});
