/** The file module's states absent, touch, file and directory (links are in file-links.ts). */
import { type StateDiff, attributeFailure, umaskFor } from './attributes.js';
import { type FileTask, type StateResult, failure, initialDiff, initialStat, lstat, prevStateOf, settleAttributes } from './file-task.js';
import { recursiveAttributes } from './file-recurse.js';
import { ModeError, formatMode, resolveMode } from './mode.js';
import { realPath } from './paths.js';
import { commandError, runCommands, runScript } from './shell.js';

// Lists what a directory holds, for the diff of its removal (os.walk's directories and files).
const LIST_TREE = 'find "$1" -mindepth 1 \\( -type d -printf "d%p\\0" \\) -o -printf "f%p\\0"';

export async function ensureAbsent(task: FileTask): Promise<StateResult> {
  const { ctx, path } = task;
  const st = await initialStat(task);
  const prev = prevStateOf(st);
  if (prev === 'absent') return { path, changed: false, state: 'absent' };
  const diff = initialDiff(path, 'absent', prev);
  if (prev === 'directory' && ctx.diffMode) {
    const listing = await runScript(ctx, LIST_TREE, [path]);
    const entries = listing.stdout.split('\0').filter(Boolean);
    diff.before['path_content'] = {
      directories: entries.filter((e) => e.startsWith('d')).map((e) => e.slice(1)),
      files: entries.filter((e) => e.startsWith('f')).map((e) => e.slice(1)),
    };
  }
  if (!ctx.checkMode) {
    const result = await runCommands(ctx, [prev === 'directory' ? ['rm', '-rf', '--', path] : ['rm', '-f', '--', path]]);
    if (result.rc !== 0) return failure(prev === 'directory' ? `rmtree failed: ${commandError(result)}` : 'Unlinking failed.', { path });
  }
  return { path, changed: true, diff, state: 'absent' };
}

export async function executeTouch(task: FileTask): Promise<StateResult> {
  const { ctx, path } = task;
  let st = await initialStat(task);
  const prev = prevStateOf(st);
  let changed = false;
  if (prev === 'absent') {
    if (ctx.checkMode) return { dest: path, changed: true };
    // open(path, 'wb'): an empty file with the host's default mode.
    const created = await runScript(ctx, ': > "$1"', [path]);
    if (created.rc !== 0) return failure('Error, could not touch target.', { path, details: commandError(created) });
    st = await lstat(task, path);
    changed = true;
  }
  const diff = initialDiff(path, 'touch', prev);
  let target = path;
  if (task.follow && st?.type === 'link') {
    target = await realPath(ctx, path);
    st = await lstat(task, target);
  }
  if (!st) return failure('Error, could not touch target.', { path });
  const settled = await settleAttributes(task, target, st, diff);
  if (typeof settled !== 'boolean') {
    // A file this task just created goes again when its attributes cannot be set.
    if (prev === 'absent') await runCommands(ctx, [['rm', '-f', '--', path]]);
    return settled;
  }
  return { dest: path, changed: changed || settled, diff };
}

export async function ensureFileAttributes(task: FileTask): Promise<StateResult> {
  let path = task.path;
  let st = await initialStat(task);
  let prev = prevStateOf(st);
  if (prev === 'link' && task.follow) {
    path = await realPath(task.ctx, path);
    st = await lstat(task, path);
    prev = prevStateOf(st);
  }
  if ((prev !== 'file' && prev !== 'hard') || !st) return failure(`file (${path}) is ${prev}, cannot continue`, { path, state: prev });
  const diff = initialDiff(path, 'file', prev);
  const settled = await settleAttributes(task, path, st, diff);
  if (typeof settled !== 'boolean') return settled;
  return { path, changed: settled, diff };
}

