/**
 * The system modules benchmark: one lab of 8 nodes booted with systemd as PID 1 (`playbook lab up
 * --init systemd`), a 30-task playbook of system modules (apt, pip, systemd_service, service, user,
 * group, authorized_key, pam_limits, sysctl, file, copy, template, lineinfile, blockinfile, getent,
 * stat, ufw, get_url, wait_for, uri) run by `playbook` and by ansible-playbook tuned as its
 * documentation advises (pipelining, forks = 8, ControlMaster/ControlPersist, no facts, the
 * interpreter set), strategy linear, and the re-run with strategy free too. Each round, tools
 * alternating: the hosts are reset (the bench user, group, files gone), a first run (changes), then
 * the idempotent re-run, whose recap must say changed=0 on every host. Prints the median wall
 * times, the ratios ansible-playbook / playbook and the controllers' peak RSS, then brings the lab
 * down (on errors and Ctrl-C too).
 *
 * Run: npm run bench:modules [-- --rounds 2 --hosts 8 --no-free --keep-lab]
 *
 * Outside the timings, once: python3-apt on the nodes (Ansible's apt module needs it and would
 * otherwise install it itself) and a virtualenv with `six` for the pip task (pip present of an
 * installed package); the apt task asks for a package the node image has.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { Lab } from '../src/lab/index.js';
import { ensureWheelhouse } from '../src/lab/wheelhouse.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ansibleVenv = process.env['PLAYBOOK_ANSIBLE_VENV'] ?? path.join(process.env['HOME'] ?? '/root', '.cache', 'playbook-engine', 'ansible-12.3.0');

const { values: opts } = parseArgs({
  options: {
    hosts: { type: 'string', default: '8' },
    rounds: { type: 'string', default: '2' },
    'no-free': { type: 'boolean', default: false },
    'keep-lab': { type: 'boolean', default: false },
    'no-build': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (opts.help) {
  console.log(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('*/')[0]!.replace(/^\/\*\*|^ \* ?/gm, ''));
  process.exit(0);
}
const HOSTS = Number(opts.hosts);
const ROUNDS = Number(opts.rounds);
if (!(HOSTS >= 1 && HOSTS <= 32 && ROUNDS >= 1 && ROUNDS <= 10)) throw new Error('--hosts must be 1 to 32, --rounds 1 to 10');
/** No run may take longer than this (a hung run stops the benchmark rather than the machine). */
const RUN_TIMEOUT_MS = 15 * 60_000;
const TASKS = 30;
const BENCH_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOhbBq84LhkiyaGzmNtkS0XckYUNSloewJ5KluarWYpI bench@playbook';

const log = (msg: string): void => void process.stderr.write(`bench: ${msg}\n`);
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

// ---------------------------------------------------------------------------------------------
// The playbook: 30 tasks, each host doing the same work (become: the system modules need root).

