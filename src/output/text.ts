/** Ansible's default stdout callback, line for line: banners, host results, diffs, the recap. */
import { readFileSync } from 'node:fs';
import { pyJsonDumps } from '../python/serialize.js';
import { isDict, pyStr } from '../python/values.js';
import { unifiedDiff } from './diff.js';
import type { ErrorCause, HostStats, Reporter, RunEvent } from './events.js';
import { ProgressDisplay, type ProgressOptions } from './progress.js';
import { sourceExcerpt } from './source-excerpt.js';

export interface TextReporterOptions {
  write(text: string): void;
  writeError?(text: string): void;
  color: boolean;
  verbosity: number;
  diff: boolean;
  /** Say what is still running during long tasks (see progress.ts); without it, nothing is said. */
  progress?: ProgressOptions;
}

const COLORS = { ok: '32', changed: '33', skipped: '36', failed: '31', unreachable: '1;31', warn: '35', error: '31', ignored: '36', rescued: '35', verbose: '34', deprecated: '35' } as const;

export function banner(text: string, columns = 80): string {
  const stars = Math.max(3, columns - 1 - text.length);
  return `${text} ${'*'.repeat(stars)}`;
}

/** What debug shows besides its `msg` (Ansible's _DEBUG_ALLOWED_KEYS), and what it hides when it shows a `var`. */
const DEBUG_WITH_MSG = new Set(['msg', 'exception', 'warnings', 'deprecations']);
const HIDDEN_IN_DEBUG = new Set(['changed', 'failed', 'skipped', 'invocation', 'skip_reason', 'ansible_loop_var', 'ansible_index_var', 'ansible_loop']);

/** The result as the callback prints it: internal keys dropped; debug's msg alone, as Ansible's _clean_results leaves it. */
function cleanResult(result: Record<string, unknown>, action: string, verbosity: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const debugMsg = action === 'debug' && 'msg' in result;
  for (const [k, v] of Object.entries(result)) {
    // Warnings and deprecations are printed as lines of their own, as Ansible's callback does.
    if (k.startsWith('_ansible_') || k === 'diff' || k === 'warnings' || k === 'deprecations') continue;
    if (k === 'invocation' && verbosity < 3) continue;
    // Ansible's callback pops `exception` (shown as an error of its own only when it has a traceback).
    if (k === 'exception') continue;
    if (debugMsg && !DEBUG_WITH_MSG.has(k)) continue;
    if (action === 'debug' && HIDDEN_IN_DEBUG.has(k)) continue;
    // The status line already says whether it failed or was skipped (Ansible's TaskResult drops both keys).
    if (k === 'failed' || k === 'skipped') continue;
    out[k] = v;
  }
  return out;
}

export class TextReporter implements Reporter {
  private readonly progress: ProgressDisplay | undefined;
  private deprecationShown = false;

  constructor(private readonly options: TextReporterOptions) {
    if (options.progress) this.progress = new ProgressDisplay(options.progress, (s) => options.write(s), (s) => this.c('skipped', s));
  }

  /** Stops the progress timer and erases its line (the recap does it too; for a run that ended without one). */
  close(): void {
    this.progress?.stop();
  }

  /** A result's deprecation, as Ansible's Display words it; the first of the run says how to turn them off. */
  private deprecation(d: unknown): void {
    const msg = isDict(d) ? pyStr(d['msg']) : pyStr(d);
    const version = isDict(d) && d['version'] !== undefined && d['version'] !== null ? ` This feature will be removed from ansible-core version ${pyStr(d['version'])}.` : '';
    if (!this.deprecationShown) this.err(this.c('warn', '[WARNING]: Deprecation warnings can be disabled by setting `deprecation_warnings=False` in ansible.cfg.') + '\n');
    this.deprecationShown = true;
    this.err(this.c('deprecated', `[DEPRECATION WARNING]: ${msg}${version}`) + '\n');
  }

  private out(text: string): void {
    this.progress?.erase();
    this.options.write(text);
  }

  private err(text: string): void {
    this.progress?.erase();
    (this.options.writeError ?? this.options.write)(text);
  }

  /** When each host last printed a progress line: at most one a second per host. */
  private readonly progressShown = new Map<string, number>();
  /** Errors of loop items already shown (Ansible shows the same error once). */
  private readonly shownErrors = new Set<string>();
  /** Source files read for excerpts under error origins. */
  private readonly sources = new Map<string, string>();

  private c(color: keyof typeof COLORS, text: string): string {
    return this.options.color ? `\u001b[${COLORS[color]}m${text}\u001b[0m` : text;
  }

