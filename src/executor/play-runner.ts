/**
 * Runs a play: hosts in serial batches, vars_files, fact gathering, then pre_tasks, roles and
 * tasks, post_tasks, each a section that the play's strategy drives, with handlers flushed after
 * each; run_once, include lines, any_errors_fatal and max_fail_percentage.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import PQueue from 'p-queue';
import type { TaskInfo } from '../output/events.js';
import type { Play, Task, TaskNode } from '../playbook/model.js';
import { loadVarsFile } from '../playbook/roles.js';
import { TemplateError } from '../template/index.js';
import { pyStr, truthy } from '../python/values.js';
import type { RunContext } from './context.js';
import { TaskDispatcher } from './dispatch.js';
import type { Feedback } from './feedback.js';
import { Notifications, flushHandlers } from './handlers.js';
import { hostFlag } from './keywords.js';
import { RunError } from '../playbook/errors.js';
import { RecapCounters } from './recap.js';
import { linear } from './strategies/linear.js';
import { strategyNamed } from './strategies/registry.js';
import type { Section, Strategy } from './strategies/strategy.js';
import { selectedByTags, type TagFilter } from './tags.js';
import { taskInfo, taskTitle } from './task-title.js';
import { HostWalker, type WalkHooks } from './walker.js';
import { type PlayContext, playName } from './vars.js';

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
  /** The ansible.cfg read, if any (ansible_config_file). */
  configFile: string | undefined;
  /** The controller's Python (ansible_playbook_python), if one is found. */
  playbookPython: string | undefined;
}

/** A vars_files entry: the first of its candidates that exists (a list names alternatives). */
function loadFirstVarsFile(candidates: string[], baseDir: string): Record<string, unknown> | undefined {
  for (const c of candidates) {
    const file = path.resolve(baseDir, c);
    if (existsSync(file)) return loadVarsFile(file);
  }
  return undefined;
}

export class PlayRunner {
  readonly stats = new RecapCounters();
  private readonly dispatcher: TaskDispatcher;
  /** --start-at-task: the hosts that have reached the task (each host's walker runs on its own). */
  private readonly startReached = new Set<string>();
  /** meta: end_play or any_errors_fatal stops everything left in the play. */
  private playEnded = false;
  /** any_errors_fatal also ends the playbook: no later play runs. */
  runAborted = false;
  /** The last task that bypassed the host loop, and the host it ran for. */
  private bypassed: { task: Task; host: string } | undefined;

  constructor(
    private readonly runContext: RunContext,
    private readonly options: PlayRunOptions,
  ) {
    this.dispatcher = new TaskDispatcher(runContext, this.stats, () => (this.playEnded = true));
  }

  /** Hosts that failed or were unreachable: they take no part in later plays. */
  private isOut(host: string): boolean {
    const st = this.runContext.vm.state(host);
    return st.failed || st.unreachable;
  }

