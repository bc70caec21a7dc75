/** The file module's states link and hard. Replacements go through a temp link and a rename. */
import { randomBytes } from 'node:crypto';
import { type FileTask, type StateResult, failure, initialDiff, initialStat, lstat, prevStateOf, settleAttributes, statFollow } from './file-task.js';
import { dirName, joinPath, realPath } from './paths.js';
import { commandError, runCommands } from './shell.js';

function tempBeside(path: string): string {
  return joinPath(dirName(path) || '.', `.${randomBytes(6).toString('hex')}.tmp`);
}

/** Settles attributes on what the link leads to (or the link itself) and builds the result. */
async function finishLink(task: FileTask, src: string | null, changed: boolean, diff: ReturnType<typeof initialDiff>): Promise<StateResult> {
  const { ctx, path } = task;
  const warnings: string[] = [];
  if (ctx.checkMode && !(await statFollow(task, path))) return { dest: path, src, changed, diff };
  let target = path;
  let st = await lstat(task, path);
  if (task.follow && st?.type === 'link') {
    if (!(await statFollow(task, path))) {
      warnings.push('Cannot set fs attributes on a non-existent symlink target. follow should be set to False to avoid this.');
      return { dest: path, src, changed, diff, warnings };
    }
    target = await realPath(ctx, path);
    st = await lstat(task, target);
  }
  if (st) {
    const settled = await settleAttributes(task, target, st, diff);
    if (typeof settled !== 'boolean') return settled;
    changed ||= settled;
  }
  return { dest: path, src, changed, diff };
}

export async function ensureSymlink(task: FileTask): Promise<StateResult> {
  const { ctx, path, force } = task;
  const st = await initialStat(task);
  const prev = prevStateOf(st);
  let src = task.src;
  if (src === null && task.follow && st?.type === 'link' && (await statFollow(task, path))) src = st.linkTarget ?? null;
  // A relative src is relative to the link's directory (or to path itself when it is a directory).
  const base = st && st.type === 'directory' ? path : dirName(path);
  const absSrc = src === null ? null : joinPath(base, src);
  if (!force && src !== null && absSrc !== null && !(await statFollow(task, absSrc))) {
    return failure(`src file does not exist, use 'force=yes' if you really want to create the link: ${absSrc}`, { path, src });
  }
  if (prev === 'directory') {
    if (!force) return failure(`refusing to convert from ${prev} to symlink for ${path}`, { path });
    const listing = await ctx.conn.exec(['ls', '-A', '--', path], { become: ctx.become });
    if (listing.stdout.trim() !== '') return failure(`the directory ${path} is not empty, refusing to convert it`, { path });
  } else if ((prev === 'file' || prev === 'hard') && !force) {
    return failure(`refusing to convert from ${prev} to symlink for ${path}`, { path });
  }
  const diff = initialDiff(path, 'link', prev);
  let changed = false;
  if (prev !== 'link') {
    if (src === null) return failure('src is required for creating new symlinks');
    changed = true;
  } else if (src !== null && st?.linkTarget !== src) {
    diff.before['src'] = st?.linkTarget;
    diff.after['src'] = src;
    changed = true;
  }
  if (changed && !ctx.checkMode && src !== null) {
    let commands: string[][];
    if (prev === 'absent') commands = [['ln', '-s', '--', src, path]];
    else {
      const tmp = tempBeside(path);
      commands = [...(prev === 'directory' ? [['rmdir', '--', path]] : []), ['ln', '-s', '--', src, tmp], ['mv', '-f', '-T', '--', tmp, path]];
    }
    const result = await runCommands(ctx, commands);
    if (result.rc !== 0) {
      return failure(`Error while ${prev === 'absent' ? 'linking' : 'replacing'}: ${commandError(result)}`, { path });
    }
  }
  return finishLink(task, src, changed, diff);
}

export async function ensureHardlink(task: FileTask): Promise<StateResult> {
  const { ctx, path, force } = task;
  const src = task.src;
  const st = await initialStat(task);
  const prev = prevStateOf(st);
  if (prev !== 'hard' && src === null) return failure('src is required for creating new hardlinks');
  const srcStat = src === null ? null : await statFollow(task, src);
  if (src !== null && !srcStat) return failure('src does not exist', { dest: path, src });
  const diff = initialDiff(path, 'hard', prev);
  let changed = false;
  if (prev === 'absent') changed = true;
  else if (prev === 'link') {
    if (st?.linkTarget !== src) {
      diff.before['src'] = st?.linkTarget;
      diff.after['src'] = src;
      changed = true;
    }
  } else if (prev === 'hard') {
    if (srcStat && st && st.inode !== srcStat.inode) {
      changed = true;
      if (!force) return failure('Cannot link, different hard link exists at destination', { dest: path, src });
    }
  } else if (prev === 'file') {
    changed = true;
    if (!force) return failure(`Cannot link, ${prev} exists at destination`, { dest: path, src });
  } else {
    changed = true;
    if (srcStat && st && st.inode === srcStat.inode) return { path, changed: false };
    if (!force) return failure('Cannot link: different hard link exists at destination', { dest: path, src });
  }
  if (changed && !ctx.checkMode && src !== null) {
    let linkFrom = src;
    if (task.follow) {
      const srcLstat = await lstat(task, src);
      if (srcLstat?.type === 'link' && srcLstat.linkTarget) linkFrom = srcLstat.linkTarget;
    }
    let commands: string[][];
    if (prev === 'absent') commands = [['ln', '--', linkFrom, path]];
    else {
      const tmp = tempBeside(path);
      commands = [['ln', '--', src, tmp], ['mv', '-f', '-T', '--', tmp, path]];
    }
    const result = await runCommands(ctx, commands);
    if (result.rc !== 0) {
      return failure(`Error while ${prev === 'absent' ? 'linking' : 'replacing'}: ${commandError(result)}`, { path });
    }
  }
  if (ctx.checkMode && !(await statFollow(task, path))) return { dest: path, src, changed, diff };
  const now = await lstat(task, task.follow ? await followIfLink(task) : path);
  if (now) {
    const settled = await settleAttributes(task, now.path, now, diff);
    if (typeof settled !== 'boolean') return settled;
    changed ||= settled;
  }
  return { dest: path, src, changed, diff };
}

async function followIfLink(task: FileTask): Promise<string> {
  const st = await lstat(task, task.path);
  return st?.type === 'link' ? realPath(task.ctx, task.path) : task.path;
}
