/**
 * What the text output says while a task is still running: package installs, model downloads and
 * waits for a server take minutes, and Ansible's output is silent until each host's result.
 *
 * On a terminal, one status line that updates in place (`  … TASK [x] running 42 s: node1, node2
 * (3 of 4 hosts done)`), with the modules' own progress (synchronize's transfer) on it; it is erased
 * before any other output, so regular lines are never mixed with it. Elsewhere (CI, pipes), a plain
 * line every `intervalSeconds` (`… still running (30 s): TASK [x] on node1, node2`).
 *
 * The timer runs only while a task runs, and never keeps the process alive (unref).
 */
import type { TaskInfo } from './events.js';

export interface ProgressOptions {
  /** A terminal: one status line redrawn in place. Otherwise plain lines. */
  tty: boolean;
  /**
   * Seconds between the plain "still running" lines; on a terminal, the status line shows once a
   * task has run this long, at most 3 s. 0 turns both off.
   */
  intervalSeconds: number;
  /** The terminal's width, so that the status line never wraps (a wrapped line cannot be erased). */
  columns?: () => number | undefined;
}

/** The terminal status line appears after a task has run this long (or the interval, if shorter). */
const TTY_DELAY_MS = 3000;
/** How often the terminal line is redrawn. */
const TTY_REDRAW_MS = 1000;
/** Hosts named in a line before "and N more". */
const HOSTS_SHOWN = 5;
const ERASE_LINE = '\r\u001b[2K';

/** One task started on some hosts (the free strategy starts one per host). */
interface Running {
  task: TaskInfo;
  hosts: string[];
  done: Set<string>;
  since: number;
  /** The latest module progress message of each host (shown on the terminal line). */
  messages: Map<string, string>;
}

/** The runs of one task, shown together. */
interface Group {
  task: TaskInfo;
  since: number;
  pending: string[];
  total: number;
  done: number;
  messages: Array<[string, string]>;
}

function hostList(hosts: readonly string[]): string {
  if (hosts.length <= HOSTS_SHOWN) return hosts.join(', ');
  return `${hosts.slice(0, HOSTS_SHOWN).join(', ')} and ${hosts.length - HOSTS_SHOWN} more`;
}

const bannerName = (task: TaskInfo): string => `${task.isHandler ? 'RUNNING HANDLER' : 'TASK'} [${task.title}]`;

export class ProgressDisplay {
  private readonly runs = new Set<Running>();
  private readonly runOf = new Map<string, Running>();
  /** The last "still running" line printed for each task, as a count of intervals. */
  private readonly beats = new Map<number, number>();
  private timer: ReturnType<typeof setInterval> | undefined;
  private shown = false;

  constructor(
    private readonly options: ProgressOptions,
    /** Writes to the output the status line shares (stdout). */
    private readonly write: (text: string) => void,
    private readonly paint: (text: string) => string = (t) => t,
  ) {}

  private get intervalMs(): number {
    return this.options.intervalSeconds * 1000;
  }

  get enabled(): boolean {
    return this.options.intervalSeconds > 0;
  }

  /** Module progress goes on the status line (a terminal) rather than on lines of its own. */
  get ownsModuleProgress(): boolean {
    return this.enabled && this.options.tty;
  }

  taskStart(task: TaskInfo, hosts: readonly string[], now = Date.now()): void {
    if (!this.enabled || hosts.length === 0) return;
    const run: Running = { task, hosts: [...hosts], done: new Set(), since: now, messages: new Map() };
    for (const host of hosts) {
      // A host is in one task at a time; a run it never finished is over.
      const stale = this.runOf.get(host);
      if (stale) this.hostDone(stale.task, host);
      this.runOf.set(host, run);
    }
    this.runs.add(run);
    this.startTimer();
  }

  hostDone(task: TaskInfo, host: string): void {
    const run = this.runOf.get(host);
    if (!run || run.task.id !== task.id) return;
    this.runOf.delete(host);
    run.done.add(host);
    run.messages.delete(host);
    if (run.done.size < run.hosts.length) return;
    this.runs.delete(run);
    if (![...this.runs].some((r) => r.task.id === task.id)) this.beats.delete(task.id);
    if (this.runs.size === 0) this.stop();
  }

  /** A module's progress message for a host (only kept when this display owns module progress). */
  moduleProgress(host: string, message: string): void {
    this.runOf.get(host)?.messages.set(host, message);
  }

  /** Erases the status line; called before anything else is written. */
  erase(): void {
    if (!this.shown) return;
    this.write(ERASE_LINE);
    this.shown = false;
  }

  /** Stops the timer and erases the line: the run is over. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.erase();
    this.runs.clear();
    this.runOf.clear();
    this.beats.clear();
  }

  private startTimer(): void {
    if (this.timer) return;
    const period = this.options.tty ? TTY_REDRAW_MS : Math.min(1000, this.intervalMs);
    this.timer = setInterval(() => this.tick(), period);
    this.timer.unref();
  }

  private groups(): Group[] {
    const byTask = new Map<number, Group>();
    for (const run of this.runs) {
      const g = byTask.get(run.task.id) ?? { task: run.task, since: run.since, pending: [], total: 0, done: 0, messages: [] };
      g.since = Math.min(g.since, run.since);
      g.pending.push(...run.hosts.filter((h) => !run.done.has(h)));
      g.total += run.hosts.length;
      g.done += run.done.size;
      g.messages.push(...run.messages);
      byTask.set(run.task.id, g);
    }
    return [...byTask.values()].sort((a, b) => a.since - b.since);
  }

  /** One timer tick: the plain lines that are due, or the terminal line redrawn. */
  tick(now = Date.now()): void {
    const groups = this.groups();
    if (this.options.tty) {
      this.draw(groups, now);
      return;
    }
    for (const g of groups) {
      const beat = Math.floor((now - g.since) / this.intervalMs);
      if (beat < 1 || beat <= (this.beats.get(g.task.id) ?? 0)) continue;
      this.beats.set(g.task.id, beat);
      const done = g.done ? ` (${g.done} of ${g.total} hosts done)` : '';
      this.write(this.paint(`… still running (${Math.floor((now - g.since) / 1000)} s): ${bannerName(g.task)} on ${hostList(g.pending)}${done}`) + '\n');
    }
  }

  private draw(groups: Group[], now: number): void {
    const delay = Math.min(TTY_DELAY_MS, this.intervalMs);
    const visible = groups.filter((g) => now - g.since >= delay || g.messages.length);
    const first = visible[0];
    if (!first) {
      this.erase();
      return;
    }
    const done = first.total > 1 ? ` (${first.done} of ${first.total} hosts done)` : '';
    const messages = first.messages.map(([host, m]) => ` [${host}] ${m}`).join(';');
    const more = visible.length > 1 ? ` (+${visible.length - 1} more tasks)` : '';
    let text = `  … ${bannerName(first.task)} running ${Math.floor((now - first.since) / 1000)} s: ${hostList(first.pending)}${done}${more}${messages}`;
    const width = (this.options.columns?.() ?? 80) - 1;
    if (width > 10 && text.length > width) text = text.slice(0, width - 1) + '…';
    this.write(ERASE_LINE + this.paint(text));
    this.shown = true;
  }
}
