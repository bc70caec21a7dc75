/**
 * In-place editors (lineinfile, blockinfile): read the file (through links), and after the edit
 * write it back with backup/validate and settle owner/group/mode, with Ansible's messages.
 */
import type { FileStat } from '../../connection/types.js';
import type { Diff, ModuleContext, ModuleResult } from '../types.js';
import { type StateDiff, type WantedAttributes, ensureAttributes, idsIntoDiff, modeFailure, planAttributes, umaskFor } from './attributes.js';
import { backupFile } from './backup.js';
import { installContent, validateOptionError } from './content.js';
import { ModeError } from './mode.js';
import { realPath } from './paths.js';
import { commandError, runCommands } from './shell.js';

export interface EditTarget {
  /** The path as the task gives it (attributes are set here, backups named after it). */
  path: string;
  /** Where the content really is (links resolved). */
  realPath: string;
  lstat: FileStat | null;
  /** stat of realPath; null when there is no file. */
  stat: FileStat | null;
  content: Buffer | null;
}

/** The file as it is: one round trip (stat with content) unless the path is a link. */
export async function openEditTarget(ctx: ModuleContext, path: string): Promise<EditTarget> {
  const lstat = await ctx.conn.stat(path, { become: ctx.become, follow: false, content: true });
  if (!lstat) return { path, realPath: path, lstat, stat: null, content: null };
  let real = path;
  let stat: FileStat | null = lstat;
  if (lstat.type === 'link') {
    real = await realPath(ctx, path);
    stat = await ctx.conn.stat(real, { become: ctx.become, follow: false, content: true });
  }
  // A connection may not send content with the stat (and devices or fifos have none): read it.
  const content = !stat || stat.type === 'directory' ? null : (stat.content ?? (await ctx.conn.readFile(real, { become: ctx.become })));
  return { path, realPath: real, lstat, stat, content };
}

export interface EditOptions {
  backup: boolean;
  validate: string | null;
  want: WantedAttributes;
  /** The message when the parent directory of a created file cannot be made. */
  parentError: (dir: string, error: string) => string;
}

export interface EditOutcome {
  changed: boolean;
  msg: string;
  backupFile: string;
  attrDiff: StateDiff;
  failure?: ModuleResult;
}

const ATTRIBUTES_CHANGED = 'ownership, perms or SE linux context changed';

function validationFailure(rc: number | null, _stdout: string, stderr: string): ModuleResult {
  return { changed: false, failed: true, msg: `failed to validate: rc:${String(rc)} error:${stderr}` };
}

/**
 * Writes `data` when the content changed (not in check mode), then settles attributes
 * (check_file_attrs). An existing file gets content and attributes in one atomic write.
 */
export async function finishEdit(ctx: ModuleContext, target: EditTarget, data: Buffer, contentChanged: boolean, msg: string, options: EditOptions): Promise<EditOutcome> {
  const attrDiff: StateDiff = { before: {}, after: {} };
  const outcome: EditOutcome = { changed: contentChanged, msg, backupFile: '', attrDiff };
  let attributesChanged = false;
  const fail = (failure: ModuleResult): EditOutcome => ({ ...outcome, failure });
  if (contentChanged && !ctx.checkMode) {
    const invalid = validateOptionError(options.validate);
    if (invalid) return fail(invalid);
    if (options.backup && target.stat) outcome.backupFile = await backupFile(ctx, target.path);
    const direct = target.stat !== null && target.lstat?.type !== 'link';
    const noAttributes: WantedAttributes = { mode: undefined, owner: null, group: null };
    if (direct && target.lstat) {
      try {
        attributesChanged = planAttributes(target.path, target.lstat, options.want, attrDiff, await umaskFor(ctx, options.want.mode)).changed;
      } catch (e) {
        if (e instanceof ModeError) return fail(modeFailure(e, target.path));
        throw e;
      }
    }
    const installed = await installContent(
      ctx,
      {
        path: target.realPath,
        data,
        existing: target.stat,
        ...(direct ? options.want : noAttributes),
        backup: false,
        validate: options.validate,
        missingParent: async (dir) => {
          const made = await runCommands(ctx, [['mkdir', '-p', '--', dir]]);
          return made.rc === 0 ? undefined : { changed: false, failed: true, msg: options.parentError(dir, commandError(made)) };
        },
      },
      validationFailure,
    );
    if (installed.failure) return fail(installed.failure);
    if (direct) await idsIntoDiff(ctx, target.path, attrDiff);
    else {
      const st = await ctx.conn.stat(target.path, { become: ctx.become, follow: false });
      if (st) {
        const settled = await ensureAttributes(ctx, target.path, st, options.want, attrDiff);
        if (settled.failure) return fail(settled.failure);
        attributesChanged = settled.changed;
      }
    }
  } else if (target.lstat) {
    const settled = await ensureAttributes(ctx, target.path, target.lstat, options.want, attrDiff);
    if (settled.failure) return fail(settled.failure);
    attributesChanged = settled.changed;
  }
  if (attributesChanged) {
    outcome.msg = contentChanged ? `${msg} and ${ATTRIBUTES_CHANGED}` : ATTRIBUTES_CHANGED;
    outcome.changed = true;
  }
  return outcome;
}

/** The [content diff, attribute diff] pair the editors return. */
export function editDiffs(path: string, before: string, after: string, attrDiff: StateDiff): [content: Diff, attributes: Diff] {
  const attributes: Diff = {};
  if (Object.keys(attrDiff.before).length) attributes.before = attrDiff.before;
  if (Object.keys(attrDiff.after).length) attributes.after = attrDiff.after;
  return [
    { before, after, before_header: `${path} (content)`, after_header: `${path} (content)` },
    { ...attributes, before_header: `${path} (file attributes)`, after_header: `${path} (file attributes)` },
  ];
}
