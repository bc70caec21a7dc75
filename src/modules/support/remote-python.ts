/**
 * A Python program run on the host in one round trip, its input as JSON on stdin and its result as
 * one JSON line on stdout. For modules whose work must happen on the host (waiting there, fetching
 * from the intranet the host reaches and the controller may not) and whose semantics are Python's
 * own, as Ansible's are: `re`, urllib's redirects, authentication and TLS. Every server Ansible
 * manages has a Python; a host without one gets a message saying so.
 */
import type { ModuleContext, ModuleResult } from '../types.js';

/** Runs the program ($0) with the first Python the host has. */
const LAUNCHER = `for py in python3 /usr/bin/python3 /usr/libexec/platform-python python; do
  if command -v "$py" >/dev/null 2>&1; then exec "$py" -c "$0"; fi
done
echo "no python3 on the host (looked for python3, /usr/libexec/platform-python, python)" >&2
exit 127`;

/**
 * Runs `program` on the host with `input`; its last stdout line is the result. `timeoutMs` only
 * guards against a host that stops answering: the programs keep their own deadlines.
 */
export async function runRemotePython(ctx: ModuleContext, module: string, program: string, input: unknown, timeoutMs: number): Promise<ModuleResult> {
  const r = await ctx.conn.exec(['sh', '-c', LAUNCHER, program], { become: ctx.become, env: ctx.environment, stdin: JSON.stringify(input), timeoutMs });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as ModuleResult;
  } catch {
    const why = r.timedOut ? `it did not finish within ${timeoutMs / 1000} s` : `exit status ${String(r.rc)}: ${(r.stderr.trim() || r.stdout.trim()).split('\n').slice(-5).join('\n')}`;
    return { changed: false, failed: true, msg: `${module}: the program run on the host failed (${why})`, rc: r.rc, stdout: r.stdout, stderr: r.stderr };
  }
}
