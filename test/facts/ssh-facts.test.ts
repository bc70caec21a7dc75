/**
 * Facts over SSH, against a real sshd on the loopback (so the "remote" host is this machine and
 * what it really has is known here): `playbook run` with gather_facts and the setup module with
 * gather_subset, filter and a task environment; the values match the host (uname, nproc,
 * /proc/meminfo, `ip -j`, df, python3), are reachable as ansible_* and under ansible_facts, come
 * in one remote command (counted on the connection and in sshd's own log), and have Ansible's
 * names and types (checked against Ansible's own setup
 * on this host). GPU facts come from a fake nvidia-smi that answers from real H200 output.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Connection } from '../../src/connection/types.js';
import { BUILTIN_CONNECTIONS, type ConnectionFactory } from '../../src/connection/registry.js';
import { parseGpuCsv, parseGpuProcessCsv } from '../../src/facts/gpus.js';
import { type Sshd, startSshd } from '../connection/sshd.js';
import { ROOT, cli, project, run } from '../engine/helpers.js';
import { ansibleEnv } from '../parity/harness.js';
import { sshConnectionVars } from '../parity/ssh-inventory.js';
import { ansiblePython, ansibleVenv } from '../support/ansible.js';

type Facts = Record<string, any>;

const FIXTURES = path.join(ROOT, '..', 'shared', 'fixtures', 'nvidia-smi');
/** The facts this suite checks, by their name under ansible_facts. */
const LISTED = ['hostname', 'fqdn', 'distribution', 'distribution_version', 'distribution_release', 'os_family', 'kernel', 'architecture', 'processor_vcpus', 'memtotal_mb', 'default_ipv4', 'all_ipv4_addresses', 'interfaces', 'env', 'user_id', 'python', 'mounts'];
const GPU_FACTS = ['gpus', 'gpu_count', 'gpu_processes'];

let sshd: Sshd;
let work: string;
/** A directory holding the fake nvidia-smi. */
let fakeBin: string;

beforeAll(async () => {
  // VERBOSE: sshd logs every session it starts ("Starting session: command for root ...").
  sshd = await startSshd({ config: ['LogLevel VERBOSE'] });
  work = mkdtempSync(path.join(tmpdir(), 'pb-ssh-facts-'));
  fakeBin = path.join(work, 'bin');
  mkdirSync(fakeBin);
  // Answers --query-gpu / --query-compute-apps with any field list and --format options, from the
  // CSV that the real nvidia-smi printed on a 2x H200 host.
  writeFileSync(
    path.join(fakeBin, 'nvidia-smi'),
    `#!/bin/sh
case "$1" in
  --query-gpu=*) fields=\${1#*=}; file=${FIXTURES}/h200x2-query-gpu.csv ;;
  --query-compute-apps=*) fields=\${1#*=}; file=${FIXTURES}/h200x2-query-compute-apps.csv ;;
  *) echo "fake nvidia-smi: unsupported $*" >&2; exit 2 ;;
esac
format=\${2#--format=}
awk -F', ' -v fields="$fields" -v format="$format" '
  NR == 1 {
    for (i = 1; i <= NF; i++) { h = $i; sub(/ \\[.*\\]$/, "", h); if (h == "used_gpu_memory") h = "used_memory"; col[h] = i }
    n = split(fields, want, ",")
    if (format !~ /noheader/) { line = ""; for (j = 1; j <= n; j++) line = line (j > 1 ? ", " : "") $col[want[j]]; print line }
    next
  }
  NF > 1 {
    line = ""
    for (j = 1; j <= n; j++) { v = $col[want[j]]; if (format ~ /nounits/) sub(/ (MiB|%|W|MHz)$/, "", v); line = line (j > 1 ? ", " : "") v }
    print line
  }' "$file"
`,
  );
  chmodSync(path.join(fakeBin, 'nvidia-smi'), 0o755);
}, 30_000);

