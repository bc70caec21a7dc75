/**
 * Runs a play: hosts and serial batches, fact gathering, pre_tasks / roles and tasks /
 * post_tasks with handlers flushed after each, in the linear (lock-step) or free strategy.
 */
import PQueue from 'p-queue';
import type { Block, Play, Task, TaskNode } from '../playbook/model.js';
import type { HostStats } from '../output/events.js';
import { type BoundTemplar, TemplateError } from '../template/index.js';
import { isDict, pyStr, truthy } from '../python/values.js';
import { evaluateConditions } from './conditionals.js';
import type { RunContext } from './context.js';
import { IncludeHandler } from './includes.js';
import { TaskRunner, allWhen, inherited } from './task-runner.js';
import { type Feedback, HostFailed, HostStopped, type WalkHooks, walk } from './walker.js';
import type { PlayContext } from './vars.js';
import { selectedByTags, type TagFilter } from './tags.js';

export interface PlayRunOptions {
  checkMode: boolean;
  diffMode: boolean;
  verbosity: number;
  extraVars: Record<string, unknown>;
  tags: TagFilter;
  limit: string | undefined;
  startAtTask: string | undefined;
  inventorySources: string[];
  forceHandlers: boolean;
}

export class PlayRunner {
  readonly stats = new Map<string, HostStats>();
  private readonly runner: TaskRunner;
  private readonly includes: IncludeHandler;
  /** --start-at-task: the hosts that have reached the task (each host's walker runs on its own). */
  private readonly startReached = new Set<string>();
  /** meta: end_play or any_errors_fatal stops everything left in the play. */
  private playEnded = false;
  /** any_errors_fatal also ends the playbook: no later play runs. */
  runAborted = false;

  constructor(
    private readonly rc: RunContext,
    private readonly options: PlayRunOptions,
  ) {
    this.runner = new TaskRunner(rc);
    this.includes = new IncludeHandler(rc);
  }

  stat(host: string): HostStats {
    let s = this.stats.get(host);
    if (!s) {
      s = { ok: 0, changed: 0, unreachable: 0, failed: 0, skipped: 0, rescued: 0, ignored: 0 };
      this.stats.set(host, s);
    }
    return s;
  }

  /** Hosts that failed or were unreachable: they take no part in later plays. */
  private isOut(host: string): boolean {
    const st = this.rc.vm.state(host);
    return st.failed || st.unreachable;
  }

  async runPlay(play: Play, allHosts: string[], promptVars: Record<string, unknown>): Promise<void> {
    this.playEnded = false;
    const title = play.name ?? pyStr(play.hosts);
    const hosts = allHosts.filter((h) => !this.isOut(h));
    this.rc.emit({ type: 'play_start', name: title, hosts });
    if (allHosts.length === 0) {
      this.rc.emit({ type: 'no_hosts_matched', pattern: pyStr(play.hosts) });
      return;
    }
    for (const batch of this.batches(play, hosts)) {
      const pc: PlayContext = {
        play,
        playHostsAll: allHosts,
        playHosts: hosts,
        playBatch: batch,
        checkMode: this.options.checkMode,
        diffMode: this.options.diffMode,
        verbosity: this.options.verbosity,
        extraVars: this.options.extraVars,
        promptVars,
        runTags: this.options.tags.only,
        skipTags: this.options.tags.skip,
        limit: this.options.limit,
        inventorySources: this.options.inventorySources,
      };
      await this.loadVarsFiles(pc, batch);
      if (this.gatherFacts(pc)) await this.runSection(pc, batch, [this.factsTask(play)], false);
      const sections: TaskNode[][] = [play.preTasks, this.roleAndTaskNodes(play), play.postTasks];
      for (const nodes of sections) {
        if (this.playEnded) break;
        await this.runSection(pc, batch, nodes, true);
      }
      const failedInBatch = batch.filter((h) => this.isOut(h)).length;
      if (failedInBatch === batch.length || this.playEnded) break;
    }
  }

  private roleAndTaskNodes(play: Play): TaskNode[] {
    const seen = new Set<string>();
    const out: TaskNode[] = [];
    for (const role of play.roles) {
      const key = `${role.path}\u0000${JSON.stringify(role.params)}`;
      if (seen.has(key) && !role.allowDuplicates) continue;
      seen.add(key);
      out.push(...this.rc.loader.roleTasks(role, undefined));
    }
    out.push(...play.tasks);
    return out;
  }

