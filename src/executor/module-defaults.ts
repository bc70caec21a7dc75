/**
 * module_defaults: arguments a play, role, block or task gives every task of a module. Each level
 * holds a mapping (or a list of mappings) from module names to arguments; the outer levels come
 * first and an inner level's entry for a module replaces the outer one's whole (`debug: {}` drops
 * what an outer level gave, as Ansible's dict.update of the levels does), and the task's own
 * arguments override them all. A key
 * applies to a task when it names the same module, in any spelling (`service`,
 * `ansible.builtin.service`, `ansible.legacy.service`). Action groups (`group/...`) are not
 * supported: none of our modules belongs to one.
 */
import { type Task, blockChain } from '../playbook/model.js';
import type { Module } from '../modules/types.js';
import { isDict } from '../python/values.js';
import type { PlayContext } from './vars.js';

type DefaultsEntry = Record<string, unknown>;

/** Every module_defaults mapping above and on the task, outermost first. */
function defaultsChain(task: Task, pc: PlayContext): DefaultsEntry[] {
  const levels: unknown[] = [pc.play.keywords['module_defaults']];
  const roles = [];
  for (let r = task.role; r; r = r.parentRole) roles.unshift(r);
  for (const role of roles) levels.push(role.keywords['module_defaults']);
  for (const block of blockChain(task)) levels.push(block.keywords['module_defaults']);
  levels.push(task.keywords['module_defaults']);
  return levels.flatMap((level) => (Array.isArray(level) ? level : [level])).filter(isDict);
}

/** True when the task or anything above it sets module_defaults. */
export function hasModuleDefaults(task: Task, pc: PlayContext): boolean {
  return defaultsChain(task, pc).length > 0;
}

/**
 * The default arguments (untemplated) for `module` from the task's module_defaults, merged in order;
 * `resolve` maps a key to the module it names.
 */
export function moduleDefaultsFor(task: Task, pc: PlayContext, module: Module, resolve: (name: string) => Module | undefined): Record<string, unknown> {
  let merged: Record<string, unknown> = {};
  for (const entry of defaultsChain(task, pc)) {
    for (const [key, args] of Object.entries(entry)) {
      if (isDict(args) && !key.startsWith('group/') && resolve(key) === module) merged = { ...args };
    }
  }
  return merged;
}

/** The defaults given under a plain name (such as `systemd` or `sysvinit` for service's backend). */
export function moduleDefaultsNamed(task: Task, pc: PlayContext, name: string): Record<string, unknown> {
  const names = new Set([name, `ansible.builtin.${name}`, `ansible.legacy.${name}`]);
  let merged: Record<string, unknown> = {};
  for (const entry of defaultsChain(task, pc)) {
    for (const [key, args] of Object.entries(entry)) if (isDict(args) && names.has(key)) merged = { ...args };
  }
  return merged;
}
