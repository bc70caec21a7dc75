/**
 * A task on one host from start to end: include_tasks, include_role and meta by the
 * IncludeHandler, modules by the TaskRunner; then its facts stored, its result reported and
 * counted in the recap, and the handlers it notifies told.
 */
import type { Task } from '../playbook/model.js';
import { isDict } from '../python/values.js';
import { TemplateError, taskFailureMessage } from '../template/index.js';
import { evaluateConditions } from './conditionals.js';
import type { RunContext } from './context.js';
import { type Feedback, censoredResult } from './feedback.js';
import { type Notifications, notify } from './handlers.js';
import { IncludeHandler } from './includes.js';
import { allWhen, hostFlag } from './keywords.js';
import type { RecapCounters } from './recap.js';
import { TaskRunner } from './task-runner.js';
import { taskInfo } from './task-title.js';
import type { PlayContext } from './vars.js';

const isInclude = (task: Task): boolean => task.action === 'include_tasks' || task.action === 'include_role';

export class TaskDispatcher {
  private readonly includes: IncludeHandler;
  private readonly runner: TaskRunner;

  constructor(
    private readonly runContext: RunContext,
    private readonly stats: RecapCounters,
    /** meta: end_play (or end_batch) ends the play. */
    private readonly endPlay: () => void,
  ) {
    this.runner = new TaskRunner(runContext);
    this.includes = new IncludeHandler(runContext);
  }

  async run(pc: PlayContext, task: Task, host: string, notifications: Notifications): Promise<Feedback> {
    let feedback: Feedback;
    if (isInclude(task) || task.action === 'meta') {
      try {
        feedback = await this.includes.run(pc, task, host, (when) => this.whenHolds(pc, task, host, when));
      } catch (e) {
        // A template that fails in an include's arguments fails the include on this host, as a task.
        if (!(e instanceof TemplateError)) throw e;
        feedback = { status: 'failed', ignored: hostFlag(task, 'ignore_errors', pc, () => this.bound(pc, host, task), false), result: { failed: true, changed: false, msg: taskFailureMessage(e) } };
      }
      // An include that fails (its file, its loop) is a failed task: ignore_errors holds for it.
      if (feedback.status === 'failed' && !feedback.ignored) feedback.ignored = hostFlag(task, 'ignore_errors', pc, () => this.bound(pc, host, task), false);
      if (feedback.meta === 'end_play' || feedback.meta === 'end_batch') this.endPlay();
    } else {
      feedback = await this.runner.run(pc, task, host);
      this.storeFacts(pc, task, host, feedback);
    }
    // An include that ran shows its `included:` lines instead; a meta task shows only when skipped.
    const reported = isInclude(task) ? feedback.status !== 'ok' : task.action !== 'meta' || feedback.status === 'skipped';
    if (reported) this.report(pc, task, host, feedback);
    // Ansible counts no meta task in the recap.
    if (task.action !== 'meta') this.stats.count(host, feedback);
    if (feedback.notifies ?? (feedback.status === 'changed' || (feedback.status === 'ok' && feedback.result['changed']))) notify(this.runContext, pc, task, host, notifications);
    return feedback;
  }

  private bound(pc: PlayContext, host: string, task: Task): ReturnType<RunContext['vm']['bind']> {
    return this.runContext.vm.bind(pc, host, task, undefined, { keepPythonTypes: true });
  }

  private whenHolds(pc: PlayContext, task: Task, host: string, extra?: Record<string, unknown>): boolean {
    const bound = this.runContext.vm.bind(pc, host, task, extra, { keepPythonTypes: true });
    return evaluateConditions(allWhen(task), bound, task.location).ok;
  }

  /** set_fact, include_vars and fact-gathering results become variables (of the delegate with delegate_facts). */
  storeFacts(pc: PlayContext, task: Task, host: string, feedback: Feedback): void {
    const results = Array.isArray(feedback.result['results']) ? (feedback.result['results'] as Array<Record<string, unknown>>) : [feedback.result];
    const toDelegate = feedback.delegatedTo !== undefined && hostFlag(task, 'delegate_facts', pc, () => this.bound(pc, host, task), false);
    const st = this.runContext.vm.state(toDelegate ? feedback.delegatedTo! : host);
    for (const r of results) {
      const facts = r['ansible_facts'];
      if (!isDict(facts) || r['failed']) continue;
      if (task.action === 'set_fact') Object.assign(st.runtimeVars, facts);
      else if (task.action === 'include_vars') Object.assign(st.includeVars, facts);
      else Object.assign(st.facts, facts);
      // Ansible's gather_facts action (a task, or the play's Gathering Facts) tells the executor so.
      if (task.action === 'gather_facts' || (task.action === 'setup' && task.id === 0)) st.facts['_ansible_facts_gathered'] = true;
    }
  }

  private report(pc: PlayContext, task: Task, host: string, feedback: Feedback): void {
    if (Array.isArray(feedback.result['results']) && task.keywords['loop'] !== undefined) {
      // Loop items were reported one by one; the whole task is reported again when it failed
      // before any item, or was skipped (every item skipped, or no items): Ansible's callback then
      // prints `skipping: [host]` after the items.
      if (feedback.status !== 'failed' && feedback.status !== 'skipped') return;
      if (feedback.status === 'failed' && feedback.result['results'].length) {
        this.runContext.emit({ type: 'host_result', task: taskInfo(task), host, status: 'failed', result: feedback.result, loopEnd: true, ignored: feedback.ignored });
        return;
      }
    }
    // A no_log whose template fails hides the result: a secret never shows by mistake.
    const result = hostFlag(task, 'no_log', pc, () => this.bound(pc, host, task), true) ? censoredResult(feedback.result) : feedback.result;
    this.runContext.emit({
      type: 'host_result',
      task: taskInfo(task),
      host,
      status: feedback.status,
      result,
      ignored: feedback.ignored,
      ...(feedback.delegatedTo ? { delegatedTo: feedback.delegatedTo } : {}),
      ...(feedback.delegatedHost ? { delegatedHost: feedback.delegatedHost } : {}),
      ...(feedback.error ? { error: feedback.error } : {}),
      ...(feedback.errorCause ? { errorCause: feedback.errorCause } : {}),
    });
  }
}
