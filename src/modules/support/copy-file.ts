/**
 * One file of copy/template: what Ansible's copy action plugin and copy module do together for a
 * single source, with the comparison in the controller (sha1 of the bytes against the remote
 * stat's checksum) and one atomic write when they differ.
 */
import { createHash } from 'node:crypto';
import type { FileStat } from '../../connection/types.js';
import type { ModuleContext, ModuleResult } from '../types.js';
import { type StateDiff, type WantedAttributes, ensureAttributes, pathInfo } from './attributes.js';
import { installContent } from './content.js';
import { MAX_DIFF_SIZE, contentDiff } from './diff.js';
import { ensureDirectory } from './file-states.js';
import type { FileTask } from './file-task.js';
import type { ModeRequest } from './mode.js';
import { joinPath, statFollowing } from './paths.js';

export interface CopyOptions {
  /** The dest argument as given (a trailing '/' means "into this directory"). */
  dest: string;
  force: boolean;
  follow: boolean;
  backup: boolean;
  validate: string | null;
  want: WantedAttributes;
  directoryMode: ModeRequest | undefined;
  /** The checksum option: the sha1 the source must have (checked when a copy is needed). */
  expectedChecksum?: string | null;
}

export interface CopySource {
  data: Buffer;
  /** The name the file gets inside a destination directory. */
  rel: string;
  /** Set for content=: a directory dest is an error and the diff's after_header is dest. */
  fromContent: boolean;
  /** The diff's after_header for a file source, and the result's src. */
  label: string;
}

export const sha1 = (data: Buffer): string => createHash('sha1').update(data).digest('hex');
export const md5 = (data: Buffer): string => createHash('md5').update(data).digest('hex');

export function copyValidationFailure(rc: number | null, stdout: string, stderr: string): ModuleResult {
  const lines = (text: string): string[] => text.split(/\r?\n/).filter((line, i, all) => line !== '' || i < all.length - 1);
  return { changed: false, failed: true, msg: 'failed to validate', exit_status: rc, stdout, stderr, stdout_lines: lines(stdout), stderr_lines: lines(stderr) };
}

async function beforeContent(ctx: ModuleContext, path: string, st: FileStat | null): Promise<Buffer | null> {
  if (!st) return null;
  if (st.size > MAX_DIFF_SIZE) return Buffer.alloc(MAX_DIFF_SIZE + 1); // only its size matters
  return (await ctx.conn.readFile(path, { become: ctx.become })) ?? Buffer.alloc(0);
}

/** The file module with state=directory, as copy uses it for directories it creates. */
export function directoryTask(ctx: ModuleContext, path: string, options: CopyOptions): FileTask {
  return {
    ctx,
    path,
    src: null,
    follow: true,
    force: false,
    recurse: false,
    want: { mode: options.directoryMode, owner: options.want.owner, group: options.want.group },
    mtime: 'preserve',
    atime: 'preserve',
  };
}

/**
 * Copies one source to the destination. Returns null when the file exists and force=no (nothing
 * to report), else the module result.
 */
export async function copyOneFile(ctx: ModuleContext, options: CopyOptions, source: CopySource): Promise<ModuleResult | null> {
  let destFile = options.dest.endsWith('/') ? joinPath(options.dest, source.rel) : options.dest;
  let found = await statFollowing(ctx, destFile, options.follow, options.force);
  if (found.stat?.type === 'directory') {
    if (source.fromContent) return { changed: false, failed: true, msg: 'can not use content with a dir as dest', ...(ctx.diffMode ? { diff: [] } : {}) };
    destFile = joinPath(options.dest, source.rel);
    found = await statFollowing(ctx, destFile, options.follow, options.force);
  }
  if (found.lstat && !options.force) return null;
  const checksum = sha1(source.data);
  if (checksum === found.stat?.checksum) return settleUnchanged(ctx, options, found.path, found.stat, checksum);

  const result: ModuleResult = { changed: true };
  if (ctx.diffMode) {
    const before = await beforeContent(ctx, found.path, found.stat);
    result.diff = [contentDiff(destFile, before, source.data, source.fromContent ? destFile : source.label)];
  }
  if (ctx.checkMode) return result;
  if (options.expectedChecksum && options.expectedChecksum !== checksum) {
    return { changed: false, failed: true, msg: 'Copied file does not match the expected checksum. Transfer failed.', checksum, expected_checksum: options.expectedChecksum };
  }
  const installed = await installContent(
    ctx,
    {
      path: found.path,
      data: source.data,
      existing: found.stat,
      ...options.want,
      backup: options.backup,
      validate: options.validate,
      missingParent: async (dir) => {
        if (!options.dest.endsWith('/')) return { changed: false, failed: true, msg: `Destination directory ${dir} does not exist` };
        const made = await ensureDirectory(directoryTask(ctx, dir, options));
        return made.failed ? made : undefined;
      },
    },
    copyValidationFailure,
  );
  // The action plugin's diff and checksum stay on a failed result.
  if (installed.failure) return { ...installed.failure, ...(result.diff ? { diff: result.diff } : {}), checksum };
  const after = await ctx.conn.stat(found.path, { become: ctx.become, follow: false });
  return {
    ...result,
    dest: found.path,
    ...(source.fromContent ? {} : { src: source.label }),
    md5sum: md5(source.data),
    checksum,
    ...(installed.backupFile ? { backup_file: installed.backupFile } : {}),
    ...(after ? pathInfo(after) : {}),
  };
}

/** Same content already there: only owner/group/mode, as the file module (state=file) does it. */
async function settleUnchanged(ctx: ModuleContext, options: CopyOptions, path: string, st: FileStat, checksum: string): Promise<ModuleResult> {
  const diff: StateDiff = { before: { path }, after: { path } };
  const settled = await ensureAttributes(ctx, path, st, options.want, diff);
  if (settled.failure) return settled.failure;
  const now = settled.changed && !ctx.checkMode ? await ctx.conn.stat(path, { become: ctx.become, follow: false }) : st;
  const result: ModuleResult = { changed: settled.changed, path, dest: path, checksum, ...(now ? pathInfo(now) : {}) };
  if (ctx.diffMode) result.diff = diff;
  return result;
}
