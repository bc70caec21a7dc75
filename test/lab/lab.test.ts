/**
 * The lab, end to end on the Docker engine: two GPU nodes with different cluster NIC names, reached
 * over SSH through the lab's inventory by this engine and by ansible-playbook, ufw blocking peers
 * until allowed, simulated GPUs, the offline package mirror, idempotent `up`, adding and removing a
 * node, and a `down` that removes exactly the lab's resources.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContainerBuilder } from '../../src/docker/container.js';
import { removeScope, scopeFilter } from '../../src/docker/labels.js';
import { createNetwork } from '../../src/docker/resources.js';
import { Lab } from '../../src/lab/index.js';
import type { LabNode } from '../../src/lab/index.js';
import { ensureWheelhouse } from '../../src/lab/wheelhouse.js';
import { IMAGE_BUILD_TIMEOUT, baseImage, engine, testScope } from '../docker/support.js';
import { ansibleVenv } from '../support/ansible.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const name = `t${testScope('lab').slice(-8)}`;
const stateRoot = mkdtempSync(path.join(tmpdir(), 'pb-lab-state-'));
const work = mkdtempSync(path.join(tmpdir(), 'pb-lab-work-'));
/** Resources that are not the lab's: they must survive `lab down`. */
const bystander = testScope('lab-bystander');
const progress = (line: string): void => void process.stderr.write(`[lab] ${line}\n`);

let docker: Docker;
let lab: Lab;
let wheelhouse: string;
let nodes: LabNode[] = [];

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(file: string, args: string[], timeoutMs: number, env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd: root, timeout: timeoutMs, env: { ...process.env, PLAYBOOK_LAB_HOME: stateRoot, NO_COLOR: '1', ...env } }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

const cli = (args: string[], timeoutMs = 120_000): Promise<Run> => run(process.execPath, [path.join(root, 'bin', 'playbook.js'), ...args], timeoutMs);

async function sh(node: string, command: string, timeoutMs = 60_000): Promise<{ rc: number | null; stdout: string; stderr: string }> {
  return lab.exec(node, ['/bin/sh', '-c', command], { timeoutMs });
}

function byName(n: string): LabNode {
  const node = nodes.find((x) => x.name === n);
  if (!node) throw new Error(`no ${n} in ${nodes.map((x) => x.name).join(', ')}`);
  return node;
}

