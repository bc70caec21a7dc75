/**
 * The SSH benchmark: N Debian containers with sshd (the lab's base image, built from Debian
 * packages), the same 20-task playbook (command, file, copy, lineinfile) run by ansible-playbook
 * (pipelining, ControlPersist, forks=N), by pyinfra (bench/ssh/deploy.py, --parallel N) and by
 * `playbook`, alternating, several rounds: a first run on a clean work directory, then the
 * idempotent re-run. Prints the median wall times, the ratios and our peak memory, then the same
 * playbook on --scale inventory hosts (aliases spread over the containers).
 *
 * Run: npm run bench:ssh [-- --hosts 8 --rounds 3 --scale 100]
 * Other options: --tools ansible,pyinfra,playbook  --profile (node --cpu-prof on our re-runs, with
 * a summary)  --local-sshd (sshd processes on this machine instead of containers, for debugging)
 * --published-ports (dial the containers through Docker's loopback port proxy, not their addresses)
 * --keep (leave the work directory)  --no-build (run dist/ as it is instead of a private build).
 *
 * Every run is checked: the re-run must report nothing changed (PLAY RECAP, pyinfra's results
 * table) and the files each tool leaves on the hosts must be the same for all three tools.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { summarizeProfile } from './cpuprofile.js';
import { nodeSet, nodesCpuSeconds, type SshNode } from './ssh/nodes.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cache = path.join(process.env['HOME'] ?? '/root', '.cache', 'playbook-engine');
const ansibleVenv = process.env['PLAYBOOK_ANSIBLE_VENV'] ?? path.join(cache, 'ansible-12.3.0');
const pyinfraVenv = process.env['PLAYBOOK_PYINFRA_VENV'] ?? path.join(cache, 'pyinfra-3.10.0');
/** The remote work directory's parent; every inventory host works in OUT/<inventory_hostname>. */
const OUT = '/tmp/bench';

