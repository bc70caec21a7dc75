/**
 * copy with remote_src=yes: the source is on the host, so the bytes never travel. A file is
 * copied beside the destination and renamed over it (atomic); a directory is merged the way
 * Ansible's copy module does it (missing entries copied, differing files replaced).
 */
import { randomBytes } from 'node:crypto';
import type { FileStat } from '../../connection/types.js';
import type { ModuleContext, ModuleResult } from '../types.js';
import { attributeFailure, ensureAttributes, modeFailure, pathInfo, planAttributes } from './attributes.js';
import { backupFile } from './backup.js';
import { type CopyOptions, copyValidationFailure, directoryTask } from './copy-file.js';
import { validateOptionError } from './content.js';
import { ensureDirectory } from './file-states.js';
import { ModeError } from './mode.js';
import { baseName, dirName, joinPath, realPath } from './paths.js';
import { split as shlexSplit } from '../../python/shlex.js';
import { commandError, runCommands, runScript } from './shell.js';

export interface RemoteCopyOptions extends CopyOptions {
  src: string;
  expectedChecksum: string | null;
  /** local_follow as given (null: links in a copied tree stay links). */
  localFollow: boolean | null;
  preserveMode: boolean;
}

const fail = (msg: string, extra: Record<string, unknown> = {}): ModuleResult => ({ changed: false, failed: true, msg, ...extra });

export async function copyRemote(ctx: ModuleContext, options: RemoteCopyOptions): Promise<ModuleResult> {
  const { src } = options;
  const srcStat = await ctx.conn.stat(src, { become: ctx.become, follow: true });
  if (!srcStat) return fail(`Source ${src} not found`);
  const want = options.preserveMode ? { ...options.want, mode: { octal: srcStat.mode } } : options.want;
  let checksum: string | null = null;
  let md5sum: string | null = null;
  if (srcStat.type === 'file') {
    const sums = await runScript(ctx, 'sha1sum -- "$1" && md5sum -- "$1"', [src]);
    if (sums.rc !== 0) return fail(`Source ${src} not readable`);
    [checksum = null, md5sum = null] = sums.stdout.split('\n').map((l) => l.split(' ')[0] ?? '');
  } else if (srcStat.type !== 'directory') return fail(`Cannot copy invalid source '${src}': not a file`);
  if (options.expectedChecksum && checksum !== options.expectedChecksum) {
    return fail('Copied file does not match the expected checksum. Transfer failed.', { checksum, expected_checksum: options.expectedChecksum });
  }
  let dest = options.dest.includes('/') ? options.dest : `./${options.dest}`;
  let changed = false;
  if (dest.endsWith('/')) {
    const dir = dirName(dest);
    if (!(await ctx.conn.stat(dir, { become: ctx.become, follow: true }))) {
      if (ctx.checkMode) return { changed: true, msg: `dest directory ${dir} would be created`, src };
      const made = await ensureDirectory(directoryTask(ctx, dir, options));
      if (made.failed) return made;
      changed = true;
    }
  }
  let destStat = await ctx.conn.stat(dest, { become: ctx.become, follow: true });
  if (destStat?.type === 'directory') {
    dest = joinPath(dest, baseName(src));
    destStat = await ctx.conn.stat(dest, { become: ctx.become, follow: true });
  }
  let destLstat: FileStat | null = destStat ? await ctx.conn.stat(dest, { become: ctx.become, follow: false }) : null;
  if (destStat) {
    if (destLstat?.type === 'link' && options.follow) {
      dest = await realPath(ctx, dest);
      destLstat = destStat;
    }
    if (!options.force) return { changed: false, msg: 'file already exists', src, dest };
  } else if (!(await ctx.conn.stat(dirName(dest) || '.', { become: ctx.become, follow: true }))) {
    return fail(`Destination directory ${dirName(dest)} does not exist`);
  }
  let backup: string | undefined;
  if (srcStat.type === 'file') {
    const destChecksum = destStat?.type === 'file' ? (await ctx.conn.stat(dest, { become: ctx.become, follow: true, checksum: true }))?.checksum : undefined;
    if (checksum !== destChecksum || destLstat?.type === 'link') {
      if (!ctx.checkMode) {
        const invalid = validateOptionError(options.validate);
        if (invalid) return invalid;
        if (options.backup && destStat) backup = await backupFile(ctx, dest);
        const copied = await copyFileRemotely(ctx, src, dest, srcStat, { ...options, want });
        if (copied) return copied;
      }
      changed = true;
    }
  } else {
    const merged = await mergeDirectory(ctx, options);
    if (merged.failed) return merged;
    changed ||= merged.changed;
  }
  const after = await ctx.conn.stat(dest, { become: ctx.become, follow: false });
  let attributesChanged = false;
  if (after) {
    const settled = await ensureAttributes(ctx, dest, after, want);
    if (settled.failure) return settled.failure;
    attributesChanged = settled.changed;
  }
  const final = attributesChanged && !ctx.checkMode ? await ctx.conn.stat(dest, { become: ctx.become, follow: false }) : after;
  return {
    changed: changed || attributesChanged,
    dest,
    src,
    md5sum,
    checksum,
    ...(backup ? { backup_file: backup } : {}),
    ...(final ? pathInfo(final) : {}),
  };
}

