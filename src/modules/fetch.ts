/**
 * ansible.builtin.fetch: a file of the host copied to the controller, under
 * dest/<inventory_hostname>/<path on the host> (or dest itself with flat). The host's file is
 * stat'ed with its sha1 (one round trip); its bytes come over only when the controller's copy
 * differs, and are written there atomically. Check mode is not supported (skipped, as in Ansible).
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defineModule } from './define.js';
import type { ModuleContext } from './types.js';
import { baseName, expandRemoteUser } from './support/paths.js';

const hash = (algorithm: string, data: Buffer): string => createHash(algorithm).update(data).digest('hex');

/** ansible.utils.hashing.checksum: the sha1 of a controller file, null when absent or a directory. */
function localChecksum(file: string): string | null {
  const st = statSync(file, { throwIfNoEntry: false });
  if (!st || st.isDirectory()) return null;
  return hash('sha1', readFileSync(file));
}

/** The loader's path_dwim on the controller: ~ expanded, relative to the playbook's directory. */
function controllerPath(ctx: ModuleContext, p: string): string {
  const expanded = p === '~' || p.startsWith('~/') ? path.join(os.homedir(), p.slice(1)) : p;
  return path.isAbsolute(expanded) ? expanded : path.join(ctx.playbookDir, expanded);
}

/** Where the file goes on the controller, or the message when that place cannot be used. */
export function fetchDestination(dest: string, source: string, flat: boolean, host: string, resolve: (p: string) => string, isDir: (p: string) => boolean): { path: string } | { error: string } {
  if (flat) {
    let target = dest;
    if (isDir(resolve(target)) && !target.endsWith('/')) return { error: 'dest is an existing directory, use a trailing slash if you want to fetch src into that directory' };
    if (target.endsWith('/')) {
      target = path.join(target, baseName(source));
      if (isDir(resolve(target))) return { error: `calculated dest '${target}' is an existing directory, use another path that does not point to an existing directory` };
    }
    return { path: path.normalize(resolve(target)) };
  }
  return { path: path.normalize(`${resolve(dest)}/${host}/${source}`) };
}

/** Writes the controller's copy atomically (a temp file beside it, then a rename). */
function writeLocal(file: string, data: Buffer): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

export default defineModule({
  name: 'fetch',
  // Check mode is answered here: skipped with Ansible's message.
  supportsCheckMode: true,
  refusesAsync: true,
  spec: {
    options: {
      // raw: the action plugin checks them itself, with its own messages.
      src: { type: 'raw' },
      dest: { type: 'raw' },
      fail_on_missing: { type: 'bool', default: true },
      validate_checksum: { type: 'bool', default: true },
      flat: { type: 'bool', default: false },
    },
  },
  async run(args, ctx) {
    if (ctx.checkMode) return { changed: false, skipped: true, msg: 'check mode not (yet) supported for this module' };
    let msg = '';
    if (typeof args.src !== 'string') msg = 'Invalid type supplied for source option, it must be a string';
    if (typeof args.dest !== 'string') msg = 'Invalid type supplied for dest option, it must be a string';
    if (args.src === null || args.dest === null) msg = 'src and dest are required';
    if (msg || typeof args.src !== 'string' || typeof args.dest !== 'string') return { changed: false, failed: true, msg };
    const failOnMissing = args.fail_on_missing;
    const source = await expandRemoteUser(ctx, args.src);

    const st = await ctx.conn.stat(source, { become: ctx.become, follow: true, checksum: true });
    const missing = 'the remote file does not exist, not transferring, ignored';
    if (st === null) return failOnMissing ? { changed: false, failed: true, msg: missing } : { changed: false, file: source, msg: missing };
    if (st.type === 'directory') {
      const reason = 'remote file is a directory, fetch cannot work on directories';
      if (failOnMissing) return { changed: false, failed: true, msg: reason };
      // Under become Ansible reads through slurp, whose failure gives the file and no suffix.
      return ctx.become ? { changed: false, file: source, msg: reason } : { changed: false, msg: `${reason}, not transferring, ignored` };
    }
    // A regular file the task's user can read has a checksum.
    if (st.checksum === undefined) return failOnMissing ? { changed: false, failed: true, msg: `File is not readable: ${source}` } : { changed: false, file: source };
    const remoteChecksum = st.checksum;

    const where = fetchDestination(args.dest, source, args.flat, ctx.host, (p) => controllerPath(ctx, p), (p) => statSync(p, { throwIfNoEntry: false })?.isDirectory() ?? false);
    if ('error' in where) return { changed: false, failed: true, msg: where.error };
    const dest = where.path;
    const local = localChecksum(dest);
    if (local === remoteChecksum) {
      return { changed: false, md5sum: hash('md5', readFileSync(dest)), file: source, dest, checksum: local };
    }
    const data = await ctx.conn.readFile(source, { become: ctx.become });
    if (data === null) return failOnMissing ? { changed: false, failed: true, msg: missing } : { changed: false, file: source, msg: missing };
    try {
      if (existsSync(dest) && statSync(dest).isDirectory()) throw new Error(`${dest} is a directory`);
      writeLocal(dest, data);
    } catch (e) {
      return { changed: false, failed: true, msg: `Failed to fetch the file: ${(e as Error).message}` };
    }
    const checksum = hash('sha1', data);
    const md5sum = hash('md5', data);
    if (args.validate_checksum && checksum !== remoteChecksum) {
      return { changed: false, failed: true, md5sum, msg: 'checksum mismatch', file: source, dest, remote_md5sum: null, checksum, remote_checksum: remoteChecksum };
    }
    return { changed: true, md5sum, dest, remote_md5sum: null, checksum, remote_checksum: remoteChecksum };
  },
});