  private batches(play: Play, hosts: string[]): string[][] {
    const serial = play.keywords['serial'];
    if (serial === undefined || serial === null) return [hosts];
    const specs = (Array.isArray(serial) ? serial : [serial]).map((s) => {
      const text = pyStr(s).trim();
      if (text.endsWith('%')) return Math.max(1, Math.floor((hosts.length * Number(text.slice(0, -1))) / 100));
      return Number(text) || hosts.length;
    });
    const out: string[][] = [];
    let i = 0;
    let k = 0;
    while (i < hosts.length) {
      const size = specs[Math.min(k, specs.length - 1)]!;
      out.push(hosts.slice(i, i + size));
      i += size;
      k++;
    }
    return out;
  }

  private gatherFacts(pc: PlayContext): boolean {
    const g = pc.play.keywords['gather_facts'];
    if (g === undefined || g === null) return this.rc.modules.get('setup') !== undefined;
    return truthy(this.rc.templar.templateValue(g, pc.extraVars));
  }

  private factsTask(play: Play): Task {
    return {
      kind: 'task',
      id: 0,
      name: 'Gathering Facts',
      action: 'setup',
      args: play.keywords['gather_subset'] !== undefined ? { gather_subset: play.keywords['gather_subset'] } : {},
      keywords: { tags: ['always'] },
      loopLookup: undefined,
      parent: undefined,
      role: undefined,
      file: play.file,
      location: play.location,
      locations: {},
      listen: [],
      isHandler: false,
    };
  }

  private async loadVarsFiles(pc: PlayContext, hosts: string[]): Promise<void> {
    for (const host of hosts) {
      const state = this.rc.vm.state(host);
      state.varsFiles = {};
      for (const entry of pc.play.varsFiles) {
        const bound = this.rc.templar.bind(this.rc.vm.source(this.rc.vm.layers(pc, host, undefined)));
        const candidates = (Array.isArray(entry) ? entry : [entry]).map((e) => pyStr(bound.templateValue(e)));
        const loaded = this.includes.loadFirstVarsFile(candidates, pc.play.baseDir);
        if (!loaded) throw new TemplateError('runtime', `vars file ${candidates.join(', ')} was not found`, { file: pc.play.file, line: pc.play.location.line, column: pc.play.location.column });
        Object.assign(state.varsFiles, loaded);
      }
    }
  }

  // ------------------------------------------------------------------ sections

  private hooks(pc: PlayContext, host: string): WalkHooks {
    return {
      selected: (task) => this.selected(pc, task, host),
      onRescue: (failure) => {
        this.stat(host).rescued++;
        const st = this.rc.vm.state(host);
        st.runtimeVars['ansible_failed_task'] = { name: failure.task.name ?? failure.task.action, action: failure.task.action };
        st.runtimeVars['ansible_failed_result'] = failure.result;
      },
      onFailed: () => {
        this.stat(host).failed++;
      },
    };
  }

  private selected(pc: PlayContext, task: Task, host: string): boolean {
    if (!selectedByTags(task, pc, this.options.tags)) return false;
    const start = this.options.startAtTask;
    if (start !== undefined && !this.startReached.has(host)) {
      if (task.name === start || (task.role && `${task.role.name} : ${task.name}` === start)) this.startReached.add(host);
      else return task.action === 'setup' && task.id === 0;
    }
    return true;
  }

