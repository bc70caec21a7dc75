/** A task's loop (`loop:` or `with_<lookup>:`): its items and each item's variables, as Ansible's TaskExecutor gives them. */
import type { Task } from '../playbook/model.js';
import type { BoundTemplar } from '../template/index.js';
import { isDict, typeName } from '../python/values.js';

/** The items of a task that has a loop: a with_X lookup's result, or the templated `loop:` list. */
export function loopItems(task: Task, bound: BoundTemplar): unknown[] {
  const raw = task.keywords['loop'];
  // with_X: the lookup runs on the task's template context (a list is its terms, anything else its one term).
  if (task.loopLookup) return bound.runLookup(task.loopLookup, raw, task.action);
  const value = bound.templateValue(raw);
  if (!Array.isArray(value)) {
    throw new Error(`The \`loop\` value must resolve to a 'list', not '${typeName(value)}'.`);
  }
  return value;
}

/**
 * The task's loop_control (empty when absent), its options templated with the task's variables
 * (`loop_var: "{{ name }}"`); `label` and `break_when` stay as written, they are per item.
 */
export function loopControl(task: Task, bound: BoundTemplar): Record<string, unknown> {
  const control = task.keywords['loop_control'];
  if (!isDict(control)) return {};
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(control)) out[key] = key === 'label' || key === 'break_when' ? value : bound.templateValue(value);
  return out;
}

/** The variables one loop item runs with (`control` from loopControl): the loop var, the index var, ansible_loop under `extended`. */
export function loopItemVars(control: Record<string, unknown>, items: readonly unknown[], index: number): Record<string, unknown> {
  const loopVar = String(control['loop_var'] ?? 'item');
  const indexVar = control['index_var'] === undefined ? undefined : String(control['index_var']);
  const item = items[index];
  const locals: Record<string, unknown> = { [loopVar]: item, ansible_loop_var: loopVar };
  if (indexVar) {
    locals[indexVar] = index;
    locals['ansible_index_var'] = indexVar;
  }
  if (control['extended']) {
    locals['ansible_loop'] = {
      index: index + 1, index0: index, revindex: items.length - index, revindex0: items.length - index - 1,
      first: index === 0, last: index === items.length - 1, length: items.length,
      // previtem/nextitem are absent (undefined for templates) at the ends.
      ...(index > 0 ? { previtem: items[index - 1] } : {}),
      ...(index < items.length - 1 ? { nextitem: items[index + 1] } : {}),
      ...(control['extended_allitems'] === false ? {} : { allitems: items }),
    };
  }
  return locals;
}
