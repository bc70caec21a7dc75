/**
 * ansible.builtin.file: the state of a path (file, directory, link, hard link, touched, absent)
 * and its owner, group, mode and times.
 */
import { defineModule } from './define.js';
import type { ModuleResult } from './types.js';
import { pathInfo } from './support/attributes.js';
import { FILE_COMMON_OPTIONS, wantedAttributes } from './support/file-args.js';
import { ensureHardlink, ensureSymlink } from './support/file-links.js';
import { ensureAbsent, ensureDirectory, ensureFileAttributes, executeTouch } from './support/file-states.js';
import { type FileState, type FileTask, failure, lstat, prevStateOf, statFollow } from './support/file-task.js';
import { baseName, joinPath } from './support/paths.js';
import { TimeFormatError, type TimeRequest, timeRequest } from './support/timestamps.js';

export default defineModule({
  name: 'file',
  supportsCheckMode: true,
  spec: {
    options: {
      state: { type: 'str', choices: ['absent', 'directory', 'file', 'hard', 'link', 'touch'] },
      path: { type: 'path', required: true, aliases: ['dest', 'name'] },
      recurse: { type: 'bool', default: false },
      force: { type: 'bool', default: false },
      follow: { type: 'bool', default: true },
      src: { type: 'path' },
      modification_time: { type: 'str' },
      modification_time_format: { type: 'str', default: '%Y%m%d%H%M.%S' },
      access_time: { type: 'str' },
      access_time_format: { type: 'str', default: '%Y%m%d%H%M.%S' },
      // Internal to Ansible's action plugins: whether the file looks binary, and nothing else.
      _diff_peek: { type: 'bool' },
      ...FILE_COMMON_OPTIONS,
    },
  },
  async run(args, ctx) {
    const task: FileTask = {
      ctx,
      path: args.path,
      src: args.src,
      follow: args.follow,
      force: args.force,
      recurse: args.recurse,
      want: wantedAttributes(args),
      mtime: 'preserve',
      atime: 'preserve',
    };
    let state = args.state;
    // A file placed into an existing directory takes src's name (additional_parameter_handling).
    if (state !== 'link' && state !== 'absent' && args.src && (await statFollow(task, task.path))?.type === 'directory') {
      task.path = joinPath(task.path, baseName(args.src));
    }
    task.initial = await lstat(task, task.path);
    const prev = prevStateOf(task.initial);
    state ??= prev !== 'absent' ? prev : args.recurse ? 'directory' : 'file';
    if (args.recurse && state !== 'directory') return withPathInfo(task, failure("recurse option requires state to be 'directory'", { path: task.path }));
    if (args.src && state !== 'link' && state !== 'hard') return withPathInfo(task, failure("src option requires state to be 'link' or 'hard'", { path: task.path }));
    // Times default to 'now' for touch and to 'preserve' for every other state.
    const fallback = state === 'touch' ? 'now' : 'preserve';
    const mtime = parseTimeArg(args.modification_time, args.modification_time_format, fallback);
    if (typeof mtime === 'object') return mtime;
    const atime = parseTimeArg(args.access_time, args.access_time_format, fallback);
    if (typeof atime === 'object') return atime;
    [task.mtime, task.atime] = [mtime, atime];
    if (args._diff_peek !== null) return withPathInfo(task, { changed: false, path: task.path, appears_binary: await appearsBinary(task) });
    const handlers: Record<FileState, (t: FileTask) => Promise<ModuleResult>> = {
      file: ensureFileAttributes,
      directory: ensureDirectory,
      link: ensureSymlink,
      hard: ensureHardlink,
      touch: executeTouch,
      absent: ensureAbsent,
    };
    const result = await handlers[state](task);
    if (!ctx.diffMode) delete result.diff;
    return withPathInfo(task, result);
  },
});

/** Ansible's guess: a NUL byte in the first 8192 bytes; a file that cannot be read counts as text. */
async function appearsBinary(task: FileTask): Promise<boolean> {
  try {
    const st = await task.ctx.conn.stat(task.path, { become: task.ctx.become, follow: true, content: true });
    return st?.content?.subarray(0, 8192).includes(0) ?? false;
  } catch {
    return false;
  }
}

function parseTimeArg(value: string | null, format: string, fallback: 'now' | 'preserve'): TimeRequest | ModuleResult {
  try {
    return timeRequest(value, format, fallback);
  } catch (e) {
    if (!(e instanceof TimeFormatError)) throw e;
    return failure(`Error while obtaining timestamp for time ${value ?? ''} using format ${format}: ${e.message}`);
  }
}

/** exit_json/fail_json add the path's owner, mode, state and size when it exists (add_path_info). */
async function withPathInfo(task: FileTask, result: ModuleResult): Promise<ModuleResult> {
  const where = typeof result['path'] === 'string' ? result['path'] : typeof result['dest'] === 'string' ? result['dest'] : undefined;
  if (where === undefined || result['state'] === 'absent') return result;
  // Nothing changed at the task's own path: the first look is still true.
  const st = !result.changed && where === task.path && task.initial !== undefined ? task.initial : await lstat(task, where);
  if (!st || (st.type === 'link' && !(await statFollow(task, where)))) return result;
  return { ...result, ...pathInfo(st) };
}