  /** One section for a batch: the strategy drives each host's walker. */
  private async runSection(pc: PlayContext, hosts: string[], nodes: TaskNode[], flushAfter: boolean): Promise<void> {
    const active = hosts.filter((h) => !this.isOut(h));
    const notified = new Map<string, Set<string>>();
    const walkers = new Map<string, { gen: Generator<Task, void, Feedback>; next: Task | undefined }>();
    for (const host of active) {
      const gen = walk(nodes, this.hooks(pc, host));
      walkers.set(host, { gen, next: this.advance(host, gen, undefined) });
    }
    const strategy = pyStr(pc.play.keywords['strategy'] ?? 'linear');
    const queue = new PQueue({ concurrency: Math.max(1, this.rc.options.forks) });
    const key = (t: Task): number[] => {
      const path: number[] = [];
      for (let x: Task | undefined = t; x; x = x.includedFrom) path.unshift(x.id);
      return path;
    };
    const before = (a: number[], b: number[]): boolean => {
      for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! < b[i]!;
      return a.length < b.length;
    };
    if (strategy === 'free') {
      await Promise.all(
        [...walkers.entries()].map(async ([host, w]) => {
          while (w.next && !this.playEnded) {
            const task = w.next;
            const [feedback] = await this.runTask(pc, task, [host], queue, notified);
            // Under the free strategy each host flushes its own handlers when it gets there.
            if (task.action === 'meta' && feedback?.result['_meta'] === 'flush_handlers') await this.flushHandlers(pc, [host], notified);
            w.next = this.advance(host, w.gen, feedback);
          }
        }),
      );
    } else {
      while (!this.playEnded) {
        let task: Task | undefined;
        for (const w of walkers.values()) if (w.next && (!task || before(key(w.next), key(task)))) task = w.next;
        if (!task) break;
        const group = [...walkers.entries()].filter(([, w]) => w.next === task).map(([h]) => h);
        const feedbacks = await this.runTask(pc, task, group, queue, notified);
        if (task.action === 'meta' && feedbacks.some((f) => f.result['_meta'] === 'flush_handlers')) {
          await this.flushHandlers(pc, hosts, notified);
        }
        group.forEach((host, i) => {
          const w = walkers.get(host)!;
          w.next = this.advance(host, w.gen, feedbacks[i]!);
        });
        this.checkFatal(pc, task, hosts);
      }
    }
    if (flushAfter && !this.playEnded) await this.flushHandlers(pc, hosts, notified);
  }

  /** Feeds the result to the host's walker and returns its next task (undefined when done). */
  private advance(host: string, gen: Generator<Task, void, Feedback>, feedback: Feedback | undefined): Task | undefined {
    try {
      const step = feedback === undefined ? gen.next() : gen.next(feedback);
      return step.done ? undefined : step.value;
    } catch (e) {
      const st = this.rc.vm.state(host);
      if (e instanceof HostFailed) st.failed = true;
      else if (e instanceof HostStopped) {
        if (e.reason === 'unreachable') st.unreachable = true;
      } else throw e;
      return undefined;
    }
  }

  /** any_errors_fatal and max_fail_percentage, checked after each task. */
  private checkFatal(pc: PlayContext, task: Task, hosts: string[]): void {
    const failed = hosts.filter((h) => this.rc.vm.state(h).failed).length;
    if (failed === 0) return;
    const fatal = inherited(task, 'any_errors_fatal', pc);
    if (fatal !== undefined && truthy(this.rc.templar.templateValue(fatal, pc.extraVars))) {
      this.playEnded = true;
      this.runAborted = true;
      for (const h of hosts) if (!this.isOut(h)) this.rc.vm.state(h).failed = true;
      return;
    }
    const max = pc.play.keywords['max_fail_percentage'];
    if (max !== undefined && (failed / hosts.length) * 100 > Number(max)) {
      this.playEnded = true;
      for (const h of hosts) if (!this.isOut(h)) this.rc.vm.state(h).failed = true;
    }
  }

  /** Runs one task on a group of hosts (once for run_once), reporting and counting. */
  private async runTask(pc: PlayContext, task: Task, hosts: string[], queue: PQueue, notified: Map<string, Set<string>>): Promise<Feedback[]> {
    const info = this.rc.taskInfo(task, this.taskTitle(pc, task, hosts[0]!));
    const silent = task.action === 'meta';
    if (!silent) this.rc.emit({ type: 'task_start', task: info });
    const runOnceKw = inherited(task, 'run_once', pc);
    const runOnce = runOnceKw !== undefined && truthy(this.rc.templar.templateValue(runOnceKw, pc.extraVars));
    const targets = runOnce ? hosts.slice(0, 1) : hosts;
    const results = await Promise.all(targets.map((host) => queue.add(() => this.runOnHost(pc, task, host, notified)) as Promise<Feedback>));
    if (task.action === 'include_tasks' || task.action === 'include_role') this.reportIncludes(info, targets, results);
    if (runOnce) {
      const first = results[0]!;
      const register = task.keywords['register'];
      // Only the host that ran it is counted; the others get its registered result.
      for (const host of hosts.slice(1)) {
        if (typeof register === 'string') this.rc.vm.state(host).runtimeVars[register] = first.result;
        // set_fact (and facts) from a run_once task apply to every host of the play.
        this.storeFacts(pc, task, host, first);
      }
      return hosts.map(() => first);
    }
    return results;
  }