  /** `[ERROR]: <message>` and the task's origin, as Ansible 2.19 shows an error; the same error once (Display deduplicates errors). */
  private errorLine(task: { file: string; line: number; column: number }, message: string, cause?: ErrorCause): void {
    const origin = `Origin: ${task.file}:${task.line}:${task.column}`;
    if (this.shownErrors.has(`${message}\n${origin}`)) return;
    this.shownErrors.add(`${message}\n${origin}`);
    this.line(this.c('error', `[ERROR]: ${message}`));
    this.line(origin);
    this.line();
    this.excerpt(task.file, task.line, task.column);
    if (cause === undefined) return;
    // Ansible's chain display: the cause where it is.
    this.line('<<< caused by >>>');
    this.line();
    this.line(cause.message);
    this.line(`Origin: ${cause.file}:${cause.line}:${cause.column}`);
    this.line();
    this.excerpt(cause.file, cause.line, cause.column);
  }

  /** The source lines under an Origin (see sourceExcerpt), then a blank line; files read once per run. */
  private excerpt(file: string, line: number, column: number): void {
    const lines = sourceExcerpt(file, line, column, (f) => {
      let text = this.sources.get(f);
      if (text === undefined) this.sources.set(f, (text = readFileSync(f, 'utf8')));
      return text;
    });
    if (!lines.length) return;
    for (const l of lines) this.line(l);
    this.line();
  }

  private line(text = ''): void {
    this.out(text + '\n');
  }

  private dump(result: Record<string, unknown>, action: string, pretty: boolean): string {
    return pyJsonDumps(cleanResult(result, action, this.options.verbosity), { sortKeys: true, ensureAscii: false, ...(pretty ? { indent: 4 } : {}) });
  }

  event(e: RunEvent): void {
    switch (e.type) {
      case 'play_start':
        this.line();
        this.line(banner(`PLAY [${e.name}]`));
        return;
      case 'no_hosts_matched':
        this.line(this.c('skipped', 'skipping: no hosts matched'));
        return;
      case 'no_hosts_remaining':
        this.line();
        this.line(banner('NO MORE HOSTS LEFT'));
        return;
      case 'task_start':
        this.line();
        this.line(banner(`${e.task.isHandler ? 'RUNNING HANDLER' : 'TASK'} [${e.task.title}]`));
        this.progress?.taskStart(e.task, e.hosts ?? []);
        return;
      case 'host_done':
        this.progress?.hostDone(e.task, e.host);
        return;
      case 'host_retry':
        // Ansible's v2_runner_retry: the delegate without its address (the retry's result carries none).
        this.line(this.c('failed', `FAILED - RETRYING: [${e.delegatedTo && e.delegatedTo !== e.host ? `${e.host} -> ${e.delegatedTo}` : e.host}]: ${e.label ?? e.task.title} (${e.retries} retries left).`));
        return;
      case 'host_async':
        // Ansible's default callback, in its debug colour.
        this.line(this.c('skipped', e.phase === 'poll' ? `ASYNC POLL on ${e.host}: jid=${e.jid} started=True finished=False` : `ASYNC ${e.phase === 'ok' ? 'OK' : 'FAILED'} on ${e.host}: jid=${e.jid}`));
        return;
      case 'host_progress': {
        if (this.progress?.ownsModuleProgress) {
          // On a terminal, on the status line.
          this.progress.moduleProgress(e.host, e.message);
          return;
        }
        const now = Date.now();
        if (now - (this.progressShown.get(e.host) ?? 0) < 1000) return;
        this.progressShown.set(e.host, now);
        this.line(this.c('skipped', `PROGRESS [${e.host}]: ${e.message}`));
        return;
      }
      case 'host_verbose':
        // Ansible's display.v() lines, in its verbose colour.
        if (this.options.verbosity >= e.verbosity) this.line(this.c('verbose', e.message));
        return;
      case 'host_result':
        this.progressShown.delete(e.host);
        this.hostResult(e);
        return;
      case 'included':
        this.line(this.c('skipped', `included: ${e.file} for ${e.hosts.join(', ')}${e.item ? ` => (item=${pyStr(e.item.label)})` : ''}`));
        return;
      case 'warning':
        this.err(this.c('warn', `[WARNING]: ${e.message}`) + '\n');
        return;
      case 'error':
        this.err(this.c('error', `[ERROR]: ${e.message}`) + '\n');
        return;
      case 'recap':
        this.progress?.stop();
        this.recap(e.stats);
        return;
      default:
        return;
    }
  }