const TASK_LIST = `
    - ansible.builtin.apt: { name: openssh-server, state: present }
    - ansible.builtin.pip: { name: six, virtualenv: /opt/bench-venv }
    - ansible.builtin.systemd_service: { name: ssh, state: started, enabled: true }
    - ansible.builtin.service: { name: dbus, state: started }
    - ansible.builtin.group: { name: benchgroup }
    - ansible.builtin.user: { name: benchuser, group: benchgroup, shell: /bin/bash }
    - ansible.posix.authorized_key: { user: benchuser, key: "${BENCH_KEY}" }
    - community.general.pam_limits: { domain: benchuser, limit_type: soft, limit_item: nofile, value: "65536", dest: /etc/security/limits.d/90-bench.conf }
    - community.general.pam_limits: { domain: benchuser, limit_type: hard, limit_item: memlock, value: unlimited, dest: /etc/security/limits.d/90-bench.conf }
    - ansible.posix.sysctl: { name: vm.swappiness, value: "10", sysctl_file: /etc/sysctl.d/90-bench.conf, reload: false }
    - ansible.posix.sysctl: { name: vm.overcommit_memory, state: absent, sysctl_file: /etc/sysctl.d/90-bench.conf, reload: false }
    - ansible.builtin.file: { path: /opt/bench, state: directory, mode: "0755" }
    - ansible.builtin.file: { path: /opt/bench/conf.d, state: directory, mode: "0750", group: benchgroup }
    - ansible.builtin.copy: { content: "NODE={{ inventory_hostname }}\\nCLUSTER_IP={{ cluster_ip }}\\n", dest: /opt/bench/node.env, mode: "0644" }
    - ansible.builtin.copy: { content: "a = 1\\n", dest: /opt/bench/conf.d/a.conf, mode: "0640", group: benchgroup }
    - ansible.builtin.copy: { content: "{{ groups['all'] | join(',') }}\\n", dest: /opt/bench/hosts.txt }
    - ansible.builtin.template: { src: app.conf.j2, dest: /opt/bench/app.conf, mode: "0644" }
    - ansible.builtin.template: { src: peers.j2, dest: /opt/bench/conf.d/peers.conf }
    - ansible.builtin.lineinfile: { path: /opt/bench/ray.env, line: "RAY_ADDRESS={{ hostvars[groups['all'][0]].cluster_ip }}:6379", create: true }
    - ansible.builtin.lineinfile: { path: /opt/bench/ray.env, regexp: "^NCCL_SOCKET_IFNAME=", line: "NCCL_SOCKET_IFNAME=eno1" }
    - ansible.builtin.lineinfile: { path: /opt/bench/ray.env, regexp: "^VLLM_HOST_IP=", line: "VLLM_HOST_IP={{ cluster_ip }}" }
    - ansible.builtin.blockinfile: { path: /opt/bench/block.conf, create: true, block: "limit {{ inventory_hostname }}\\nport 8000" }
    - ansible.builtin.file: { src: /opt/bench/app.conf, dest: /opt/bench/current.conf, state: link }
    - ansible.builtin.getent: { database: passwd, key: benchuser }
    - ansible.builtin.stat: { path: /opt/bench/app.conf }
    - community.general.ufw: { rule: allow, port: "22", proto: tcp, comment: SSH }
    - ansible.builtin.get_url: { url: "{{ conda_installer_url }}", dest: /opt/bench/miniforge.sh, checksum: "sha256:{{ conda_installer_sha256 }}", mode: "0755" }
    - ansible.builtin.wait_for: { host: 127.0.0.1, port: 22, timeout: 10 }
    - ansible.builtin.uri: { url: "{{ lab_mirror_url }}debian/Release", return_content: false }
    - ansible.builtin.stat: { path: /etc/ssh/sshd_config, get_checksum: true }
`;

const APP_TEMPLATE = `# written by bench/modules.ts
[node]
name = {{ inventory_hostname }}
address = {{ cluster_ip }}
{% for h in groups['all'] %}
peer.{{ loop.index }} = {{ hostvars[h].cluster_ip }}
{% endfor %}
`;
// Not `difference`: its order is Python's set order, which changes from one ansible-playbook process to the next.
const PEERS_TEMPLATE = `{% for h in groups['all'] if h != inventory_hostname %}{{ h }} {{ hostvars[h].cluster_ip }}
{% endfor %}`;

const playbookText = (strategy: 'linear' | 'free'): string =>
  `- hosts: all\n  gather_facts: false\n  become: true\n  strategy: ${strategy}\n  tasks:${TASK_LIST}`;

