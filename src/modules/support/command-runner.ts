/**
 * What command and shell share: their spec and the run that starts a program (argv, no shell) or
 * a shell line, with creates/removes for idempotence and async jobs.
 */
import path from 'node:path';
import type { ArgsOf, ArgumentSpec } from '../args.js';
import { jobFields, jobResult, launchJob, newJobId, readJob, removeJob } from './async-job.js';
import { split as shlexSplit } from '../../python/shlex.js';
import { pyDatetime, pyTimedelta } from '../../python/datetime.js';
import type { ModuleContext, ModuleResult } from '../types.js';
import { expandUser, expandVars, hostEnvironment, needsExpansion, userOf } from './remote-paths.js';

const COMMAND_SPEC = {
  options: {
    _raw_params: { type: 'str' },
    cmd: { type: 'str' },
    argv: { type: 'list', elements: 'str' },
    chdir: { type: 'path' },
    executable: { type: 'str' },
    expand_argument_vars: { type: 'bool', default: true },
    creates: { type: 'path' },
    removes: { type: 'path' },
    stdin: { type: 'str' },
    stdin_add_newline: { type: 'bool', default: true },
    strip_empty_ends: { type: 'bool', default: true },
  },
  requiredOneOf: [['_raw_params', 'cmd', 'argv']],
  mutuallyExclusive: [['_raw_params', 'cmd', 'argv']],
} as const satisfies ArgumentSpec;

/** command's module fields but its name and run: its spec, free-form text, check mode, async. */
export const COMMAND_MODULE_FIELDS = { spec: COMMAND_SPEC, supportsCheckMode: true, supportsAsync: true } as const;

/** shell's: command's spec, where expand_argument_vars has no default, since shell refuses it (as Ansible's shell action does). */
export const SHELL_MODULE_FIELDS = {
  spec: { ...COMMAND_SPEC, options: { ...COMMAND_SPEC.options, expand_argument_vars: { type: 'bool' } } } satisfies ArgumentSpec,
  supportsCheckMode: true,
  supportsAsync: true,
} as const;

