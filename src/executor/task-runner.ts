/**
 * Runs one task on one host, as Ansible's TaskExecutor: loop items, `when` per item, arguments
 * templated lazily, the module, `until` retries, `changed_when`/`failed_when`, `register`.
 */
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import os from 'node:os';
import { pyDatetime } from '../python/datetime.js';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Become } from '../connection/types.js';
import { UnreachableError } from '../connection/types.js';
import { ArgumentError } from '../modules/args.js';
import type { ModuleCall, ModuleContext, ModuleResult, TemplateFileOptions } from '../modules/types.js';
import type { Block, Task } from '../playbook/model.js';
import { loadVarsFile } from '../playbook/roles.js';
import { type BoundTemplar, TemplateError } from '../template/index.js';
import { isDict, pyStr, truthy } from '../python/values.js';
import { asyncSettings, callAsync } from './async-task.js';
import { conditionList, evaluateConditions } from './conditionals.js';
import { taskTimeout, withTimeout } from './task-timeout.js';
import type { RunContext } from './context.js';
import { OMIT, type PlayContext } from './vars.js';

export interface HostTaskResult {
  status: 'ok' | 'changed' | 'skipped' | 'failed' | 'unreachable';
  result: Record<string, unknown>;
  ignored: boolean;
  /** The host the task ran on, when delegated. */
  delegatedTo?: string;
}

const NO_LOG_MESSAGE = "the output has been hidden due to the fact that 'no_log: true' was specified for this result";

/** A keyword from the task, or inherited from its blocks (nearest wins), or the role entry, or the play. */
export function inherited(task: Task, key: string, pc: PlayContext): unknown {
  if (task.keywords[key] !== undefined) return task.keywords[key];
  for (let b: Block | undefined = task.parent; b; b = b.parent) if (b.keywords[key] !== undefined) return b.keywords[key];
  if (task.role && task.role.keywords[key] !== undefined) return task.role.keywords[key];
  return pc.play.keywords[key];
}

/** `when` conditions from the blocks down to the task, all of which must hold. */
export function allWhen(task: Task): unknown[] {
  const out: unknown[] = [];
  const chain: Block[] = [];
  for (let b = task.parent; b; b = b.parent) chain.unshift(b);
  for (const b of chain) out.push(...conditionList(b.keywords['when']));
  out.push(...conditionList(task.keywords['when']));
  return out;
}

function dropOmitted(value: unknown): unknown {
  if (Array.isArray(value)) return value.filter((v) => v !== OMIT).map(dropOmitted);
  if (isDict(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== OMIT) out[k] = dropOmitted(v);
    return out;
  }
  return value;
}

export function taskTitle(task: Task, bound?: BoundTemplar): string {
  let name = task.name;
  if (name && bound && name.includes('{{')) {
    try {
      name = pyStr(bound.templateValue(name));
    } catch {
      // Ansible shows the raw name when it cannot be templated yet (e.g. uses a loop var).
    }
  }
  const shown = name ?? task.action;
  return task.role ? `${task.role.name} : ${shown}` : shown;
}

export class TaskRunner {
  constructor(private readonly rc: RunContext) {}

  private bound(pc: PlayContext, host: string, task: Task, locals?: Record<string, unknown>): BoundTemplar {
    const { vm, templar } = this.rc;
    return templar.bind(vm.source(vm.layers(pc, host, task, locals)), { keepPythonTypes: true, file: task.location.file, line: task.location.line, column: task.location.column });
  }

  /** Runs `task` on `host`; never throws for task-level problems (they become failed results). */
  async run(pc: PlayContext, task: Task, host: string): Promise<HostTaskResult> {
    try {
      return await this.runUnsafe(pc, task, host);
    } catch (e) {
      if (e instanceof UnreachableError) {
        const ignoreKw = inherited(task, 'ignore_unreachable', pc);
        const ignored = ignoreKw !== undefined && truthy(this.rc.templar.templateValue(ignoreKw, pc.extraVars));
        const result = { unreachable: true, changed: false, msg: e.message };
        const register = task.keywords['register'];
        if (typeof register === 'string') this.rc.vm.state(host).runtimeVars[register] = result;
        return { status: 'unreachable', result, ignored };
      }
      const msg = e instanceof TemplateError ? `Task failed: ${e.message}` : e instanceof Error ? e.message : String(e);
      return this.finish(pc, task, host, { failed: true, changed: false, msg }, undefined);
    }
  }

