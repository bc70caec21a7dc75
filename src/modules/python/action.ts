/**
 * An action plugin from an action_plugins/ folder (the playbook's, a role's): under its file name
 * it takes the task's unqualified action over the module of that name, as in Ansible. It runs on
 * the controller with ansible-core (run_action.py), after module_defaults and templating; what it
 * returns is the task's result. What it does on the host (commands, modules, file transfers) runs
 * over playbook's connection to the host, opened when it first asks (host-channel.ts).
 */
import { readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { type Connection, UnreachableError } from '../../connection/types.js';
import { pyStr } from '../../python/values.js';
import type { Module, ModuleContext, ModuleResult } from '../types.js';
import { ansiblePythonCandidates, controllerAnsible, runActionPlugin } from './controller.js';
import type { HostOperations } from './host-channel.js';
import { interpreterOf } from './module.js';

export interface ActionPluginOptions {
  readonly collectionsPaths: readonly string[];
  /** The playbook's directory: ansible-core reads its ansible.cfg there. */
  readonly cwd: string;
}

/** Whether the plugin's ActionModule says `supports_raw_params = True` (read from its source, nothing run). */
function declaresRawParams(file: string): boolean {
  try {
    return /^\s+supports_raw_params\s*=\s*True\b/m.test(readFileSync(file, 'utf8'));
  } catch {
    return false;
  }
}

/** The host's connection variables an action plugin sees in task_vars (ActionBase and the shell plugin read them). */
const CONNECTION_VARIABLES = ['ansible_connection', 'ansible_host', 'ansible_port', 'ansible_user', 'ansible_remote_tmp', 'ansible_shell_executable', 'ansible_shell_type'];

function plainValue(v: unknown): unknown {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : pyStr(v);
}

function connectionSettings(ctx: ModuleContext): { transport: string; remote_addr: string | null; remote_user: string | null; task_vars: Record<string, unknown> } {
  const taskVars: Record<string, unknown> = { inventory_hostname: ctx.host };
  for (const name of CONNECTION_VARIABLES) {
    const v = ctx.connectionVariable(ctx.target, name);
    if (v !== undefined && v !== null) taskVars[name] = plainValue(v);
  }
  taskVars['ansible_python_interpreter'] = interpreterOf(ctx);
  const connection = taskVars['ansible_connection'];
  // Ansible's connection plugins name their transport without the collection (ansible.builtin.local is 'local').
  const transport = typeof connection === 'string' ? connection.replace(/^ansible\.(builtin|legacy)\./, '') : 'ssh';
  const host = taskVars['ansible_host'];
  const user = taskVars['ansible_user'];
  return { transport, remote_addr: host === undefined ? ctx.target : pyStr(host), remote_user: user === undefined ? null : pyStr(user), task_vars: taskVars };
}

/**
 * The plugin's operations on the host, over playbook's connection (opened on first use), all as
 * the task's become user (as playbook's own modules run). An unreachable host is remembered, so
 * that the task is UNREACHABLE whatever the plugin makes of the failure.
 */
function hostOperations(ctx: ModuleContext): HostOperations & { unreachable(): UnreachableError | undefined } {
  let opened: Promise<Connection> | undefined;
  let unreachable: UnreachableError | undefined;
  const withConnection = async <T>(op: (conn: Connection) => Promise<T>): Promise<T> => {
    try {
      opened ??= ctx.connect();
      return await op(await opened);
    } catch (e) {
      if (e instanceof UnreachableError) unreachable ??= e;
      throw e;
    }
  };
  const become = ctx.become;
  return {
    exec: (command, options) =>
      withConnection((conn) => conn.exec(command, { ...(options.stdin ? { stdin: options.stdin } : {}), ...(options.cwd ? { cwd: options.cwd } : {}), ...(become ? { become } : {}) })),
    put: (src, dest) => withConnection(async (conn) => conn.writeFile(dest, await readFile(src), undefined, become ? { become } : {})),
    fetch: (src, dest) =>
      withConnection(async (conn) => {
        const data = await conn.readFile(src, become ? { become } : {});
        if (data === null) throw new Error(`file not found on the host: ${src}`);
        await writeFile(dest, data);
      }),
    unreachable: () => unreachable,
  };
}

export function pythonActionPlugin(name: string, file: string, options: ActionPluginOptions): Module {
  return {
    name,
    controllerOnly: true,
    takesRawParams: declaresRawParams(file),
    // The plugin answers check mode itself (ActionBase skips what does not support it).
    supportsCheckMode: true,
    spec: { options: {} },
    bind(args) {
      return {
        args,
        run: async (ctx): Promise<ModuleResult> => {
          const ansible = await controllerAnsible();
          if (!ansible) {
            const tried = ansiblePythonCandidates();
            return {
              changed: false,
              failed: true,
              msg: `action plugin '${name}' (${file}) runs with ansible-core on the controller (pip install ansible-core, or set PLAYBOOK_ANSIBLE_PYTHON; ${tried.length ? `no ansible in ${tried.join(', ')}` : 'no python3 on PATH'})`,
            };
          }
          const host = hostOperations(ctx);
          const result = await runActionPlugin(
            ansible,
            {
              plugin_path: file,
              action: name,
              args,
              check_mode: ctx.checkMode,
              diff: ctx.diffMode,
              verbosity: ctx.verbosity,
              no_log: ctx.noLog ?? false,
              collections_paths: [...options.collectionsPaths],
              environment: ctx.environment,
              ...connectionSettings(ctx),
            },
            options.cwd,
            host,
          );
          const lost = host.unreachable();
          if (lost) throw lost;
          return { changed: false, ...result } as ModuleResult;
        },
      };
    },
    // Its arguments are the plugin's business.
    checkArgumentNames() {},
  };
}
