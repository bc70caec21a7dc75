/**
 * A module as a plan (pyinfra's shape): read the facts, compute in the controller what must change
 * (a pure function, tested without a host), then make the change with the fewest commands, in one
 * round trip. An empty plan means nothing to do (changed=false); check mode reports the plan and
 * runs nothing; the diff comes from the plan, not from a second look at the host.
 */
import { randomBytes } from 'node:crypto';
import { join } from '../../python/shlex.js';
import type { Diff, ModuleContext, ModuleResult } from '../types.js';

export interface PlanStep {
  /** What the step does, as a user reads it: `enable nginx.service`. */
  readonly summary: string;
  readonly argv: readonly string[];
  /** The message when this step fails (Ansible's wording for the module); default `Failed to SUMMARY: stderr`. */
  readonly error?: (output: { rc: number | null; stdout: string; stderr: string }) => string;
  /** A shell function of the plan's prelude that runs the argv (`via argv...`): waits for a lock, retries, quiets. */
  readonly via?: string;
}

export interface Plan {
  readonly steps: readonly PlanStep[];
  /** Before and after, as the planner computed them (shown with --diff). */
  readonly diff?: Diff;
  /** Shell run before the first step: functions the steps run through (PlanStep.via), `cd`, `umask`. */
  readonly prelude?: string;
  /** Environment of every step, over the task's (DEBIAN_FRONTEND=noninteractive for apt). */
  readonly env?: Record<string, string>;
}

export interface PlanOutcome {
  /** The plan was not empty (in check mode: it would have changed something). */
  changed: boolean;
  /** The step that failed, with the command's status and output; undefined when all ran. */
  failure?: { step: PlanStep; rc: number | null; stdout: string; stderr: string };
  stdout: string;
  stderr: string;
}

/**
 * One script for every step, in order, stopping at the first that fails; the failing step names
 * itself on stderr behind a random nonce, so its index and status are known exactly.
 */
export function planScript(plan: Plan, nonce = randomBytes(8).toString('hex')): { script: string; failed(stderr: string): { index: number; rc: number; stderr: string } | undefined } {
  const lines = plan.steps.map((step, i) => `${step.via ? `${step.via} ` : ''}${join(step.argv)} || { rc=$?; printf '\\n%s %d %d\\n' '${nonce}' ${i} "$rc" >&2; exit "$rc"; }`);
  return {
    script: [...(plan.prelude ? [plan.prelude] : []), ...lines].join('\n'),
    failed(stderr) {
      const m = new RegExp(`\\n?${nonce} (\\d+) (\\d+)\\n?`).exec(stderr);
      if (!m) return undefined;
      return { index: Number(m[1]), rc: Number(m[2]), stderr: stderr.slice(0, m.index) + stderr.slice(m.index + m[0].length) };
    },
  };
}

/**
 * Carries the plan out (not in check mode): every step in one round trip. A plan whose steps
 * only look (`apt-get --simulate`) runs in check mode too when `readOnly` says so.
 */
export async function applyPlan(ctx: ModuleContext, plan: Plan, options: { readOnly?: boolean } = {}): Promise<PlanOutcome> {
  if (plan.steps.length === 0) return { changed: false, stdout: '', stderr: '' };
  if (ctx.checkMode && !options.readOnly) return { changed: true, stdout: '', stderr: '' };
  const { script, failed } = planScript(plan);
  const r = await ctx.conn.exec(script, { become: ctx.become, env: { ...ctx.environment, ...plan.env } });
  const failure = failed(r.stderr);
  if (failure) {
    const step = plan.steps[failure.index]!;
    // Only the steps before the failing one changed anything.
    return { changed: failure.index > 0, failure: { step, rc: failure.rc, stdout: r.stdout, stderr: failure.stderr }, stdout: r.stdout, stderr: failure.stderr };
  }
  if (r.rc !== 0) {
    // The shell itself failed (killed, timed out): the last step is as far as anyone knows.
    const step = plan.steps[plan.steps.length - 1]!;
    return { changed: true, failure: { step, rc: r.rc, stdout: r.stdout, stderr: r.stderr }, stdout: r.stdout, stderr: r.stderr };
  }
  return { changed: true, stdout: r.stdout, stderr: r.stderr };
}

/** The result fields every planned module shares: changed, the diff in diff mode, a failure's message and output. */
export function planResult(ctx: ModuleContext, plan: Plan, outcome: PlanOutcome): ModuleResult {
  const result: ModuleResult = { changed: outcome.changed };
  if (ctx.diffMode && plan.diff) result.diff = plan.diff;
  if (outcome.failure) {
    const { step, rc, stdout, stderr } = outcome.failure;
    const msg = step.error ? step.error({ rc, stdout, stderr }) : `Failed to ${step.summary}: ${stderr.trim() || stdout.trim() || `exit status ${String(rc)}`}`;
    return { ...result, failed: true, msg, rc, stdout, stderr, cmd: join(step.argv) };
  }
  return result;
}
