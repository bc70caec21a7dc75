/**
 * Runs one task on one host, as Ansible's TaskExecutor: loop items, `when` per item, arguments
 * templated lazily, the module, `until` retries, `changed_when`/`failed_when`, `register`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { UnreachableError } from '../connection/types.js';
import { ArgumentError } from '../modules/args.js';
import { isAnsibleBuiltinModule, notCarriedMessage } from '../modules/ansible-builtin.js';
import type { Module, ModuleCall, ModuleContext, ModuleResult } from '../modules/types.js';
import type { Task } from '../playbook/model.js';
import { BrokenConditionalError, type BoundTemplar, TemplateError, taskFailureDetail } from '../template/index.js';
import { ResultNotes } from './result-notes.js';
import { Undefined, isDict, pyStr, truthy } from '../python/values.js';
import { RunError } from '../playbook/errors.js';
import { INVENTORY_ACTIONS, InventoryChanges, hasInventoryChange } from './inventory-changes.js';
import { NO_TRACEBACK, errorLine, failureCause, failureMessage, isFailed, registered, retryLabel, taskDelay } from './task-results.js';
import { asyncSettings, callAsync } from './async-task.js';
import { finalTaskArgs } from './task-args.js';
import { conditionList, evaluateConditions } from './conditionals.js';
import type { RunContext } from './context.js';
import { type HostTaskResult, censoredResult } from './feedback.js';
import { allWhen, fromBlocks, inherited, inheritedFlag } from './keywords.js';
import { loopControl, loopItemVars, loopItems } from './loop-items.js';
import { moduleContext } from './module-context.js';
import { moduleOfTask } from './python-modules.js';
import { taskInfo } from './task-title.js';
import { taskTimeout, withTimeout } from './task-timeout.js';
import type { PlayContext } from './vars.js';

export class TaskRunner {
  private readonly notes = new ResultNotes();

  private readonly inventory: InventoryChanges;

  constructor(private readonly runContext: RunContext) {
    this.inventory = new InventoryChanges(runContext);
  }

  private bound(pc: PlayContext, host: string, task: Task, locals?: Record<string, unknown>): BoundTemplar {
    return this.runContext.vm.bind(pc, host, task, locals, { keepPythonTypes: true, file: task.location.file, line: task.location.line, column: task.location.column });
  }

  /** Runs `task` on `host`; never throws for task-level problems (they become failed results). */
  async run(pc: PlayContext, task: Task, host: string): Promise<HostTaskResult> {
    try {
      return await this.runUnsafe(pc, task, host);
    } catch (e) {
      if (e instanceof UnreachableError) {
        const ignored = inheritedFlag(task, 'ignore_unreachable', pc, this.runContext.templar);
        const result = { unreachable: true, changed: false, msg: e.message };
        const register = task.keywords['register'];
        if (typeof register === 'string') this.runContext.vm.state(host).runtimeVars[register] = result;
        return { status: 'unreachable', result, ignored };
      }
      // An error Ansible's strategy raises ends the run.
      if (e instanceof RunError) throw e;
      return this.finish(pc, task, host, this.failedResult(e), undefined);
    }
  }

  /** The failed result of an error thrown while the task ran, its cause noted for the error display. */
  private failedResult(e: unknown): ModuleResult {
    const result: ModuleResult = { failed: true, changed: false, msg: failureMessage(e) };
    const cause = failureCause(e);
    if (cause !== undefined) this.notes.setCause(result, { message: taskFailureDetail(cause), file: cause.file, line: cause.line, column: cause.column });
    return result;
  }

  private async runUnsafe(pc: PlayContext, task: Task, host: string): Promise<HostTaskResult> {
    const base = this.bound(pc, host, task);
    const loopValue = task.keywords['loop'];
    // Loop items that name an undefined variable fail the task only if its `when` holds (Ansible
    // evaluates the condition without the loop, then raises the loop's error).
    let items: unknown[] | undefined;
    let loopError: TemplateError | undefined;
    if (loopValue !== undefined) {
      try {
        items = loopItems(task, base);
      } catch (e) {
        // Ansible's TaskExecutor.run: a failure to get the items is a result with no `changed`.
        // (failed_when and changed_when do not look at it).
        if (!(e instanceof TemplateError && e.kind === 'undefined')) return this.finish(pc, task, host, { failed: true, msg: failureMessage(e) } as ModuleResult, undefined, true);
        loopError = e;
      }
    }
    if (items === undefined) {
      let when: ReturnType<typeof evaluateConditions>;
      try {
        when = evaluateConditions(allWhen(task), base, task.locations['when'] ?? task.location);
      } catch (e) {
        throw loopError ?? e;
      }
      if (when.ok && loopError) throw loopError;
      if (!when.ok) {
        const skipped = { changed: false, false_condition: when.failed, skip_reason: 'Conditional result was False', skipped: true };
        // A skipped task is registered too (`x is skipped`).
        const register = task.keywords['register'];
        if (typeof register === 'string') this.runContext.vm.state(host).runtimeVars[register] = skipped;
        return { status: 'skipped', result: skipped, ignored: false };
      }
      const result = await this.runItem(pc, task, host, undefined, base);
      const settled = this.settleInventory(pc, task, host, result);
      const done = this.finish(pc, task, host, settled?.result ?? result, undefined, false, settled);
      const delegate = this.delegateFor(task, base);
      return delegate && delegate !== host ? { ...done, ...this.delegation(pc, delegate) } : done;
    }
    const control = loopControl(task, base);
    const loopVar = String(control['loop_var'] ?? 'item');
    const indexVar = control['index_var'] === undefined ? undefined : String(control['index_var']);
    const pause = Number(control['pause'] ?? 0);
    const results: Record<string, unknown>[] = [];
    // add_host and group_by items that did not fail are shown once the inventory has changed.
    const inventoryTask = INVENTORY_ACTIONS.has(task.action);
    const shownLater = new Map<number, { locals: Record<string, unknown>; label: unknown; noLog: boolean; delegation: Pick<HostTaskResult, 'delegatedTo' | 'delegatedHost'> }>();
    const showItem = (itemResult: Record<string, unknown>, status: HostTaskResult['status'], label: unknown, noLog: boolean, delegation: Pick<HostTaskResult, 'delegatedTo' | 'delegatedHost'>): void =>
      this.runContext.emit({
        type: 'host_result',
        task: taskInfo(task),
        host,
        status,
        result: noLog ? censoredResult(itemResult) : itemResult,
        item: { label: noLog ? '(censored due to no_log)' : label },
        ignored: false,
        ...this.notes.shown(itemResult),
        ...delegation,
      });
    const register = task.keywords['register'];
    // Each item's result is registered as soon as it is had: the next item's `when`, arguments
    // and label see it (TaskExecutor._run_loop).
    let registeredItem: Record<string, unknown> = {};
    for (const [index, item] of items.entries()) {
      if (index > 0 && pause > 0) await sleep(pause * 1000);
      const locals = { ...registeredItem, ...loopItemVars(control, items, index) };
      const bound = this.bound(pc, host, task, locals);
      const when = evaluateConditions(allWhen(task), bound, task.locations['when'] ?? task.location);
      let itemResult: Record<string, unknown>;
      let status: HostTaskResult['status'];
      if (!when.ok) {
        itemResult = { changed: false, false_condition: when.failed, skip_reason: 'Conditional result was False', skipped: true };
        status = 'skipped';
      } else {
        // An item whose arguments fail to template fails alone; the loop goes on (as in Ansible).
        const r = await this.runItem(pc, task, host, locals, bound).then(
          (result) => result,
          (e: unknown) => {
            if (e instanceof UnreachableError || e instanceof RunError) throw e;
            return this.failedResult(e);
          },
        );
        const finished = this.applyResultKeywords(pc, task, host, r, locals);
        if (finished['failed'] === undefined) finished['failed'] = false;
        // set_fact in a loop: each item sees the facts the previous items set (as in Ansible).
        if (task.action === 'set_fact' && !finished['failed'] && isDict(finished['ansible_facts'])) {
          Object.assign(this.runContext.vm.state(host).runtimeVars, finished['ansible_facts']);
        }
        itemResult = finished;
        status = isFailed(finished) ? 'failed' : finished['changed'] ? 'changed' : 'ok';
      }
      if (typeof register === 'string') registeredItem = { [register]: itemResult };
      itemResult[loopVar] = item;
      itemResult['ansible_loop_var'] = loopVar;
      if (indexVar) {
        itemResult[indexVar] = index;
        itemResult['ansible_index_var'] = indexVar;
      }
      if (locals['ansible_loop'] !== undefined) itemResult['ansible_loop'] = locals['ansible_loop'];
      // The label is templated last, seeing this item's registered result; an undefined name in it fails the item.
      let label: unknown = item;
      if (control['label'] !== undefined) {
        try {
          label = this.bound(pc, host, task, { ...locals, ...registeredItem }).templateValue(control['label']);
          itemResult['_ansible_item_label'] = label;
        } catch (e) {
          if (!(e instanceof TemplateError && e.kind === 'undefined')) throw e;
          itemResult['failed'] = true;
          itemResult['msg'] = `Failed to template loop_control.label: ${e.detail}`;
          status = 'failed';
        }
      }
      results.push(itemResult);
      const noLog = truthy(bound.templateValue(inherited(task, 'no_log', pc) ?? false));
      // A skipped item names no delegate (Ansible's callback shows none: the item never ran there).
      const delegation = status === 'skipped' ? {} : this.delegation(pc, this.delegateFor(task, bound));
      if (inventoryTask && (status === 'ok' || status === 'changed')) shownLater.set(index, { locals, label, noLog, delegation });
      else showItem(itemResult, status, label, noLog, delegation);
    }
    // The whole task's result, as Ansible's TaskExecutor builds it: `failed` only when an item
    // failed; `msg` says whether every item was skipped; an empty list gives a skipped_reason and
    // no msg.
    const anyFailed = results.some((r) => r['failed']);
    const aggregate: Record<string, unknown> =
      results.length === 0
        ? { changed: false, results, skipped: true, skipped_reason: 'No items in the list' }
        : { changed: results.some((r) => r['changed']), msg: anyFailed ? 'One or more items failed' : 'All items completed', results, skipped: results.every((r) => r['skipped']) };
    if (anyFailed) aggregate['failed'] = true;
    if (aggregate['skipped'] && results.length > 0) aggregate['msg'] = 'All items skipped';
    // Ansible's strategy takes the items' add_host and group_by results in order when the task
    // neither failed nor was skipped: each changes the inventory, is judged again and shown; the
    // handlers are notified when the task was changed before an executed item's turn.
    let settled: Settled | undefined;
    if (!anyFailed && !aggregate['skipped'] && results.some(hasInventoryChange)) {
      settled = { notifies: false };
      results.forEach((itemResult, index) => {
        if (!itemResult['skipped'] && aggregate['changed']) settled!.notifies = true;
        if (!hasInventoryChange(itemResult)) return;
        const later = shownLater.get(index);
        shownLater.delete(index);
        const judged = this.settleItem(pc, task, host, itemResult, later?.locals);
        results[index] = judged;
        if (later) showItem(judged, judged['changed'] ? 'changed' : 'ok', later.label, later.noLog, later.delegation);
        if (judged['changed']) aggregate['changed'] = true;
        if (judged['failed']) aggregate['failed'] = true;
      });
      settled.status = aggregate['changed'] ? 'changed' : 'ok';
    }
    return this.finish(pc, task, host, aggregate as ModuleResult, undefined, true, settled);
  }

  /** Whom the result names as the delegate: its name, and its ansible_host when set (as Ansible's _ansible_delegated_vars). */
  private delegation(pc: PlayContext, delegate: string | undefined): Pick<HostTaskResult, 'delegatedTo' | 'delegatedHost'> {
    if (delegate === undefined) return {};
    const address = this.runContext.vm.bind(pc, delegate, undefined, undefined, { keepPythonTypes: true }).variable('ansible_host');
    return address instanceof Undefined || address === null || address === undefined ? { delegatedTo: delegate } : { delegatedTo: delegate, delegatedHost: pyStr(address) };
  }

  private delegateFor(task: Task, bound: BoundTemplar): string | undefined {
    const d = task.keywords['delegate_to'] ?? fromBlocks(task, 'delegate_to');
    if (d === undefined || d === null) return undefined;
    return pyStr(bound.templateValue(d));
  }

  /**
   * An add_host or group_by result (not in a loop), as Ansible's strategy takes it after the task
   * ran: when the task neither failed nor was skipped, the inventory changes, `changed` says
   * whether it did and changed_when/failed_when judge the result again. The status is ok or
   * changed by the new `changed`; handlers are notified by the one from before.
   */
  private settleInventory(pc: PlayContext, task: Task, host: string, result: ModuleResult): (Settled & { result: ModuleResult }) | undefined {
    if (!hasInventoryChange(result)) return undefined;
    const judged = this.applyResultKeywords(pc, task, host, result, undefined);
    this.notes.markJudged(judged);
    if (isFailed(judged) || judged['skipped']) return { result: judged as ModuleResult };
    const notifies = Boolean(judged['changed']);
    const settled = this.settleItem(pc, task, host, judged, undefined) as ModuleResult;
    return { result: settled, notifies, status: settled.changed ? 'changed' : 'ok' };
  }

  /** One result's inventory change, then changed_when/failed_when again (seeing the new `changed`). */
  private settleItem(pc: PlayContext, task: Task, host: string, result: Record<string, unknown>, locals: Record<string, unknown> | undefined): Record<string, unknown> {
    const changed = this.inventory.apply(host, result);
    const judged = this.applyResultKeywords(pc, task, host, { ...result, changed } as ModuleResult, locals, true);
    this.notes.markJudged(judged);
    return judged;
  }

  /**
   * One module call (one loop item): arguments, check mode, until/retries. `bound` is the
   * templar `when` was evaluated with: same variables, so its cache is reused.
   */
  private async runItem(pc: PlayContext, written: Task, host: string, locals: Record<string, unknown> | undefined, bound: BoundTemplar): Promise<ModuleResult> {
    // `action: "{{ ansible_facts.pkg_mgr }}"`: the module is named at run time, by the host's variables.
    const task = written.action.includes('{{') ? { ...written, action: pyStr(bound.templateValue(written.action, written.location)) } : written;
    if (task.rawParamsError !== undefined) return { failed: true, changed: false, msg: `Task failed: ${task.rawParamsError}` };
    const module = moduleOfTask(this.runContext.modules, this.runContext.pythonModules, task, pc);
    if (!module) return { failed: true, changed: false, msg: isAnsibleBuiltinModule(task.action) ? notCarriedMessage(task.action) : `couldn't resolve module/action '${task.action}'` };
    let args: Record<string, unknown>;
    let moduleCall: ModuleCall;
    try {
      args = finalTaskArgs(this.runContext, pc, task, module, bound);
      // The action plugin refuses async before it looks at its arguments.
      const asyncKw = task.keywords['async'];
      if (module.refusesAsync && asyncKw !== undefined && truthy(bound.templateValue(asyncKw))) {
        return { failed: true, changed: false, msg: `This action (${task.action}) does not support async.` };
      }
      moduleCall = module.bind(args);
    } catch (e) {
      // A controller action raises its argument errors (Ansible shows them without "Action failed").
      if (e instanceof ArgumentError) return this.markHost(module, { failed: true, changed: false, msg: e.message }, true);
      throw e;
    }
    const checkKw = inherited(task, 'check_mode', pc);
    const checkMode = checkKw === undefined || checkKw === null ? pc.checkMode : truthy(bound.templateValue(checkKw));
    const diffKw = inherited(task, 'diff', pc);
    const diffMode = diffKw === undefined || diffKw === null ? pc.diffMode : truthy(bound.templateValue(diffKw));
    if (checkMode && !module.supportsCheckMode) {
      return { changed: false, skipped: true, msg: 'Module does not support check mode', skip_reason: 'Check mode is not supported for this task' };
    }
    const delegate = this.delegateFor(task, bound);
    const target = delegate ?? host;
    const progress = (message: string): void => this.runContext.emit({ type: 'host_progress', task: taskInfo(task), host, message });
    const verbose = (message: string): void => this.runContext.emit({ type: 'host_verbose', task: taskInfo(task), host, message, verbosity: 1 });
    const ctx = await moduleContext(this.runContext, { pc, task, host, target, bound, checkMode, diffMode, progress, verbose });
    const asyncKw = task.keywords['async'];
    const settings = asyncKw === undefined ? undefined : asyncSettings(bound.templateValue(asyncKw), task.keywords['poll'] === undefined ? undefined : bound.templateValue(task.keywords['poll']));
    if (typeof settings === 'string') return { failed: true, changed: false, msg: settings };
    const timeoutKw = inherited(task, 'timeout', pc);
    const timeout = timeoutKw === undefined ? undefined : taskTimeout(bound.templateValue(timeoutKw));
    if (typeof timeout === 'string') return { failed: true, changed: false, msg: timeout };
    const once = (): Promise<ModuleResult> =>
      settings ? callAsync(module, ctx, settings, (c) => this.callModule(moduleCall, c), (jid, phase) => this.runContext.emit({ type: 'host_async', task: taskInfo(task), host, jid, phase })) : this.callModule(moduleCall, ctx);
    const call = timeout === undefined ? once : () => withTimeout(timeout, once);
    // Ansible's attempt loop: `retries` alone retries until the task succeeds; `until` alone gives 3 retries.
    const untilConditions = conditionList(task.keywords['until']);
    const retriesKw = task.keywords['retries'];
    const retries = retriesKw !== undefined ? Math.max(0, Number(bound.templateValue(retriesKw))) : untilConditions.length ? 3 : 0;
    const delay = taskDelay(task.keywords['delay'] === undefined ? 5 : bound.templateValue(task.keywords['delay']));
    if (typeof delay === 'string') return { failed: true, changed: false, msg: delay };
    const register = task.keywords['register'];
    for (let attempt = 1; ; attempt++) {
      const result = this.markHost(module, await call());
      // What the host's facts said may no longer hold.
      if (result.changed) this.runContext.facts.of(target).invalidate();
      if (retries === 0) return result;
      // changed_when and failed_when judge each attempt, seeing `attempts`; `until` sees what they left.
      const judged = this.applyResultKeywords(pc, task, host, this.markHost(module, { ...result, attempts: attempt }), locals) as ModuleResult;
      this.notes.markJudged(judged);
      const untilLocals = { ...(locals ?? {}), ...(typeof register === 'string' ? { [register]: judged } : {}) };
      const done = untilConditions.length ? evaluateConditions(untilConditions, this.bound(pc, host, task, untilLocals), task.locations['until'] ?? task.location).ok : !judged.failed;
      if (done) return judged;
      if (attempt > retries) {
        // Out of attempts: Ansible reports attempts = retries.
        const last: ModuleResult = { ...judged, failed: true, attempts: retries, exception: judged['exception'] ?? NO_TRACEBACK };
        this.notes.markJudged(last);
        this.notes.setErrorLine(last, this.notes.errorLine(judged) ?? errorLine(last, 'action'));
        return last;
      }
      this.runContext.emit({ type: 'host_retry', task: taskInfo(task), host, attempt, retries: retries + 1 - attempt, result: judged, label: retryLabel(task, bound), ...(delegate !== undefined && delegate !== host ? { delegatedTo: delegate } : {}) });
      if (delay > 0) await sleep(delay * 1000);
    }
  }

  private async callModule(moduleCall: ModuleCall, ctx: ModuleContext): Promise<ModuleResult> {
    try {
      return await moduleCall.run(ctx);
    } catch (e) {
      if (e instanceof UnreachableError || e instanceof TemplateError) throw e;
      return { failed: true, changed: false, msg: e instanceof Error ? e.message : String(e) };
    }
  }

  /**
   * changed_when / failed_when on one result (the result is visible under its register name);
   * once per result unless `again`.
   */
  private applyResultKeywords(pc: PlayContext, task: Task, host: string, result: ModuleResult, locals: Record<string, unknown> | undefined, again = false): Record<string, unknown> {
    if (!again && this.notes.isJudged(result)) return result;
    const out: Record<string, unknown> = { ...result };
    this.notes.setCause(out, this.notes.cause(result));
    if (out['changed'] === undefined) out['changed'] = false;
    const register = task.keywords['register'];
    const withResult = (): BoundTemplar => this.bound(pc, host, task, { ...(locals ?? {}), ...(typeof register === 'string' ? { [register]: out } : {}) });
    const moduleFailed = Boolean(out['failed']);
    // A condition that cannot be evaluated fails the task; the result says why in `<keyword>_result`.
    const evaluate = (keyword: 'changed_when' | 'failed_when'): boolean | undefined => {
      try {
        return evaluateConditions(conditionList(task.keywords[keyword]), withResult(), task.locations[keyword] ?? task.location).ok;
      } catch (e) {
        if (!(e instanceof TemplateError || e instanceof BrokenConditionalError)) throw e;
        out[`${keyword}_result`] = e instanceof TemplateError ? `Error while evaluating conditional: ${e.detail}` : e.message;
        out['failed'] = true;
        return undefined;
      }
    };
    if (task.keywords['changed_when'] !== undefined && !out['skipped']) {
      const changed = evaluate('changed_when');
      if (changed !== undefined) out['changed'] = changed;
    }
    if (task.keywords['failed_when'] !== undefined && !out['skipped'] && out['changed_when_result'] === undefined) {
      const failed = evaluate('failed_when');
      if (failed !== undefined) {
        out['failed_when_result'] = failed;
        out['failed'] = failed;
        if (moduleFailed && !failed) out['failed_when_suppressed_exception'] = NO_TRACEBACK;
      }
    }
    // Ansible 2.19 gives every failed result an `exception` (its traceback, when it has one).
    if (out['failed'] && out['exception'] === undefined) out['exception'] = NO_TRACEBACK;
    if (out['exception']) {
      const line = errorLine(out, (moduleFailed ? this.notes.origin(result) : undefined) ?? 'action');
      this.notes.setErrorLine(out, line);
      // A failure that says nothing gets the message Ansible builds from the error chain ("... failed: Unknown error.").
      if (out['failed'] && !('msg' in out)) out['msg'] = line;
    }
    return out;
  }

  /** Notes a failed result of a module that runs on the host (or an error a controller action raised); returns it. */
  private markHost<R extends ModuleResult>(module: Module, result: R, raised = false): R {
    if (result.failed && !module.controllerOnly) this.notes.setOrigin(result, 'module');
    else if (result.failed && raised) this.notes.setOrigin(result, 'raised');
    return result;
  }

  /**
   * register, status, ignore_errors, notify; the result as the strategy sees it. `settled`: the
   * status and notification an inventory change decided.
   */
  private finish(pc: PlayContext, task: Task, host: string, raw: ModuleResult, locals: Record<string, unknown> | undefined, isLoop = false, settled?: Settled): HostTaskResult {
    const result = isLoop ? { ...raw } : this.applyResultKeywords(pc, task, host, raw, locals);
    // Every registered result says whether it failed, as Ansible's do; a loop's says so only when an item failed.
    if (result['failed'] === undefined && !isLoop) result['failed'] = false;
    const state = this.runContext.vm.state(host);
    const register = task.keywords['register'];
    if (typeof register === 'string') state.runtimeVars[register] = registered(result);
    let status: HostTaskResult['status'];
    if (settled?.status) status = settled.status;
    else if (result['unreachable']) status = 'unreachable';
    else if (isFailed(result, isLoop)) status = 'failed';
    else if (result['skipped']) status = 'skipped';
    else status = result['changed'] ? 'changed' : 'ok';
    const ignoreKw = inherited(task, status === 'unreachable' ? 'ignore_unreachable' : 'ignore_errors', pc);
    let ignored = false;
    if ((status === 'failed' || status === 'unreachable') && ignoreKw !== undefined) {
      try {
        ignored = truthy(this.bound(pc, host, task).templateValue(ignoreKw));
      } catch {
        ignored = false;
      }
    }
    const error = this.notes.errorLine(result);
    const errorCause = error !== undefined ? this.notes.cause(result) : undefined;
    return { status, result, ignored, ...(error !== undefined ? { error } : {}), ...(errorCause !== undefined ? { errorCause } : {}), ...(settled?.notifies !== undefined ? { notifies: settled.notifies } : {}) };
  }
}

/** What the inventory change of an add_host or group_by result decided for the task. */
interface Settled {
  status?: 'ok' | 'changed';
  notifies?: boolean;
}
