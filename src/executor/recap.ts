/** The recap's counters: each host's HostStats, and how a task's result counts in them. */
import type { HostStats } from '../output/events.js';
import type { Feedback } from './feedback.js';

export function emptyStats(): HostStats {
  return { ok: 0, changed: 0, unreachable: 0, failed: 0, skipped: 0, rescued: 0, ignored: 0 };
}

export class RecapCounters {
  /** In the order hosts were first counted (the recap sorts them). */
  readonly byHost = new Map<string, HostStats>();

  of(host: string): HostStats {
    let stats = this.byHost.get(host);
    if (!stats) {
      stats = emptyStats();
      this.byHost.set(host, stats);
    }
    return stats;
  }

  /** A task's result on a host. Failures that end a host are counted where the walk ends it (failed or rescued). */
  count(host: string, feedback: Feedback): void {
    const s = this.of(host);
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
        // Ignored failures count as ok.
        if (feedback.ignored) {
          s.ok++;
          s.ignored++;
          if (feedback.result['changed']) s.changed++;
        }
        break;
      default: {
        // An include counts once per file and loop item it included.
        const included = feedback.includedFiles?.length ?? 0;
        s.ok += included || 1;
        if (feedback.status === 'changed') s.changed++;
      }
    }
  }

  /** Adds another's counts to these (a run's totals over its playbooks). */
  add(other: RecapCounters): void {
    for (const [host, stats] of other.byHost) {
      const total = this.of(host);
      for (const key of Object.keys(stats) as Array<keyof HostStats>) total[key] += stats[key];
    }
  }

  toRecord(): Record<string, HostStats> {
    return Object.fromEntries(this.byHost);
  }
}