  private async runUnsafe(pc: PlayContext, task: Task, host: string): Promise<HostTaskResult> {
    const base = this.bound(pc, host, task);
    const loopValue = task.keywords['loop'];
    if (loopValue === undefined) {
      const when = evaluateConditions(allWhen(task), base, task.locations['when'] ?? task.location);
      if (!when.ok) {
        const skipped = { changed: false, false_condition: when.failed, skip_reason: 'Conditional result was False', skipped: true };
        // A skipped task is registered too (`x is skipped`).
        const register = task.keywords['register'];
        if (typeof register === 'string') this.rc.vm.state(host).runtimeVars[register] = skipped;
        return { status: 'skipped', result: skipped, ignored: false };
      }
      const result = await this.runOnce(pc, task, host, undefined, base);
      const done = this.finish(pc, task, host, result, undefined);
      const delegate = this.delegateFor(task, base);
      return delegate && delegate !== host ? { ...done, delegatedTo: delegate } : done;
    }
    const items = this.loopItems(task, base);
    const control = isDict(task.keywords['loop_control']) ? task.keywords['loop_control'] : {};
    const loopVar = String(control['loop_var'] ?? 'item');
    const indexVar = control['index_var'] === undefined ? undefined : String(control['index_var']);
    const pause = Number(control['pause'] ?? 0);
    const results: Record<string, unknown>[] = [];
    for (const [index, item] of items.entries()) {
      if (index > 0 && pause > 0) await sleep(pause * 1000);
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
      const bound = this.bound(pc, host, task, locals);
      const label = control['label'] !== undefined ? bound.templateValue(control['label']) : item;
      const when = evaluateConditions(allWhen(task), bound, task.locations['when'] ?? task.location);
      let itemResult: Record<string, unknown>;
      let status: HostTaskResult['status'];
      if (!when.ok) {
        itemResult = { changed: false, false_condition: when.failed, skip_reason: 'Conditional result was False', skipped: true };
        status = 'skipped';
      } else {
        const r = await this.runOnce(pc, task, host, locals, bound);
        const finished = this.applyResultKeywords(pc, task, host, r, locals);
        if (finished['failed'] === undefined) finished['failed'] = false;
        // set_fact in a loop: each item sees the facts the previous items set (as in Ansible).
        if (task.action === 'set_fact' && !finished['failed'] && isDict(finished['ansible_facts'])) {
          Object.assign(this.rc.vm.state(host).runtimeVars, finished['ansible_facts']);
        }
        itemResult = finished;
        status = finished['failed'] ? 'failed' : finished['changed'] ? 'changed' : 'ok';
      }
      itemResult[loopVar] = item;
      itemResult['ansible_loop_var'] = loopVar;
      if (indexVar) itemResult[indexVar] = index;
      if (control['label'] !== undefined) itemResult['_ansible_item_label'] = label;
      results.push(itemResult);
      const noLog = truthy(bound.templateValue(inherited(task, 'no_log', pc) ?? false));
      this.rc.emit({
        type: 'host_result',
        task: this.rc.taskInfo(task),
        host,
        status,
        result: noLog ? { censored: NO_LOG_MESSAGE, changed: itemResult['changed'] ?? false } : itemResult,
        item: { label: noLog ? '(censored due to no_log)' : label },
        ignored: false,
        ...(this.delegateFor(task, bound) ? { delegatedTo: this.delegateFor(task, bound) } : {}),
      });
    }
    const anyFailed = results.some((r) => r['failed']);
    const allSkipped = results.length > 0 && results.every((r) => r['skipped']);
    const aggregate: Record<string, unknown> = {
      changed: results.some((r) => r['changed']),
      msg: anyFailed ? 'One or more items failed' : 'All items completed',
      results,
      skipped: allSkipped,
    };
    if (anyFailed) aggregate['failed'] = true;
    if (results.length === 0) {
      aggregate['skipped'] = true;
      aggregate['skipped_reason'] = 'No items in the list';
      aggregate['msg'] = 'All items skipped';
    }
    return this.finish(pc, task, host, aggregate as ModuleResult, undefined, true);
  }

