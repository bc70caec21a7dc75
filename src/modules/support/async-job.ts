/**
 * Background jobs for `async:` tasks (command and shell): the job runs on the host detached from
 * the connection, in its own session, with its output, exit status and times in
 * `<async_dir>/<jid>/` (Ansible's async_dir: `ansible_async_dir`, else ANSIBLE_ASYNC_DIR, else
 * ~/.ansible_async, `~` being the home of the user the job runs as; private
 * to that user, since the output may hold secrets). A watchdog ends it after the task's `async:`
 * seconds, as Ansible's async_wrapper does: TERM to the job's process group, KILL to what is left
 * a second later, and only once the group is gone (or two more seconds have passed) the
 * `timedout` mark, so "Timeout exceeded" is never reported while the job's processes still run.
 * Until then the job reads as running. The controller polls (`poll:`) or async_status reads the
 * directory later.
 */
import { randomInt } from 'node:crypto';
import type { ModuleContext, ModuleResult } from '../types.js';
import { pyDatetime, pyTimedelta } from '../../python/datetime.js';

/** Sets $d to the job's directory from $1 (the async dir, `~` expanded on the host) and $2 (the jid). */
const JOB_DIR = `root=$1; case $root in "~") root=$HOME ;; "~/"*) root="$HOME/\${root#"~/"}" ;; esac; d="$root/$2"`;

/** $1 = async dir, $2 = jid, $3 = time limit (s), $4 = the module's result skeleton (JSON), then the argv to run. Prints the job directory. */
const LAUNCH = `${JOB_DIR}; limit=$3; base=$4; shift 4
command -v setsid > /dev/null || { echo 'async needs setsid on the host (util-linux)' >&2; exit 1; }
(umask 077; mkdir -p "$d") && chmod 700 "\${d%/*}" && : > "$d/stdout" && : > "$d/stderr" && printf '%s' "$base" > "$d/module.json" || exit 1
date +%s.%N > "$d/start"
setsid /bin/sh -c '
d=$1; limit=$2; shift 2
setsid "$@" < /dev/null > "$d/stdout" 2> "$d/stderr" &
child=$!
echo "$child" > "$d/pid"
(
  trap '"'"'kill $s 2>/dev/null; exit 0'"'"' TERM
  sleep "$limit" & s=$!; wait $s
  trap "" TERM
  if kill -0 "$child" 2>/dev/null; then
    kill -TERM "-$child" 2>/dev/null
    n=0; while kill -0 "-$child" 2>/dev/null && [ $n -lt 10 ]; do sleep 0.1; n=$((n+1)); done
    kill -KILL "-$child" 2>/dev/null
    n=0; while kill -0 "-$child" 2>/dev/null && [ $n -lt 20 ]; do sleep 0.1; n=$((n+1)); done
    : > "$d/timedout"
  fi
) < /dev/null > /dev/null 2>&1 &
watchdog=$!
wait "$child"; rc=$?
kill "$watchdog" 2>/dev/null; wait "$watchdog"
date +%s.%N > "$d/end"
echo "$rc" > "$d/rc.tmp" && mv "$d/rc.tmp" "$d/rc"
' job "$d" "$limit" "$@" < /dev/null > /dev/null 2>&1 &
printf '%s\\n' "$d"`;

/** $1 = async dir, $2 = jid. Prints `missing`, or `state|rc|start|end|pid|dir` (state: running, done, timeout). */
const STATUS = `${JOB_DIR}
[ -d "$d" ] || { echo missing; exit 0; }
rc=; start=; end=; pid=
[ -f "$d/start" ] && read start < "$d/start"
[ -f "$d/pid" ] && read pid < "$d/pid"
state=running
if [ -f "$d/rc" ]; then read rc < "$d/rc"; [ -f "$d/end" ] && read end < "$d/end"; state=done; fi
[ -f "$d/timedout" ] && state=timeout
printf '%s|%s|%s|%s|%s|%s\\n' "$state" "$rc" "$start" "$end" "$pid" "$d"`;

/** Ansible's async_dir for this task's host. */
function asyncDir(ctx: ModuleContext): string {
  const value = ctx.variable('ansible_async_dir');
  if (typeof value === 'string' && value) return value;
  return process.env['ANSIBLE_ASYNC_DIR'] || '~/.ansible_async';
}

/**
 * Jobs of modules whose work runs in the controller (setup, the Python-module path...), started
 * with `poll: 0`: they go on in this process while the play does, and async_status reads them here.
 */
export interface ControllerJob {
  readonly done: Promise<ModuleResult>;
  result?: ModuleResult;
}

export const controllerJobs = new Map<string, ControllerJob>();

