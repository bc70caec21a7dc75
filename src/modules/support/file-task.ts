/** What the file module's state handlers share: the task's options and the helpers they all use. */
import type { FileStat } from '../../connection/types.js';
import type { ModuleContext, ModuleResult } from '../types.js';
import { type StateDiff, type WantedAttributes, ensureAttributes } from './attributes.js';
import { commandError, runCommands } from './shell.js';
import { type TimeRequest, planTimestamps } from './timestamps.js';

export type FileState = 'absent' | 'directory' | 'file' | 'hard' | 'link' | 'touch';
export type PrevState = 'absent' | 'link' | 'directory' | 'hard' | 'file';

export interface FileTask {
  ctx: ModuleContext;
  path: string;
  src: string | null;
  follow: boolean;
  force: boolean;
  recurse: boolean;
  want: WantedAttributes;
  mtime: TimeRequest;
  atime: TimeRequest;
  /** lstat of `path` as the module first saw it (saves the handlers a round trip). */
  initial?: FileStat | null;
}

/** A state handler's result: a module result, possibly with a failure. */
export type StateResult = ModuleResult;

/** get_state(): what is at the path now. */
export function prevStateOf(st: FileStat | null): PrevState {
  if (!st) return 'absent';
  if (st.type === 'link') return 'link';
  if (st.type === 'directory') return 'directory';
  return st.nlink > 1 ? 'hard' : 'file';
}

/** initial_diff(): the path, and the state when it changes. */
export function initialDiff(path: string, state: string, prev: PrevState): StateDiff {
  const diff: StateDiff = { before: { path }, after: { path } };
  if (prev !== state) {
    diff.before['state'] = prev;
    diff.after['state'] = state;
  }
  return diff;
}

/** lstat through the task's connection. */
export function lstat(task: FileTask, path: string): Promise<FileStat | null> {
  return task.ctx.conn.stat(path, { become: task.ctx.become, follow: false });
}

/** lstat of the task's path, from the first look when there was one. */
export async function initialStat(task: FileTask): Promise<FileStat | null> {
  if (task.initial === undefined) task.initial = await lstat(task, task.path);
  return task.initial;
}

/** stat following links (os.path.exists / os.stat). */
export function statFollow(task: FileTask, path: string): Promise<FileStat | null> {
  return task.ctx.conn.stat(path, { become: task.ctx.become, follow: true });
}

export function failure(msg: string, extra: Record<string, unknown> = {}): StateResult {
  return { changed: false, failed: true, msg, ...extra };
}

/**
 * set_fs_attributes_if_different + update_timestamp_for_file on one existing path.
 * Returns whether anything changed, or a failure result.
 */
export async function settleAttributes(task: FileTask, path: string, st: FileStat, diff?: StateDiff): Promise<boolean | StateResult> {
  const attributes = await ensureAttributes(task.ctx, path, st, task.want, diff);
  if (attributes.failure) return attributes.failure;
  const touches = planTimestamps(path, st, task.mtime, task.atime, diff);
  if (touches.length === 0) return attributes.changed;
  if (!task.ctx.checkMode) {
    const result = await runCommands(task.ctx, touches);
    if (result.rc !== 0) return failure(`Error while updating modification or access time: ${commandError(result)}`, { path });
  }
  return true;
}
