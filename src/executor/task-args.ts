/**
 * A task's arguments as its module gets them: module_defaults under them, `args: "{{ ... }}"`
 * templates merged in, each value templated with its own position (conditionals left for the
 * module), omitted ones dropped. What fails is chained as ansible-core's TaskArgsFinalizer words it.
 */
import { UnreachableError } from '../connection/types.js';
import { ArgumentError } from '../modules/args.js';
import { resolvedActionName } from '../modules/ansible-builtin.js';
import type { Module } from '../modules/types.js';
import type { Task } from '../playbook/model.js';
import { RunError } from '../playbook/errors.js';
import type { BoundTemplar } from '../template/index.js';
import { isDict, pyStr, typeName } from '../python/values.js';
import { conditionArgument } from './conditionals.js';
import type { RunContext } from './context.js';
import { hasModuleDefaults, moduleDefaultsFor, moduleDefaultsNamed } from './module-defaults.js';
import { ArgsFinalizationError, dropOmitted } from './task-results.js';
import type { PlayContext } from './vars.js';

export function finalTaskArgs(runContext: RunContext, pc: PlayContext, task: Task, module: Module, bound: BoundTemplar): Record<string, unknown> {
  const templated: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(finalizing(task, undefined, () => argsWithDefaults(runContext, pc, task, module, bound)))) {
    const at = task.locations[`args.${key}`] ?? task.location;
    const where = { file: at.file, line: at.line, column: at.column };
    // set_fact's variable names may be templates too ("seen_{{ idx }}").
    const name = task.action === 'set_fact' && key.includes('{{') ? pyStr(finalizing(task, key, () => bound.templateValue(key, where))) : key;
    templated[name] = module.conditionArgs?.includes(key) ? conditionArgument(value, bound, at) : finalizing(task, key, () => bound.templateValue(value, where));
  }
  return dropOmitted(templated) as Record<string, unknown>;
}

/** The task's arguments over its module_defaults (for service, also those of the service manager it drives, as Ansible's action does). */
function argsWithDefaults(runContext: RunContext, pc: PlayContext, task: Task, module: Module, bound: BoundTemplar): Record<string, unknown> {
  const written = task.argTemplates ? { ...argsFromTemplates(task, bound), ...task.args } : task.args;
  if (!hasModuleDefaults(task, pc)) return written;
  const { modules, pythonModules } = runContext;
  // A module_defaults key names the task's module when it resolves to it (a Python module: to its file).
  const resolve = (name: string): Module | undefined => {
    const m = pythonModules?.findAction(name, task.role) ?? modules.get(name) ?? pythonModules?.find(name, task.role);
    return m !== undefined && m !== module && pythonModules?.sameFile(m, module) ? module : m;
  };
  let args = { ...moduleDefaultsFor(task, pc, module, resolve), ...written };
  if (module === modules.get('service')) {
    const use = pyStr(bound.templateValue(args['use'] ?? 'auto'));
    const backend = use === 'auto' ? pyStr(bound.templateValue("{{ ansible_facts['service_mgr'] | default('') }}")) : use;
    const driven = modules.get(backend);
    if (backend) args = { ...(driven ? moduleDefaultsFor(task, pc, driven, (name) => modules.get(name)) : moduleDefaultsNamed(task, pc, backend)), ...args };
  }
  return args;
}

/** `args: "{{ opts }}"` and `assert: "{{ item }}"`: each template must give a mapping (Ansible's TaskArgsFinalizer). */
function argsFromTemplates(task: Task, bound: BoundTemplar): Record<string, unknown> {
  let args: Record<string, unknown> = {};
  for (const template of task.argTemplates ?? []) {
    const value = bound.templateValue(template, task.locations['args'] ?? task.location);
    if (!isDict(value)) throw new Error(`Task args must resolve to a 'dict' not '${typeName(value)}'.`);
    args = { ...args, ...value };
  }
  return args;
}

/**
 * Runs one step of finalizing a task's arguments; what it throws is chained as ansible-core's
 * TaskArgsFinalizer does (an unreachable host and a run-ending error pass through).
 */
function finalizing<T>(task: Task, key: string | undefined, step: () => T): T {
  try {
    return step();
  } catch (e) {
    if (e instanceof UnreachableError || e instanceof RunError || e instanceof ArgumentError) throw e;
    throw new ArgsFinalizationError(resolvedActionName(task.action), key, e);
  }
}
