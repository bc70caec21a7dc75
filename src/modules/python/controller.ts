/**
 * The controller's ansible-core: which Python has `ansible` importable, and building a module's
 * payload with it (build_payload.py). playbook carries no Python of its own; a module it does not
 * carry runs only where the user has ansible-core, as under ansible-playbook.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Duplex } from 'node:stream';
import { pyJsonDumps } from '../../python/serialize.js';
import { ACTION_SCRIPT, JINJA_PLUGIN_SCRIPT, LOOKUP_SCRIPT, PAYLOAD_SCRIPT } from '../python-script.js';
import { type HostOperations, serveHostChannel } from './host-channel.js';

export interface ControllerAnsible {
  /** The Python that imports ansible. */
  readonly python: string;
  /** ansible-core's version (2.19.14). */
  readonly version: string;
  /** The `ansible` package's folder. */
  readonly location: string;
}

/** A command that ran on the controller: what it was, its exit code and output, for messages. */
export class ControllerCommandError extends Error {
  override name = 'ControllerCommandError';
  constructor(
    message: string,
    readonly command: readonly string[],
    readonly rc: number | null,
    readonly stdout: string,
    readonly stderr: string,
  ) {
    super(message);
  }
}

function onPath(program: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env['PATH'] ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, program);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** The interpreter on the `#!` line of a script (ansible-playbook's names the Python it was installed with). */
function shebangInterpreter(file: string): string | undefined {
  try {
    const first = readFileSync(file, 'utf8').slice(0, 512).split('\n', 1)[0] ?? '';
    const m = /^#!\s*(\S+)(?:\s+(\S+))?/.exec(first);
    if (!m) return undefined;
    // `#!/usr/bin/env python3`: the program env runs.
    return path.basename(m[1]!) === 'env' && m[2] ? onPath(m[2], process.env) : m[1];
  } catch {
    return undefined;
  }
}

/**
 * The Pythons that may have ansible-core, in the order they are tried: PLAYBOOK_ANSIBLE_PYTHON
 * alone when set; else the one ansible-playbook on PATH runs with, then python3. Found without
 * running anything (the up-front check looks for collections in their site-packages).
 */
export function ansiblePythonCandidates(env: NodeJS.ProcessEnv = process.env): string[] {
  const chosen = env['PLAYBOOK_ANSIBLE_PYTHON'];
  if (chosen) return [chosen];
  const out: string[] = [];
  const playbook = onPath('ansible-playbook', env);
  const fromShebang = playbook ? shebangInterpreter(playbook) : undefined;
  if (fromShebang) out.push(fromShebang);
  const python3 = onPath('python3', env);
  if (python3 && !out.includes(python3)) out.push(python3);
  return out;
}

const PROBE = 'import json, ansible, ansible.release; print(json.dumps({"version": ansible.release.__version__, "location": ansible.__path__[0]}))';

interface Ran {
  rc: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a Python script; with `host`, fd 3 of the process is the channel its action plugin reaches the host through. */
function run(command: string, args: readonly string[], input: string, cwd: string | undefined, host?: HostOperations): Promise<Ran> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, stdio: host ? ['pipe', 'pipe', 'pipe', 'pipe'] : ['pipe', 'pipe', 'pipe'] });
    const channel = child.stdio[3];
    if (host && channel instanceof Duplex) serveHostChannel(channel, channel, host);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => resolve({ rc: null, stdout: '', stderr: e.message }));
    child.on('close', (rc) => resolve({ rc, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}

const probes = new Map<string, Promise<ControllerAnsible | undefined>>();

function probe(python: string): Promise<ControllerAnsible | undefined> {
  let p = probes.get(python);
  if (!p) {
    p = run(python, ['-c', PROBE], '', undefined).then((r) => parseProbe(python, r.rc, r.stdout));
    probes.set(python, p);
  }
  return p;
}

function parseProbe(python: string, rc: number | null, stdout: string): ControllerAnsible | undefined {
  if (rc !== 0) return undefined;
  try {
    const data = JSON.parse(stdout.trim()) as { version: string; location: string };
    return { python, version: data.version, location: data.location };
  } catch {
    return undefined;
  }
}

const syncProbes = new Map<string, ControllerAnsible | undefined>();

/**
 * controllerAnsible for a caller that cannot wait: a lookup runs inside the Jinja interpreter,
 * which is synchronous. Each Python is asked once per run.
 */
export function controllerAnsibleSync(env: NodeJS.ProcessEnv = process.env): ControllerAnsible | undefined {
  for (const python of ansiblePythonCandidates(env)) {
    if (!syncProbes.has(python)) {
      const r = spawnSync(python, ['-c', PROBE], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      syncProbes.set(python, r.error ? undefined : parseProbe(python, r.status, r.stdout));
    }
    const found = syncProbes.get(python);
    if (found) return found;
  }
  return undefined;
}

/** The first candidate Python that imports ansible (each is asked once per run); undefined when none does. */
export async function controllerAnsible(env: NodeJS.ProcessEnv = process.env): Promise<ControllerAnsible | undefined> {
  for (const python of ansiblePythonCandidates(env)) {
    const found = await probe(python);
    if (found) return found;
  }
  return undefined;
}

export interface PayloadRequest {
  module_name: string;
  module_path: string;
  module_args: Record<string, unknown>;
  internal: {
    check_mode: boolean;
    no_log: boolean;
    diff: boolean;
    verbosity: number;
    shell_executable: string;
    remote_tmp: string;
  };
  interpreter: string;
  collections_paths: string[];
}

export interface Payload {
  /** module_common's module_style: new (AnsiballZ), old (k=v args file), non_native_want_json, binary. */
  style: 'new' | 'old' | 'non_native_want_json' | 'binary';
  shebang: string | null;
  /** The module as it is sent: the AnsiballZ wrapper for a new-style module, else the file (shebang fixed). */
  payload: Buffer;
  /** The arguments with the _ansible_* ones, as an args file carries them. */
  args: Record<string, unknown>;
}

/** Builds the payload with ansible-core (build_payload.py), in the playbook's directory so its ansible.cfg applies. */
export async function buildPayload(ansible: ControllerAnsible, request: PayloadRequest, cwd: string): Promise<Payload> {
  const command = [ansible.python, PAYLOAD_SCRIPT];
  // Python's json.dumps keeps a float a float (3.0), as the module's argument types expect.
  const r = await run(ansible.python, [PAYLOAD_SCRIPT], pyJsonDumps(request), cwd);
  let data: { error?: string; style?: Payload['style']; shebang?: string | null; payload?: string; args?: Record<string, unknown> };
  try {
    data = JSON.parse(r.stdout) as typeof data;
  } catch {
    throw new ControllerCommandError(
      `building the payload of module ${request.module_name} with ansible-core failed (${command.join(' ')}: exit ${String(r.rc)}): ${(r.stderr.trim() || r.stdout.trim()).split('\n').slice(-5).join('\n')}`,
      command, r.rc, r.stdout, r.stderr,
    );
  }
  if (data.error !== undefined || data.style === undefined || data.payload === undefined) {
    throw new ControllerCommandError(`ansible-core could not build module ${request.module_name} (${request.module_path}): ${data.error ?? 'no payload'}`, command, r.rc, r.stdout, r.stderr);
  }
  return { style: data.style, shebang: data.shebang ?? null, payload: Buffer.from(data.payload, 'base64'), args: data.args ?? {} };
}

export interface ActionRequest {
  plugin_path: string;
  action: string;
  args: Record<string, unknown>;
  check_mode: boolean;
  diff: boolean;
  verbosity: number;
  no_log: boolean;
  collections_paths: string[];
  /** The task's environment, for the commands and modules the plugin runs on the host. */
  environment: Record<string, string>;
  /** The host's connection type as Ansible names it (local, ssh, docker). */
  transport: string;
  remote_addr: string | null;
  remote_user: string | null;
  /** The variables the plugin gets: the host's connection variables, ansible_python_interpreter. */
  task_vars: Record<string, unknown>;
}

/** The file descriptor of the host channel in run_action.py's process. */
const CHANNEL_FD = 3;

/**
 * Runs an action_plugins/ file's ActionModule with ansible-core on the controller (run_action.py);
 * its result. What it does on the host goes through `host`.
 */
export async function runActionPlugin(ansible: ControllerAnsible, request: ActionRequest, cwd: string, host: HostOperations): Promise<Record<string, unknown>> {
  const command = [ansible.python, ACTION_SCRIPT];
  const r = await run(ansible.python, [ACTION_SCRIPT], pyJsonDumps({ ...request, channel_fd: CHANNEL_FD }), cwd, host);
  let data: { error?: string; result?: Record<string, unknown> };
  try {
    data = JSON.parse(r.stdout) as typeof data;
  } catch {
    throw new ControllerCommandError(
      `running action plugin ${request.plugin_path} with ansible-core failed (${command.join(' ')}: exit ${String(r.rc)}): ${(r.stderr.trim() || r.stdout.trim()).split('\n').slice(-5).join('\n')}`,
      command, r.rc, r.stdout, r.stderr,
    );
  }
  if (data.error !== undefined || data.result === undefined) {
    throw new ControllerCommandError(`ansible-core could not load action plugin ${request.plugin_path}: ${data.error ?? 'no result'}`, command, r.rc, r.stdout, r.stderr);
  }
  return data.result;
}

export interface LookupRequest {
  name: string;
  terms: unknown[];
  kwargs: Record<string, unknown>;
  variables: Record<string, unknown>;
  /** Playbook and role folders: ansible-core adds their lookup_plugins/ (and other *_plugins/). */
  plugin_dirs: string[];
  collections_paths: string[];
  basedir: string;
}

/** What run_lookup.py answered: the lookup's list, or why there is none. */
export type LookupAnswer = { result: unknown[] } | { error: string; kind: 'no-ansible' | 'not-found' | 'load' | 'run' };

/** Lines already passed on: each Python start loads the plugins again, and says the same warnings again. */
const saidLines = new Set<string>();

function passOn(stderr: string): void {
  const fresh = stderr.split('\n').filter((line) => line.trim() && !saidLines.has(line));
  for (const line of fresh) saidLines.add(line);
  if (fresh.length) process.stderr.write(`${fresh.join('\n')}\n`);
}

/**
 * Runs one of the Jinja-side scripts (run_lookup.py, run_jinja_plugin.py) with ansible-core on the
 * controller, in the playbook's directory so that its ansible.cfg applies; its JSON answer.
 * Synchronous on purpose: lookups, filters and tests are called from the synchronous Jinja
 * interpreter, and this long-tail path may block the event loop for one Python start. What the
 * plugin prints (warnings) is passed on to stderr.
 */
function runScriptSync<T>(ansible: ControllerAnsible, script: string, request: object, cwd: string, what: string): T {
  const command = [ansible.python, script];
  const r = spawnSync(ansible.python, [script], { cwd, input: pyJsonDumps(request), encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], maxBuffer: 256 * 1024 * 1024 });
  const stderr = r.stderr ?? '';
  const stdout = r.stdout ?? '';
  try {
    const data = JSON.parse(stdout) as T;
    passOn(stderr);
    return data;
  } catch {
    throw new ControllerCommandError(
      `running ${what} with ansible-core failed (${command.join(' ')}: exit ${String(r.status)}): ${(r.error?.message ?? (stderr.trim() || stdout.trim())).split('\n').slice(-5).join('\n')}`,
      command, r.status, stdout, stderr,
    );
  }
}

/** Runs a lookup plugin with ansible-core on the controller (run_lookup.py). */
export function runLookupPlugin(ansible: ControllerAnsible, request: LookupRequest, cwd: string): LookupAnswer {
  return runScriptSync<LookupAnswer>(ansible, LOOKUP_SCRIPT, request, cwd, `lookup plugin ${request.name}`);
}

export interface JinjaPluginFolders {
  kind: 'filter' | 'test';
  /** Playbook and role folders: ansible-core adds their filter_plugins/ and test_plugins/. */
  plugin_dirs: string[];
  collections_paths: string[];
}

export interface JinjaPluginCall extends JinjaPluginFolders {
  name: string;
  value: unknown;
  args: unknown[];
  kwargs: Record<string, unknown>;
}

/** What run_jinja_plugin.py answered to a call: the result (floats tagged), or why there is none. */
export type JinjaPluginAnswer = { result: unknown } | { error: string; kind: 'no-ansible' | 'not-found' | 'load' | 'run' };

/** The filter or test names ansible-core finds in the folders (and its own), those failing to load included, with the file of each. */
export function listJinjaPlugins(ansible: ControllerAnsible, request: JinjaPluginFolders, cwd: string): Map<string, string | null> {
  const answer = runScriptSync<{ names?: Record<string, string | null>; error?: string }>(ansible, JINJA_PLUGIN_SCRIPT, { op: 'list', ...request }, cwd, `the ${request.kind} plugins`);
  // Not an empty listing: that would make a plugin that is there "No filter named".
  if (answer.error !== undefined || answer.names === undefined) throw new Error(`ansible-core ${ansible.version} (${ansible.python}) could not list the ${request.kind} plugins: ${answer.error ?? 'no names in its answer'}`);
  return new Map(Object.entries(answer.names));
}

/** Runs a filter or test plugin with ansible-core on the controller (run_jinja_plugin.py). */
export function runJinjaPlugin(ansible: ControllerAnsible, request: JinjaPluginCall, cwd: string): JinjaPluginAnswer {
  return runScriptSync<JinjaPluginAnswer>(ansible, JINJA_PLUGIN_SCRIPT, { op: 'call', ...request }, cwd, `${request.kind} plugin ${request.name}`);
}
