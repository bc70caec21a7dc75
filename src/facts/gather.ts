/**
 * Several facts in one round trip: one script runs each fact's command in a subshell of its own
 * (its arguments as $1, $2, ...) between markers that carry a random nonce, so that a fact's
 * output can never be taken for a marker; its exit status follows its output.
 */
import { randomBytes } from 'node:crypto';
import type { Become, Connection } from '../connection/types.js';
import { quote } from '../python/shlex.js';
import { FactError, type FactRequest } from './fact.js';

export interface GatherOptions {
  become?: Become | undefined;
  env?: Record<string, string>;
  timeoutMs?: number;
}

/** The script, and how to read each request's stdout and status out of its output. */
export function gatherScript(requests: readonly FactRequest<unknown>[], nonce = randomBytes(8).toString('hex')): { script: string; split(stdout: string): Array<{ stdout: string; rc: number } | undefined> } {
  const lines: string[] = [];
  requests.forEach((r, i) => {
    lines.push(`printf '%s\\n' '${nonce} ${i}'`);
    lines.push(`(${r.args.length ? ` set -- ${r.args.map(quote).join(' ')}` : ''}`, r.fact.command, ')');
    lines.push(`printf '\\n%s %d\\n' '${nonce} ${i} rc' "$?"`);
  });
  lines.push('exit 0');
  return {
    script: lines.join('\n'),
    split(stdout) {
      // Each fact is looked for after the end of the one before: what a fact prints can only
      // ever be its own output.
      let from = 0;
      return requests.map((_, i) => {
        const begin = `${nonce} ${i}\n`;
        const start = stdout.indexOf(begin, from);
        if (start < 0) return undefined;
        const endMark = `\n${nonce} ${i} rc `;
        const end = stdout.indexOf(endMark, start + begin.length);
        if (end < 0) return undefined;
        from = end + endMark.length;
        return { stdout: stdout.slice(start + begin.length, end), rc: Number.parseInt(stdout.slice(from), 10) };
      });
    },
  };
}

/** The facts, in the order asked, read in one command on the host. */
export async function gatherFacts(conn: Connection, requests: readonly FactRequest<unknown>[], options: GatherOptions = {}): Promise<unknown[]> {
  if (requests.length === 0) return [];
  const { script, split } = gatherScript(requests);
  const r = await conn.exec(script, {
    ...(options.become ? { become: options.become } : {}),
    ...(options.env ? { env: options.env } : {}),
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
  });
  const parts = split(r.stdout);
  return requests.map((request, i) => {
    const part = parts[i];
    const label = `${request.fact.name}(${request.args.join(', ')})`;
    // No output of ours at all: the script did not run (become refused, a timeout, a dead shell).
    if (!part) throw new FactError(label, request.fact.command, r.rc, r.stdout, r.stderr || (r.timedOut ? 'timed out' : ''));
    if (part.rc === 0) return request.parse(part.stdout);
    if (request.fallback) return request.fallback.value;
    throw new FactError(label, request.fact.command, part.rc, part.stdout, r.stderr);
  });
}