  private hostResult(e: Extract<RunEvent, { type: 'host_result' }>): void {
    const { result, task } = e;
    if (e.loopEnd) {
      if (e.ignored) this.line(this.c('ignored', '...ignoring'));
      return;
    }
    // Ansible's host_label: the delegate, and its address when that is not its name.
    const address = e.delegatedHost !== undefined && e.delegatedHost !== e.delegatedTo ? `(${e.delegatedHost})` : '';
    const who = e.delegatedTo && e.delegatedTo !== e.host ? `${e.host} -> ${e.delegatedTo}${address}` : e.host;
    const verboseAlways = Boolean(result['_ansible_verbose_always']);
    const verbose = this.options.verbosity > 0 || verboseAlways;
    const item = e.item ? ` (item=${pyStr(e.item.label)})` : '';
    if (Array.isArray(result['warnings'])) {
      for (const w of result['warnings']) this.err(this.c('warn', `[WARNING]: ${pyStr(w)}`) + '\n');
    }
    if (Array.isArray(result['deprecations'])) for (const d of result['deprecations']) this.deprecation(d);
    if (this.options.diff && result['diff'] && e.status !== 'failed' && e.status !== 'skipped') this.printDiff(result['diff']);
    // Ansible 2.19 prints a result's exception, with the task's origin, above the result.
    if (e.error !== undefined) this.errorLine(task, e.error, e.errorCause);
    switch (e.status) {
      case 'ok':
      case 'changed': {
        const label = this.c(e.status, `${e.status}: [${who}]`);
        const body = verbose ? ` => ${this.dump(result, task.action, verboseAlways)}` : '';
        this.line(e.item ? `${label} =>${item.replace(/^ /, ' ')}${body}` : `${label}${body}`);
        return;
      }
      case 'skipped': {
        // A skipped loop's own line: its items were printed already, so Ansible drops `results`.
        const shown = !e.item && Array.isArray(result['results']) ? Object.fromEntries(Object.entries(result).filter(([k]) => k !== 'results')) : result;
        const body = this.options.verbosity > 0 ? ` => ${this.dump(shown, task.action, false)}` : '';
        // An item's line ends in a space, as Ansible's callback prints it.
        this.line(this.c('skipped', e.item ? `skipping: [${who}] =>${item} ${body}` : `skipping: [${who}]${body}`));
        return;
      }
      case 'failed': {
        const json = this.dump(result, task.action, verboseAlways);
        if (!e.item && e.error === undefined) {
          // A failure the executor gave no error line (an include, a handler): its msg.
          const msg = pyStr(result['msg'] ?? 'non-zero return code');
          this.errorLine(task, msg.startsWith('Task failed') ? msg : `Task failed: ${msg}`);
        }
        if (e.item) this.line(this.c('failed', `failed: [${who}]${item} => ${json}`));
        else this.line(this.c('failed', `fatal: [${who}]: FAILED! => ${json}`));
        if (e.ignored) this.line(this.c('ignored', '...ignoring'));
        return;
      }
      case 'unreachable':
        this.line(this.c('unreachable', `fatal: [${who}]: UNREACHABLE! => ${this.dump(result, task.action, false)}`));
        if (e.ignored) this.line(this.c('ignored', '...ignoring'));
        return;
    }
  }

  private printDiff(diff: unknown): void {
    for (const d of Array.isArray(diff) ? diff : [diff]) {
      if (typeof d !== 'object' || d === null) continue;
      const rec = d as Record<string, unknown>;
      if (typeof rec['prepared'] === 'string') {
        this.line(rec['prepared']);
        continue;
      }
      const before = typeof rec['before'] === 'string' ? rec['before'] : rec['before'] === undefined ? '' : pyJsonDumps(rec['before'], { indent: 4, sortKeys: true }) + '\n';
      const after = typeof rec['after'] === 'string' ? rec['after'] : rec['after'] === undefined ? '' : pyJsonDumps(rec['after'], { indent: 4, sortKeys: true }) + '\n';
      if (before === after) continue;
      const text = unifiedDiff(before, after, pyStr(rec['before_header'] ?? 'before'), pyStr(rec['after_header'] ?? 'after'));
      if (text) this.out(text.endsWith('\n') ? text : text + '\n');
    }
  }

  private recap(stats: Record<string, HostStats>): void {
    this.line();
    this.line(banner('PLAY RECAP'));
    for (const host of Object.keys(stats).sort()) {
      const s = stats[host]!;
      const color = s.failed || s.unreachable ? 'failed' : s.changed ? 'changed' : 'ok';
      const field = (name: keyof HostStats, c: keyof typeof COLORS): string => {
        const text = `${name}=${String(s[name]).padEnd(4)}`;
        return s[name] ? this.c(c, text) : text;
      };
      this.line(
        `${this.c(color, host.padEnd(26))} : ${field('ok', 'ok')} ${field('changed', 'changed')} ${field('unreachable', 'unreachable')} ${field('failed', 'failed')} ${field('skipped', 'skipped')} ${field('rescued', 'rescued')} ${field('ignored', 'ignored')}`,
      );
    }
    this.line();
  }
}

/** One JSON object per event per line (`--json`). */
export class JsonLinesReporter implements Reporter {
  constructor(private readonly write: (text: string) => void) {}

  event(e: RunEvent): void {
    // A boxed Python float (PyFloat) writes itself as its number (toJSON).
    this.write(JSON.stringify(e) + '\n');
  }
}
