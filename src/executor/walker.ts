/**
 * A host's path through a play section: tasks in order, blocks with rescue and always, tasks
 * that include_tasks/include_role add at run time. A generator per host: it yields the next task
 * and is told how it went, so the strategy can keep hosts in lock-step (linear) or not (free).
 */
import type { Block, Task, TaskNode } from '../playbook/model.js';
import type { Feedback } from './feedback.js';

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
    if (feedback.includedTasks?.length) yield* walk(feedback.includedTasks, hooks, rescuable);
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

/** What a host's walk leaves in its state when it stops early. */
export interface HostFlags {
  failed: boolean;
  unreachable: boolean;
}

/** A host's walk as a strategy drives it: the task it is at, and advancing with how that went. */
export class HostWalker {
  private readonly steps: Generator<Task, void, Feedback>;
  private current: Task | undefined;

  constructor(
    readonly host: string,
    nodes: readonly TaskNode[],
    hooks: WalkHooks,
    private readonly flags: HostFlags,
  ) {
    this.steps = walk(nodes, hooks);
    this.current = this.step(() => this.steps.next());
  }

  /** The task the host runs next; undefined when its section is done. */
  get next(): Task | undefined {
    return this.current;
  }

  /** Tells the walk how the host's task went; `next` becomes its following task. */
  advance(feedback: Feedback): void {
    this.current = this.step(() => this.steps.next(feedback));
  }

  private step(resume: () => IteratorResult<Task, void>): Task | undefined {
    try {
      const step = resume();
      return step.done ? undefined : step.value;
    } catch (e) {
      if (e instanceof HostFailed) this.flags.failed = true;
      else if (e instanceof HostStopped) {
        if (e.reason === 'unreachable') this.flags.unreachable = true;
      } else throw e;
      return undefined;
    }
  }
}
