/**
 * A host's path through a play section: tasks in order, blocks with rescue and always, tasks
 * that include_tasks/include_role add at run time. A generator per host: it yields the next task
 * and is told how it went, so the strategy can keep hosts in lock-step (linear) or not (free).
 */
import type { Block, Task, TaskNode } from '../playbook/model.js';
import type { HostTaskResult } from './task-runner.js';

export interface Feedback extends HostTaskResult {
  /** Tasks an include added, to run next. */
  included?: TaskNode[];
  /** meta: end_host / end_play ended this host's section. */
  endHost?: boolean;
}

/** A host failed and nothing rescued it: the section ends for that host. */
export class HostFailed {
  constructor(
    readonly task: Task,
    readonly result: Record<string, unknown>,
  ) {}
}

export class HostStopped {
  constructor(readonly reason: 'unreachable' | 'end_host') {}
}

export interface WalkHooks {
  /** Whether the task runs at all (tags, --start-at-task). */
  selected(task: Task): boolean;
  /** A failure inside a block with a rescue: recorded as rescued, and visible to the rescue tasks. */
  onRescue(failure: HostFailed): void;
  /** A failure nothing rescues. */
  onFailed(failure: HostFailed): void;
}

export function* walk(nodes: readonly TaskNode[], hooks: WalkHooks, rescuable = 0): Generator<Task, void, Feedback> {
  for (const node of nodes) {
    if (node.kind === 'block') {
      yield* walkBlock(node, hooks, rescuable);
      continue;
    }
    if (!hooks.selected(node)) continue;
    const feedback = yield node;
    if (feedback.endHost) throw new HostStopped('end_host');
    if (feedback.status === 'unreachable' && !feedback.ignored) throw new HostStopped('unreachable');
    if (feedback.status === 'failed' && !feedback.ignored) {
      const failure = new HostFailed(node, feedback.result);
      if (rescuable === 0) hooks.onFailed(failure);
      throw failure;
    }
    if (feedback.included?.length) yield* walk(feedback.included, hooks, rescuable);
  }
}

function* walkBlock(block: Block, hooks: WalkHooks, rescuable: number): Generator<Task, void, Feedback> {
  let error: unknown;
  try {
    yield* walk(block.block, hooks, rescuable + (block.rescue.length ? 1 : 0));
  } catch (e) {
    if (e instanceof HostFailed && block.rescue.length) {
      hooks.onRescue(e);
      try {
        yield* walk(block.rescue, hooks, rescuable);
      } catch (e2) {
        error = e2;
      }
    } else {
      error = e;
    }
  }
  if (!(error instanceof HostStopped)) {
    try {
      yield* walk(block.always, hooks, rescuable);
    } catch (e3) {
      error = e3;
    }
  }
  if (error !== undefined) throw error;
}