/** glob.glob for creates/removes: a plain path or a pattern, checked on the host. */
async function pathMatches(ctx: ModuleContext, pattern: string): Promise<boolean> {
  if (!/[*?[]/.test(pattern)) return (await ctx.conn.stat(pattern, { become: ctx.become, follow: true })) !== null;
  const r = await ctx.conn.exec(['sh', '-c', 'for f in $1; do [ -e "$f" ] && exit 0; done; exit 1', 'sh', pattern], { become: ctx.become });
  return r.rc === 0;
}

/** Runs command's or shell's task: a shell line when `shell`, else a program and its arguments. */
export async function runCommand(args: ArgsOf<typeof COMMAND_SPEC>, ctx: ModuleContext, shell: boolean): Promise<ModuleResult> {
  const r: ModuleResult = { changed: false, stdout: '', stderr: '', rc: null, cmd: null, start: null, end: null, delta: null, msg: '' };
  if (!shell && args.executable) r.warnings = [`As of Ansible 2.4, the parameter 'executable' is no longer supported with the 'command' module. Not using '${args.executable}'.`];
  const line = args._raw_params ?? args.cmd;
  let command: string | string[];
  if (shell) command = line ?? (args.argv ?? []).join(' ');
  else {
    let argv: string[];
    if (line !== null) {
      try {
        argv = shlexSplit(line);
      } catch (e) {
        return { ...r, failed: true, msg: (e as Error).message };
      }
    } else argv = args.argv ?? [];
    // As Ansible's run_command: os.path.expanduser(os.path.expandvars(arg)) for each argument, on the host.
    if (args.expand_argument_vars && argv.some(needsExpansion)) {
      const host = await hostEnvironment(ctx, [...new Set(argv.map(userOf).filter((u): u is string => u !== undefined))]);
      argv = argv.map((a) => expandUser(expandVars(a, host.env), host));
    }
    command = argv;
  }
  r['cmd'] = command;
  const shoulda = ctx.checkMode ? 'Would' : 'Did';
  const { creates, removes, chdir } = args;
  const resolve = (p: string): string => (chdir && !path.isAbsolute(p) ? path.join(chdir, p) : p);
  if (creates && (await pathMatches(ctx, resolve(creates)))) {
    return { ...r, rc: 0, msg: `${shoulda} not run command since '${creates}' exists`, stdout: `skipped, since ${creates} exists`, stdout_lines: [`skipped, since ${creates} exists`], stderr_lines: [] };
  }
  if (removes && !(await pathMatches(ctx, resolve(removes)))) {
    return { ...r, rc: 0, msg: `${shoulda} not run command since '${removes}' does not exist`, stdout: `skipped, since ${removes} does not exist`, stdout_lines: [`skipped, since ${removes} does not exist`], stderr_lines: [] };
  }
  if (ctx.checkMode) {
    const out: ModuleResult = { ...r, rc: 0, changed: true, msg: 'Command would have run if not in check mode', stdout_lines: [], stderr_lines: [] };
    if (creates === null && removes === null) {
      out.skipped = true;
      out.changed = false;
    }
    return out;
  }
  const stdin = args.stdin;
  if (ctx.async) {
    if (stdin !== null) return { ...r, failed: true, msg: 'stdin cannot be given to an async task (the job runs detached, with no input)' };
    const argv = typeof command === 'string' ? [(shell && args.executable) || '/bin/sh', '-c', command] : command;
    return runJob(ctx, ctx.async, argv, chdir, { changed: true, cmd: r['cmd'] }, args.strip_empty_ends);
  }
  const start = new Date();
  const result = await ctx.conn.exec(command, {
    ...(chdir ? { cwd: chdir } : {}),
    env: ctx.environment,
    ...(stdin !== null ? { stdin: args.stdin_add_newline ? `${stdin}\n` : stdin } : {}),
    ...(shell && args.executable ? { executable: args.executable } : {}),
    become: ctx.become,
  });
  const end = new Date();
  const notStarted = typeof command === 'string' ? undefined : unstartable(command[0] ?? '', result.rc, result.stderr);
  if (notStarted) return { ...r, failed: true, rc: notStarted.errno, stdout: '', stderr: '', msg: notStarted.msg };
  // A chdir that is not a directory fails the module before anything runs, whatever the transport
  // said about it (127 locally, 1 from `cd` over ssh); checked only after a failure, to save a round trip.
  if (chdir && result.rc !== 0 && (await ctx.conn.stat(chdir, { become: ctx.become, follow: true }))?.type !== 'directory') {
    return { ...r, failed: true, msg: 'Unable to change directory before execution.', stdout_lines: [], stderr_lines: [] };
  }
  let stdout = result.stdout;
  let stderr = result.stderr;
  if (args.strip_empty_ends) {
    stdout = stdout.replace(/[\r\n]+$/, '');
    stderr = stderr.replace(/[\r\n]+$/, '');
  }
  const out: ModuleResult = {
    ...r,
    changed: true,
    rc: result.rc,
    stdout,
    stderr,
    start: pyDatetime(start),
    end: pyDatetime(end),
    delta: pyTimedelta(end.getTime() - start.getTime()),
    stdout_lines: stdout === '' ? [] : stdout.split(/\r?\n/),
    stderr_lines: stderr === '' ? [] : stderr.split(/\r?\n/),
  };
  if (result.rc !== 0) {
    out.failed = true;
    out.msg = result.timedOut ? 'command timed out' : 'non-zero return code';
  }
  return out;
}

/**
 * A program that could not be started: Ansible's command module gets the OSError from exec and
 * fails with its errno and message, with empty stdout and stderr; our shell wrapper says it on
 * stderr with 127 (not found) or 126 (not executable).
 */
function unstartable(program: string, rc: number | null, stderr: string): { errno: number; msg: string } | undefined {
  const said = stderr.trim().split('\n').pop() ?? '';
  if (!said.includes(`exec: ${program}: `) && !said.startsWith(`spawn ${program} `)) return undefined;
  const bytes = `b'${program.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (rc === 127 && /not found|ENOENT/.test(said)) return { errno: 2, msg: `[Errno 2] No such file or directory: ${bytes}` };
  if (rc === 126 && /Permission denied|EACCES/.test(said)) return { errno: 13, msg: `[Errno 13] Permission denied: ${bytes}` };
  return undefined;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * async: starts the job; with poll 0 returns at once. Otherwise checks every `poll` seconds for as
 * long as `async` allows, as Ansible's controller does: the job's own watchdog ends it at the
 * limit ("Timeout exceeded"); a last check that still finds it running fails the task.
 */
async function runJob(ctx: ModuleContext, settings: { seconds: number; poll: number }, argv: string[], chdir: string | null, base: ModuleResult, strip: boolean): Promise<ModuleResult> {
  const jid = newJobId();
  const dir = await launchJob(ctx, jid, argv, { limitSeconds: settings.seconds, base, ...(chdir ? { cwd: chdir } : {}) });
  if (settings.poll <= 0) return { ...jobFields(jid, dir, false), changed: true };
  for (let left = settings.seconds; left > 0; left -= settings.poll) {
    await sleep(settings.poll * 1000);
    const job = await readJob(ctx, jid);
    if (job.state === 'missing') return { ...jobFields(jid, dir, true), failed: true, msg: `the results of async job ${jid} are gone from ${dir}` };
    if (job.state !== 'running') {
      // A job polled to its end leaves nothing behind (Ansible runs async_status mode=cleanup).
      const result = await jobResult(ctx, jid, job, strip);
      await removeJob(ctx, jid);
      return result;
    }
    ctx.asyncPoll?.(jid);
  }
  const running = { ...jobFields(jid, dir, false), stdout: '', stderr: '', stdout_lines: [], stderr_lines: [] };
  return { changed: false, failed: true, msg: `async task did not complete within the requested time - ${settings.seconds}s`, async_result: running };
}