  private loopItems(task: Task, bound: BoundTemplar): unknown[] {
    const raw = task.keywords['loop'];
    if (task.loopLookup) {
      const terms = bound.templateValue(raw);
      const lookup = this.rc.templar.env.lookups.get(task.loopLookup);
      if (!lookup) throw new Error(`Unexpected failure in finding the lookup named '${task.loopLookup}' in the available lookup plugins`);
      // with_X: a list is the lookup's terms, anything else is its one term.
      const termList = Array.isArray(terms) ? terms : [terms];
      const ctx = {
        callFilter: () => undefined,
        callTest: () => false,
        hasFilter: () => false,
        hasTest: () => false,
        variable: (name: string) => bound.variable(name),
        variableNames: () => [],
        render: (source: string) => bound.renderTemplate(source),
        searchPath: this.searchPath(task),
      };
      return lookup.fn(ctx, termList, {});
    }
    const value = bound.templateValue(raw);
    if (!Array.isArray(value)) {
      throw new Error(`Invalid data passed to 'loop', it requires a list, got this instead: ${pyStr(value)}. Hint: If you passed a list/dict of just one element, try adding wantlist=True to your lookup invocation or use q/query instead of lookup.`);
    }
    return value;
  }

  /** Directories for relative files: the role, the task file's folder, the playbook. */
  searchPath(task: Task): string[] {
    const dirs: string[] = [];
    for (let r = task.role; r; r = r.parentRole) dirs.push(r.path);
    dirs.push(path.dirname(task.file), this.rc.vm.playbookDir);
    return [...new Set(dirs)];
  }

  private delegateFor(task: Task, bound: BoundTemplar): string | undefined {
    const d = task.keywords['delegate_to'] ?? (task.parent ? inheritedFromBlocks(task, 'delegate_to') : undefined);
    if (d === undefined || d === null) return undefined;
    return pyStr(bound.templateValue(d));
  }

