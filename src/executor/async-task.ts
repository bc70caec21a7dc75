/**
 * The `async:` and `poll:` task keywords. Modules that run as a job on the host (command, shell:
 * supportsAsync) get the settings and start a detached job; `poll: 0` returns at once and
 * async_status follows the job later. Modules whose work runs in the controller get the same
 * time limit; with `poll: 0` their work goes on in the controller while the play does.
 */
import { newJobId, startControllerJob } from '../modules/support/async-job.js';
import type { Module, ModuleContext, ModuleResult } from '../modules/types.js';

/** Ansible's default poll interval (DEFAULT_POLL_INTERVAL). */
export const DEFAULT_POLL_SECONDS = 15;

export interface AsyncSettings {
  seconds: number;
  poll: number;
}

/** The task's settings from its templated `async:`/`poll:` values; undefined when async is 0 or absent, a message when invalid. */
export function asyncSettings(asyncValue: unknown, pollValue: unknown): AsyncSettings | string | undefined {
  if (asyncValue === undefined || asyncValue === null) return undefined;
  const seconds = Number(asyncValue);
  if (!Number.isInteger(seconds) || seconds < 0) return `async must be a whole number of seconds, got ${JSON.stringify(asyncValue)}`;
  if (seconds === 0) return undefined;
  const poll = pollValue === undefined || pollValue === null ? DEFAULT_POLL_SECONDS : Number(pollValue);
  if (!Number.isInteger(poll) || poll < 0) return `poll must be a whole number of seconds, got ${JSON.stringify(pollValue)}`;
  return { seconds, poll };
}

export type AsyncPhase = 'poll' | 'ok' | 'failed';

/** The call's result with the job's fields, or a failure once `seconds` pass. */
async function withLimit(work: Promise<ModuleResult>, seconds: number, job: Record<string, unknown>): Promise<ModuleResult> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<ModuleResult>((resolve) => {
    timer = setTimeout(() => resolve({ ...job, changed: false, failed: true, msg: `async task did not complete within the requested time - ${seconds}s`, finished: false }), seconds * 1000);
  });
  return Promise.race([work.then((r) => ({ ...r, ...job })), limit]).finally(() => clearTimeout(timer));
}

/** Runs one module call under `settings`; `report` gets Ansible's ASYNC POLL/OK/FAILED moments. */
export async function callAsync(
  module: Module,
  ctx: ModuleContext,
  settings: AsyncSettings,
  call: (ctx: ModuleContext) => Promise<ModuleResult>,
  report: (jid: string, phase: AsyncPhase) => void,
): Promise<ModuleResult> {
  if (module.controllerOnly) return call(ctx);
  let result: ModuleResult;
  if (module.supportsAsync) {
    result = await call({ ...ctx, async: settings, asyncPoll: (jid) => report(jid, 'poll') });
  } else if (settings.poll === 0) {
    // Fire and forget: the work goes on in this process, under the time limit; async_status reads it.
    const jid = newJobId();
    startControllerJob(jid, withLimit(call({ ...ctx, async: settings }), settings.seconds, { ansible_job_id: jid, started: true, finished: true }));
    return { changed: true, ansible_job_id: jid, started: true, finished: false };
  } else {
    const jid = newJobId();
    // The module learns it runs under async (a Python module then keeps its stderr, as async_wrapper does).
    result = await withLimit(call({ ...ctx, async: settings }), settings.seconds, { ansible_job_id: jid, finished: true, started: true });
  }
  const jid = result['ansible_job_id'];
  if (settings.poll > 0 && typeof jid === 'string') report(jid, result.failed ? 'failed' : 'ok');
  return result;
}
