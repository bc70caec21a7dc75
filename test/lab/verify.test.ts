/**
 * playbooks/verify.yml and recovery, on one fresh 2-node lab (NICs eno1 and ens3): verify passes on
 * a fresh deployment and changes nothing (recap, file hashes, firewall rules, under --check too;
 * --json gives the report as data). Then each fault of the issue, made on the nodes as an operator
 * or a crash would, is named by verify with the node and the fix and makes it exit non-zero; and
 * a re-run of deploy.yml repairs it: a firewall rule removed on the worker only, a worker's
 * NCCL_SOCKET_IFNAME naming an interface it lacks, a model file changed on the worker, the head's
 * carry-over list without NCCL_SOCKET_IFNAME, a worker's raylet killed (the head's Ray untouched,
 * vLLM restarted), a worker's GPU without vLLM's process while /health answers (vLLM restarted),
 * vLLM stopped, the head's Ray restarted (the workers' raylets orphaned), and the head rebooted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IMAGE_BUILD_TIMEOUT, engine, testScope } from '../docker/support.js';
import { type DeployLab, type Run, VERIFY_YML, failures, recap, startDeployLab, taskStatus } from '../support/deploy-lab.js';

const MODEL = '/models/Qwen3-0.6B';

let dl: DeployLab;
const ip = (n: string): string => dl.ip(n);
const sh = (node: string, command: string): Promise<string> => dl.sh(node, command);
const deploy = (args: string[] = []): Promise<Run> => dl.deploy(args);
const verify = (args: string[] = []): Promise<Run> => dl.deploy(args, { playbook: VERIFY_YML, timeoutMs: 300_000 });

/** What verify must leave as it found it, on each node. */
async function state(): Promise<string> {
  const files = '/etc/ray/cluster.env /etc/ray/vllm.env /etc/systemd/system/ray.service /etc/systemd/system/vllm.service /home/playbook/.config/vllm/ray_non_carry_over_env_vars.json';
  const parts: string[] = [];
  for (const n of ['node1', 'node2']) {
    parts.push(
      `${n}:`,
      await sh(n, `sha256sum ${files} 2>/dev/null; sha256sum /var/cache/playbook-model/* ${MODEL}/*; ufw status verbose; pgrep -x raylet; ls -a /tmp /var/tmp /root /home/playbook`),
    );
  }
  return parts.join('\n');
}

/** The problems verify lists, one per line (from the failed assertion's message). */
const problems = (run: Run): string => failures(run).replace(/ {2}\[(\d+)\] /g, '\n[$1] ');

async function repaired(): Promise<void> {
  const run = await deploy();
  expect(run.code, run.output).toBe(0);
  const again = await verify();
  expect(again.code, again.output).toBe(0);
}

beforeAll(async () => {
  dl = await startDeployLab('verify', `vf${testScope('lab').slice(-8)}`);
  const first = await deploy();
  if (first.code !== 0) throw new Error(`the first deployment failed:\n${first.output}`);
}, IMAGE_BUILD_TIMEOUT + 1_200_000);

afterAll(async () => {
  await dl?.down();
}, 120_000);

describe('verify.yml on a fresh deployment', () => {
  it('passes with the table node by node, and changes nothing (also under --check)', async () => {
    const before = await state();
    const run = await verify();
    expect(run.code, run.output).toBe(0);
    for (const n of ['node1', 'node2']) expect(recap(run.output, n)).toMatch(/changed=0 +unreachable=0 +failed=0/);
    // The variables as the raylet has them, side by side.
    expect(run.output).toMatch(/"cluster IP, NIC +\S+ eno1 +\S+ ens3"/);
    expect(run.output).toMatch(/"NCCL_SOCKET_IFNAME \(Ray\) +eno1 +ens3"/);
    expect(run.output).toMatch(/"GLOO_SOCKET_IFNAME \(Ray\) +eno1 +ens3"/);
    expect(run.output).toContain(`VLLM_HOST_IP (Ray)            ${ip('node1')}`);
    expect(run.output).toMatch(/"Python \/ Ray +3\.11\.\d+ \/ 2\.53\.0 +3\.11\.\d+ \/ 2\.53\.0"/);
    expect(run.output).toMatch(/"GPUs +1, 1 in use +1, 1 in use"/);
    expect(run.output).toMatch(/"in the Ray cluster +ALIVE, 1 GPU +ALIVE, 1 GPU"/);
    expect(run.output).toMatch(/"vLLM +healthy, pipeline 2 x tensor 1"/);
    expect(run.output).toContain('"Ray: 2 of 2 nodes alive, 2 of 2 GPUs registered"');
    expect(run.output).toMatch(/"vLLM: healthy at http:\/\/[\d.]+:10322\/v1, answer: Hello from the vLLM lab stand-in/);
    expect(run.output).toMatch(/"node1 +- +ok"/);
    expect(run.output).toMatch(/"node2 +ok +-"/);
    expect(run.output).toContain('everything holds: 2 nodes, 2 GPUs, vLLM answers');

    const checked = await verify(['--check']);
    expect(checked.code, checked.output).toBe(0);
    expect(checked.output).toContain('everything holds');
    expect(await state()).toBe(before);
  }, 600_000);

  it('--json gives the report as data', async () => {
    const run = await verify(['--json']);
    expect(run.code, run.output).toBe(0);
    const event = run.output
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { type: string; task?: { name?: string }; result?: { ansible_facts?: { verify_report?: Record<string, unknown> } } })
      .find((e) => e.type === 'host_result' && e.task?.name === 'the report as data');
    const report = event?.result?.ansible_facts?.verify_report as {
      ok: boolean;
      nodes: Record<string, { raylet: { env: Record<string, string> }; cluster_nic: string }>;
      reachability: Record<string, Record<string, string>>;
      ray: { nodes_alive: number; gpus_registered: number };
      problems: unknown[];
    };
    expect(report.ok).toBe(true);
    expect(report.problems).toEqual([]);
    expect(report.nodes['node2']?.raylet.env['NCCL_SOCKET_IFNAME']).toBe('ens3');
    expect(report.nodes['node2']?.raylet.env['VLLM_HOST_IP']).toBe(ip('node2'));
    expect(report.reachability).toEqual({ node1: { node2: 'ok' }, node2: { node1: 'ok' } });
    expect(Number(report.ray.nodes_alive)).toBe(2);
    expect(Number(report.ray.gpus_registered)).toBe(2);
  }, 300_000);
});