  async runPlay(play: Play, allHosts: string[], promptVars: Record<string, unknown>): Promise<void> {
    this.playEnded = false;
    const title = playName(play);
    const hosts = allHosts.filter((h) => !this.isOut(h));
    this.runContext.emit({ type: 'play_start', name: title, hosts });
    if (allHosts.length === 0) {
      this.runContext.emit({ type: 'no_hosts_matched', pattern: playName(play) });
      return;
    }
    const strategy = strategyNamed(pyStr(play.keywords['strategy'] ?? 'linear'), play.location);
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
        forks: this.runContext.options.forks,
        configFile: this.options.configFile,
        playbookPython: this.options.playbookPython,
      };
      await this.loadVarsFiles(pc, batch);
      if (this.gatherFacts(pc)) await this.runSection(pc, strategy, batch, [this.factsTask(play)], false);
      const sections: TaskNode[][] = [play.preTasks, this.roleAndTaskNodes(play), play.postTasks];
      for (const nodes of sections) {
        if (this.playEnded) break;
        await this.runSection(pc, strategy, batch, nodes, true);
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
      out.push(...this.runContext.loader.roleTasks(role, undefined));
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
    if (g === undefined || g === null) return this.runContext.modules.get('setup') !== undefined;
    return truthy(this.runContext.templar.templateValue(g, pc.extraVars));
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
      const state = this.runContext.vm.state(host);
      state.varsFiles = {};
      for (const entry of pc.play.varsFiles) {
        const bound = this.runContext.vm.bind(pc, host, undefined);
        const candidates = (Array.isArray(entry) ? entry : [entry]).map((e) => pyStr(bound.templateValue(e)));
        const loaded = loadFirstVarsFile(candidates, pc.play.baseDir);
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
        this.stats.of(host).rescued++;
        const st = this.runContext.vm.state(host);
        st.runtimeVars['ansible_failed_task'] = { name: failure.task.name ?? failure.task.action, action: failure.task.action };
        st.runtimeVars['ansible_failed_result'] = failure.result;
      },
      onFailed: () => {
        this.stats.of(host).failed++;
      },
    };
  }

  private selected(pc: PlayContext, task: Task, host: string): boolean {
    if (!selectedByTags(task, pc.play, this.options.tags)) return false;
    const start = this.options.startAtTask;
    if (start !== undefined && !this.startReached.has(host)) {
      if (task.name === start || (task.role && `${task.role.name} : ${task.name}` === start)) this.startReached.add(host);
      else return task.action === 'setup' && task.id === 0;
    }
    return true;
  }

  /** One section for a batch: the strategy drives each host's walk; handlers flush at the end when asked. */
  private async runSection(pc: PlayContext, strategy: Strategy, hosts: string[], nodes: TaskNode[], flushAfter: boolean): Promise<void> {
    const notifications = new Notifications();
    const walkers = hosts.filter((h) => !this.isOut(h)).map((host) => new HostWalker(host, nodes, this.hooks(pc, host), this.runContext.vm.state(host)));
    const queue = new PQueue({ concurrency: Math.max(1, this.runContext.options.forks) });
    const runTask = (task: Task, group: readonly string[]): Promise<Feedback[]> => this.runTask(pc, task, group, queue, notifications);
    // A handler runs as a section of its own, in lock-step, so that the tasks it includes run after it.
    const runHandler = (handler: Task, group: readonly string[]): Promise<void> =>
      linear.run({
        hosts: group,
        walkers: group.map((host) => new HostWalker(host, [handler], { ...this.hooks(pc, host), selected: () => true }, this.runContext.vm.state(host))),
        ended: () => this.playEnded,
        runTask,
        flushHandlers: async () => {},
        checkFailures: () => {},
      });
    const flush = (group: readonly string[]): Promise<void> =>
      flushHandlers({ notifications, forceHandlers: this.options.forceHandlers, isOut: (host) => this.isOut(host), runHandler }, pc.play, group);
    const section: Section = {
      hosts,
      walkers,
      ended: () => this.playEnded,
      runTask,
      flushHandlers: flush,
      checkFailures: (task) => this.checkFailures(pc, task, hosts),
    };
    await strategy.run(section);
    if (flushAfter && !this.playEnded) await flush(hosts);
  }

  /** any_errors_fatal and max_fail_percentage, checked after each task. */
  private checkFailures(pc: PlayContext, task: Task, hosts: string[]): void {
    const bypassHost = this.bypassed?.task === task ? this.bypassed.host : undefined;
    this.bypassed = undefined;
    const failed = hosts.filter((h) => this.runContext.vm.state(h).failed).length;
    if (failed === 0) return;
    // The host a task that bypasses the host loop ran for failed (and nothing rescued it): fatal, as any_errors_fatal.
    const bypassFailed = bypassHost !== undefined && this.runContext.vm.state(bypassHost).failed;
    if (bypassFailed || hostFlag(task, 'any_errors_fatal', pc, () => this.runContext.vm.bind(pc, hosts[0]!, task, undefined, { keepPythonTypes: true }), false)) {
      this.playEnded = true;
      this.runAborted = true;
      for (const h of hosts) if (!this.isOut(h)) this.runContext.vm.state(h).failed = true;
      return;
    }
    const max = pc.play.keywords['max_fail_percentage'];
    if (max !== undefined && (failed / hosts.length) * 100 > Number(max)) {
      this.playEnded = true;
      for (const h of hosts) if (!this.isOut(h)) this.runContext.vm.state(h).failed = true;
    }
  }

  /** Runs one task on a group of hosts (on the first only under run_once), reporting and counting. */
  private async runTask(pc: PlayContext, task: Task, hosts: readonly string[], queue: PQueue, notifications: Notifications): Promise<Feedback[]> {
    const info = taskInfo(task, taskTitle(task, () => this.runContext.vm.bind(pc, hosts[0]!, task, undefined, { keepPythonTypes: true })));
    const runOnce = hostFlag(task, 'run_once', pc, () => this.runContext.vm.bind(pc, hosts[0]!, task, undefined, { keepPythonTypes: true }), false);
    const bypass = !runOnce && this.bypassesHostLoop(pc, task, hosts[0]!);
    if (bypass && pyStr(pc.play.keywords['strategy'] ?? 'linear') === 'free') {
      throw new RunError(`The '${task.action}' module bypasses the host loop, which is currently not supported in the free strategy and would instead execute for every host in the inventory list.`, task.location);
    }
    const targets = runOnce || bypass ? hosts.slice(0, 1) : hosts;
    if (bypass) this.bypassed = { task, host: targets[0]! };
    const reported = task.action !== 'meta';
    if (reported) this.runContext.emit({ type: 'task_start', task: info, hosts: [...targets] });
    const runOn = async (host: string): Promise<Feedback> => {
      try {
        return await this.dispatcher.run(pc, task, host, notifications);
      } finally {
        if (reported) this.runContext.emit({ type: 'host_done', task: info, host });
      }
    };
    const results = await Promise.all(targets.map((host) => queue.add(() => runOn(host), { throwOnTimeout: true })));
    if (task.action === 'include_tasks' || task.action === 'include_role') this.reportIncludes(info, targets, results);
    if (runOnce) {
      const first = results[0]!;
      const register = task.keywords['register'];
      // Only the host that ran it is counted; the others get its registered result.
      for (const host of hosts.slice(1)) {
        if (typeof register === 'string') this.runContext.vm.state(host).runtimeVars[register] = first.result;
        // set_fact (and facts) from a run_once task apply to every host of the play.
        this.dispatcher.storeFacts(pc, task, host, first);
      }
      return hosts.map(() => first);
    }
    // The other hosts go past the task: not run, not counted, nothing registered (as in Ansible).
    if (bypass) return hosts.map((_, i) => results[i] ?? { status: 'ok', result: {}, ignored: false });
    return results;
  }

  /**
   * Whether the task's action bypasses the host loop (add_host): Ansible then runs it for the
   * first host only, as under run_once, and a failure that is not ignored fails every host.
   */
  private bypassesHostLoop(pc: PlayContext, task: Task, host: string): boolean {
    if (task.action === 'meta' || task.action === 'include_tasks' || task.action === 'include_role') return false;
    let action = task.action;
    if (action.includes('{{')) {
      try {
        action = pyStr(this.runContext.vm.bind(pc, host, task, undefined, { keepPythonTypes: true }).templateValue(action));
      } catch {
        return false;
      }
    }
    // Only a native module bypasses the host loop (a task's native module comes before any file).
    return this.runContext.modules.get(action)?.bypassHostLoop === true;
  }

  /** One `included: FILE for h1, h2 => (item=x)` line per file and item, as Ansible prints them. */
  private reportIncludes(info: TaskInfo, hosts: readonly string[], results: Feedback[]): void {
    const groups = new Map<string, { file: string; item?: { label: unknown }; hosts: string[] }>();
    hosts.forEach((host, i) => {
      for (const line of results[i]?.includedFiles ?? []) {
        const key = `${line.file}\u0000${JSON.stringify(line.item ?? null)}`;
        const g = groups.get(key) ?? { file: line.file, ...(line.item ? { item: line.item } : {}), hosts: [] };
        g.hosts.push(host);
        groups.set(key, g);
      }
    });
    for (const g of groups.values()) this.runContext.emit({ type: 'included', task: info, file: g.file, hosts: g.hosts, ...(g.item ? { item: g.item } : {}) });
  }
}