async function labResources(): Promise<{ containers: string[]; networks: string[]; volumes: string[] }> {
  const filters = JSON.stringify(scopeFilter(lab.scope));
  return {
    containers: (await docker.listContainers({ all: true, filters })).map((c) => (c.Names[0] ?? '').replace(/^\//, '')).sort(),
    networks: (await docker.listNetworks({ filters })).map((n) => n.Name).sort(),
    volumes: ((await docker.listVolumes({ filters })).Volumes ?? []).map((v) => v.Name).sort(),
  };
}

beforeAll(async () => {
  docker = await engine();
  // Someone else's resources, one even carrying the lab's name label: `lab down` leaves them alone.
  const image = await baseImage();
  await createNetwork(`${bystander}-net`, bystander, {}, docker);
  await new ContainerBuilder(image).withScope(bystander).withName(`${bystander}-c`).withLabels({ 'dev.playbook.lab': name }).withNetwork(`${bystander}-net`).withCommand(['sleep', 'infinity']).start(docker);
  await docker.createVolume({ Name: `${bystander}-vol`, Labels: { 'dev.playbook.lab': name } });
  wheelhouse = await ensureWheelhouse({ onProgress: (l) => progress(`wheelhouse: ${l}`) });
  const started = Date.now();
  lab = await Lab.up({ name, nodes: 2, gpusPerNode: 2, nicNames: ['eno1', 'ens3'], wheelhouse, stateRoot, docker, onProgress: progress });
  progress(`up in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  nodes = await lab.nodes();
}, IMAGE_BUILD_TIMEOUT);

afterAll(async () => {
  await Promise.allSettled([lab?.down(), removeScope(bystander, docker), docker?.getVolume(`${bystander}-vol`).remove()]);
  rmSync(stateRoot, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
}, 120_000);

describe('the lab', () => {
  it('brings up two nodes that `lab status` lists', async () => {
    expect(nodes.map((n) => [n.name, n.role, n.container, n.state, n.gpus])).toEqual([
      ['node1', 'head', `lab-${name}-node1`, 'running', 2],
      ['node2', 'worker', `lab-${name}-node2`, 'running', 2],
    ]);
    const status = await cli(['lab', 'status', '--name', name], 60_000);
    expect(status.stderr).toBe('');
    expect(status.code).toBe(0);
    for (const n of nodes) expect(status.stdout).toMatch(new RegExp(`^${n.name}.*${n.container} +${n.clusterIp?.replace(/\./g, '\\.')} +${n.nic} +127\\.0\\.0\\.1:${n.sshPort} +2 +running$`, 'm'));
    expect(status.stdout).toContain('mirror: http://mirror.lab:8080/');
  }, 60_000);

  it('names the cluster NIC per node and puts the cluster IP on it; the management NIC has the default route', async () => {
    const { networks } = await lab.status();
    const prefix = networks.cluster?.split('.').slice(0, 2).join('.');
    for (const [n, nic] of [['node1', 'eno1'], ['node2', 'ens3']] as const) {
      const node = byName(n);
      expect(node.nic).toBe(nic);
      expect(node.clusterIp?.startsWith(`${prefix}.`)).toBe(true);
      const addr = await sh(n, `ip -4 -o addr show dev ${nic} | awk '{print $4}'; ip route show default; hostname`);
      const [cidr, route, hostname] = addr.stdout.trim().split('\n');
      expect(cidr?.split('/')[0]).toBe(node.clusterIp);
      expect(route).toMatch(/^default via \S+ dev eth0/);
      expect(hostname).toBe(n);
    }
  }, 60_000);

  it('shows each node its own simulated GPUs in nvidia-smi', async () => {
    const uuids = new Set<string>();
    for (const n of ['node1', 'node2']) {
      const list = await sh(n, 'nvidia-smi -L');
      expect(list.rc).toBe(0);
      const lines = list.stdout.trim().split('\n');
      expect(lines).toHaveLength(2);
      lines.forEach((l, i) => expect(l).toMatch(new RegExp(`^GPU ${i}: NVIDIA H200 \\(UUID: GPU-[0-9a-f-]{36}\\)$`)));
      for (const l of lines) uuids.add(l.replace(/.*UUID: (GPU-[^)]+)\).*/, '$1'));
      const memory = await sh(n, 'nvidia-smi --query-gpu=name,memory.total --format=csv,noheader');
      expect(memory.stdout.trim().split('\n')).toEqual(['NVIDIA H200, 143771 MiB', 'NVIDIA H200, 143771 MiB']);
    }
    expect(uuids.size).toBe(4);
  }, 60_000);

  it('runs a playbook with become on both nodes over SSH through `lab inventory`, and ansible reads the same inventory', async () => {
    const inv = await cli(['lab', 'inventory', '--name', name], 60_000);
    expect(inv.code).toBe(0);
    const inventory = inv.stdout.trim();
    expect(inventory).toBe(lab.inventoryPath);
    const playbook = path.join(work, 'become.yml');
    writeFileSync(
      playbook,
      `- hosts: ray_cluster
  gather_facts: false
  tasks:
    - name: a file only root may write
      copy:
        dest: /etc/lab-become-probe
        content: "{{ inventory_hostname }} {{ cluster_ip }} {{ ansible_user }}\\n"
        mode: "0644"
      become: true
    - command: id -un
      become: true
      register: who
      changed_when: false
    - assert:
        that: who.stdout == 'root'
`,
    );
    const played = await cli(['run', '-i', inventory, playbook], 120_000);
    expect(played.code, played.stdout + played.stderr).toBe(0);
    expect(played.stdout).toMatch(/node1 +: ok=3 +changed=1 +unreachable=0 +failed=0/);
    expect(played.stdout).toMatch(/node2 +: ok=3 +changed=1 +unreachable=0 +failed=0/);
    for (const n of nodes) {
      const probe = await sh(n.name, 'stat -c %U /etc/lab-become-probe; cat /etc/lab-become-probe');
      expect(probe.stdout).toBe(`root\n${n.name} ${n.clusterIp} playbook\n`);
    }
    // `lab ssh` logs in with the system ssh (host key checked), `lab exec` returns the command's code.
    const ssh = await cli(['lab', 'ssh', '--name', name, 'node2', '--', 'sudo', '-n', 'id', '-un'], 60_000);
    expect(ssh.code, ssh.stderr).toBe(0);
    expect(ssh.stdout).toBe('root\n');
    const exec = await cli(['lab', 'exec', '--name', name, 'node1', '--', 'sh', '-c', 'id -un; exit 3'], 60_000);
    expect([exec.code, exec.stdout]).toEqual([3, 'root\n']);
    // Root logins are refused; the SSH user is the unprivileged one.
    const sshd = await sh('node1', '/usr/sbin/sshd -T 2>/dev/null | grep -i -E "^(permitrootlogin|passwordauthentication) "');
    expect(sshd.stdout.toLowerCase()).toContain('permitrootlogin no');
    expect(sshd.stdout.toLowerCase()).toContain('passwordauthentication no');

    const venv = ansibleVenv();
    const listed = await run(path.join(venv, 'bin', 'ansible-inventory'), ['-i', inventory, '--list'], 60_000);
    expect(listed.code, listed.stderr).toBe(0);
    const parsed = JSON.parse(listed.stdout) as Record<string, { hosts?: string[]; children?: string[] }> & { _meta: { hostvars: Record<string, Record<string, unknown>> } };
    expect(parsed['ray_cluster']?.children?.sort()).toEqual(['ray_head', 'ray_workers']);
    expect(parsed['ray_head']?.hosts).toEqual(['node1']);
    expect(parsed['ray_workers']?.hosts).toEqual(['node2']);
    expect(parsed._meta.hostvars['node2']?.['cluster_ip']).toBe(byName('node2').clusterIp);
    // A real connection with ansible: its ssh checks the host keys against the lab's known_hosts.
    const ping = await run(path.join(venv, 'bin', 'ansible'), ['ray_cluster', '-i', inventory, '-m', 'ping', '-b'], 120_000, { ANSIBLE_HOST_KEY_CHECKING: 'True' });
    expect(ping.code, ping.stdout + ping.stderr).toBe(0);
    expect(ping.stdout.match(/SUCCESS/g)).toHaveLength(2);
  }, 300_000);

  it('blocks a port between the nodes until ufw allows the peer', async () => {
    const node1 = byName('node1');
    const node2 = byName('node2');
    const status = await sh('node2', 'ufw status verbose');
    expect(status.stdout).toContain('Status: active');
    expect(status.stdout).toContain('Default: deny (incoming)');
    const listen = await lab.exec('node2', ['/bin/sh', '-c', 'nohup nc -lk -p 5555 >/dev/null 2>&1 & echo started']);
    expect(listen.stdout).toContain('started');
    await sh('node2', 'for i in $(seq 50); do grep -q ":15B3 " /proc/net/tcp && exit 0; sleep 0.1; done; exit 1');
    const blocked = await sh('node1', `nc -z -w 2 ${node2.clusterIp} 5555; echo rc=$?`);
    expect(blocked.stdout.trim()).toBe('rc=1');
    const ssh = await sh('node1', `nc -z -w 2 ${node2.clusterIp} 22; echo rc=$?`);
    expect(ssh.stdout.trim()).toBe('rc=0');
    const allow = await sh('node2', `ufw allow from ${node1.clusterIp}`);
    expect(allow.rc, allow.stderr).toBe(0);
    const open = await sh('node1', `nc -z -w 2 ${node2.clusterIp} 5555; echo rc=$?`);
    expect(open.stdout.trim()).toBe('rc=0');
  }, 60_000);

  it('installs from the offline mirror inside a node, and has no way to the internet', async () => {
    const listing = await sh('node1', 'ls /opt/lab/wheelhouse; cat /etc/pip.conf');
    expect(listing.stdout).toMatch(/^ray-2\.53\.0-.*\.whl$/m);
    expect(listing.stdout).toContain('no-index = true');
    const install = await sh('node1', 'python3 -m venv /tmp/venv && /tmp/venv/bin/pip install vllm && /tmp/venv/bin/python -c "import vllm, sys; print(vllm.__version__)"', 180_000);
    expect(install.rc, install.stdout + install.stderr).toBe(0);
    expect(install.stdout).toMatch(/Successfully installed vllm-/);
    // Ray with its dashboard extras resolves from the mirror alone (nothing else is reachable).
    const ray = await sh('node1', "/tmp/venv/bin/pip install --dry-run 'ray[default]==2.53.0'", 180_000);
    expect(ray.rc, ray.stdout + ray.stderr).toBe(0);
    expect(ray.stdout).toMatch(/Would install .*\bray-2\.53\.0\b/);
    // The conda installer stand-in is served over HTTP at the URL the inventory gives, with its sha256.
    const inventory = await (await import('node:fs/promises')).readFile(lab.inventoryPath, 'utf8');
    const url = /^conda_installer_url=(\S+)$/m.exec(inventory)?.[1];
    const sha = /^conda_installer_sha256=([0-9a-f]{64})$/m.exec(inventory)?.[1];
    expect(url).toBe('http://mirror.lab:8080/Miniforge3-Linux-x86_64.sh');
    const fetched = await sh('node2', `curl -fsS -o /tmp/installer.sh ${url ?? ''} && sha256sum /tmp/installer.sh`);
    expect(fetched.rc, fetched.stderr).toBe(0);
    expect(fetched.stdout.split(' ')[0]).toBe(sha);
    // apt reads only the mirror's repository, and installs from it with the dependencies.
    const apt = await sh('node2', 'grep -rh "^deb" /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null; apt-get -q update && apt-get install -y -q jq && jq -n "1+1"', 180_000);
    expect(apt.rc, apt.stdout + apt.stderr).toBe(0);
    expect(apt.stdout.split('\n')[0]).toBe('deb [trusted=yes] http://mirror.lab:8080/debian ./');
    expect(apt.stdout).toMatch(/Setting up libjq1/);
    expect(apt.stdout.trim().split('\n').pop()).toBe('2');
    // A public address (TEST-NET-1) is refused inside the node before any packet leaves it.
    const out = await sh('node1', 'curl -sS -m 5 http://192.0.2.1/ 2>&1; echo rc=$?');
    expect(out.stdout).toMatch(/rc=7/);
    expect(out.stdout).toMatch(/Connection refused|Couldn't connect/);
  }, 240_000);

  it('seeds a synthetic model folder on a node', async () => {
    const first = await lab.seedModel('node2', '/models/tiny', { sizeMb: 1 });
    expect(first.changed).toBe(true);
    expect(first.files).toContain('model.safetensors');
    const again = await lab.seedModel('node2', '/models/tiny', { sizeMb: 1 });
    expect(again.changed).toBe(false);
    const ls = await sh('node2', 'ls /models/tiny');
    expect(ls.stdout.split('\n')).toEqual(expect.arrayContaining(['config.json', 'model.safetensors', 'tokenizer.json']));
  }, 120_000);

  it('boots systemd as PID 1, with the node setup, ufw and sshd as units, and runs units of its own', async () => {
    for (const n of ['node1', 'node2']) {
      const boot = await sh(n, 'cat /proc/1/comm; systemctl is-system-running; systemctl is-active lab-node-setup ufw ssh; systemctl --failed --no-legend');
      expect(boot.stdout).toBe('systemd\nrunning\nactive\nactive\nactive\n');
    }
    const unit = await sh('node1', 'systemd-run --unit=lab-probe sleep 300 >/dev/null 2>&1; systemctl is-active lab-probe; systemctl stop lab-probe; systemctl is-active lab-probe; pgrep -x sleep || echo none');
    expect(unit.stdout).toBe('active\ninactive\nnone\n');
  }, 60_000);

  it('boots plain nodes (no systemd) with --init plain: sshd and ufw still run', async () => {
    const plainName = `${name}p`;
    const plain = await Lab.up({ name: plainName, nodes: 1, init: 'plain', wheelhouse: false, stateRoot, docker, onProgress: progress });
    try {
      const r = await plain.exec('node1', ['/bin/sh', '-c', 'cat /proc/1/comm; pgrep -x sshd >/dev/null && echo sshd; ufw status | head -1; systemctl is-system-running 2>&1 || true']);
      expect(r.stdout).toMatch(/^(?!systemd\n)\S+\nsshd\nStatus: active\n(offline|System has not been booted with systemd)/);
    } finally {
      await plain.down();
    }
  }, 300_000);

  it('is idempotent, adds a node for --nodes 3 and removes it for --nodes 2', async () => {
    const ids = nodes.map((n) => n.containerId);
    const lines: string[] = [];
    const again = await Lab.up({ name, nodes: 2, gpusPerNode: 2, nicNames: ['eno1', 'ens3'], wheelhouse, stateRoot, docker, onProgress: (l) => lines.push(l) });
    expect((await again.nodes()).map((n) => n.containerId)).toEqual(ids);
    expect(lines.join('\n')).toContain('nothing to change');

    // Through the CLI, as a user would; the other settings come from the last `up`.
    const up3 = await cli(['lab', 'up', '--name', name, '--nodes', '3'], 300_000);
    expect(up3.code, up3.stderr).toBe(0);
    const three = await lab.nodes();
    expect(three.map((n) => n.name)).toEqual(['node1', 'node2', 'node3']);
    expect(three.slice(0, 2).map((n) => n.containerId)).toEqual(ids);
    expect(three[2]?.nic).toBe('ens3');
    const hostname = await sh('node3', 'hostname; ip -o link show ens3 >/dev/null && echo has-ens3');
    expect(hostname.stdout).toBe('node3\nhas-ens3\n');

    const up2 = await cli(['lab', 'up', '--name', name, '--nodes', '2'], 300_000);
    expect(up2.code, up2.stderr).toBe(0);
    expect((await lab.nodes()).map((n) => n.containerId)).toEqual(ids);
    expect((await labResources()).containers).toEqual([`lab-${name}-mirror`, `lab-${name}-node1`, `lab-${name}-node2`]);
  }, 600_000);

  it('`lab down` removes exactly the lab and nothing else', async () => {
    const before = await labResources();
    expect(before.networks).toEqual([`lab-${name}-cluster`, `lab-${name}-mgmt`]);
    const down = await cli(['lab', 'down', '--name', name], 120_000);
    expect(down.code, down.stderr).toBe(0);
    for (const r of [...before.containers, ...before.networks]) expect(down.stdout).toContain(r);
    expect(await labResources()).toEqual({ containers: [], networks: [], volumes: [] });
    expect(existsSync(path.join(stateRoot, name))).toBe(false);
    // The bystanders are still there.
    expect((await docker.getContainer(`${bystander}-c`).inspect()).State.Running).toBe(true);
    expect((await docker.getNetwork(`${bystander}-net`).inspect()).Name).toBe(`${bystander}-net`);
    expect((await docker.getVolume(`${bystander}-vol`).inspect()).Name).toBe(`${bystander}-vol`);
  }, 120_000);
});