afterAll(async () => {
  await sshd?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** An inventory with node1 reached over the sshd as root (host key checked). */
function inventory(): string {
  const vars = sshConnectionVars({ port: sshd.port, user: 'root', key: sshd.clientKey, knownHosts: sshd.knownHosts });
  return `node1 ${vars.map(([k, v]) => `${k}=${v}`).join(' ')}\n`;
}

const sh = (cmd: string, args: string[] = [], env?: NodeJS.ProcessEnv): string => execFileSync(cmd, args, { encoding: 'utf8', ...(env ? { env } : {}) }).trim();
const linkNames = (): string[] => (JSON.parse(sh('ip', ['-j', 'link'])) as Array<{ ifname: string }>).map((l) => l.ifname);

/** Runs a playbook with `playbook run` over the sshd and returns the JSON it wrote to out/result.json. */
async function playbookJson(playbook: string): Promise<Facts> {
  const dir = project({ 'inventory.ini': inventory(), 'pb.yml': playbook });
  const out = path.join(dir, 'out');
  mkdirSync(out);
  const r = await cli(['run', '-i', 'inventory.ini', 'pb.yml', '-e', `out=${out}`], dir);
  expect(r.code, r.stdout + r.stderr).toBe(0);
  return JSON.parse(readFileSync(path.join(out, 'result.json'), 'utf8')) as Facts;
}

/** gather_facts over ssh: the listed facts as ansible_* variables and everything under ansible_facts. */
async function gatherOverSsh(): Promise<{ top: Facts; facts: Facts }> {
  const top = `{${LISTED.map((n) => `'${n}': ansible_${n}`).join(', ')}, 'default_interface': hostvars[inventory_hostname]['ansible_' + ansible_default_ipv4.interface]}`;
  const result = await playbookJson(`- hosts: node1
  gather_facts: true
  tasks:
    - copy:
        dest: "{{ out }}/result.json"
        content: "{{ {'top': ${top}, 'facts': ansible_facts} | to_json }}"
`);
  return { top: result['top'] as Facts, facts: result['facts'] as Facts };
}

/**
 * What the host has throughout fn: a busy host (containers starting and stopping) adds and drops
 * interfaces and mounts, so only those present before and after are compared.
 */
async function throughout<T>(fn: () => Promise<T>): Promise<T & { links: string[]; ipv4: string[]; mountPoints: string[] }> {
  const mountPoints = (): string[] => readFileSync('/proc/mounts', 'utf8').split('\n').map((l) => l.split(' ')[1] ?? '').filter(Boolean);
  const ipv4 = (): string[] => (JSON.parse(sh('ip', ['-j', '-4', 'addr'])) as Array<{ addr_info?: Array<{ local: string }> }>).flatMap((l) => (l.addr_info ?? []).map((a) => a.local));
  const snapshot = (): string[][] => [linkNames(), ipv4(), mountPoints()];
  const before = snapshot();
  const result = await fn();
  const after = snapshot();
  const [links = [], addresses = [], mounts = []] = before.map((list, i) => list.filter((x) => after[i]?.includes(x)));
  return { ...result, links, ipv4: addresses, mountPoints: mounts };
}

describe('facts gathered over ssh', () => {
  test('playbook run with gather_facts reports what the host has, as ansible_* and under ansible_facts', { timeout: 60_000 }, async () => {
    const { top, facts, links } = await throughout(gatherOverSsh);
    for (const name of LISTED) expect(top[name], `ansible_${name}`).toEqual(facts[name]);

    expect(facts['hostname']).toBe(sh('hostname').split('.')[0]);
    expect(facts['kernel']).toBe(sh('uname', ['-r']));
    expect(facts['architecture']).toBe(sh('uname', ['-m']));
    expect(facts['processor_nproc']).toBe(Number(sh('nproc')));
    expect(facts['processor_vcpus']).toBe(readFileSync('/proc/cpuinfo', 'utf8').split('\n').filter((l) => /^processor\s*:/.test(l)).length);
    const memKb = Number(/^MemTotal:\s+(\d+)/m.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1]);
    expect(facts['memtotal_mb']).toBe(Math.floor(memKb / 1024));

    // The ssh user, its login environment, and a session of our sshd.
    expect(facts['user_id']).toBe('root');
    expect(facts['env']['HOME']).toBe(sh('getent', ['passwd', 'root']).split(':')[5]);
    expect(facts['env']['SSH_CONNECTION']).toMatch(new RegExp(` 127\\.0\\.0\\.1 ${sshd.port}$`));

    const route = (JSON.parse(sh('ip', ['-j', 'route', 'get', '8.8.8.8'])) as Array<Record<string, string>>)[0]!;
    expect(facts['default_ipv4']).toMatchObject({ interface: route['dev'], address: route['prefsrc'], gateway: route['gateway'] ?? '' });
    expect(top['default_interface']).toMatchObject({ device: route['dev'], ipv4: { address: route['prefsrc'] } });
    expect(facts['all_ipv4_addresses']).toContain(route['prefsrc']);
    expect(facts['all_ipv4_addresses']).not.toContain('127.0.0.1');
    // Interfaces come and go on a busy host (containers): every one there before and after is listed, with its facts.
    expect(facts['interfaces']).toEqual(expect.arrayContaining(links));
    for (const name of facts['interfaces'] as string[]) expect(facts[name.replace(/[-.:]/g, '_')], name).toMatchObject({ device: name });
    expect(facts['lo']).toMatchObject({ device: 'lo', type: 'loopback', active: true, ipv4: { address: '127.0.0.1', netmask: '255.0.0.0' } });

    const df = sh('df', ['-P', '-B1', '/']).split('\n')[1]!.split(/\s+/);
    const root = (facts['mounts'] as Facts[]).find((m) => m['mount'] === '/');
    expect(root).toMatchObject({ mount: '/', device: df[0], size_total: Number(df[1]) });
    expect(Math.abs(root!['size_available'] - Number(df[3]))).toBeLessThan(1 << 30);

    // python3 as the ssh session's PATH finds it.
    const python = sh('/bin/sh', ['-c', 'command -v python3'], { PATH: facts['env']['PATH'] });
    const [major, minor, micro] = sh(python, ['-c', 'import sys; print(*sys.version_info[:3])']).split(' ').map(Number);
    expect(facts['python']['version']).toMatchObject({ major, minor, micro });
    expect(facts['python_version']).toBe(`${major}.${minor}.${micro}`);
    expect(sh(facts['python']['executable'], ['-c', 'import sys; print(sys.version_info[0])'])).toBe(String(major));
  });

  test('gathering facts takes one remote command', { timeout: 60_000 }, async () => {
    const sessions = (): string[] => sshd.log().split('\n').filter((l) => l.includes('Starting session: '));
    const sessionsBefore = sessions().length;
    const calls: string[] = [];
    const ssh = BUILTIN_CONNECTIONS.get('ssh')!;
    // Every operation a module asks of the connection, counted on the way to the real one.
    const counted: ConnectionFactory = (host, vars, shared) => {
      const conn = ssh(host, vars, shared);
      return new Proxy(conn, {
        get(target, prop, receiver) {
          const value = Reflect.get(target, prop, receiver) as unknown;
          if (typeof value !== 'function') return value;
          return (...args: unknown[]) => {
            if (['exec', 'stat', 'readFile', 'writeFile'].includes(String(prop))) calls.push(String(prop));
            return (value as (...a: unknown[]) => unknown).apply(target, args);
          };
        },
      }) satisfies Connection;
    };
    const dir = project({
      'inventory.ini': inventory(),
      'pb.yml': `- hosts: node1
  gather_facts: true
  tasks:
    - debug: { msg: "{{ ansible_hostname }} {{ ansible_facts.kernel }} {{ ansible_default_ipv4.interface }}" }
`,
    });
    const ran = await run(dir, 'pb.yml', { connections: { ssh: counted } });
    expect(ran.output).toContain(`"msg": "${sh('hostname').split('.')[0]} ${sh('uname', ['-r'])} `);
    expect(ran.output).toMatch(/node1\s+: ok=2\s+changed=0\s+unreachable=0\s+failed=0/);
    // Counted twice: the operations the engine asked of the connection, and the sessions sshd started.
    expect(calls).toEqual(['exec']);
    const started = sessions().slice(sessionsBefore);
    expect(started, sshd.log()).toHaveLength(1);
    expect(started[0]).toMatch(/Starting session: command for root from 127\.0\.0\.1 /);
  });

  test('the setup module: gather_subset, filter, and GPU facts from nvidia-smi on the task PATH', { timeout: 60_000 }, async () => {
    const result = await playbookJson(`- hosts: node1
  gather_facts: false
  tasks:
    - setup: { gather_subset: ['!all', 'network'] }
      register: network
    - setup: { gather_subset: ['!all', '!min'], filter: ['ansible_hostname'] }
      register: nothing
    - setup:
        filter: [ansible_hostname, "ansible_*_mb", default_ipv4]
      register: filtered
    - setup: { gather_subset: ['!all', '!min', gpus] }
      environment:
        PATH: "${fakeBin}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
      register: gpu
    - copy:
        dest: "{{ out }}/result.json"
        content: "{{ {'network': network.ansible_facts, 'nothing': nothing.ansible_facts, 'filtered': filtered.ansible_facts, 'gpu': gpu.ansible_facts, 'top': {'gpu_count': gpu_count, 'gpus': gpus, 'gpu_processes': gpu_processes, 'hostname': ansible_hostname}, 'facts': ansible_facts} | to_json }}"
`);
    const network = result['network'] as Facts;
    // A registered setup result names its facts as Ansible's does: ansible_ prefixed (our GPU facts,
    // gather_subset and module_setup as they are).
    expect(network).toMatchObject({ ansible_hostname: sh('hostname').split('.')[0], gather_subset: ['!all', 'network'], module_setup: true });
    expect(Object.keys(network)).toEqual(expect.arrayContaining(['ansible_interfaces', 'ansible_default_ipv4', 'ansible_all_ipv4_addresses', 'ansible_lo', 'ansible_kernel', 'ansible_env']));
    for (const absent of ['ansible_memtotal_mb', 'ansible_mounts', 'ansible_processor_vcpus', 'ansible_processor_nproc', ...GPU_FACTS]) expect(network, absent).not.toHaveProperty(absent);

    expect(result['nothing']).toEqual({});
    const route = (JSON.parse(sh('ip', ['-j', 'route', 'get', '8.8.8.8'])) as Array<Record<string, string>>)[0]!;
    expect(Object.keys(result['filtered']).sort()).toEqual(['ansible_default_ipv4', 'ansible_hostname', 'ansible_memtotal_mb']);
    expect(result['filtered']).toMatchObject({ ansible_hostname: sh('hostname').split('.')[0], ansible_default_ipv4: { interface: route['dev'], address: route['prefsrc'] } });

    const gpus = parseGpuCsv(readFileSync(path.join(FIXTURES, 'h200x2-query-gpu.csv'), 'utf8').split('\n'));
    const processes = parseGpuProcessCsv(readFileSync(path.join(FIXTURES, 'h200x2-query-compute-apps.csv'), 'utf8').split('\n'));
    expect(gpus).toHaveLength(2);
    expect(processes).toHaveLength(2);
    expect(result['gpu']).toEqual({ gpus, gpu_count: 2, gpu_processes: processes, gather_subset: ['!all', '!min', 'gpus'], module_setup: true });
    // Facts set by setup are host variables, under ansible_facts and top-level (the GPU facts are
    // this project's own: gpus, gpu_count, gpu_processes, without the ansible_ prefix).
    expect(result['top']).toEqual({ gpus, gpu_count: 2, gpu_processes: processes, hostname: sh('hostname').split('.')[0] });
    expect(result['facts']).toMatchObject({ gpus, gpu_count: 2, gpu_processes: processes });
  });
});

describe("fact names and types are Ansible's", () => {
  /** Ansible's own setup on this host (connection local, as root like our ssh user). */
  function ansibleSetup(): Facts {
    const tmp = mkdtempSync(path.join(tmpdir(), 'pb-ansible-setup-'));
    try {
      writeFileSync(path.join(tmp, 'ansible.cfg'), '');
      mkdirSync(path.join(tmp, 'home'));
      const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...ansibleEnv(tmp, ansiblePython()), ANSIBLE_LOAD_CALLBACK_PLUGINS: '1', ANSIBLE_STDOUT_CALLBACK: 'json' };
      const out = execFileSync(path.join(ansibleVenv(), 'bin', 'ansible'), ['-i', 'localhost,', '-c', 'local', '-m', 'setup', 'localhost'], { env, encoding: 'utf8', cwd: tmp });
      const facts = (JSON.parse(out) as Facts)['plays'][0]['tasks'][0]['hosts']['localhost']['ansible_facts'] as Facts;
      return Object.fromEntries(Object.entries(facts).map(([k, v]) => [k.replace(/^ansible_/, ''), v]));
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }

  const kind = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'list' : typeof v);
  /** Each key's kind, recursively into dicts (lists by their first element). */
  function shape(v: unknown): unknown {
    if (Array.isArray(v)) return v.length ? [shape(v[0])] : [];
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)).map(([k, x]) => [k, shape(x)]));
    return kind(v);
  }
  /** Interface facts Ansible reads from sysfs and ethtool that we do not gather (reported, not compared). */
  const ANSIBLE_ONLY_INTERFACE_KEYS = ['speed', 'pciid', 'module', 'id', 'stp', 'interfaces', 'features', 'hw_timestamp_filters', 'timestamping', 'perm_macaddress', 'phc_index'];

  test('the listed facts over ssh have the names, types and values Ansible gives on this host', { timeout: 120_000 }, async () => {
    const { ours, theirs, links, ipv4, mountPoints } = await throughout(async () => {
      const [{ facts }, ansible] = await Promise.all([gatherOverSsh(), Promise.resolve().then(ansibleSetup)]);
      return { ours: facts, theirs: ansible };
    });
    for (const name of LISTED) {
      expect(ours, name).toHaveProperty(name);
      expect(kind(ours[name]), name).toBe(kind(theirs[name]));
    }
    for (const name of ['hostname', 'fqdn', 'distribution', 'distribution_version', 'distribution_major_version', 'distribution_release', 'os_family', 'kernel', 'architecture', 'machine', 'system', 'nodename', 'processor_vcpus', 'processor_nproc', 'memtotal_mb', 'user_id', 'user_uid', 'user_gid', 'user_dir']) {
      expect(ours[name], name).toEqual(theirs[name]);
    }
    expect(shape(ours['default_ipv4'])).toEqual(shape(theirs['default_ipv4']));
    expect(ours['default_ipv4']).toEqual(theirs['default_ipv4']);
    const stableIpv4 = (l: string[]): string[] => l.filter((a) => ipv4.includes(a)).sort();
    expect(stableIpv4(ours['all_ipv4_addresses'])).toEqual(stableIpv4(theirs['all_ipv4_addresses']));
    expect(ours['all_ipv4_addresses']).toContain(theirs['default_ipv4']['address']);

    // Interfaces present throughout: the same list, and per interface the same facts.
    const listed = (l: string[]): string[] => l.filter((n) => links.includes(n)).sort();
    expect(listed(ours['interfaces'])).toEqual(listed(theirs['interfaces']));
    for (const name of listed(ours['interfaces'])) {
      const key = name.replace(/[-.:]/g, '_');
      const theirsIf = Object.fromEntries(Object.entries(theirs[key] as Facts).filter(([k]) => !ANSIBLE_ONLY_INTERFACE_KEYS.includes(k)));
      expect(shape(ours[key]), name).toEqual(shape(theirsIf));
      for (const k of ['device', 'type', 'mtu', 'macaddress', 'promisc', 'ipv4']) expect(ours[key][k], `${name}.${k}`).toEqual(theirsIf[k]);
    }

    expect(shape(ours['python'])).toEqual(shape(theirs['python']));
    expect(shape(ours['python_version'])).toEqual(shape(theirs['python_version']));
    expect(Object.keys(ours['env'])).toEqual(expect.arrayContaining(['HOME', 'PATH']));

    const byMount = (l: Facts[]): Map<string, Facts> => new Map(l.filter((m) => mountPoints.includes(m['mount'])).map((m) => [m['mount'], m]));
    expect(mountPoints).toContain('/');
    const [ourMounts, theirMounts] = [byMount(ours['mounts']), byMount(theirs['mounts'])];
    expect([...ourMounts.keys()].sort()).toEqual([...theirMounts.keys()].sort());
    for (const [mount, theirsM] of theirMounts) {
      const oursM = ourMounts.get(mount)!;
      expect(shape(oursM), mount).toEqual(shape(theirsM));
      for (const k of ['device', 'fstype', 'options', 'dump', 'passno', 'uuid', 'size_total', 'block_size', 'block_total', 'inode_total']) expect(oursM[k], `${mount} ${k}`).toEqual(theirsM[k]);
    }
  });
});
