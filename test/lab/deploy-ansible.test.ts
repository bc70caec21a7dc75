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
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IMAGE_BUILD_TIMEOUT, testScope } from '../docker/support.js';
import { ansiblePython } from '../support/ansible.js';
import { type DeployLab, type Run, VERIFY_YML, clusterEnv, recap, startDeployLab } from '../support/deploy-lab.js';

const ENV_BIN = '/opt/miniforge3/envs/vllm-ray/bin';
const MODEL = '/models/Qwen3-0.6B';
const PORT = 10322;

let dl: DeployLab;
const ip = (n: string): string => dl.ip(n);
const sh = (node: string, command: string, user?: string): Promise<string> => dl.sh(node, command, user);
const escaped = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** `ansible-playbook -i <the lab's inventory> <checkout>/playbooks/deploy.yml`, as the README says (from a folder without ansible.cfg). */
const ansibleDeploy = (timeoutMs: number): Promise<Run> => dl.deploy([], { engine: 'ansible', timeoutMs });
/** `playbook run deploy.yml` (the bundled playbook, found by name), against the same inventory. */
const playbookDeploy = (timeoutMs: number): Promise<Run> => dl.deploy([], { playbook: 'deploy.yml', timeoutMs });

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


beforeAll(async () => {
  ansiblePython();
  dl = await startDeployLab('deploy-ansible', `da${testScope('lab').slice(-8)}`);
}, IMAGE_BUILD_TIMEOUT);

afterAll(async () => {
  await dl?.down();
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
    expect(await dl.chat('node2', 'Hello from the ansible deploy test')).toContain('You said: Hello from the ansible deploy test');
    const status = await dl.rayStatus(/^ +2\.0\/2\.0 GPU\b/m);
    expect(status.match(/^ +1 node_[0-9a-f]+$/gm)?.length, status).toBe(2);
    expect(status).toMatch(/^ +2\.0\/2\.0 GPU\b/m);
    for (const n of ['node1', 'node2']) expect(await sh(n, 'nvidia-smi --query-compute-apps=pid,process_name --format=csv,noheader')).toMatch(/^\d+, /m);
    // Each node's Ray runs with its own NIC and address, from the one environment file.
    const nic = { node1: 'eno1', node2: 'ens3' };
    for (const n of ['node1', 'node2'] as const) {
      expect(await sh(n, 'cat /etc/ray/cluster.env')).toBe(clusterEnv(nic[n], ip(n)));
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
    const before = await dl.servicePids();
    idempotentPlaybook = await playbookDeploy(900_000);
    expect(idempotentPlaybook.code, idempotentPlaybook.output).toBe(0);
    for (const n of ['node1', 'node2']) expect(recap(idempotentPlaybook.output, n), idempotentPlaybook.output).toMatch(/changed=0 +unreachable=0 +failed=0/);
    expect(await dl.servicePids()).toEqual(before);
  }, 1_000_000);

  it('and ansible-playbook again changes nothing: both engines report the idempotent run alike', async () => {
    const before = await dl.servicePids();
    const again = await ansibleDeploy(900_000);
    expect(again.code, again.output).toBe(0);
    for (const n of ['node1', 'node2']) expect(recap(again.output, n), again.output).toMatch(/changed=0 +unreachable=0 +failed=0/);
    expect(await dl.servicePids()).toEqual(before);
    if (!idempotentPlaybook) throw new Error("playbook's run did not happen (see the test before)");
    const ours = idempotentPlaybook;
    for (const n of ['node1', 'node2']) {
      expect(recap(ours.output, n), `${n}: playbook's recap, then ansible-playbook's`).toBe(recap(again.output, n));
    }
    expect(taskStatuses(ours.output)).toEqual(taskStatuses(again.output));
  }, 1_000_000);

  it('verify.yml passes under both engines, with the same table', async () => {
    const table = (output: string): string => /TASK \[(?:\.\.\/roles\/)?verify : the cluster, node by node\][^\n]*\n([\s\S]*?)\n\n/.exec(output)?.[1] ?? `(no table in)\n${output}`;
    const ours = await dl.deploy([], { playbook: VERIFY_YML, timeoutMs: 300_000 });
    const theirs = await dl.deploy([], { playbook: VERIFY_YML, engine: 'ansible', timeoutMs: 300_000 });
    expect(ours.code, ours.output).toBe(0);
    expect(theirs.code, theirs.output).toBe(0);
    expect(table(ours.output)).toContain('"Ray: 2 of 2 nodes alive, 2 of 2 GPUs registered"');
    expect(table(ours.output)).toBe(table(theirs.output));
    for (const n of ['node1', 'node2']) expect(recap(ours.output, n)).toBe(recap(theirs.output, n));
  }, 700_000);
});
