/**
 * teardown.yml on one fresh 2-node lab (systemd): after a deployment, --check changes nothing;
 * teardown leaves no Ray or vLLM process, none of the firewall role's ufw rules but the SSH rule
 * (the lab's own, to which ufw gave the role's comment), no environment file, unit or
 * model-sync key, and keeps the model and the conda environment; a second run changes nothing;
 * verify.yml names what is gone; deploy.yml works again; remove_model=true removes the model too, remove_env=true the
 * environment, and deploy.yml builds both again.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IMAGE_BUILD_TIMEOUT, testScope } from '../docker/support.js';
import { type DeployLab, ROOT, type Run, VERIFY_YML, failures, recap, startDeployLab } from '../support/deploy-lab.js';

const TEARDOWN_YML = path.join(ROOT, 'playbooks', 'teardown.yml');
const MODEL = '/models/Qwen3-0.6B';
const ENV = '/opt/miniforge3/envs/vllm-ray';
const NODES = ['node1', 'node2'];
const ANSWER = /"answer: Hello from the vLLM lab stand-in: .* on 2 node\(s\), 2 GPU\(s\)/;

let dl: DeployLab;
const sh = (node: string, command: string): Promise<string> => dl.sh(node, command);
const teardown = (args: string[] = []): Promise<Run> => dl.deploy(args, { playbook: TEARDOWN_YML });
const exists = async (node: string, p: string): Promise<boolean> => (await sh(node, `test -e ${p} && echo yes || echo no`)).trim() === 'yes';
/** Ray's and vLLM's processes on a node (any user), one per line. */
const rayAndVllm = (node: string): Promise<string> =>
  sh(node, "{ pgrep -a -x 'raylet|gcs_server'; pgrep -a -f '[v]llm serve'; pgrep -a -f '^ray::'; } | cut -c1-160; true").then((s) => s.trim());

beforeAll(async () => {
  dl = await startDeployLab('teardown', `td${testScope('lab').slice(-8)}`);
}, IMAGE_BUILD_TIMEOUT);

afterAll(async () => {
  await dl?.down();
}, 120_000);

