/** Remote paths are POSIX paths whatever the controller runs on. */
import path from 'node:path/posix';
import type { FileStat } from '../../connection/types.js';
import { user } from '../../facts/user.js';
import type { ModuleContext } from '../types.js';

export const posixPath = path;

/** os.path.join: a component starting with '/' restarts the path. */
export function joinPath(...parts: string[]): string {
  let out = '';
  for (const part of parts) {
    if (part.startsWith('/')) out = part;
    else if (out === '' || out.endsWith('/')) out += part;
    else out += `/${part}`;
  }
  return out;
}

/** os.path.dirname: everything before the last '/', without trailing slashes (but '/' stays). */
export function dirName(p: string): string {
  const i = p.lastIndexOf('/');
  if (i < 0) return '';
  const head = p.slice(0, i + 1);
  return /^\/+$/.test(head) ? head : head.replace(/\/+$/, '');
}

/** os.path.basename: everything after the last '/'. */
export function baseName(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

/** The action plugins' _remote_expand_user: `~` and `~/...` in the home of the task's user (the become user under become). */
export async function expandRemoteUser(ctx: ModuleContext, p: string): Promise<string> {
  if (p !== '~' && !p.startsWith('~/')) return p;
  const home = (await ctx.facts.get(user)).user_dir;
  return home ? path.join(home, p.slice(1)) : p;
}

/** The path with every link resolved (os.path.realpath), read on the host. */
export async function realPath(ctx: ModuleContext, p: string): Promise<string> {
  const result = await ctx.conn.exec(['realpath', '-m', '--', p], { become: ctx.become });
  const resolved = result.stdout.replace(/\n$/, '');
  return result.rc === 0 && resolved ? resolved : p;
}

/** lstat; and when the path is a link and `follow`, also the resolved path and its stat. */
export async function statFollowing(
  ctx: ModuleContext,
  p: string,
  follow: boolean,
  checksum = false,
): Promise<{ path: string; lstat: FileStat | null; stat: FileStat | null }> {
  const lstat = await ctx.conn.stat(p, { become: ctx.become, follow: false, checksum });
  if (!follow || lstat?.type !== 'link') return { path: p, lstat, stat: lstat };
  const real = await realPath(ctx, p);
  return { path: real, lstat, stat: await ctx.conn.stat(real, { become: ctx.become, follow: false, checksum }) };
}