/** cp (keeping the source's mode and times, as copystat does), settle attributes, validate, rename. */
async function copyFileRemotely(ctx: ModuleContext, src: string, dest: string, srcStat: FileStat, options: CopyOptions): Promise<ModuleResult | undefined> {
  const name = baseName(dest);
  const tmp = joinPath(dirName(dest) || '.', `.${name}.${randomBytes(4).toString('hex')}.tmp`);
  let attributeCommands: string[][];
  try {
    attributeCommands = planAttributes(tmp, { ...srcStat, owner: '', group: '', uid: -1, gid: -1 }, options.want).commands;
  } catch (e) {
    if (e instanceof ModeError) return modeFailure(e, dest);
    throw e;
  }
  const prepared = await runCommands(ctx, [['cp', '--preserve=mode,timestamps', '--', src, tmp], ...attributeCommands]);
  if (prepared.rc !== 0) {
    await runCommands(ctx, [['rm', '-f', '--', tmp]]);
    return /^ch(own|grp|mod)/m.test(prepared.stderr) ? attributeFailure(commandError(prepared), options.want, dest) : fail(`Failed to copy '${src}' to '${dest}'.`, { details: commandError(prepared) });
  }
  if (options.validate !== null) {
    const argv = shlexSplit(options.validate).map((word) => word.replace(/%([%s])/g, (_m, c: string) => (c === 's' ? tmp : '%')));
    const checked = await ctx.conn.exec(argv, { become: ctx.become, env: ctx.environment });
    if (checked.rc !== 0) {
      await runCommands(ctx, [['rm', '-f', '--', tmp]]);
      return copyValidationFailure(checked.rc, checked.stdout, checked.stderr);
    }
  }
  const moved = await runCommands(ctx, [['mv', '-f', '-T', '--', tmp, dest]]);
  if (moved.rc !== 0) return fail(`Failed to copy '${src}' to '${dest}'.`, { details: commandError(moved) });
  return undefined;
}

// Lists a tree relative to its top: type, size, mtime, owner, group, path (NUL-terminated).
const LIST = 'cd "$1" 2>/dev/null && find . -mindepth 1 -printf "%y\\t%s\\t%T@\\t%u\\t%g\\t%P\\0"';

interface Entry {
  type: string;
  size: string;
  mtime: string;
  owner: string;
  group: string;
}

async function listTree(ctx: ModuleContext, top: string): Promise<Map<string, Entry> | null> {
  const result = await runScript(ctx, LIST, [top]);
  if (result.rc !== 0 && result.stdout === '') return null;
  const entries = new Map<string, Entry>();
  for (const record of result.stdout.split('\0')) {
    const [type = '', size = '', mtime = '', owner = '', group = '', ...rest] = record.split('\t');
    if (record) entries.set(rest.join('\t'), { type, size, mtime, owner, group });
  }
  return entries;
}

/** copy_directory: copytree when dest is new, else missing entries and differing files. */
async function mergeDirectory(ctx: ModuleContext, options: RemoteCopyOptions): Promise<ModuleResult> {
  const srcTop = options.src.endsWith('/') ? options.src : `${options.src}/`;
  const destTop = options.src.endsWith('/') ? options.dest : joinPath(options.dest, baseName(options.src));
  const deref = options.localFollow === true ? '-L' : '-P';
  const { owner, group } = options.want;
  const chownAll = (path: string): string[][] => [
    ...(owner !== null ? [['chown', '-R', '-h', owner, path]] : []),
    ...(group !== null ? [['chgrp', '-R', '-h', group, path]] : []),
  ];
  const destEntries = await listTree(ctx, destTop);
  const commands: string[][] = [];
  let changed = false;
  if (destEntries === null) {
    // shutil.copytree makes the missing parents too.
    commands.push(['mkdir', '-p', '--', dirName(destTop) || '.'], ['cp', '-R', deref, '--preserve=mode', '--', srcTop.slice(0, -1), destTop], ...chownAll(destTop));
  }
  else {
    const srcEntries = (await listTree(ctx, srcTop)) ?? new Map<string, Entry>();
    const candidates: string[] = [];
    for (const [rel, entry] of srcEntries) {
      const parent = rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '';
      // Below a directory that is copied whole, nothing more to do.
      if (parent && !destEntries.has(parent)) continue;
      const there = destEntries.get(rel);
      if (!there) {
        changed = true;
        // Ansible's copy_left_only has no case for a link when local_follow is unset: it is
        // counted as a change but not copied.
        if (entry.type === 'l' && options.localFollow === null) continue;
        commands.push(['cp', '-R', deref, '--preserve=mode', '--', joinPath(srcTop, rel), joinPath(destTop, rel)], ...chownAll(joinPath(destTop, rel)));
      }
      else if (entry.type === 'f' && there.type === 'f' && (entry.size !== there.size || entry.mtime !== there.mtime)) candidates.push(rel);
    }
    if (candidates.length) {
      const sums = await ctx.conn.exec(['sha1sum', '--', ...candidates.flatMap((rel) => [joinPath(srcTop, rel), joinPath(destTop, rel)])], { become: ctx.become });
      const hashes = sums.stdout.split('\n').map((l) => l.split(' ')[0]);
      candidates.forEach((rel, i) => {
        if (hashes[2 * i] !== hashes[2 * i + 1]) commands.push(['cp', '--preserve=mode', '--', joinPath(srcTop, rel), joinPath(destTop, rel)], ...chownAll(joinPath(destTop, rel)));
      });
    }
    for (const [rel, entry] of destEntries) {
      if ((owner !== null && entry.owner !== owner) || (group !== null && entry.group !== group)) commands.push(...chownAll(joinPath(destTop, rel)));
    }
  }
  if (commands.length === 0) return { changed };
  if (!ctx.checkMode) {
    const result = await runCommands(ctx, commands);
    if (result.rc !== 0) return fail(`Failed to copy '${options.src}' to '${destTop}'.`, { details: commandError(result) });
  }
  return { changed: true };
}
