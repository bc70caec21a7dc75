/**
 * What a module is given for one task on one host (ModuleContext): the connection, chosen by
 * connection variables in Ansible's precedence, become, the task's environment, and the task's
 * variables, templating and controller-side files.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Become, Connection } from '../connection/types.js';
import type { ModuleContext } from '../modules/types.js';
import { type Task, blockChain } from '../playbook/model.js';
import { loadYamlFile } from '../playbook/yaml.js';
import type { BoundTemplar } from '../template/index.js';
import { Undefined, isDict, pyStr, truthy } from '../python/values.js';
import type { RunContext } from './context.js';
import { inherited } from './keywords.js';
import { moduleOfTask } from './python-modules.js';
import { type PlayContext, taskSearchPath } from './vars.js';
import { evaluateConditional } from './conditionals.js';

/** One module call: the task, the host it is for, and the host it runs on (the delegate, or the same). */
export interface ModuleCall {
  pc: PlayContext;
  task: Task;
  host: string;
  target: string;
  /** The task's templar on `host`. */
  bound: BoundTemplar;
  checkMode: boolean;
  diffMode: boolean;
  /** Where a module's progress lines go (the run's reporters). */
  progress?: (message: string) => void;
  /** Where a module's -v lines go. */
  verbose?: (message: string) => void;
}

export async function moduleContext(runContext: RunContext, call: ModuleCall): Promise<ModuleContext> {
  const { pc, task, host, target, bound, checkMode, diffMode } = call;
  const module = moduleOfTask(runContext.modules, runContext.pythonModules, task, pc);
  const connectionVars = connectionVariables(runContext, call);
  const conn = module?.controllerOnly ? undefined : await runContext.connections.get(target, connectionVars);
  const env = environment(pc, task, bound);
  const becoming = become(runContext, pc, task, bound);
  const searchPath = taskSearchPath(task, runContext.vm.playbookDir);
  const connect = (): Promise<Connection> => runContext.connections.get(target, connectionVars);
  return {
    host,
    target,
    connectionVariable: (name, variable) => definedValue(connectionVariables(runContext, { ...call, target: name })(variable)),
    ...(call.progress ? { progress: call.progress } : {}),
    ...(call.verbose ? { verbose: call.verbose } : {}),
    noLog: truthy(bound.templateValue(inherited(task, 'no_log', pc) ?? false)),
    // A controller-only module has no connection open; one that needs it asks connect().
    get conn() {
      if (!conn) throw new Error(`${task.action} runs on the controller: it has no connection to ${target} (ctx.connect() opens one)`);
      return conn;
    },
    connect,
    facts: runContext.facts.of(target).bind(conn ? () => Promise.resolve(conn) : connect, becoming, env),
    checkMode,
    diffMode,
    become: becoming,
    environment: env,
    verbosity: pc.verbosity,
    findFile: (kind, name) => findFile(searchPath, kind, name),
    playbookDir: runContext.vm.playbookDir,
    loadDataFile: loadYamlFile,
    // The template's own directory is searched first for includes and imports.
    renderTemplate: (source, options, extraVars) =>
      bound.renderTemplate(source, { file: options.file, line: 1, column: 1, searchPath: [path.dirname(options.file), ...searchPath], syntax: options.syntax ?? {}, keepPythonTypes: false }, extraVars),
    variable: (name) => bound.variable(name),
    evaluate: (expression) => bound.evaluateExpression(expression, { escapeBackslashes: false }),
    evaluateConditional: (condition, deprecate) => evaluateConditional(condition, bound, task.locations['args.that'] ?? task.location, deprecate),
  };
}

/**
 * Connection settings, highest first: the connection keyword, the host's variables, the
 * remote_user/port keywords, then the command line and ansible.cfg. When delegating, the
 * variables are the delegate's, as in Ansible.
 */
function connectionVariables(runContext: RunContext, call: ModuleCall): (name: string) => unknown {
  const { pc, task, host, target, bound } = call;
  // The variables the connection adds to a task's (ansible_host, ...) do not choose it.
  const connectionOnly = target === host ? runContext.vm.connectionOnlyNames(pc, host, task) : new Set<string>();
  const targetVar = (name: string): unknown =>
    connectionOnly.has(name) ? undefined : target === host ? bound.variable(name) : runContext.vm.bind(pc, target, undefined, undefined, { keepPythonTypes: true }).variable(name);
  const connectionKw = inherited(task, 'connection', pc);
  const keywordFor: Record<string, string> = { ansible_user: 'remote_user', ansible_port: 'port' };
  return (name) => {
    if (name === 'ansible_connection' && connectionKw !== undefined && target === host) return pyStr(bound.templateValue(connectionKw));
    const value = definedValue(targetVar(name));
    if (value !== undefined && value !== null) return value;
    const keyword = keywordFor[name];
    const kw = keyword ? inherited(task, keyword, pc) : undefined;
    if (kw !== undefined && kw !== null) return bound.templateValue(kw);
    return runContext.options.connectionDefaults[name];
  };
}

/** `environment:` of the play, the blocks and the task, the inner ones winning. */
function environment(pc: PlayContext, task: Task, bound: BoundTemplar): Record<string, string> {
  const out: Record<string, string> = {};
  const chain: unknown[] = [pc.play.keywords['environment'], ...blockChain(task).map((b) => b.keywords['environment']), task.keywords['environment']];
  for (const env of chain) {
    if (env === undefined || env === null) continue;
    const value = bound.templateValue(env);
    if (isDict(value)) for (const [k, v] of Object.entries(value)) out[k] = pyStr(v);
  }
  return out;
}

/** become keywords over ansible_become* variables over the command line (-b) and ansible.cfg; the password from the variables or -K. */
function become(runContext: RunContext, pc: PlayContext, task: Task, bound: BoundTemplar): Become | undefined {
  const defaults = runContext.options.connectionDefaults;
  const becomeKw = inherited(task, 'become', pc) ?? definedValue(bound.variable('ansible_become')) ?? defaults['ansible_become'];
  if (becomeKw === undefined || becomeKw === null || !truthy(bound.templateValue(becomeKw))) return undefined;
  const user = inherited(task, 'become_user', pc) ?? definedValue(bound.variable('ansible_become_user')) ?? defaults['ansible_become_user'] ?? 'root';
  const method = inherited(task, 'become_method', pc) ?? definedValue(bound.variable('ansible_become_method')) ?? defaults['ansible_become_method'] ?? 'sudo';
  const password = definedValue(bound.variable('ansible_become_password')) ?? definedValue(bound.variable('ansible_become_pass')) ?? runContext.options.becomePassword;
  const out: Become = { user: pyStr(bound.templateValue(user)), method: pyStr(bound.templateValue(method)) === 'su' ? 'su' : 'sudo' };
  if (password !== undefined && password !== null) out.password = pyStr(password);
  return out;
}

/** A variable's value, or undefined when it is not defined. */
function definedValue(value: unknown): unknown {
  return value instanceof Undefined ? undefined : value;
}

/** A controller-side file: `kind/name` then `name` in each directory; an absolute name as is. */
export function findFile(searchPath: readonly string[], kind: string, name: string): string | undefined {
  if (path.isAbsolute(name)) return existsSync(name) ? name : undefined;
  for (const dir of searchPath) {
    for (const candidate of [path.join(dir, kind, name), path.join(dir, name)]) if (existsSync(candidate)) return candidate;
  }
  return undefined;
}