  /** One `included: FILE for h1, h2 => (item=x)` line per file and item, as Ansible prints them. */
  private reportIncludes(info: ReturnType<RunContext['taskInfo']>, hosts: string[], results: Feedback[]): void {
    const groups = new Map<string, { file: string; item?: { label: unknown }; hosts: string[] }>();
    hosts.forEach((host, i) => {
      const lines = results[i]?.result['_included'];
      if (!Array.isArray(lines)) return;
      for (const line of lines as Array<{ file: string; item?: { label: unknown } }>) {
        const key = `${line.file}\u0000${JSON.stringify(line.item ?? null)}`;
        const g = groups.get(key) ?? { file: line.file, ...(line.item ? { item: line.item } : {}), hosts: [] };
        g.hosts.push(host);
        groups.set(key, g);
      }
    });
    for (const g of groups.values()) this.rc.emit({ type: 'included', task: info, file: g.file, hosts: g.hosts, ...(g.item ? { item: g.item } : {}) });
  }

  private taskTitle(pc: PlayContext, task: Task, host: string): string {
    // An unnamed include_role is shown with the role it includes, as Ansible does.
    let name = task.name ?? (task.action === 'include_role' && typeof (task.args['name'] ?? task.args['_raw_params']) === 'string' ? `include_role : ${String(task.args['name'] ?? task.args['_raw_params'])}` : task.action);
    if (task.name?.includes('{{')) {
      try {
        name = pyStr(this.bound(pc, host, task).templateValue(task.name));
      } catch {
        // keep the raw name (it may use a loop variable)
      }
    }
    return task.role ? `${task.role.name} : ${name}` : name;
  }

  private bound(pc: PlayContext, host: string, task: Task): BoundTemplar {
    return this.rc.templar.bind(this.rc.vm.source(this.rc.vm.layers(pc, host, task)), { keepPythonTypes: true });
  }

  private async runOnHost(pc: PlayContext, task: Task, host: string, notified: Map<string, Set<string>>): Promise<Feedback> {
    let feedback: Feedback;
    switch (task.action) {
      case 'include_tasks':
      case 'include_role':
      case 'meta':
        feedback = await this.includes.run(pc, task, host, (when) => this.whenHolds(pc, task, host, when));
        if (feedback.result['_meta'] === 'end_play') this.playEnded = true;
        break;
      default:
        feedback = await this.runner.run(pc, task, host);
        this.storeFacts(pc, task, host, feedback);
    }
    const isInclude = (task.action === 'include_tasks' || task.action === 'include_role') && feedback.status === 'ok';
    if (!(task.action === 'meta' && feedback.status !== 'skipped') && !isInclude) this.report(pc, task, host, feedback);
    // Ansible counts no meta task in the recap.
    if (task.action !== 'meta') this.count(host, feedback);
    if (feedback.status === 'changed' || (feedback.status === 'ok' && feedback.result['changed'])) this.notify(pc, task, host, notified);
    return feedback;
  }

  private whenHolds(pc: PlayContext, task: Task, host: string, extra?: Record<string, unknown>): boolean {
    const bound = this.rc.templar.bind(this.rc.vm.source(this.rc.vm.layers(pc, host, task, extra)), { keepPythonTypes: true });
    return evaluateConditions(allWhen(task), bound, task.location).ok;
  }

  /** set_fact, include_vars and fact-gathering results become variables (of the delegate with delegate_facts). */
  private storeFacts(pc: PlayContext, task: Task, host: string, feedback: Feedback): void {
    const results = Array.isArray(feedback.result['results']) ? (feedback.result['results'] as Array<Record<string, unknown>>) : [feedback.result];
    const delegateFactsKw = inherited(task, 'delegate_facts', pc);
    const toDelegate = feedback.delegatedTo !== undefined && delegateFactsKw !== undefined && truthy(this.rc.templar.templateValue(delegateFactsKw, pc.extraVars));
    const st = this.rc.vm.state(toDelegate ? feedback.delegatedTo! : host);
    for (const r of results) {
      const facts = r['ansible_facts'];
      if (!isDict(facts) || r['failed']) continue;
      if (task.action === 'set_fact') Object.assign(st.runtimeVars, facts);
      else if (task.action === 'include_vars') Object.assign(st.includeVars, facts);
      else Object.assign(st.facts, facts);
    }
  }

