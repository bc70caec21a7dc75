/** Task keywords as a task sees them: its own, else inherited from its blocks, role entry and play. */
import { type Task, blockChain } from '../playbook/model.js';
import type { Templar } from '../template/index.js';
import { truthy } from '../python/values.js';
import { conditionList } from './conditionals.js';
import type { PlayContext } from './vars.js';

/** The keyword as the nearest of the task's blocks sets it; undefined when none does. */
export function fromBlocks(task: Task, key: string): unknown {
  for (const block of blockChain(task).reverse()) if (block.keywords[key] !== undefined) return block.keywords[key];
  return undefined;
}

/** A keyword from the task, or inherited from its blocks (nearest wins), or the role entry, or the play. */
export function inherited(task: Task, key: string, pc: PlayContext): unknown {
  if (task.keywords[key] !== undefined) return task.keywords[key];
  const fromBlock = fromBlocks(task, key);
  if (fromBlock !== undefined) return fromBlock;
  if (task.role && task.role.keywords[key] !== undefined) return task.role.keywords[key];
  return pc.play.keywords[key];
}

/** An inherited yes/no keyword (run_once, no_log, any_errors_fatal, ...), templated with the extra vars; false when unset. */
export function inheritedFlag(task: Task, key: string, pc: PlayContext, templar: Templar): boolean {
  const value = inherited(task, key, pc);
  return value !== undefined && truthy(templar.templateValue(value, pc.extraVars));
}

/**
 * An inherited yes/no keyword templated with one host's variables (`no_log: "{{ secret | length > 0 }}"`
 * may use role defaults, facts, registered results); `onError` when the template fails.
 */
export function hostFlag(task: Task, key: string, pc: PlayContext, bound: () => { templateValue(value: unknown): unknown }, onError: boolean): boolean {
  const value = inherited(task, key, pc);
  if (value === undefined) return false;
  try {
    return truthy(bound().templateValue(value));
  } catch {
    return onError;
  }
}

/** `when` conditions from the blocks down to the task, all of which must hold. */
export function allWhen(task: Task): unknown[] {
  const out: unknown[] = [];
  for (const block of blockChain(task)) out.push(...conditionList(block.keywords['when']));
  out.push(...conditionList(task.keywords['when']));
  return out;
}