describe('teardown.yml', () => {
  const ufwBefore = new Map<string, string>();

  it('after a deployment (the lab has its own SSH rule)', async () => {
    for (const n of NODES) {
      const status = await sh(n, 'ufw status');
      expect(status).toMatch(/^22\/tcp +ALLOW +Anywhere/m);
      ufwBefore.set(n, status);
    }
    const run = await dl.deploy([]);
    expect(run.code, run.output).toBe(0);
    expect(run.output).toMatch(ANSWER);
    for (const n of NODES) {
      expect(await rayAndVllm(n)).toMatch(/raylet/);
      // ufw did not add a second SSH rule: it gave the lab's own the firewall role's comment.
      expect(await sh(n, 'ufw status')).toMatch(/^22\/tcp +ALLOW +Anywhere +# playbook ray-vllm: ssh$/m);
    }
    expect(await sh('node2', 'cat /home/playbook/.ssh/authorized_keys')).toContain('playbook model-sync');
  }, 1_500_000);

  it('--check changes nothing', async () => {
    const ufw = await Promise.all(NODES.map((n) => sh(n, 'ufw status numbered')));
    const run = await teardown(['--check']);
    expect(run.code, run.output).toBe(0);
    for (const [i, n] of NODES.entries()) {
      expect(await rayAndVllm(n)).toMatch(/raylet/);
      expect(await exists(n, '/etc/ray/cluster.env')).toBe(true);
      expect(await exists(n, '/etc/systemd/system/ray.service')).toBe(true);
      expect(await sh(n, 'ufw status numbered')).toBe(ufw[i]);
    }
    expect(await rayAndVllm('node1')).toMatch(/vllm serve/);
    expect(await exists('node1', '/etc/systemd/system/vllm.service')).toBe(true);
  }, 600_000);

  it('leaves no Ray or vLLM process, none of the added ufw rules but SSH, no environment file, unit or key; keeps the model and the environment', async () => {
    const run = await teardown();
    expect(run.code, run.output).toBe(0);
    expect(failures(run)).toBe('');
    for (const n of NODES) {
      expect(await rayAndVllm(n), n).toBe('');
      for (const f of ['/etc/ray/cluster.env', '/etc/ray/vllm.env', '/etc/ray', '/etc/systemd/system/ray.service', '/etc/systemd/system/vllm.service', '/home/playbook/.config/vllm/ray_non_carry_over_env_vars.json']) {
        expect(await exists(n, f), `${n}: ${f}`).toBe(false);
      }
      expect(await sh(n, 'systemctl is-enabled ray vllm 2>&1; true')).not.toMatch(/^enabled$/m);
      const ufw = await sh(n, 'ufw status');
      expect(ufw).toContain('Status: active');
      // The lab's own SSH rule stays (v4 and v6); no other rule of the firewall role is left.
      expect(ufw).toMatch(/^22\/tcp +ALLOW +Anywhere\b/m);
      expect(ufw).toMatch(/^22\/tcp \(v6\) +ALLOW +Anywhere \(v6\)/m);
      expect(ufw.split('\n').filter((l) => l.includes('playbook ray-vllm') && !/^22\/tcp/.test(l))).toEqual([]);
      expect(ufw.split('\n').filter((l) => l.includes('ALLOW')).length).toBe(ufwBefore.get(n)!.split('\n').filter((l) => l.includes('ALLOW')).length);
      expect(await sh(n, 'cat /home/playbook/.ssh/authorized_keys')).not.toContain('playbook model-sync');
      expect(await sh(n, 'cat /home/playbook/.ssh/authorized_keys')).toContain('ssh-ed25519');
      expect(await exists(n, `${MODEL}/config.json`), `${n}: the model stays`).toBe(true);
      expect(await exists(n, `${ENV}/bin/python`), `${n}: the environment stays`).toBe(true);
    }
    for (const f of ['id_ed25519_model_sync', 'id_ed25519_model_sync.pub', 'known_hosts_model_sync']) expect(await exists('node1', `/home/playbook/.ssh/${f}`), f).toBe(false);
  }, 600_000);

  it('a second run changes nothing', async () => {
    const run = await teardown();
    expect(run.code, run.output).toBe(0);
    for (const n of NODES) expect(recap(run.output, n)).toMatch(/changed=0 .*failed=0 /);
  }, 600_000);

  it('verify.yml then names what is gone on each node, and exits non-zero', async () => {
    const run = await dl.deploy([], { playbook: VERIFY_YML, timeoutMs: 300_000 });
    expect(run.code, run.output).not.toBe(0);
    const problems = failures(run);
    for (const n of NODES) expect(problems).toContain(`${n}: no raylet of playbook runs: Ray is not started here, or it died. Fix: re-run deploy.yml`);
    expect(problems).toContain(`node1: vLLM is not running (http://${dl.ip('node1')}:10322/health)`);
    expect(problems).toContain("node1: Ray's dashboard on the head does not answer");
  }, 300_000);

  it('deploy.yml works again afterwards', async () => {
    const run = await dl.deploy([]);
    expect(run.code, run.output).toBe(0);
    expect(run.output).toMatch(ANSWER);
    expect(await sh('node1', 'ufw status')).toMatch(new RegExp(`ALLOW +${dl.ip('node2').replace(/\./g, '\\.')} `));
  }, 1_500_000);

  it('remove_model=true removes the model, its cache and the manifest script; the environment stays', async () => {
    const run = await teardown(['-e', 'remove_model=true']);
    expect(run.code, run.output).toBe(0);
    for (const n of NODES) {
      expect(await rayAndVllm(n), n).toBe('');
      for (const f of [MODEL, '/var/cache/playbook-model', '/usr/local/lib/playbook']) expect(await exists(n, f), `${n}: ${f}`).toBe(false);
      expect(await exists(n, `${ENV}/bin/python`), `${n}: the environment stays`).toBe(true);
    }
  }, 600_000);

  it('remove_env=true removes the environment too, and deploy.yml builds everything again from there', async () => {
    const run = await teardown(['-e', 'remove_model=true', '-e', 'remove_env=true']);
    expect(run.code, run.output).toBe(0);
    for (const n of NODES) {
      expect(await exists(n, ENV), `${n}: ${ENV}`).toBe(false);
      expect(await exists(n, '/opt/miniforge3/bin/conda'), `${n}: Miniforge stays`).toBe(true);
    }
    const again = await dl.deploy([]);
    expect(again.code, again.output).toBe(0);
    expect(again.output).toMatch(ANSWER);
  }, 1_500_000);
});
