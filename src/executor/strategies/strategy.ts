/** A play's `strategy:` drives a section of the play; this is what it is given to drive. */
import type { Task } from '../../playbook/model.js';
import type { Feedback } from '../feedback.js';
import type { HostWalker } from '../walker.js';

/** One section of a play (fact gathering, pre_tasks, roles and tasks, post_tasks) on one batch of hosts. */
export interface Section {
  /** The batch's hosts. */
  readonly hosts: readonly string[];
  /** A walk per host of the batch still in the play, in batch order. */
  readonly walkers: readonly HostWalker[];
  /** meta: end_play, any_errors_fatal or max_fail_percentage ended the play. */
  ended(): boolean;
  /** Runs a task on hosts that are at it (on the first one only under run_once); each host's feedback, in order. */
  runTask(task: Task, hosts: readonly string[]): Promise<Feedback[]>;
  /** Runs the handlers notified for these hosts. */
  flushHandlers(hosts: readonly string[]): Promise<void>;
  /** any_errors_fatal and max_fail_percentage, once a task has run on the batch. */
  checkFailures(task: Task): void;
}

/** The order in which the hosts of a batch run their tasks. */
export interface Strategy {
  run(section: Section): Promise<void>;
}