  /** One module call (one loop item): arguments, check mode, until/retries. */
  /** `bound` is the templar `when` was evaluated with: same variables, so its cache is reused. */
  private async runOnce(pc: PlayContext, task: Task, host: string, locals: Record<string, unknown> | undefined, bound: BoundTemplar): Promise<ModuleResult> {
    const module = this.rc.modules.get(task.action);
    if (!module) return { failed: true, changed: false, msg: `couldn't resolve module/action '${task.action}'` };
    let args: Record<string, unknown>;
    let moduleCall: ModuleCall;
    try {
      // Each argument is templated with its own position, so an error points at its value.
      const templated: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(task.args)) {
        const at = task.locations[`args.${key}`] ?? task.location;
        // set_fact's variable names may be templates too ("seen_{{ idx }}").
        const name = task.action === 'set_fact' && key.includes('{{') ? pyStr(bound.templateValue(key, { file: at.file, line: at.line, column: at.column })) : key;
        templated[name] = bound.templateValue(value, { file: at.file, line: at.line, column: at.column });
      }
      args = dropOmitted(templated) as Record<string, unknown>;
      moduleCall = module.bind(args);
    } catch (e) {
      if (e instanceof ArgumentError) return { failed: true, changed: false, msg: e.message };
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
    const ctx = await this.moduleContext(pc, task, host, target, bound, checkMode, diffMode);
    const asyncKw = task.keywords['async'];
    const settings = asyncKw === undefined ? undefined : asyncSettings(bound.templateValue(asyncKw), task.keywords['poll'] === undefined ? undefined : bound.templateValue(task.keywords['poll']));
    if (typeof settings === 'string') return { failed: true, changed: false, msg: settings };
    const timeoutKw = inherited(task, 'timeout', pc);
    const timeout = timeoutKw === undefined ? undefined : taskTimeout(bound.templateValue(timeoutKw));
    if (typeof timeout === 'string') return { failed: true, changed: false, msg: timeout };
    const once = (): Promise<ModuleResult> =>
      settings ? callAsync(module, ctx, settings, (c) => this.callModule(moduleCall, c), (jid, phase) => this.rc.emit({ type: 'host_async', task: this.rc.taskInfo(task), host, jid, phase })) : this.callModule(moduleCall, ctx);
    const call = timeout === undefined ? once : () => withTimeout(timeout, once);
    const untilConditions = conditionList(task.keywords['until']);
    const retriesKw = task.keywords['retries'];
    const retries = untilConditions.length ? Number(retriesKw === undefined ? 3 : bound.templateValue(retriesKw)) : 0;
    const delay = Number(task.keywords['delay'] === undefined ? 5 : bound.templateValue(task.keywords['delay']));
    for (let attempt = 1; ; attempt++) {
      const result = await call();
      if (!untilConditions.length) return result;
      const register = task.keywords['register'];
      const untilLocals = { ...(locals ?? {}), ...(typeof register === 'string' ? { [register]: result } : {}) };
      const ok = evaluateConditions(untilConditions, this.bound(pc, host, task, untilLocals), task.locations['until'] ?? task.location).ok;
      if (ok) return { ...result, attempts: attempt };
      // Ansible 2.19 tries retries+1 times and then reports attempts = retries.
      if (attempt > retries) return { ...result, failed: true, attempts: Math.max(1, retries), msg: result.msg ?? 'Retries exceeded' };
      this.rc.emit({ type: 'host_retry', task: this.rc.taskInfo(task), host, attempt, retries: retries + 1 - attempt, result });
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

  private async moduleContext(pc: PlayContext, task: Task, host: string, target: string, bound: BoundTemplar, checkMode: boolean, diffMode: boolean): Promise<ModuleContext> {
    const { vm } = this.rc;
    const module = this.rc.modules.get(task.action);
    const targetVars = (name: string): unknown => {
      // Connection variables come from the delegated host when delegating, as in Ansible.
      if (target === host) return bound.variable(name);
      const targetBound = this.rc.templar.bind(vm.source(vm.layers(pc, target, undefined)), { keepPythonTypes: true });
      return targetBound.variable(name);
    };
    const connectionKw = inherited(task, 'connection', pc);
    // Connection settings, highest first: the connection keyword, the host's variables, the
    // remote_user/port keywords, then the command line and ansible.cfg.
    const keywordFor: Record<string, string> = { ansible_user: 'remote_user', ansible_port: 'port' };
    const connVars = (n: string): unknown => {
      if (n === 'ansible_connection' && connectionKw !== undefined && target === host) return pyStr(bound.templateValue(connectionKw));
      const v = plainVar(targetVars(n));
      if (v !== undefined && v !== null) return v;
      const kwName = keywordFor[n];
      const kw = kwName ? inherited(task, kwName, pc) : undefined;
      if (kw !== undefined && kw !== null) return bound.templateValue(kw);
      return this.rc.options.connectionDefaults[n];
    };
    const conn = module?.controllerOnly ? undefined : await this.rc.connections.get(target, connVars);
    const environment: Record<string, string> = {};
    const envChain: unknown[] = [pc.play.keywords['environment']];
    const blocks: Block[] = [];
    for (let b = task.parent; b; b = b.parent) blocks.unshift(b);
    for (const b of blocks) envChain.push(b.keywords['environment']);
    envChain.push(task.keywords['environment']);
    for (const env of envChain) {
      if (env === undefined || env === null) continue;
      const value = bound.templateValue(env);
      if (isDict(value)) for (const [k, v] of Object.entries(value)) environment[k] = pyStr(v);
    }
    const becomeKw = inherited(task, 'become', pc) ?? plainVar(bound.variable('ansible_become'));
    let become: Become | undefined;
    if (becomeKw !== undefined && becomeKw !== null && truthy(bound.templateValue(becomeKw))) {
      const user = inherited(task, 'become_user', pc) ?? plainVar(bound.variable('ansible_become_user')) ?? 'root';
      const method = inherited(task, 'become_method', pc) ?? plainVar(bound.variable('ansible_become_method')) ?? 'sudo';
      const password = plainVar(bound.variable('ansible_become_password')) ?? plainVar(bound.variable('ansible_become_pass')) ?? this.rc.options.becomePassword;
      become = { user: pyStr(bound.templateValue(user)), method: pyStr(bound.templateValue(method)) === 'su' ? 'su' : 'sudo' };
      if (password !== undefined && password !== null) become.password = pyStr(password);
    }
    const searchPath = this.searchPath(task);
    return {
      host,
      conn: conn ?? (undefined as never),
      connect: () => this.rc.connections.get(target, connVars),
      checkMode,
      diffMode,
      become,
      environment,
      verbosity: pc.verbosity,
      findFile: (kind, name) => findFile(searchPath, kind, name),
      loadVarsFile,
      renderTemplateFile: async (file, options) => renderTemplateFile(bound, file, searchPath, options),
      variable: (name) => bound.variable(name),
      evaluate: (expression) => bound.evaluateExpression(expression, { escapeBackslashes: false }),
    };
  }

  /** changed_when / failed_when on one result (the result is visible under its register name). */
  private applyResultKeywords(pc: PlayContext, task: Task, host: string, result: ModuleResult, locals: Record<string, unknown> | undefined): Record<string, unknown> {
    const out: Record<string, unknown> = { ...result };
    if (out['changed'] === undefined) out['changed'] = false;
    const register = task.keywords['register'];
    const withResult = (): BoundTemplar => this.bound(pc, host, task, { ...(locals ?? {}), ...(typeof register === 'string' ? { [register]: out } : {}) });
    if (task.keywords['changed_when'] !== undefined && !out['skipped']) {
      out['changed'] = evaluateConditions(conditionList(task.keywords['changed_when']), withResult(), task.locations['changed_when'] ?? task.location).ok;
    }
    if (task.keywords['failed_when'] !== undefined && !out['skipped']) {
      const failed = evaluateConditions(conditionList(task.keywords['failed_when']), withResult(), task.locations['failed_when'] ?? task.location).ok;
      out['failed_when_result'] = failed;
      out['failed'] = failed;
    }
    return out;
  }

  /** register, status, ignore_errors, notify; the result as the strategy sees it. */
  private finish(pc: PlayContext, task: Task, host: string, raw: ModuleResult, locals: Record<string, unknown> | undefined, isLoop = false): HostTaskResult {
    const result = isLoop ? { ...raw } : this.applyResultKeywords(pc, task, host, raw, locals);
    // Every registered result says whether it failed, as Ansible's do.
    if (result['failed'] === undefined) result['failed'] = false;
    const state = this.rc.vm.state(host);
    const register = task.keywords['register'];
    if (typeof register === 'string') state.runtimeVars[register] = result;
    let status: HostTaskResult['status'];
    if (result['unreachable']) status = 'unreachable';
    else if (result['failed']) status = 'failed';
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
    return { status, result, ignored };
  }
}

function inheritedFromBlocks(task: Task, key: string): unknown {
  for (let b: Block | undefined = task.parent; b; b = b.parent) if (b.keywords[key] !== undefined) return b.keywords[key];
  return undefined;
}

/** A variable's plain value, or undefined when it is not defined. */
function plainVar(v: unknown): unknown {
  if (v === null) return null;
  if (typeof v === 'object' && v !== null && v.constructor?.name === 'Undefined') return undefined;
  return v;
}

export function findFile(searchPath: readonly string[], kind: string, name: string): string | undefined {
  if (path.isAbsolute(name)) return existsFile(name) ? name : undefined;
  for (const dir of searchPath) {
    for (const candidate of [path.join(dir, kind, name), path.join(dir, name)]) if (existsFile(candidate)) return candidate;
  }
  return undefined;
}

function existsFile(p: string): boolean {
  return existsSync(p);
}

async function renderTemplateFile(bound: BoundTemplar, file: string, searchPath: string[], options: TemplateFileOptions = {}): Promise<string> {
  const source = await readFile(file, 'utf8');
  const syntax: Record<string, unknown> = {};
  if (options.variableStartString !== undefined) syntax['variableStart'] = options.variableStartString;
  if (options.variableEndString !== undefined) syntax['variableEnd'] = options.variableEndString;
  if (options.blockStartString !== undefined) syntax['blockStart'] = options.blockStartString;
  if (options.blockEndString !== undefined) syntax['blockEnd'] = options.blockEndString;
  if (options.commentStartString !== undefined) syntax['commentStart'] = options.commentStartString;
  if (options.commentEndString !== undefined) syntax['commentEnd'] = options.commentEndString;
  if (options.trimBlocks !== undefined) syntax['trimBlocks'] = options.trimBlocks;
  if (options.lstripBlocks !== undefined) syntax['lstripBlocks'] = options.lstripBlocks;
  if (options.newlineSequence !== undefined) syntax['newlineSequence'] = options.newlineSequence;
  // What Ansible's template action adds for the template (ansible_managed only when not set).
  const info = await stat(file);
  const owner = (await readFile('/etc/passwd', 'utf8').catch(() => '')).split('\n').map((l) => l.split(':')).find((f) => Number(f[2]) === info.uid)?.[0];
  const extra: Record<string, unknown> = {
    template_host: os.hostname(),
    template_path: options.templatePath ?? file,
    template_fullpath: file,
    template_destpath: options.destPath ?? null,
    template_uid: owner ?? info.uid,
    template_mtime: pyDatetime(info.mtime),
    template_run_date: pyDatetime(new Date()),
  };
  const managed = bound.variable('ansible_managed');
  if (managed === undefined || (typeof managed === 'object' && managed !== null && managed.constructor.name === 'Undefined')) extra['ansible_managed'] = 'Ansible managed';
  return bound.renderTemplate(source, { file, line: 1, column: 1, searchPath: [path.dirname(file), ...searchPath], syntax, keepPythonTypes: false }, extra);
}