/** Starts `work` as a controller job under `jid`. */
export function startControllerJob(jid: string, work: Promise<ModuleResult>): void {
  const job: ControllerJob = {
    done: work.then(
      (r) => (job.result = r),
      (e: unknown) => (job.result = { changed: false, failed: true, msg: e instanceof Error ? e.message : String(e) }),
    ),
  };
  controllerJobs.set(jid, job);
}

/** Ansible's job ids: `j<12 digits>.<controller pid>`. */
export function newJobId(): string {
  return `j${String(randomInt(1e11, 1e12))}.${process.pid}`;
}

/** Starts `argv` as a background job; resolves with its results directory. */
export async function launchJob(ctx: ModuleContext, jid: string, argv: readonly string[], options: { cwd?: string; limitSeconds: number; base: ModuleResult }): Promise<string> {
  const r = await ctx.conn.exec(['/bin/sh', '-c', LAUNCH, 'launch', asyncDir(ctx), jid, String(options.limitSeconds), JSON.stringify(options.base), ...argv], {
    env: ctx.environment,
    become: ctx.become,
    ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
  });
  const dir = r.stdout.trim();
  if (r.rc !== 0 || !dir) throw new Error(`could not start the async job ${jid}: ${r.stderr.trim() || `rc=${String(r.rc)}`}`);
  return dir;
}

export type JobState =
  | { state: 'missing' }
  | { state: 'running' | 'done' | 'timeout'; rc: number | null; start: number; end: number; pid: string; dir: string };

export async function readJob(ctx: ModuleContext, jid: string): Promise<JobState> {
  const r = await ctx.conn.exec(['/bin/sh', '-c', STATUS, 'status', asyncDir(ctx), jid], { become: ctx.become });
  if (r.rc !== 0) throw new Error(`could not read the async job ${jid}: ${r.stderr.trim() || `rc=${String(r.rc)}`}`);
  const line = r.stdout.trim();
  if (line === 'missing') return { state: 'missing' };
  const [state = 'running', rc = '', start = '', end = '', pid = '', dir = ''] = line.split('|');
  return { state: state as 'running' | 'done' | 'timeout', rc: rc === '' ? null : Number(rc), start: Number(start), end: Number(end), pid, dir };
}

export async function removeJob(ctx: ModuleContext, jid: string): Promise<void> {
  await ctx.conn.exec(['/bin/sh', '-c', `${JOB_DIR}; rm -rf -- "$d"`, 'cleanup', asyncDir(ctx), jid], { become: ctx.become });
}

/** What every async result carries. */
export function jobFields(jid: string, dir: string, finished: boolean): ModuleResult {
  return { changed: false, ansible_job_id: jid, finished, results_file: dir, started: true };
}

const lines = (s: string): string[] => (s === '' ? [] : s.split(/\r?\n/));

/**
 * The result of a job as its module would have returned it (command/shell: rc, stdout, start,
 * delta...), with the job's fields; the module's skeleton (cmd) was saved beside the output.
 */
export async function jobResult(ctx: ModuleContext, jid: string, job: Exclude<JobState, { state: 'missing' }>, stripEmptyEnds = true): Promise<ModuleResult> {
  const read = async (name: string): Promise<string> => (await ctx.conn.readFile(`${job.dir}/${name}`, ctx.become ? { become: ctx.become } : {}))?.toString('utf8') ?? '';
  const [out, err, module] = await Promise.all([read('stdout'), read('stderr'), read('module.json')]);
  let [stdout, stderr] = [out, err];
  let base: ModuleResult = { changed: true };
  try {
    base = { ...(JSON.parse(module) as ModuleResult) };
  } catch {
    // a job started by something else: no skeleton
  }
  if (stripEmptyEnds) [stdout, stderr] = [stdout.replace(/[\r\n]+$/, ''), stderr.replace(/[\r\n]+$/, '')];
  const output = { stdout, stderr, stdout_lines: lines(stdout), stderr_lines: lines(stderr) };
  if (job.state === 'timeout') return { ...jobFields(jid, job.dir, true), child_pid: Number(job.pid), failed: true, msg: 'Timeout exceeded', ...output };
  if (job.state === 'running') return { ...jobFields(jid, job.dir, false), ...output };
  const start = new Date(job.start * 1000);
  const end = new Date(job.end * 1000);
  const result: ModuleResult = {
    ...base,
    rc: job.rc,
    start: pyDatetime(start),
    end: pyDatetime(end),
    delta: pyTimedelta(end.getTime() - start.getTime()),
    msg: '',
    ...output,
    ...jobFields(jid, job.dir, true),
  };
  result.changed = true;
  if (job.rc !== 0) {
    result.failed = true;
    result.msg = 'non-zero return code';
  }
  return result;
}
