/**
 * A module playbook does not carry, run as Ansible runs it: ansible-core on the controller builds
 * the payload (the AnsiballZ zip of the module and its module_utils, with the arguments), the
 * target's Python runs it from stdin as under Ansible's pipelining, and the one JSON object it
 * prints is the task's result. The module checks its own arguments and answers check and diff
 * mode itself, so the engine hands them through; register, loops, changed_when and no_log work on
 * its result like any other.
 */
import { quote } from '../../python/shlex.js';
import { pyJsonDumps } from '../../python/serialize.js';
import { pyStr } from '../../python/values.js';
import type { Module, ModuleContext, ModuleResult } from '../types.js';
import { type Payload, type PayloadRequest, ansiblePythonCandidates, buildPayload, controllerAnsible } from './controller.js';
import type { FoundModule } from './find.js';
import { moduleResult } from './result.js';

export interface PythonModuleOptions {
  /** Where collections are installed, for the module_utils a collection's module imports. */
  readonly collectionsPaths: readonly string[];
  /** The playbook's directory: ansible-core reads its ansible.cfg there, as ansible-playbook does. */
  readonly cwd: string;
}

/** The target's Python when the host sets none: what Ansible's interpreter discovery finds on the hosts playbook targets. */
const DEFAULT_INTERPRETER = '/usr/bin/python3';

/** Why the task fails when no Python on the controller has ansible-core (`tried`: the Pythons asked). */
export function noAnsibleMessage(found: FoundModule, tried: readonly string[]): string {
  return (
    `module '${found.name}' (${found.file}) is a Python module: running it needs ansible-core on the controller ` +
    `(pip install ansible-core, or set PLAYBOOK_ANSIBLE_PYTHON to a Python that has it; ${tried.length ? `no ansible in ${tried.join(', ')}` : 'no python3 on PATH'})`
  );
}

/** The Module for a found file; one per file for the run. */
export function pythonModule(found: FoundModule, options: PythonModuleOptions): Module {
  return {
    name: found.name,
    // The module answers check mode itself (skipped, "does not support check mode"), as under Ansible.
    supportsCheckMode: true,
    spec: { options: {} },
    bind(args) {
      return { args, run: (ctx) => runPythonModule(found, args, ctx, options) };
    },
    // Its arguments are known only to the module: it checks them when it runs.
    checkArgumentNames() {},
  };
}

/**
 * Payloads already built, by everything that goes into one: the hosts of a task share one build.
 * A payload is a few hundred kB (the module_utils travel with it), so only the latest are kept.
 */
const payloads = new Map<string, Promise<Payload>>();
const KEPT_PAYLOADS = 16;

function cachedPayload(key: string, build: () => Promise<Payload>): Promise<Payload> {
  let built = payloads.get(key);
  if (built) {
    // Most recently used last, so the oldest goes first.
    payloads.delete(key);
  } else {
    built = build();
    // A failed build is not kept: the next task tries again.
    built.catch(() => payloads.delete(key));
  }
  payloads.set(key, built);
  while (payloads.size > KEPT_PAYLOADS) payloads.delete(payloads.keys().next().value!);
  return built;
}

/** The host's ansible_python_interpreter (the delegate's under delegate_to); `auto*` and unset mean the default. */
export function interpreterOf(ctx: ModuleContext): string {
  const v = ctx.connectionVariable(ctx.target, 'ansible_python_interpreter');
  return v === null || v === undefined || pyStr(v) === '' || /^auto/.test(pyStr(v)) ? DEFAULT_INTERPRETER : pyStr(v);
}

async function runPythonModule(found: FoundModule, args: Record<string, unknown>, ctx: ModuleContext, options: PythonModuleOptions): Promise<ModuleResult> {
  const ansible = await controllerAnsible();
  if (!ansible) return { changed: false, failed: true, msg: noAnsibleMessage(found, ansiblePythonCandidates()) };
  const interpreter = interpreterOf(ctx);
  const request: PayloadRequest = {
    module_name: found.name,
    module_path: found.file,
    module_args: args,
    internal: {
      check_mode: ctx.checkMode,
      no_log: ctx.noLog ?? false,
      diff: ctx.diffMode,
      verbosity: ctx.verbosity,
      shell_executable: '/bin/sh',
      remote_tmp: '~/.ansible/tmp',
    },
    interpreter,
    collections_paths: [...options.collectionsPaths],
  };
  const payload = await cachedPayload(pyJsonDumps(request, { sortKeys: true }), () => buildPayload(ansible, request, options.cwd));
  const how = payload.style === 'new' ? `python module ${found.name} from ${found.file}` : `module ${found.name} from ${found.file}`;
  const runs = payload.style === 'new' ? `${interpreter} on the host` : `${payload.style} style, an args file on the host`;
  ctx.verbose?.(`<${ctx.target}> ${how} (ansible-core ${ansible.version} at ${ansible.location}; ${runs})`);
  if (payload.style === 'new') {
    const r = await ctx.conn.exec([interpreter], { stdin: payload.payload, become: ctx.become, env: ctx.environment });
    return moduleResult(r, interpreter, { keepStderr: ctx.async !== undefined });
  }
  return runWithArgsFile(ctx, payload, interpreter);
}

/**
 * Old-style, WANT_JSON and binary modules read their arguments from a file named on their command
 * line (k=v text for old style, JSON for the others), as Ansible gives it; module and file go into
 * a private temporary directory on the host, removed afterwards.
 */
async function runWithArgsFile(ctx: ModuleContext, payload: Payload, interpreter: string): Promise<ModuleResult> {
  const made = await ctx.conn.exec('umask 77 && mktemp -d "${TMPDIR:-/tmp}/ansible-tmp-XXXXXXXX"', { become: ctx.become });
  const dir = made.stdout.trim();
  if (made.rc !== 0 || !dir) {
    return { changed: false, failed: true, msg: `could not make a temporary directory on the host: ${made.stderr.trim()}`, rc: made.rc, stdout: made.stdout, stderr: made.stderr };
  }
  try {
    const modulePath = `${dir}/module`;
    const argsPath = `${dir}/args`;
    const argsText =
      payload.style === 'old'
        ? Object.entries(payload.args).map(([k, v]) => `${k}=${quote(pyStr(v))} `).join('')
        : pyJsonDumps(payload.args);
    await ctx.conn.writeFile(modulePath, payload.payload, { mode: 0o700 }, { become: ctx.become });
    await ctx.conn.writeFile(argsPath, argsText, { mode: 0o600 }, { become: ctx.become });
    // A script runs with the interpreter of its #! line (the host's Python for a python one); a binary runs itself.
    const shebang = payload.shebang?.replace(/^#!\s*/, '').trim();
    const argv = payload.style === 'binary' || !shebang ? [modulePath, argsPath] : [...shebang.split(/\s+/), modulePath, argsPath];
    const r = await ctx.conn.exec(argv, { become: ctx.become, env: ctx.environment });
    return moduleResult(r, shebang ?? interpreter, { keepStderr: ctx.async !== undefined });
  } finally {
    await ctx.conn.exec(['rm', '-rf', dir], { become: ctx.become });
  }
}