describe('verify.yml names each fault with the node and the fix; deploy.yml repairs it', () => {
  it('a firewall rule removed on the worker only: one broken direction', async () => {
    await sh('node2', `ufw delete allow from ${ip('node1')}`);
    const run = await verify();
    expect(run.code, run.output).not.toBe(0);
    expect(run.output).toMatch(/"node1 +- +timeout"/);
    expect(run.output).toMatch(/"node2 +ok +-"/);
    expect(problems(run)).toContain(
      `node2: node1 -> node2 on port 20399: timeout (the other way works: a rule on one side only). Fix: allow the other nodes on node2: \`ufw allow from ${ip('node1')}\` there, or re-run deploy.yml --tags firewall.`,
    );
    expect(problems(run)).toContain('1 problem(s)');
    await repaired();
  }, 900_000);

  it("a worker's NCCL_SOCKET_IFNAME naming an interface it does not have", async () => {
    await sh('node2', "sed -i 's/^NCCL_SOCKET_IFNAME=.*/NCCL_SOCKET_IFNAME=eth9/' /etc/ray/cluster.env && systemctl restart ray");
    const run = await verify();
    expect(run.code, run.output).not.toBe(0);
    expect(run.output).toMatch(/"NCCL_SOCKET_IFNAME \(Ray\) +eno1 +eth9"/);
    expect(problems(run)).toMatch(
      /node2: NCCL_SOCKET_IFNAME=eth9 in Ray's environment names no interface of this node \(it has [^)]*ens3[^)]*\): NCCL fails with 'no socket interface found'\. Fix: set cluster_interface: ens3 for node2 in the inventory/,
    );
    expect(problems(run)).not.toMatch(/\] node1: NCCL/);
    const run2 = await deploy();
    expect(run2.code, run2.output).toBe(0);
    // The file is put right and Ray restarted with it (its environment differed from the file).
    expect(taskStatus(run2.output, 'ray : start the workers, one after another', 'node2')).toBe('changed');
    expect(await sh('node2', 'tr "\\0" "\\n" < /proc/$(pgrep -x raylet)/environ | grep ^NCCL_SOCKET_IFNAME=')).toBe('NCCL_SOCKET_IFNAME=ens3\n');
    const again = await verify();
    expect(again.code, again.output).toBe(0);
  }, 900_000);

  it('a model file changed on the worker', async () => {
    await sh('node2', `echo tampered >> ${MODEL}/config.json`);
    const run = await verify();
    expect(run.code, run.output).not.toBe(0);
    expect(problems(run)).toMatch(/node2: the model at \/models\/Qwen3-0\.6B differs from the head's \(7 files, manifest \w{12}; the head's \w{12}\).* Fix: re-run deploy\.yml --tags model/);
    expect(problems(run)).not.toMatch(/\] node1: the model/);
    await repaired();
    expect(await sh('node2', `tail -c 9 ${MODEL}/config.json`)).not.toContain('tampered');
  }, 900_000);

  it("the head's carry-over list without NCCL_SOCKET_IFNAME, while the NICs' names differ", async () => {
    await sh('node1', `echo '["GLOO_SOCKET_IFNAME", "VLLM_HOST_IP"]' > /home/playbook/.config/vllm/ray_non_carry_over_env_vars.json`);
    const run = await verify();
    expect(run.code, run.output).not.toBe(0);
    expect(problems(run)).toContain(
      "node1: the NICs differ between the nodes (node1: eno1, node2: ens3) and vLLM copies the head's NCCL_SOCKET_IFNAME to every worker: ray_non_carry_over_env_vars.json does not list it. Fix: re-run deploy.yml --tags network",
    );
    await repaired();
  }, 900_000);

  it("a worker's raylet killed: named; deploy.yml brings it back and restarts vLLM, the head's Ray untouched", async () => {
    const headRaylet = (await sh('node1', 'pgrep -x raylet')).trim();
    const vllmBefore = (await sh('node1', 'systemctl show -p MainPID --value vllm')).trim();
    await sh('node2', 'pkill -9 -x raylet');
    const run = await verify();
    expect(run.code, run.output).not.toBe(0);
    expect(run.output).toMatch(/"raylet +pid \d+ +not running"/);
    expect(problems(run)).toContain('node2: no raylet of playbook runs: Ray is not started here, or it died. Fix: re-run deploy.yml: it starts Ray on node2 and restarts vLLM');

    const fix = await deploy();
    expect(fix.code, fix.output).toBe(0);
    expect(taskStatus(fix.output, 'ray : start the workers, one after another', 'node2')).toBe('changed');
    expect(taskStatus(fix.output, 'ray : start the head', 'node1')).toBe('skipping');
    expect(taskStatus(fix.output, 'vllm : start vLLM', 'node1')).toBe('changed');
    expect((await sh('node1', 'pgrep -x raylet')).trim()).toBe(headRaylet);
    expect((await sh('node1', 'systemctl show -p MainPID --value vllm')).trim()).not.toBe(vllmBefore);
    expect(await dl.chat('node2', 'after the repair')).toMatch(/on 2 node\(s\), 2 GPU\(s\).*You said: after the repair/);
    const again = await verify();
    expect(again.code, again.output).toBe(0);
  }, 900_000);

  it("a worker's GPU without vLLM's process while /health still answers: named; deploy.yml restarts vLLM", async () => {
    // What nvidia-smi shows when a node's vLLM worker is gone (the lab's driver lists registered processes).
    await sh('node2', 'rm -f /run/lab/gpu-processes/*');
    const run = await verify();
    expect(run.code, run.output).not.toBe(0);
    expect(run.output).toMatch(/"GPUs +1, 1 in use +1, 0 in use"/);
    expect(problems(run)).toContain(
      "node2: vLLM runs no worker on this node's GPUs (nvidia-smi lists no process): pipeline 2 x tensor 1 for 2 nodes. Fix: re-run deploy.yml: it sets --pipeline-parallel-size",
    );
    const fix = await deploy();
    expect(fix.code, fix.output).toBe(0);
    expect(taskStatus(fix.output, 'vllm : start vLLM', 'node1')).toBe('changed');
    expect(await sh('node2', 'nvidia-smi --query-compute-apps=pid --format=csv,noheader')).toMatch(/^\d+/);
    const again = await verify();
    expect(again.code, again.output).toBe(0);
  }, 900_000);

  it('vLLM stopped', async () => {
    await sh('node1', 'systemctl stop vllm');
    const run = await verify();
    expect(run.code, run.output).not.toBe(0);
    expect(run.output).toMatch(/"vLLM +not running/);
    expect(problems(run)).toContain(`node1: vLLM is not running (http://${ip('node1')}:10322/health). Fix: re-run deploy.yml: it starts vLLM again (its log: journalctl -u vllm)`);
    await repaired();
    expect(await dl.chat('node2', 'vLLM is back')).toContain('You said: vLLM is back');
  }, 900_000);

  it("the head's Ray restarted: the worker's raylet left over is named; deploy.yml brings the cluster and the API back", async () => {
    await sh('node1', 'systemctl restart ray');
    const run = await verify();
    expect(run.code, run.output).not.toBe(0);
    expect(problems(run)).toMatch(/node2: (the raylet runs, but the head's Ray does not list [\d.]+ as ALIVE|no raylet of playbook runs)/);
    await repaired();
    expect(await dl.chat('node2', 'the head is back')).toMatch(/on 2 node\(s\), 2 GPU\(s\).*You said: the head is back/);
  }, 900_000);

  it('the head rebooted (its container restarted, another SSH port): deploy.yml brings the cluster and the API back', async () => {
    const docker = await engine();
    const head = dl.nodes.find((n) => n.name === 'node1');
    if (!head) throw new Error('no node1');
    await docker.getContainer(head.containerId).restart({ t: 5 });
    // The node is back when systemd says so; the lab writes the inventory and known_hosts for its new port.
    for (let attempt = 0; attempt < 60; attempt++) {
      const up = await dl.lab.exec('node1', ['systemctl', 'is-system-running']).catch(() => undefined);
      if (up && /running|degraded/.test(up.stdout)) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    await dl.lab.writeInventory();
    const run = await verify();
    expect(run.code, run.output).not.toBe(0);
    await repaired();
    expect(await dl.chat('node2', 'after the reboot')).toMatch(/on 2 node\(s\), 2 GPU\(s\).*You said: after the reboot/);
  }, 900_000);
});
