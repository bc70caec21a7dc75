/**
 * deploy.yml's failures, on one fresh 2-node lab: each fails early, names the node and says what to
 * do, and changes nothing it should not. In order: the firewall role skipped (the worker cannot
 * reach the head: the message points at the firewall and the NIC); then a good deployment; then a
 * worker whose Python differs at the patch level, an inventory giving the worker another Ray
 * version, a worker with a small /dev/shm, and a worker whose model file differs while the role
 * is told not to copy it (model_sync_to_workers=false).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IMAGE_BUILD_TIMEOUT, testScope } from '../docker/support.js';
import { type DeployLab, type Run, failures, recap, startDeployLab } from '../support/deploy-lab.js';

const ENV_PYTHON = '/opt/miniforge3/envs/vllm-ray/bin/python';
const MODEL = '/models/Qwen3-0.6B';

let dl: DeployLab;
const ip = (n: string): string => dl.ip(n);
const sh = (node: string, command: string): Promise<string> => dl.sh(node, command);
const deploy = (args: string[], inventory?: string): Promise<Run> => dl.deploy(args, inventory ? { inventory } : {});

beforeAll(async () => {
  dl = await startDeployLab('faults', `df${testScope('lab').slice(-8)}`);
}, IMAGE_BUILD_TIMEOUT);

afterAll(async () => {
  await dl?.down();
}, 120_000);

describe('deploy.yml fails early, naming the node', () => {
  it('without the firewall role, the worker cannot reach the head: the message points at the firewall and the NIC', async () => {
    const run = await deploy(['--skip-tags', 'firewall', '-e', 'ray_join_timeout=15']);
    expect(run.code, run.output).not.toBe(0);
    const failed = failures(run);
    expect(failed).toMatch(/^fatal: \[node2\]: FAILED!/m);
    expect(failed).toContain(`node2 cannot reach the Ray head at ${ip('node1')}:6379 within 15 s`);
    expect(failed).toContain('Check the firewall on node1');
    expect(failed).toContain(`that ${ip('node1')} is the head's address on the cluster NIC (eno1)`);
    // vLLM was never started.
    expect(run.output).not.toContain('TASK [vllm : start vLLM]');
  }, 1_000_000);

  it('a good deployment, with the firewall', async () => {
    const run = await deploy([]);
    expect(run.code, run.output).toBe(0);
    expect(run.output).toMatch(/"answer: Hello from the vLLM lab stand-in: .* on 2 node\(s\), 2 GPU\(s\)/);
  }, 1_000_000);

  it('a worker whose Python differs at the patch level: the conda role lists each node\'s version', async () => {
    // The environment's python reports another patch version (as another conda build would give).
    await sh('node2', `mv ${ENV_PYTHON} ${ENV_PYTHON}.real && printf '#!/bin/sh\\ncase "$*" in *python_version*) echo 3.11.99; exit 0;; esac\\nexec ${ENV_PYTHON}.real "$@"\\n' > ${ENV_PYTHON} && chmod 755 ${ENV_PYTHON}`);
    try {
      const run = await deploy(['--tags', 'conda']);
      expect(run.code, run.output).not.toBe(0);
      expect(failures(run)).toMatch(/Python differs between the nodes \(node1: 3\.\d+\.\d+, node2: 3\.11\.99\)\. Ray refuses a node whose Python differs from the head's, down to the patch level/);
    } finally {
      await sh('node2', `mv -f ${ENV_PYTHON}.real ${ENV_PYTHON}`);
    }
  }, 600_000);

  it('an inventory that gives the worker another Ray version: preflight names it, before any change', async () => {
    const inventory = path.join(dl.work, 'other-ray.ini');
    writeFileSync(inventory, readFileSync(dl.lab.inventoryPath, 'utf8').replace(/^(node2 .*)$/m, '$1 ray_version=2.52.1'));
    const run = await deploy([], inventory);
    expect(run.code, run.output).not.toBe(0);
    expect(failures(run)).toContain('node2: ray_version is 2.52.1, the head has its default');
    expect(run.output).not.toContain('PLAY [Deploy Ray and vLLM on the GPU nodes]');
    for (const n of ['node1', 'node2']) expect(recap(run.output, n)).toMatch(/changed=0 /);
  }, 600_000);

  it('a worker with a small /dev/shm: preflight names it and the size needed', async () => {
    await sh('node2', 'mount -o remount,size=64m /dev/shm');
    try {
      const run = await deploy([]);
      expect(run.code, run.output).not.toBe(0);
      expect(failures(run)).toMatch(/node2: \/dev\/shm has \d+ MiB free, Ray and NCCL need at least 1024 MiB/);
      expect(failures(run)).not.toMatch(/node1: \/dev\/shm/);
      expect(run.output).not.toContain('PLAY [Deploy Ray and vLLM on the GPU nodes]');
    } finally {
      await sh('node2', 'mount -o remount,size=2048m /dev/shm');
    }
  }, 600_000);

  it('a worker whose model file differs, when the role must not copy it: the node and what to do', async () => {
    await sh('node2', `printf 'changed on the worker\\n' >> ${MODEL}/config.json`);
    const before = await sh('node1', 'systemctl show -p MainPID --value vllm');
    const run = await deploy(['-e', 'model_sync_to_workers=false']);
    expect(run.code, run.output).not.toBe(0);
    const failed = failures(run);
    expect(failed).toMatch(/^fatal: \[node2\]: FAILED!/m);
    expect(failed).toContain(`node2: the model at ${MODEL} differs from the head's`);
    expect(failed).toContain('model_sync_to_workers is false: give every node the same files, or let the role copy them.');
    expect(failed).not.toMatch(/^fatal: \[node1\]/m);
    // vLLM was not restarted on a model that differs.
    expect(await sh('node1', 'systemctl show -p MainPID --value vllm')).toBe(before);
    // Copying (the default) repairs it.
    const repaired = await deploy([]);
    expect(repaired.code, repaired.output).toBe(0);
    expect(await sh('node2', `sha256sum < ${MODEL}/config.json`)).toBe(await sh('node1', `sha256sum < ${MODEL}/config.json`));
  }, 900_000);
});

describe("model-sync's other sources, on the same lab", () => {
  const sums = (node: string, dir: string): Promise<string> => sh(node, `cd ${dir} && find . -type f ! -path './.*' | sort | xargs sha256sum`);

  it('a folder on the controller: pushed to the head, then copied to the worker', async () => {
    const folder = path.join(dl.work, 'model-from-controller');
    mkdirSync(folder, { recursive: true });
    writeFileSync(path.join(folder, 'config.json'), '{"architectures": ["Qwen3ForCausalLM"], "model_type": "qwen3"}\n');
    writeFileSync(path.join(folder, 'weights.bin'), Buffer.alloc(300_000, 7));
    const dir = '/models/from-controller';
    const run = await deploy(['--tags', 'model', '-e', 'model_source=controller', '-e', `model_controller_path=${folder}`, '-e', `model_path=${dir}`]);
    expect(run.code, run.output).toBe(0);
    expect(await sums('node1', dir)).toContain('./weights.bin');
    expect(await sums('node2', dir)).toBe(await sums('node1', dir));
  }, 600_000);

  it('an archive URL: downloaded and unpacked on the head, then copied to the worker', async () => {
    await sh('node1', `mkdir -p /var/tmp/arch/m && printf '{"model_type": "qwen3"}\\n' > /var/tmp/arch/m/config.json && head -c 200000 /dev/urandom > /var/tmp/arch/m/w.bin && tar -C /var/tmp/arch/m -czf /var/tmp/model.tar.gz .`);
    const sha = (await sh('node1', 'sha256sum /var/tmp/model.tar.gz')).split(' ')[0] ?? '';
    const dir = '/models/from-url';
    const run = await deploy(['--tags', 'model', '-e', 'model_source=url', '-e', 'model_url=file:///var/tmp/model.tar.gz', '-e', `model_url_sha256=${sha}`, '-e', `model_path=${dir}`]);
    expect(run.code, run.output).toBe(0);
    expect(await sums('node1', dir)).toContain('./w.bin');
    expect(await sums('node2', dir)).toBe(await sums('node1', dir));
  }, 600_000);
});
