/**
 * Ansible's `type='path'` options: the module expands them on the host, as the task's user, with
 * os.path.expanduser(os.path.expandvars(value)). Here the controller does the same from the host's
 * environment and home directories, read in one round trip, and only for a value that needs it.
 */
import type { ModuleContext } from '../types.js';

/** Values that expansion may change: a leading `~`, or a `$`. */
export function needsExpansion(value: string): boolean {
  return value.startsWith('~') || value.includes('$');
}

export interface HostEnvironment {
  env: Record<string, string>;
  /** Home directories of the users named after `~`; absent when there is no such user. */
  homes: Record<string, string>;
}

/** os.path.expandvars (POSIX): `$name` and `${name}` of defined variables; the rest is left as is. */
export function expandVars(value: string, env: Record<string, string>): string {
  if (!value.includes('$')) return value;
  return value.replace(/\$(\w+|\{[^}]*\})/g, (whole, name: string) => {
    const key = name.startsWith('{') ? name.slice(1, -1) : name;
    return Object.prototype.hasOwnProperty.call(env, key) ? env[key]! : whole;
  });
}

/** os.path.expanduser: `~` is $HOME, `~user` that user's home; an unknown user leaves the path as is. */
export function expandUser(value: string, host: HostEnvironment): string {
  if (!value.startsWith('~')) return value;
  const slash = value.indexOf('/', 1);
  const end = slash < 0 ? value.length : slash;
  const name = value.slice(1, end);
  const home = name === '' ? (host.env['HOME'] ?? host.homes['']) : host.homes[name];
  if (home === undefined) return value;
  return home.replace(/\/+$/, '') + value.slice(end) || '/';
}

export function userOf(value: string): string | undefined {
  if (!value.startsWith('~')) return undefined;
  const slash = value.indexOf('/', 1);
  return value.slice(1, slash < 0 ? value.length : slash);
}

/** Reads the host's environment (as the task's user, with the task's environment) and the homes asked for. */
export async function hostEnvironment(ctx: ModuleContext, users: readonly string[]): Promise<HostEnvironment> {
  // Each home on a line of its own (empty for an unknown user), then the environment, NUL-separated.
  const script = 'for u; do h=$(getent passwd "${u:-$(id -un)}" | cut -d: -f6); printf "%s\\n" "$h"; done; printf "\\0"; env -0';
  const r = await ctx.conn.exec(['sh', '-c', script, 'sh', ...users], { become: ctx.become, env: ctx.environment });
  const [homesPart = '', envPart = ''] = splitOnce(r.stdout, '\0');
  const homes: Record<string, string> = {};
  const lines = homesPart.split('\n');
  users.forEach((u, i) => {
    const home = lines[i] ?? '';
    if (home) homes[u] = home;
  });
  const env: Record<string, string> = {};
  for (const entry of envPart.split('\0')) {
    const eq = entry.indexOf('=');
    if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return { env, homes };
}

function splitOnce(text: string, sep: string): [string, string] {
  const i = text.indexOf(sep);
  return i < 0 ? [text, ''] : [text.slice(0, i), text.slice(i + 1)];
}

/** The strings of an option: a path, or a list of paths (type='list', elements='path'). */
function pathsOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** The arguments with each named path option expanded as Ansible's module would; no round trip when none needs it. */
export async function expandPathArgs<A extends Record<string, unknown>>(ctx: ModuleContext, args: A, names: readonly string[]): Promise<A> {
  const todo = names.filter((n) => pathsOf(args[n]).some(needsExpansion));
  if (todo.length === 0) return args;
  const users = [...new Set(todo.flatMap((n) => pathsOf(args[n]).map(userOf)).filter((u): u is string => u !== undefined))];
  const host = await hostEnvironment(ctx, users);
  const expand = (value: unknown): unknown => (typeof value === 'string' ? expandUser(expandVars(value, host.env), host) : value);
  const out: Record<string, unknown> = { ...args };
  for (const n of todo) out[n] = Array.isArray(args[n]) ? (args[n] as unknown[]).map(expand) : expand(args[n]);
  return out as A;
}