/** What a round undoes on every node (as root, through docker exec) so that the first run changes the host. */
const RESET = 'userdel -r benchuser 2>/dev/null; groupdel benchgroup 2>/dev/null; rm -rf /opt/bench /etc/sysctl.d/90-bench.conf; : > /etc/security/limits.d/90-bench.conf; true';
/** Once, outside the timings. */
const PREPARE = [
  'set -e',
  'if ! dpkg -s python3-apt >/dev/null 2>&1; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-apt >/dev/null; fi',
  'test -x /opt/bench-venv/bin/pip || python3 -m venv /opt/bench-venv',
  '/opt/bench-venv/bin/pip install -q six',
  'dpkg -s openssh-server >/dev/null',
].join('\n');

// ---------------------------------------------------------------------------------------------
// Child processes: one at a time, killed on Ctrl-C and after RUN_TIMEOUT_MS.

let current: ChildProcess | undefined;

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
  seconds: number;
  rssMb: number;
}

function run(cmd: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<Ran> {
  const timeFile = path.join(tmpdir(), `pb-bench-modules-${randomBytes(4).toString('hex')}`);
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn('/usr/bin/time', ['-f', '%M', '-o', timeFile, ...cmd], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    current = child;
    const timer = setTimeout(() => child.kill('SIGTERM'), RUN_TIMEOUT_MS);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      current = undefined;
      const seconds = (performance.now() - started) / 1000;
      let rssMb = 0;
      try {
        rssMb = Number(readFileSync(timeFile, 'utf8').trim().split('\n').pop()) / 1024;
      } catch {
        // killed before time wrote its line
      }
      rmSync(timeFile, { force: true });
      resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), seconds, rssMb });
    });
  });
}

const tail = (s: string, lines = 30): string => s.trimEnd().split('\n').slice(-lines).join('\n');

interface Recap {
  ok: number;
  changed: number;
  unreachable: number;
  failed: number;
}

function parseRecap(stdout: string): Map<string, Recap> {
  const out = new Map<string, Recap>();
  const at = stdout.lastIndexOf('PLAY RECAP');
  for (const line of stdout.slice(Math.max(at, 0)).split('\n')) {
    const m = /^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)/.exec(line);
    if (m) out.set(m[1]!, { ok: Number(m[2]), changed: Number(m[3]), unreachable: Number(m[4]), failed: Number(m[5]) });
  }
  return out;
}

/** Throws unless every host ran the 30 tasks without failure; a re-run must report changed=0. */
function verify(what: string, r: Ran, rerun: boolean): void {
  const recap = parseRecap(r.stdout);
  const fail = (why: string): never => {
    // The failed lines, and for a re-run the tasks that said changed (with their TASK banner).
    let task = '';
    const problems: string[] = [];
    for (const l of r.stdout.split('\n')) {
      if (l.startsWith('TASK [')) task = l;
      else if (/fatal:|UNREACHABLE|ERROR|failed=[1-9]/.test(l) || (rerun && /^changed:/.test(l))) problems.push(`${task.replace(/\s*\*+$/, '')} ${l}`);
    }
    throw new Error(`${what}: ${why}\n--- problems ---\n${problems.slice(0, 20).join('\n')}\n--- output (end) ---\n${tail(r.stdout)}\n${tail(r.stderr, 10)}`);
  };
  if (r.code !== 0) fail(`exit code ${String(r.code)}`);
  if (recap.size !== HOSTS) fail(`PLAY RECAP has ${recap.size} hosts, expected ${HOSTS}`);
  for (const [host, c] of recap) {
    if (c.failed || c.unreachable) fail(`${host} failed=${c.failed} unreachable=${c.unreachable}`);
    if (c.ok !== TASKS) fail(`${host} ok=${c.ok}, expected ${TASKS}`);
    if (rerun && c.changed !== 0) fail(`${host} changed=${c.changed} on the re-run (must be 0)`);
    if (!rerun && c.changed === 0) fail(`${host} changed nothing on the first run`);
  }
}

// ---------------------------------------------------------------------------------------------

type Tool = 'playbook' | 'ansible';

