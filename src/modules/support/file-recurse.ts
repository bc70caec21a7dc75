/**
 * recurse=yes of the file module: owner/group/mode/times on everything under a directory. One
 * `find` lists every entry with its attributes, the controller decides, and the changes go back
 * as batched commands.
 */
import type { FileStat } from '../../connection/types.js';
import { attributeFailure, modeFailure, planAttributes, umaskFor } from './attributes.js';
import { type FileTask, type StateResult, failure } from './file-task.js';
import { ModeError } from './mode.js';
import { commandError, runCommands, runScript } from './shell.js';
import { planTimestamps } from './timestamps.js';

const FIND_FORMAT = '%y %m %U %G %n %s %T@ %A@ %C@ %i %u\\t%g\\t%p\\0';
const TYPES: Record<string, FileStat['type']> = { f: 'file', d: 'directory', l: 'link', b: 'block', c: 'char', p: 'fifo', s: 'socket' };
const BATCH = 100;

/** Parses one `find -printf FIND_FORMAT` record (after its one-letter listing tag). */
function parseEntry(record: string): FileStat | undefined {
  const m = /^(\S) (\d+) (\d+) (\d+) (\d+) (\d+) (\S+) (\S+) (\S+) (\d+) ([^\t]*)\t([^\t]*)\t([\s\S]*)$/.exec(record);
  if (!m) return undefined;
  const [, type = 'f', mode = '0', uid, gid, nlink, size, mtime, atime, ctime, inode, owner = '', group = '', path = ''] = m;
  return {
    path,
    type: TYPES[type] ?? 'file',
    mode: parseInt(mode, 8),
    uid: Number(uid),
    gid: Number(gid),
    owner,
    group,
    size: Number(size),
    mtime: Number(mtime),
    atime: Number(atime),
    ctime: Number(ctime),
    inode: Number(inode),
    dev: 0,
    nlink: Number(nlink),
  };
}

/** Applies the task's attributes below `root` (not to root itself). Returns changed or a failure. */
export async function recursiveAttributes(task: FileTask, root: string): Promise<boolean | StateResult> {
  const { ctx } = task;
  // Links themselves are always listed (tag L, changed with chown -h); with follow, a second
  // listing shows what they lead to under the links' names (tag E, changed through the link).
  const script = task.follow
    ? `find "$1" -mindepth 1 -type l -printf 'L${FIND_FORMAT}'; find -L "$1" -mindepth 1 -printf 'E${FIND_FORMAT}'`
    : `find "$1" -mindepth 1 -printf 'E${FIND_FORMAT}'`;
  const listing = await runScript(ctx, script, [root]);
  if (listing.rc !== 0 && listing.stdout === '') {
    return failure(`Could not recursively set attributes on ${root}. Original error was: '${commandError(listing)}'`);
  }
  const umask = await umaskFor(ctx, task.want.mode);
  const commands: string[][] = [];
  for (const record of listing.stdout.split('\0')) {
    const st = record ? parseEntry(record.slice(1)) : undefined;
    // A broken link shows up in both listings; the first one covers it.
    if (!st || (record.startsWith('E') && task.follow && st.type === 'link')) continue;
    try {
      commands.push(...planAttributes(st.path, st, task.want, undefined, umask, record.startsWith('E') && task.follow).commands);
    } catch (e) {
      if (e instanceof ModeError) return modeFailure(e, st.path, st);
      throw e;
    }
    commands.push(...planTimestamps(st.path, st, task.mtime, task.atime));
  }
  if (commands.length === 0) return false;
  if (ctx.checkMode) return true;
  for (let i = 0; i < commands.length; i += BATCH) {
    const result = await runCommands(ctx, commands.slice(i, i + BATCH));
    if (result.rc !== 0) return attributeFailure(commandError(result), task.want, root);
  }
  return true;
}