const { values: opts } = parseArgs({
  options: {
    hosts: { type: 'string', default: '8' },
    rounds: { type: 'string', default: '3' },
    scale: { type: 'string', default: '100' },
    tools: { type: 'string', default: 'ansible,pyinfra,playbook' },
    profile: { type: 'boolean', default: false },
    'local-sshd': { type: 'boolean', default: false },
    'published-ports': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
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
const SCALE = Number(opts.scale);
type Tool = 'ansible' | 'pyinfra' | 'playbook';
const TOOLS = opts.tools.split(',').map((t) => t.trim()) as Tool[];
for (const t of TOOLS) if (!['ansible', 'pyinfra', 'playbook'].includes(t)) throw new Error(`unknown tool ${t} (ansible, pyinfra, playbook)`);
if (!(HOSTS >= 1 && ROUNDS >= 1 && SCALE >= 0)) throw new Error('--hosts and --rounds must be at least 1, --scale at least 0');

const log = (msg: string): void => void process.stderr.write(`bench: ${msg}\n`);
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

// ---------------------------------------------------------------------------------------------
// Child processes: one at a time, killed on Ctrl-C.

let current: ChildProcess | undefined;

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
  seconds: number;
  rssMb: number;
  /** The tool's CPU (user + system, its children included), for timed runs. */
  cpuSeconds: number;
  /** The hosts' CPU during the run (their containers' cgroups), when it can be read. */
  hostsCpuSeconds?: number;
}

const stripAnsi = (s: string): string => s.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '');

/** The 1-minute load average at the start of each timed run: the machine is shared, so the report says how busy it was. */
const loads: number[] = [];

/** Runs a command to completion; timed, under /usr/bin/time for the child's CPU and peak RSS, and with the hosts' CPU. */
function run(cmd: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timed?: boolean; nodes?: readonly SshNode[] } = {}): Promise<Ran> {
  if (options.timed) loads.push(loadavg()[0]!);
  const timeFile = options.timed ? path.join(tmpdir(), `pb-bench-time-${randomBytes(4).toString('hex')}`) : undefined;
  const argv = timeFile ? ['/usr/bin/time', '-f', '%U %S %M', '-o', timeFile, ...cmd] : cmd;
  const hostsBefore = options.nodes ? nodesCpuSeconds(options.nodes) : undefined;
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(argv[0]!, argv.slice(1), { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    current = child;
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.once('error', reject);
    child.once('close', (code) => {
      const seconds = (performance.now() - started) / 1000;
      current = undefined;
      let rssMb = 0;
      let cpuSeconds = 0;
      if (timeFile) {
        const [user = 0, system = 0, rssKb = 0] = readFileSync(timeFile, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
        [cpuSeconds, rssMb] = [user + system, rssKb / 1024];
        rmSync(timeFile, { force: true });
      }
      const ran: Ran = { code, stdout: stripAnsi(Buffer.concat(out).toString('utf8')), stderr: stripAnsi(Buffer.concat(err).toString('utf8')), seconds, rssMb, cpuSeconds };
      const hostsAfter = options.nodes ? nodesCpuSeconds(options.nodes) : undefined;
      if (hostsBefore !== undefined && hostsAfter !== undefined) ran.hostsCpuSeconds = hostsAfter - hostsBefore;
      resolve(ran);
    });
  });
}

async function mustRun(what: string, cmd: string[], options: Parameters<typeof run>[1] = {}): Promise<Ran> {
  const r = await run(cmd, options);
  if (r.code !== 0) throw new Error(`${what} failed (exit ${String(r.code)}): ${cmd.join(' ')}\n${tail(r.stdout)}\n${tail(r.stderr)}`);
  return r;
}

const tail = (s: string, lines = 40): string => s.trimEnd().split('\n').slice(-lines).join('\n');

// ---------------------------------------------------------------------------------------------
// The project: key, known_hosts, inventories, ansible.cfg, pyinfra inventory.

interface Project {
  dir: string;
  key: string;
  knownHosts: string;
  inventory: string;
  scaleInventory: string;
  pyinfraInventory: string;
  ansibleCfg: string;
  runner: string;
}

const nodeIp = (i: number): string => `10.0.${Math.floor(i / 250)}.${i % 250}`;

function writeProject(dir: string, nodes: SshNode[], build: string): Project {
  const key = path.join(dir, 'id_ed25519');
  const knownHosts = path.join(dir, 'known_hosts');
  // OpenSSH writes port 22 entries without brackets and looks them up so.
  writeFileSync(knownHosts, nodes.map((n) => `${n.port === 22 ? n.host : `[${n.host}]:${n.port}`} ${n.hostPublicKey}`).join('\n') + '\n');
  const groupVars = [
    '[nodes:vars]',
    `out=${OUT}`,
    `ansible_ssh_private_key_file=${key}`,
    `ansible_ssh_common_args=-o UserKnownHostsFile=${knownHosts}`,
    'ansible_python_interpreter=/usr/bin/python3',
  ].join('\n');
  const hostLine = (name: string, n: SshNode, i: number): string => `${name} ansible_host=${n.host} ansible_port=${n.port} ansible_user=${n.user} node_ip=${nodeIp(i)}`;
  const inventory = path.join(dir, 'inventory.ini');
  writeFileSync(inventory, `[nodes]\n${nodes.map((n, i) => hostLine(`node${i}`, n, i)).join('\n')}\n\n${groupVars}\n`);
  // The scale run: aliases round-robin over the containers, each in its own directory.
  const scaleInventory = path.join(dir, 'inventory-scale.ini');
  const aliases = Array.from({ length: SCALE }, (_, i) => hostLine(`alias${String(i).padStart(3, '0')}`, nodes[i % nodes.length]!, i));
  writeFileSync(scaleInventory, `[nodes]\n${aliases.join('\n')}\n\n${groupVars}\n`);

  const py = (v: string | number): string => JSON.stringify(v);
  const pyinfraInventory = path.join(dir, 'pyinfra_inventory.py');
  writeFileSync(
    pyinfraInventory,
    [
      '# Written by bench/engine-ssh.ts: the same hosts and variables as inventory.ini.',
      `_common = {"out": ${py(OUT)}, "ssh_key": ${py(key)}, "ssh_known_hosts_file": ${py(knownHosts)}, "ssh_strict_host_key_checking": "yes"}`,
      'nodes = [',
      ...nodes.map((n, i) => `    (${py(`node${i}`)}, dict(_common, ssh_hostname=${py(n.host)}, ssh_port=${n.port}, ssh_user=${py(n.user)}, node_ip=${py(nodeIp(i))})),`),
      ']',
      '',
    ].join('\n'),
  );

  mkdirSync(path.join(dir, 'cp'));
  const ansibleCfg = path.join(dir, 'ansible.cfg');
  writeFileSync(
    ansibleCfg,
    [
      '# ansible-playbook tuned as its documentation advises; `playbook` reads the same file.',
      '[defaults]',
      `forks = ${HOSTS}`,
      'host_key_checking = True',
      'gathering = explicit',
      'interpreter_python = /usr/bin/python3',
      'retry_files_enabled = False',
      '',
      '[ssh_connection]',
      'pipelining = True',
      'ssh_args = -o ControlMaster=auto -o ControlPersist=60s',
      `control_path_dir = ${path.join(dir, 'cp')}`,
      '',
    ].join('\n'),
  );
  // What bin/playbook.js runs (the bundle), from the benchmark's own build (see main()).
  const runner = path.join(dir, 'playbook.mjs');
  writeFileSync(runner, `import { main } from ${JSON.stringify(pathToFileURL(path.join(build, existsSync(path.join(build, 'bundle', 'playbook.mjs')) ? 'bundle/playbook.mjs' : 'cli/main.js')).href)};\nprocess.exitCode = await main(process.argv.slice(2));\n`);
  return { dir, key, knownHosts, inventory, scaleInventory, pyinfraInventory, ansibleCfg, runner };
}

// ---------------------------------------------------------------------------------------------
// The hosts, outside the timings: cleaning the work directory, reading back its state.

function sshArgs(p: Project, n: SshNode): string[] {
  return [
    'ssh', '-i', p.key, '-o', `UserKnownHostsFile=${p.knownHosts}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes',
    '-o', 'ControlMaster=auto', '-o', `ControlPath=${path.join(p.dir, 'cp', 'bench-%C')}`, '-o', 'ControlPersist=300',
    '-p', String(n.port), `${n.user}@${n.host}`,
  ];
}

async function onAllNodes(p: Project, nodes: SshNode[], script: string): Promise<string[]> {
  return Promise.all(nodes.map(async (n) => (await mustRun(`ssh to ${n.name}`, [...sshArgs(p, n), script])).stdout));
}

const clean = (p: Project, nodes: SshNode[]): Promise<string[]> => onAllNodes(p, nodes, `rm -rf ${OUT}`);

/** Every path under OUT with its type, mode, owner, size and content checksum, per node. */
async function snapshot(p: Project, nodes: SshNode[]): Promise<{ digest: string; text: string; files: number }> {
  const script = `cd ${OUT} && find . -printf '%y %m %u %s %p\\n' | LC_ALL=C sort && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha1sum`;
  const per = await onAllNodes(p, nodes, script);
  const text = per.map((s, i) => `== ${nodes[i]!.name}\n${s}`).join('');
  const files = per.reduce((sum, s) => sum + s.split('\n').filter((l) => l.startsWith('f ')).length, 0);
  return { digest: createHash('sha1').update(text).digest('hex').slice(0, 12), text, files };
}

// ---------------------------------------------------------------------------------------------
// The three tools: their command lines and how each says what changed.

function command(tool: Tool, p: Project, inventory: string, forks: number, cpuProfileDir?: string): { cmd: string[]; env: NodeJS.ProcessEnv } {
  const env: NodeJS.ProcessEnv = { ...process.env, ANSIBLE_CONFIG: p.ansibleCfg, ANSIBLE_NOCOLOR: '1', NO_COLOR: '1', PYTHONUNBUFFERED: '1' };
  const playbookFile = path.join(root, 'bench', 'ssh', 'playbook.yml');
  if (tool === 'ansible') return { cmd: [path.join(ansibleVenv, 'bin', 'ansible-playbook'), '-i', inventory, '-f', String(forks), playbookFile], env };
  if (tool === 'pyinfra') return { cmd: [path.join(pyinfraVenv, 'bin', 'pyinfra'), '-y', '--parallel', String(forks), p.pyinfraInventory, path.join(root, 'bench', 'ssh', 'deploy.py')], env };
  const node = cpuProfileDir ? [process.execPath, '--cpu-prof', '--cpu-prof-dir', cpuProfileDir] : [process.execPath];
  return { cmd: [...node, p.runner, 'run', '-i', inventory, '-f', String(forks), playbookFile], env };
}

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

interface PyinfraRow {
  operation: string;
  hosts: number;
  success: number;
  error: number;
  noChange: number;
}

/** pyinfra's closing "Results:" table: Operation, Hosts, Success, Error, No Change ('-' is 0). */
function parsePyinfraResults(stdout: string): PyinfraRow[] {
  const at = stdout.lastIndexOf('--> Results:');
  if (at < 0) return [];
  const rows: PyinfraRow[] = [];
  const n = (s: string): number => (s === '-' ? 0 : Number(s));
  for (const line of stdout.slice(at).split('\n').slice(2)) {
    const m = /^\s+(.+?)\s+(\d+|-)\s+(\d+|-)\s+(\d+|-)\s+(\d+|-)\s*$/.exec(line);
    if (!m) continue;
    if (m[1] === 'Grand total') break;
    rows.push({ operation: m[1]!, hosts: n(m[2]!), success: n(m[3]!), error: n(m[4]!), noChange: n(m[5]!) });
  }
  return rows;
}

/** Throws unless the run did the expected work on every host: nothing failed; a re-run changed nothing. */
function verify(tool: Tool, r: Ran, hosts: number, rerun: boolean): void {
  const fail = (why: string): never => {
    const problems = (r.stdout + r.stderr).split('\n').filter((l) => /fatal:|UNREACHABLE|ERROR|Error|unreachable=[1-9]|failed=[1-9]/.test(l));
    throw new Error(`${tool} ${rerun ? 're-run' : 'first run'}: ${why}\n--- problems reported ---\n${problems.slice(0, 20).join('\n')}\n--- output (end) ---\n${tail(r.stdout, 20)}\n${tail(r.stderr, 10)}`);
  };
  if (r.code !== 0) fail(`exit code ${String(r.code)}`);
  if (tool === 'pyinfra') {
    const rows = parsePyinfraResults(r.stdout + r.stderr); // pyinfra logs to stderr
    if (rows.length !== 20) fail(`expected 20 operations in the results table, found ${rows.length}`);
    for (const row of rows) {
      if (row.hosts !== hosts || row.error !== 0) fail(`operation '${row.operation}': ${row.hosts} hosts, ${row.error} errors`);
      // pyinfra counts server.shell as a change on every run; everything else must be "No Change".
      if (rerun && !row.operation.startsWith('command') && row.noChange !== hosts) fail(`operation '${row.operation}' changed ${row.success} hosts on the re-run`);
    }
    return;
  }
  const recap = parseRecap(r.stdout);
  if (recap.size !== hosts) fail(`PLAY RECAP lists ${recap.size} hosts, expected ${hosts}`);
  for (const [host, s] of recap) {
    if (s.failed || s.unreachable || s.ok !== 20) fail(`${host}: ok=${s.ok} failed=${s.failed} unreachable=${s.unreachable}`);
    // 1 directory, 5 files, 5 lines on the first run; nothing on the re-run.
    const expected = rerun ? 0 : 11;
    if (s.changed !== expected) fail(`${host}: changed=${s.changed}, expected ${expected}`);
  }
}

// ---------------------------------------------------------------------------------------------

interface Timings {
  first: number[];
  again: number[];
  rss: number;
  states: Map<string, string>;
  /** Re-runs: the tool's CPU and the hosts' CPU. */
  cpuAgain: number[];
  hostsCpuAgain: number[];
}

const LABEL: Record<Tool, string> = { ansible: 'ansible-playbook', pyinfra: 'pyinfra', playbook: 'playbook' };

async function versionOf(tool: Tool): Promise<string> {
  if (tool === 'ansible') return (await mustRun('ansible-playbook --version', [path.join(ansibleVenv, 'bin', 'ansible-playbook'), '--version'])).stdout.split('\n')[0]!.replace(/^ansible-playbook \[core (.*)\]$/, 'ansible-core $1');
  if (tool === 'pyinfra') return (await mustRun('pyinfra --version', [path.join(pyinfraVenv, 'bin', 'pyinfra'), '--version'])).stdout.trim().replace(/: v/, ' ');
  return `playbook ${(JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }).version}`;
}

async function main(): Promise<number> {
  // 1. Tools. `playbook` runs from a build of its own (bin/playbook.js's entry, cli/main.js), so a
  // rebuild of dist/ or an edit of src/ during the benchmark cannot change what is measured. It
  // lives under node_modules/ so that its imports resolve to the project's packages.
  let build = path.join(root, 'dist');
  if (!opts['no-build']) {
    // The package's layout: dist/ beside package.json (read for --version) and roles/.
    const copy = path.join(root, 'node_modules', '.cache', 'playbook-bench', `run-${process.pid}`);
    cleanups.push(() => rmSync(copy, { recursive: true, force: true }));
    mkdirSync(copy, { recursive: true });
    writeFileSync(path.join(copy, 'package.json'), readFileSync(path.join(root, 'package.json')));
    if (existsSync(path.join(root, 'roles'))) symlinkSync(path.join(root, 'roles'), path.join(copy, 'roles'));
    build = path.join(copy, 'dist');
    log('building playbook (tsc)');
    const tsc = await run([process.execPath, path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(root, 'tsconfig.build.json'), '--outDir', build, '--declaration', 'false', '--sourceMap', 'false'], { cwd: root });
    if (!existsSync(path.join(build, 'cli', 'main.js'))) throw new Error(`the build failed:\n${tail(tsc.stdout)}`);
    if (tsc.code !== 0) log(`tsc reported errors (the emitted build is used):\n${tail(tsc.stdout, 10)}`);
    await mustRun('the CLI bundle', [process.execPath, path.join(root, 'scripts', 'bundle-cli.mjs'), '--dist', build], { cwd: root });
  }
  if (TOOLS.includes('ansible')) {
    log('ansible venv (scripts/install-ansible.sh)');
    await mustRun('install-ansible.sh', ['bash', path.join(root, 'scripts', 'install-ansible.sh')]);
  }
  if (TOOLS.includes('pyinfra')) {
    log('pyinfra venv (scripts/install-pyinfra.sh)');
    await mustRun('install-pyinfra.sh', ['bash', path.join(root, 'scripts', 'install-pyinfra.sh')]);
  }
  if (!opts['local-sshd']) {
    log('Docker engine (scripts/ensure-docker.sh)');
    await mustRun('ensure-docker.sh', ['bash', path.join(root, 'scripts', 'ensure-docker.sh')]);
  }
  const versions = Object.fromEntries(await Promise.all(TOOLS.map(async (t) => [t, await versionOf(t)] as const))) as Record<Tool, string>;

  // 2. Hosts. Cleanups run last-registered first: control masters, then the hosts, then the directory.
  const dir = mkdtempSync(path.join(tmpdir(), 'pb-bench-ssh-'));
  if (!opts.keep) cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'playbook-bench', '-f', path.join(dir, 'id_ed25519')]);
  const publicKey = readFileSync(path.join(dir, 'id_ed25519.pub'), 'utf8').trim();
  const hosts = nodeSet({ count: HOSTS, local: opts['local-sshd'], dir: path.join(dir, 'nodes'), authorizedKey: publicKey, publishedPorts: opts['published-ports'], onProgress: (m) => log(m) });
  cleanups.push(async () => {
    log(opts['local-sshd'] ? 'stopping the local sshds' : 'removing the containers');
    await hosts.remove();
  });
  cleanups.push(async () => {
    // The ssh control masters (ours and Ansible's) would otherwise linger for ControlPersist.
    const cp = path.join(dir, 'cp');
    if (!existsSync(cp)) return;
    await Promise.all(readdirSync(cp).map((s) => run(['ssh', '-o', `ControlPath=${path.join(cp, s)}`, '-O', 'exit', 'bench'])));
  });
  const nodes = await hosts.start();
  if (opts['local-sshd']) log(`${nodes.length} sshds up: ports ${nodes.map((n) => n.port).join(' ')}`);
  const p = writeProject(dir, nodes, build);
  log(`work directory ${dir}`);
  await onAllNodes(p, nodes, 'true'); // every node answers with the generated key and known_hosts
  // Local sshds are all this machine: one of them cleans and reads the shared work directory.
  const machines = opts['local-sshd'] ? nodes.slice(0, 1) : nodes;

  // 3. Rounds, tools alternating (the order rotates each round).
  const results = new Map<Tool, Timings>(TOOLS.map((t) => [t, { first: [], again: [], rss: 0, states: new Map(), cpuAgain: [], hostsCpuAgain: [] }]));
  for (let round = 0; round < ROUNDS; round++) {
    const order = TOOLS.map((_, i) => TOOLS[(i + round) % TOOLS.length]!);
    for (const tool of order) {
      const t = results.get(tool)!;
      const { cmd, env } = command(tool, p, p.inventory, HOSTS);
      await clean(p, machines);
      const first = await run(cmd, { cwd: dir, env, timed: true, nodes });
      verify(tool, first, HOSTS, false);
      const again = await run(cmd, { cwd: dir, env, timed: true, nodes });
      verify(tool, again, HOSTS, true);
      const state = await snapshot(p, machines);
      if (state.files !== HOSTS * 6) throw new Error(`${tool} left ${state.files} files on the hosts, expected ${HOSTS * 6}:\n${state.text}`);
      t.first.push(first.seconds);
      t.again.push(again.seconds);
      t.rss = Math.max(t.rss, first.rssMb, again.rssMb);
      t.cpuAgain.push(again.cpuSeconds);
      if (again.hostsCpuSeconds !== undefined) t.hostsCpuAgain.push(again.hostsCpuSeconds);
      t.states.set(state.digest, state.text);
      log(`round ${round + 1}/${ROUNDS} ${LABEL[tool].padEnd(16)} first ${first.seconds.toFixed(2)} s, re-run ${again.seconds.toFixed(2)} s  (state ${state.digest})`);
    }
  }
  // The same end state for every tool and round: otherwise the tools did different work.
  const states = new Map<string, string>();
  for (const [tool, t] of results) for (const [digest, text] of t.states) states.set(digest, `${tool}\n${text}`);
  if (states.size !== 1) {
    for (const text of states.values()) process.stderr.write(`---\n${text}`);
    throw new Error(`the tools left different files on the hosts (${states.size} different states, printed above)`);
  }

  // 4. The scale run: `playbook` on SCALE aliases.
  const scale = { first: [] as number[], again: [] as number[], rss: 0, cpuAgain: [] as number[], hostsCpuAgain: [] as number[] };
  if (SCALE > 0) {
    const { cmd, env } = command('playbook', p, p.scaleInventory, SCALE);
    for (let round = 0; round < ROUNDS; round++) {
      await clean(p, machines);
      const first = await run(cmd, { cwd: dir, env, timed: true, nodes });
      verify('playbook', first, SCALE, false);
      const again = await run(cmd, { cwd: dir, env, timed: true, nodes });
      verify('playbook', again, SCALE, true);
      const state = await snapshot(p, machines);
      if (state.files !== SCALE * 6) throw new Error(`playbook left ${state.files} files for ${SCALE} aliases, expected ${SCALE * 6}`);
      scale.first.push(first.seconds);
      scale.again.push(again.seconds);
      scale.rss = Math.max(scale.rss, first.rssMb, again.rssMb);
      scale.cpuAgain.push(again.cpuSeconds);
      if (again.hostsCpuSeconds !== undefined) scale.hostsCpuAgain.push(again.hostsCpuSeconds);
      log(`round ${round + 1}/${ROUNDS} playbook, ${SCALE} aliases: first ${first.seconds.toFixed(2)} s, re-run ${again.seconds.toFixed(2)} s, peak ${Math.max(first.rssMb, again.rssMb).toFixed(0)} MB`);
    }
  }

  // 5. The report.
  const where = opts['local-sshd'] ? `${HOSTS} local sshd processes (debugging: not the benchmark's figures)` : `${HOSTS} Debian containers with sshd`;
  console.log(`\n20 tasks (command, file, copy, lineinfile) on ${where}; median of ${ROUNDS} rounds, tools alternating\n`);
  if (loads.length) console.log(`machine load average (1 min) at the start of the timed runs: median ${median(loads).toFixed(1)}, ${Math.min(...loads).toFixed(1)} to ${Math.max(...loads).toFixed(1)} on ${cpus().length} cores\n`);
  const ours = results.get('playbook');
  const rows: string[][] = [['tool', 'first run', 're-run', 'first run vs playbook', 're-run vs playbook', 're-run CPU: tool / hosts']];
  const cpu = (t: Timings): string => `${median(t.cpuAgain).toFixed(2)} s / ${t.hostsCpuAgain.length ? `${median(t.hostsCpuAgain).toFixed(2)} s` : '?'}`;
  for (const tool of TOOLS) {
    const t = results.get(tool)!;
    const f = median(t.first);
    const a = median(t.again);
    const how = tool === 'ansible' ? `${versions.ansible}, pipelining, ControlPersist, forks=${HOSTS}` : tool === 'pyinfra' ? `${versions.pyinfra}, --parallel ${HOSTS}` : versions.playbook;
    const ratio = (x: number, y: number): string => (ours && tool !== 'playbook' ? `${(x / y).toFixed(1)}x slower` : '');
    rows.push([how, `${f.toFixed(2)} s`, `${a.toFixed(2)} s`, ours ? ratio(f, median(ours.first)) : '', ours ? ratio(a, median(ours.again)) : '', cpu(t)]);
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  for (const r of rows) console.log(r.map((cell, c) => cell.padEnd(widths[c]!)).join('   ').trimEnd());
  if (ours) console.log(`\nplaybook peak memory (RSS) with ${HOSTS} hosts: ${ours.rss.toFixed(0)} MB`);
  const ansible = results.get('ansible');
  const pyinfra = results.get('pyinfra');
  if (ours && ansible) {
    const x = median(ansible.again) / median(ours.again);
    console.log(`re-run vs tuned ansible-playbook: ${x.toFixed(1)}x faster (target: at least 30x) ${x >= 30 ? 'ok' : 'SHORT'}`);
  }
  if (ours && pyinfra) {
    const x = median(pyinfra.again) / median(ours.again);
    console.log(`re-run vs pyinfra: ${x.toFixed(1)}x faster (target: faster) ${x > 1 ? 'ok' : 'SHORT'}`);
  }
  console.log(`end state identical for ${TOOLS.join(', ')}: ${HOSTS * 6} files in ${HOSTS} directories (checksum ${[...states.keys()][0]})`);
  if (SCALE > 0) {
    const f = median(scale.first);
    const a = median(scale.again);
    const ok = Math.max(f, a) < 5 && scale.rss < 300;
    console.log(`\n${SCALE} inventory hosts (aliases over the ${HOSTS} ${opts['local-sshd'] ? 'sshds' : 'containers'}), playbook -f ${SCALE}: first run ${f.toFixed(2)} s, re-run ${a.toFixed(2)} s, peak memory ${scale.rss.toFixed(0)} MB (target: under 5 s and 300 MB) ${ok ? 'ok' : 'SHORT'}`);
    console.log(`re-run CPU: playbook ${median(scale.cpuAgain).toFixed(2)} s, hosts ${scale.hostsCpuAgain.length ? `${median(scale.hostsCpuAgain).toFixed(2)} s` : '?'}`);
  }

  // 6. Where our time goes.
  if (opts.profile && TOOLS.includes('playbook')) {
    const profiles = mkdtempSync(path.join(tmpdir(), 'pb-bench-profiles-'));
    const runs: Array<[string, string, number]> = [[`${HOSTS} hosts`, p.inventory, HOSTS]];
    if (SCALE > 0) runs.push([`${SCALE} aliases`, p.scaleInventory, SCALE]);
    for (const [label, inventory, forks] of runs) {
      const out = path.join(profiles, label.replace(/\s+/g, '-'));
      // A first run (not profiled) makes the profiled run the idempotent re-run.
      await clean(p, machines);
      const plain = command('playbook', p, inventory, forks);
      verify('playbook', await run(plain.cmd, { cwd: dir, env: plain.env }), forks, false);
      const { cmd, env } = command('playbook', p, inventory, forks, out);
      const r = await run(cmd, { cwd: dir, env });
      verify('playbook', r, forks, true);
      const file = readdirSync(out).find((f) => f.endsWith('.cpuprofile'))!;
      console.log(`\nCPU profile of the re-run on ${label} (${r.seconds.toFixed(2)} s wall, node --cpu-prof): ${path.join(out, file)}`);
      console.log(summarizeProfile(JSON.parse(readFileSync(path.join(out, file), 'utf8')), { root, ours: [build, path.join(root, 'src')] }));
    }
  }
  return 0;
}

// ---------------------------------------------------------------------------------------------
// Cleanup on every exit path: the containers (or sshds), the control masters, the work directory.

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
  process.stderr.write(`bench: ${e instanceof Error ? e.message : String(e)}\n`);
} finally {
  await cleanup();
}
process.exit(code);
