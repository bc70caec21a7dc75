/**
 * What the task runner says of a result: whether the strategy counts it failed, the error line
 * above it, its message for a thrown error, what `register` keeps, the retry line's label, and the
 * delay keyword read as Python's float() reads it.
 */
import type { Task } from '../playbook/model.js';
import { type BoundTemplar, BrokenConditionalError, TemplateError, taskFailureDetail, taskFailureMessage } from '../template/index.js';
import { isDict, newDict, pyRepr, pyStr, setKey } from '../python/values.js';
import { taskTitle } from './task-title.js';
import { OMIT } from './vars.js';

/** Arguments with `omit` removed (in lists and mappings too). */
export function dropOmitted(value: unknown): unknown {
  if (Array.isArray(value)) return value.filter((v) => v !== OMIT).map(dropOmitted);
  if (isDict(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== OMIT) out[k] = dropOmitted(v);
    return out;
  }
  return value;
}

/**
 * Whether the strategy counts a result as failed (TaskResult.is_failed): a failed_when_result, in
 * the result or any loop item's, decides over `failed` (a retried task out of attempts is marked
 * failed, yet a failed_when that held it not failed wins).
 */
export function isFailed(result: Record<string, unknown>, isLoop = false): boolean {
  const items = isLoop && Array.isArray(result['results']) ? result['results'].filter(isDict) : [];
  const key = 'failed_when_result' in result || items.some((r) => 'failed_when_result' in r) ? 'failed_when_result' : 'failed';
  return key in result ? Boolean(result[key]) : items.some((r) => Boolean(r[key]));
}

/**
 * The line Ansible prints above a result with an exception: an error raised while running the task
 * as it is, else the result's msg as a module's (it failed on the host) or an action's failure.
 */
export function errorLine(result: Record<string, unknown>, kind: 'module' | 'action' | 'raised'): string {
  const msg = 'msg' in result ? pyStr(result['msg']) : 'Unknown error.';
  if (msg.startsWith('Task failed')) return msg;
  if (kind === 'raised') return `Task failed: ${msg}`;
  return `Task failed: ${kind === 'module' ? 'Module' : 'Action'} failed${msg ? `: ${msg}` : '.'}`;
}

/**
 * A task's arguments could not be finalized (templated, merged): ansible-core's chain "Finalization
 * of task args for '<action>' failed: Error while resolving value for '<key>': <cause>", which
 * playbooks match with `result.msg is search ...`. The cause keeps its template position for the
 * error display.
 */
export class ArgsFinalizationError extends Error {
  override name = 'ArgsFinalizationError';
  constructor(
    /** The action as ansible-core names it (resolvedActionName). */
    readonly action: string,
    /** The argument whose value failed; none when a template for all of the arguments did. */
    readonly key: string | undefined,
    override readonly cause: unknown,
  ) {
    const what = cause instanceof TemplateError ? taskFailureDetail(cause) : cause instanceof Error ? cause.message : String(cause);
    const resolving = key === undefined ? '' : `Error while resolving value for ${pyRepr(key)}: `;
    super(`Finalization of task args for '${action}' failed: ${resolving}${what}`, { cause });
  }
}

/** What a failed result says of an error thrown while the task ran. */
export function failureMessage(e: unknown): string {
  if (e instanceof BrokenConditionalError) return `Task failed: ${e.message}`;
  if (e instanceof ArgsFinalizationError) return `Task failed: ${e.message}`;
  return e instanceof TemplateError ? taskFailureMessage(e) : e instanceof Error ? e.message : String(e);
}

/** The template error behind a failure, where its position is worth showing apart from the message. */
export function failureCause(e: unknown): TemplateError | undefined {
  return e instanceof ArgsFinalizationError && e.cause instanceof TemplateError ? e.cause : undefined;
}

/** The traceback Ansible records when it has none (a module's own failure, a failed_when). */
export const NO_TRACEBACK = '(traceback unavailable)';

/**
 * What `register` keeps: the result without a module's `invocation` (the output shows it at -vvv)
 * and without the internal `_ansible_*` keys, at any depth (Ansible's strip_internal_keys).
 */
export function registered(result: Record<string, unknown>): Record<string, unknown> {
  const { invocation: _dropped, ...rest } = result;
  return withoutInternalKeys(rest) as Record<string, unknown>;
}

/** The value without `_ansible_*` keys in its mappings; unchanged parts are not copied. */
function withoutInternalKeys(value: unknown, depth = 0): unknown {
  if (depth > 32) return value;
  if (Array.isArray(value)) {
    const items = value.map((v) => withoutInternalKeys(v, depth + 1));
    return items.some((v, i) => v !== value[i]) ? items : value;
  }
  if (!isDict(value)) return value;
  let changed = false;
  const out = newDict();
  for (const [k, v] of Object.entries(value)) {
    if (k.startsWith('_ansible_')) {
      changed = true;
      continue;
    }
    const clean = withoutInternalKeys(v, depth + 1);
    if (clean !== v) changed = true;
    setKey(out, k, clean);
  }
  return changed ? out : value;
}

/**
 * How Ansible's retry line names the task (TaskResult.task_name): its name templated with the
 * item's variables, without the role; an unnamed task as `role : action`.
 */
export function retryLabel(task: Task, bound: BoundTemplar): string {
  if (task.name === undefined) return taskTitle(task);
  if (!task.name.includes('{{')) return task.name;
  try {
    return pyStr(bound.templateValue(task.name));
  } catch {
    return task.name;
  }
}

/** The delay keyword: a float (FieldAttribute isa='float'), as Python's float() reads it. */
export function taskDelay(value: unknown): number | string {
  if (typeof value === 'number') return value;
  if (typeof value === 'boolean') return Number(value);
  const text = typeof value === 'string' ? value.trim() : undefined;
  if (text !== undefined && /^[-+]?(\d+(_\d+)*\.?(\d+(_\d+)*)?|\.\d+(_\d+)*)([eE][-+]?\d+)?$/.test(text)) return Number(text.replace(/_/g, ''));
  if (text !== undefined && /^[-+]?(inf(inity)?|nan)$/i.test(text)) return text.toLowerCase().startsWith('-') ? -Infinity : /nan/i.test(text) ? 0 : Infinity;
  return `Task failed: Error processing keyword 'delay': The value ${pyRepr(value)} could not be converted to 'float'.`;
}