async function main(): Promise<number> {
  if (!opts['no-build']) {
    log('npm run build (the command runs the bundle, as an installed playbook does)');
    const b = await run(['npm', 'run', 'build'], root, process.env);
    if (b.code !== 0) throw new Error(`npm run build failed:\n${tail(b.stdout)}\n${tail(b.stderr)}`);
  }
  const versions = {
    ansible: /\[core ([^\]]+)\]/.exec((await run([path.join(ansibleVenv, 'bin', 'ansible-playbook'), '--version'], root, process.env)).stdout)?.[1] ?? '?',
    playbook: (await run([process.execPath, path.join(root, 'bin', 'playbook.js'), '--version'], root, process.env)).stdout.trim(),
  };

  const stateRoot = mkdtempSync(path.join(tmpdir(), 'pb-bench-modules-lab-'));
  const work = mkdtempSync(path.join(tmpdir(), 'pb-bench-modules-'));
  cleanups.push(() => rmSync(work, { recursive: true, force: true }));
  const wheelhouse = await ensureWheelhouse({ onProgress: (l) => log(`wheelhouse: ${l}`) });
  log(`lab up: ${HOSTS} nodes, systemd as PID 1`);
  const labName = 'benchmod';
  if (!opts['keep-lab']) {
    cleanups.push(async () => {
      log('lab down');
      await Lab.down({ name: labName, stateRoot });
      rmSync(stateRoot, { recursive: true, force: true });
    });
  }
  const lab = await Lab.up({ name: labName, nodes: HOSTS, init: 'systemd', wheelhouse, stateRoot, onProgress: (l) => log(l) });
  const nodes = (await lab.nodes()).map((n) => n.name);
  const onAll = async (what: string, script: string): Promise<void> => {
    await Promise.all(
      nodes.map(async (n) => {
        const r = await lab.exec(n, ['/bin/sh', '-c', script], { timeoutMs: 600_000 });
        if (r.rc !== 0) throw new Error(`${what} on ${n} failed (rc ${String(r.rc)}): ${r.stdout}${r.stderr}`);
      }),
    );
  };
  log('preparing the nodes (python3-apt for Ansible\'s apt, a virtualenv with six), outside the timings');
  await onAll('prepare', PREPARE);

  mkdirSync(path.join(work, 'templates'));
  writeFileSync(path.join(work, 'templates', 'app.conf.j2'), APP_TEMPLATE);
  writeFileSync(path.join(work, 'templates', 'peers.j2'), PEERS_TEMPLATE);
  writeFileSync(path.join(work, 'linear.yml'), playbookText('linear'));
  writeFileSync(path.join(work, 'free.yml'), playbookText('free'));
  writeFileSync(
    path.join(work, 'ansible.cfg'),
    [
      '[defaults]',
      `forks = ${HOSTS}`,
      'gathering = explicit',
      'host_key_checking = True',
      'interpreter_python = /usr/bin/python3',
      'retry_files_enabled = False',
      '',
      '[ssh_connection]',
      'pipelining = True',
      'ssh_args = -o ControlMaster=auto -o ControlPersist=60s',
      `control_path_dir = ${path.join(work, 'cp')}`,
      '',
    ].join('\n'),
  );
  const env: NodeJS.ProcessEnv = { ...process.env, ANSIBLE_CONFIG: path.join(work, 'ansible.cfg'), ANSIBLE_NOCOLOR: '1', NO_COLOR: '1' };
  const command = (tool: Tool, strategy: 'linear' | 'free'): string[] =>
    tool === 'ansible'
      ? [path.join(ansibleVenv, 'bin', 'ansible-playbook'), '-i', lab.inventoryPath, '-f', String(HOSTS), `${strategy}.yml`]
      : [process.execPath, path.join(root, 'bin', 'playbook.js'), 'run', '-i', lab.inventoryPath, '-f', String(HOSTS), `${strategy}.yml`];

  const tools: Tool[] = ['ansible', 'playbook'];
  type Timings = { first: number[]; again: number[]; free: number[]; rss: number };
  const results = new Map<Tool, Timings>(tools.map((t) => [t, { first: [], again: [], free: [], rss: 0 }]));
  const loads: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 ? [...tools].reverse() : tools;
    for (const tool of order) {
      const t = results.get(tool)!;
      await onAll('reset', RESET);
      loads.push(loadavg()[0]!);
      const first = await run(command(tool, 'linear'), work, env);
      verify(`${tool} first run`, first, false);
      log(`round ${round + 1}/${ROUNDS} ${tool} first run: ${first.seconds.toFixed(2)} s`);
      loads.push(loadavg()[0]!);
      const again = await run(command(tool, 'linear'), work, env);
      verify(`${tool} re-run`, again, true);
      t.first.push(first.seconds);
      t.again.push(again.seconds);
      t.rss = Math.max(t.rss, first.rssMb, again.rssMb);
      let free = '';
      if (!opts['no-free']) {
        loads.push(loadavg()[0]!);
        const f = await run(command(tool, 'free'), work, env);
        verify(`${tool} re-run (strategy free)`, f, true);
        t.free.push(f.seconds);
        t.rss = Math.max(t.rss, f.rssMb);
        free = `, re-run (free) ${f.seconds.toFixed(2)} s`;
      }
      log(`round ${round + 1}/${ROUNDS} ${tool.padEnd(8)} first ${first.seconds.toFixed(2)} s, re-run ${again.seconds.toFixed(2)} s${free}`);
    }
  }

  const ours = results.get('playbook')!;
  const ref = results.get('ansible')!;
  console.log(`\n${TASKS} system-module tasks on ${HOSTS} lab nodes (Debian bookworm, systemd as PID 1, over SSH), median of ${ROUNDS} rounds, tools alternating`);
  console.log(`machine: ${cpus().length} cores, load average (1 min) at the runs' start ${Math.min(...loads).toFixed(1)} to ${Math.max(...loads).toFixed(1)}\n`);
  const rows: string[][] = [['', 'first run', 're-run (linear)', 're-run (free)', 'peak RSS']];
  const cell = (xs: number[]): string => (xs.length ? `${median(xs).toFixed(2)} s` : '-');
  rows.push([`ansible-playbook (core ${versions.ansible}; pipelining, forks ${HOSTS}, ControlPersist)`, cell(ref.first), cell(ref.again), cell(ref.free), `${ref.rss.toFixed(0)} MB`]);
  rows.push([`playbook ${versions.playbook}`, cell(ours.first), cell(ours.again), cell(ours.free), `${ours.rss.toFixed(0)} MB`]);
  const ratio = (a: number[], b: number[]): string => (a.length && b.length ? `${(median(a) / median(b)).toFixed(1)}x` : '-');
  rows.push(['ratio ansible-playbook / playbook', ratio(ref.first, ours.first), ratio(ref.again, ours.again), ratio(ref.free, ours.free), '']);
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i]!)).join('   ').trimEnd());
  const x = median(ref.again) / median(ours.again);
  console.log(`\nre-run vs tuned ansible-playbook: ${x.toFixed(1)}x (target: at least 30x) ${x >= 30 ? 'ok' : 'SHORT'}`);
  console.log(`peak RSS is the controller's (GNU time's maximum resident set size of the command's largest process)`);
  return 0;
}

// ---------------------------------------------------------------------------------------------

const cleanups: Array<() => unknown> = [];
let cleaning: Promise<void> | undefined;
function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    for (const fn of cleanups.reverse()) {
      try {
        await fn();
      } catch (e) {
        log(`cleanup: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  })();
  return cleaning;
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping`);
    current?.kill('SIGTERM');
    void cleanup().finally(() => process.exit(130));
  });
}

let code = 1;
try {
  code = await main();
} catch (e) {
  process.stderr.write(`bench: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
} finally {
  await cleanup();
}
process.exit(code);
