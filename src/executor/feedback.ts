/**
 * What running a task on a host tells the engine: the status and Ansible's result dict, and,
 * apart from the result, the engine's own signals (a meta action, what an include added).
 */
import type { ErrorCause } from '../output/events.js';
import type { TaskNode } from '../playbook/model.js';

export interface HostTaskResult {
  status: 'ok' | 'changed' | 'skipped' | 'failed' | 'unreachable';
  /** The result as Ansible's: what is registered and what the output shows. */
  result: Record<string, unknown>;
  ignored: boolean;
  /** The host the task ran on, when delegated. */
  delegatedTo?: string;
  /** That host's ansible_host, when it has one (the output shows it when it differs from the name). */
  delegatedHost?: string;
  /** The error line Ansible prints above a result that carries an exception (`Task failed: Module failed: ...`). */
  error?: string;
  /** The error's cause, with its position (a template error in the task's arguments). */
  errorCause?: ErrorCause;
  /**
   * Whether the task notifies its handlers, when its status does not say (add_host and group_by:
   * Ansible decides before the inventory change made the result changed).
   */
  notifies?: boolean;
}

export const META_ACTIONS = [
  'flush_handlers', 'end_play', 'end_host', 'end_batch', 'end_role', 'noop', 'clear_facts', 'clear_host_errors', 'refresh_inventory', 'reset_connection',
] as const;

export type MetaAction = (typeof META_ACTIONS)[number];

export function isMetaAction(name: string): name is MetaAction {
  return (META_ACTIONS as readonly string[]).includes(name);
}

/** One `included: FILE for HOST` line: a file (or role) an include added, per loop item. */
export interface IncludedFile {
  file: string;
  item?: { label: unknown };
}

export interface Feedback extends HostTaskResult {
  /** The meta action a `meta:` task performed. */
  meta?: MetaAction;
  /** Tasks an include added, to run next. */
  includedTasks?: TaskNode[];
  /** The files (or roles) an include added, one per file and loop item. */
  includedFiles?: IncludedFile[];
  /** meta: end_host / end_play ended this host's section. */
  endHost?: boolean;
}

/** What is shown instead of a result under `no_log`. */
export function censoredResult(result: Record<string, unknown>): Record<string, unknown> {
  return { censored: "the output has been hidden due to the fact that 'no_log: true' was specified for this result", changed: result['changed'] ?? false };
}
