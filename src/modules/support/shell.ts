/**
 * Remote commands for what the Connection has no method for (chown, chmod, mkdir, rm, ln...):
 * several argv commands are joined into one `sh -c` line so they cost one round trip.
 */
import type { ExecResult } from '../../connection/types.js';
import { join } from '../../python/shlex.js';
import type { ModuleContext } from '../types.js';


/** `a && b && c`, every argument quoted. */
export function andThen(commands: readonly (readonly string[])[]): string {
  return commands.map(join).join(' && ');
}

/** Runs the commands in order in one round trip, stopping at the first failure. */
export async function runCommands(ctx: ModuleContext, commands: readonly (readonly string[])[]): Promise<ExecResult> {
  if (commands.length === 0) return { rc: 0, stdout: '', stderr: '' };
  const [only] = commands;
  if (commands.length === 1 && only) return ctx.conn.exec(only, { become: ctx.become });
  return ctx.conn.exec(['sh', '-c', andThen(commands)], { become: ctx.become });
}

/** Runs a shell script with positional arguments ($1, $2...), which need no quoting. */
export async function runScript(ctx: ModuleContext, script: string, args: readonly string[], env?: Record<string, string>): Promise<ExecResult> {
  return ctx.conn.exec(['sh', '-c', script, 'sh', ...args], env ? { become: ctx.become, env } : { become: ctx.become });
}

/** A failed command's message: its stderr (or stdout), trimmed. */
export function commandError(result: ExecResult): string {
  return (result.stderr.trim() || result.stdout.trim() || `exit status ${String(result.rc)}`).trim();
}