  private report(pc: PlayContext, task: Task, host: string, feedback: Feedback): void {
    if (Array.isArray(feedback.result['results']) && task.keywords['loop'] !== undefined) {
      // Loop items were reported one by one; only a failure of the whole task is reported again.
      if (feedback.status !== 'failed' || feedback.result['results'].length) return;
    }
    const noLogKw = inherited(task, 'no_log', pc);
    const noLog = noLogKw !== undefined && truthy(this.rc.templar.templateValue(noLogKw, pc.extraVars));
    const result = noLog
      ? { censored: "the output has been hidden due to the fact that 'no_log: true' was specified for this result", changed: feedback.result['changed'] ?? false }
      : feedback.result;
    this.rc.emit({
      type: 'host_result',
      task: this.rc.taskInfo(task),
      host,
      status: feedback.status,
      result,
      ignored: feedback.ignored,
      ...(feedback.delegatedTo ? { delegatedTo: feedback.delegatedTo } : {}),
    });
  }

  private count(host: string, feedback: Feedback): void {
    const s = this.stat(host);
    switch (feedback.status) {
      case 'skipped':
        s.skipped++;
        break;
      case 'unreachable':
        if (feedback.ignored) {
          s.ok++;
          s.ignored++;
        } else s.unreachable++;
        break;
      case 'failed':
        // Counted by the walker (failed, or rescued); ignored failures count as ok.
        if (feedback.ignored) {
          s.ok++;
          s.ignored++;
          if (feedback.result['changed']) s.changed++;
        }
        break;
      default: {
        // An include counts once per file and loop item it included.
        const included = feedback.result['_included'];
        s.ok += Array.isArray(included) && included.length ? included.length : 1;
        if (feedback.status === 'changed') s.changed++;
      }
    }
  }

  // ------------------------------------------------------------------ handlers

  private notify(pc: PlayContext, task: Task, host: string, notified: Map<string, Set<string>>): void {
    const raw = task.keywords['notify'];
    if (raw === undefined || raw === null) return;
    const names = (Array.isArray(raw) ? raw : [raw]).map((n) => pyStr(this.bound(pc, host, task).templateValue(n)));
    for (const name of names) {
      const handlers = this.handlersNamed(pc.play, name);
      if (handlers.length === 0) {
        this.rc.emit({ type: 'error', message: `The requested handler '${name}' was not found in either the main handlers list nor in the listening handlers list` });
        continue;
      }
      for (const h of handlers) {
        const key = String(h.id);
        if (!notified.has(key)) notified.set(key, new Set());
        notified.get(key)!.add(host);
      }
    }
  }

  private allHandlers(play: Play): Task[] {
    const out: Task[] = [];
    const flat = (nodes: TaskNode[]): void => {
      for (const n of nodes) {
        if (n.kind === 'task') out.push(n);
        else {
          flat((n as Block).block);
          flat(n.rescue);
          flat(n.always);
        }
      }
    };
    const visitRole = (r: Play['roles'][number]): void => {
      r.dependencies.forEach(visitRole);
      flat(r.handlers);
    };
    play.roles.forEach(visitRole);
    flat(play.handlers);
    return out;
  }

  private handlersNamed(play: Play, name: string): Task[] {
    return this.allHandlers(play).filter((h) => h.name === name || (h.role && `${h.role.name} : ${h.name}` === name) || h.listen.includes(name));
  }

  private async flushHandlers(pc: PlayContext, hosts: string[], notified: Map<string, Set<string>>): Promise<void> {
    const queue = new PQueue({ concurrency: Math.max(1, this.rc.options.forks) });
    for (const handler of this.allHandlers(pc.play)) {
      const pending = notified.get(String(handler.id));
      if (!pending?.size) continue;
      // Only these hosts' notifications are consumed (under the free strategy others flush later).
      const flushing = hosts.filter((h) => pending.has(h));
      for (const h of flushing) pending.delete(h);
      if (!pending.size) notified.delete(String(handler.id));
      const targets = flushing.filter((h) => !this.isOut(h) || this.options.forceHandlers);
      if (!targets.length) continue;
      const info = this.rc.taskInfo(handler, this.taskTitle(pc, handler, targets[0]!));
      this.rc.emit({ type: 'task_start', task: info });
      await Promise.all(
        targets.map((host) =>
          queue.add(async () => {
            const feedback = await this.runOnHost(pc, handler, host, notified);
            if (feedback.status === 'failed' && !feedback.ignored) {
              this.stat(host).failed++;
              this.rc.vm.state(host).failed = true;
            }
            if (feedback.status === 'unreachable' && !feedback.ignored) this.rc.vm.state(host).unreachable = true;
          }),
        ),
      );
    }
  }
}