// Creates each missing component in turn (mkdir -p, but with owner and mode set on every new
// directory); prints the umask, then each directory it made.
const MAKE_DIRS = [
  'owner=$1 group=$2 mode=$3; shift 3; umask',
  'for d; do',
  '  [ -e "$d" ] && continue',
  // Made by another process meanwhile (hosts sharing a machine): no error, as in Ansible.
  '  if mkdir -- "$d" 2>/dev/null; then printf "%s\\n" "$d"',
  '  elif [ -d "$d" ]; then continue',
  // Again, for its own error message (or success, if the obstacle has gone).
  '  else printf "%s\\n" "$d"; mkdir -- "$d" || exit 1; fi',
  '  if [ -n "$owner" ]; then chown -- "$owner" "$d" || exit 2; fi',
  '  if [ -n "$group" ]; then chgrp -- "$group" "$d" || exit 3; fi',
  '  if [ -n "$mode" ]; then chmod -- "$mode" "$d" || exit 4; fi',
  'done',
].join('\n');

/** Every prefix of `path` (a/b/c: a, a/b, a/b/c; /x/y: /x, /x/y). */
function components(path: string): string[] {
  const out: string[] = [];
  let current = path.startsWith('/') ? '' : undefined;
  for (const name of path.split('/').filter(Boolean)) {
    current = current === undefined ? name : `${current}/${name}`;
    out.push(current);
  }
  return out;
}

export async function ensureDirectory(task: FileTask): Promise<StateResult> {
  const { ctx } = task;
  let path = task.path;
  let st = await initialStat(task);
  let prev = prevStateOf(st);
  if (task.follow && prev === 'link') {
    path = await realPath(ctx, path);
    st = await lstat(task, path);
    prev = prevStateOf(st);
  }
  const diff = initialDiff(path, 'directory', prev);
  if (prev === 'absent') {
    if (ctx.checkMode) return { path, changed: true, diff };
    return createDirectories(task, path, diff);
  }
  if (prev !== 'directory' || !st) return failure(`${path} already exists as a ${prev}`, { path });
  const settled = await settleAttributes(task, path, st, diff);
  if (typeof settled !== 'boolean') return settled;
  let changed = settled;
  if (task.recurse) {
    const recursed = await recursiveAttributes(task, path);
    if (typeof recursed !== 'boolean') return recursed;
    changed ||= recursed;
  }
  return { path, changed, diff };
}

async function createDirectories(task: FileTask, path: string, diff: StateDiff): Promise<StateResult> {
  const { ctx, want } = task;
  const umask = await umaskFor(ctx, want.mode);
  let mode = '';
  let numericMode: number | undefined;
  try {
    if (want.mode) numericMode = resolveMode(want.mode, 0o777 & ~umask, true, umask);
  } catch (e) {
    if (e instanceof ModeError) return failure(e.msg, { path, details: e.details });
    throw e;
  }
  if (numericMode !== undefined) mode = numericMode.toString(8).padStart(4, '0');
  const result = await runScript(ctx, MAKE_DIRS, [want.owner ?? '', want.group ?? '', mode, ...components(path)]);
  const [hostUmask = '0022', ...made] = result.stdout.split('\n').filter(Boolean);
  if (result.rc !== 0) {
    if (result.rc === 2 || result.rc === 3 || result.rc === 4) return attributeFailure(commandError(result), want, path);
    return failure(`There was an issue creating ${made[made.length - 1] ?? path} as requested: ${commandError(result)}`, { path });
  }
  const defaultMode = 0o777 & ~parseInt(hostUmask, 8);
  if (numericMode !== undefined && numericMode !== defaultMode) {
    diff.before['mode'] = formatMode(defaultMode);
    diff.after['mode'] = formatMode(numericMode);
  }
  let changed = made.length > 0;
  if (task.mtime !== 'preserve' || task.atime !== 'preserve') {
    const st = await lstat(task, path);
    if (st) {
      const settled = await settleAttributes({ ...task, want: { mode: undefined, owner: null, group: null } }, path, st, diff);
      if (typeof settled !== 'boolean') return settled;
      changed ||= settled;
    }
  }
  return { path, changed, diff };
}
