/**
 * "Put these bytes at this path": optional backup, optional validation of a temp copy, then an
 * atomic write with the wanted mode/owner/group (existing ones kept when not asked for), as
 * copy, template, lineinfile and blockinfile all do it.
 */
import { randomBytes } from 'node:crypto';
import type { FileAttributes, FileStat } from '../../connection/types.js';
import type { ModuleContext, ModuleResult } from '../types.js';
import type { WantedAttributes } from './attributes.js';
import { modeFailure, umaskFor } from './attributes.js';
import { backupFile } from './backup.js';
import { ModeError, resolveMode } from './mode.js';
import { baseName, dirName, joinPath } from './paths.js';
import { split as shlexSplit } from '../../python/shlex.js';
import { runScript } from './shell.js';

export interface InstallRequest extends WantedAttributes {
  /** Where the bytes go; links are replaced, so callers that follow them pass the resolved path. */
  path: string;
  data: Buffer;
  /** lstat of `path` before the change (null when absent). */
  existing: FileStat | null;
  backup: boolean;
  /** A command with %s for the file to check, run on a temp copy before it is installed. */
  validate: string | null;
  /**
   * Called when the write failed because the parent directory is missing: creates it (then the
   * write is tried again) or returns the failure to report. Without it, the error propagates.
   */
  missingParent?: (dir: string) => Promise<ModuleResult | undefined>;
}

/** How a module words a failed validation (copy and lineinfile differ). */
export type ValidationFailure = (rc: number | null, stdout: string, stderr: string) => ModuleResult;

/** What the validator said about the new content (assemble returns it). */
export interface ValidationOutput {
  rc: number | null;
  stdout: string;
  stderr: string;
}

export type InstallOutcome = { failure?: undefined; backupFile?: string; validation?: ValidationOutput } | { failure: ModuleResult; backupFile?: string };

const VALIDATED = '__playbook_validated__';

// Runs the validator on the temp copy; only a valid copy is renamed over the destination.
const VALIDATE_SCRIPT = [
  'tmp=$1 dest=$2; shift 2',
  '"$@"; rc=$?',
  'if [ "$rc" -ne 0 ]; then rm -f -- "$tmp"; exit "$rc"; fi',
  `echo ${VALIDATED} >&2`,
  'mv -f -- "$tmp" "$dest"',
].join('\n');

/** Ansible's check of the validate option, done before anything is written. */
export function validateOptionError(validate: string | null): ModuleResult | undefined {
  if (validate !== null && !validate.includes('%s')) return { changed: false, failed: true, msg: `validate must contain %s: ${validate}` };
  return undefined;
}

/** The attributes the new file is written with: the wanted ones, else the existing file's. */
async function attributesFor(ctx: ModuleContext, request: InstallRequest): Promise<{ attributes: FileAttributes; inherited: boolean }> {
  const existing = request.existing?.type === 'file' ? request.existing : null;
  const attributes: FileAttributes = {};
  let inherited = false;
  if (request.mode) attributes.mode = resolveMode(request.mode, existing?.mode ?? 0o644, false, await umaskFor(ctx, request.mode));
  else if (existing) attributes.mode = existing.mode;
  if (request.owner !== null) attributes.owner = request.owner;
  else if (existing) [attributes.owner, inherited] = [existing.owner, true];
  if (request.group !== null) attributes.group = request.group;
  else if (existing) [attributes.group, inherited] = [existing.group, true];
  return { attributes, inherited };
}

/** Writes atomically; when keeping the old owner is not permitted, writes as the connecting user. */
async function writeKeepingOwner(ctx: ModuleContext, path: string, data: Buffer, attributes: FileAttributes, inherited: boolean): Promise<void> {
  try {
    await ctx.conn.writeFile(path, data, attributes, { become: ctx.become });
  } catch (e) {
    if (!inherited) throw e;
    // AnsibleModule.atomic_move also ignores EPERM when copying the old owner to the new file.
    const { mode } = attributes;
    await ctx.conn.writeFile(path, data, mode === undefined ? {} : { mode }, { become: ctx.become });
  }
}

/**
 * The first write of an install: when it fails and the parent directory turns out to be missing,
 * `missingParent` decides (create it and retry, or fail). Only failures pay for the extra stat.
 */
async function firstWrite(ctx: ModuleContext, request: InstallRequest, write: () => Promise<void>): Promise<ModuleResult | undefined> {
  try {
    await write();
    return undefined;
  } catch (e) {
    const dir = dirName(request.path) || '.';
    if (!request.missingParent || (await ctx.conn.stat(dir, { become: ctx.become, follow: true }))) throw e;
    const failure = await request.missingParent(dir);
    if (failure) return failure;
    await write();
    return undefined;
  }
}

/**
 * Installs `request.data` at `request.path` (never called in check mode). Returns the backup
 * file's name when one was made, or the failure to report.
 */
export async function installContent(ctx: ModuleContext, request: InstallRequest, onInvalid: ValidationFailure): Promise<InstallOutcome> {
  const invalid = validateOptionError(request.validate);
  if (invalid) return { failure: invalid };
  let target: { attributes: FileAttributes; inherited: boolean };
  try {
    target = await attributesFor(ctx, request);
  } catch (e) {
    if (e instanceof ModeError) return { failure: modeFailure(e, request.path, request.existing) };
    throw e;
  }
  const outcome: { backupFile?: string; validation?: ValidationOutput } = {};
  if (request.backup && request.existing && request.existing.type !== 'directory') outcome.backupFile = await backupFile(ctx, request.path);
  if (request.validate === null) {
    const failure = await firstWrite(ctx, request, () => writeKeepingOwner(ctx, request.path, request.data, target.attributes, target.inherited));
    return failure ? { ...outcome, failure } : outcome;
  }
  const name = baseName(request.path);
  const dot = name.lastIndexOf('.');
  // Same directory (so the rename is atomic), hidden, and with the destination's suffix, which
  // some validators look at.
  const tmp = joinPath(dirName(request.path), `.${name}.${randomBytes(4).toString('hex')}.tmp${dot > 0 ? name.slice(dot) : ''}`);
  const failure = await firstWrite(ctx, request, () => writeKeepingOwner(ctx, tmp, request.data, target.attributes, target.inherited));
  if (failure) return { ...outcome, failure };
  let argv: string[];
  try {
    argv = shlexSplit(request.validate).map((word) => word.replace(/%([%s])/g, (_m, c: string) => (c === 's' ? tmp : '%')));
  } catch (e) {
    await ctx.conn.exec(['rm', '-f', '--', tmp], { become: ctx.become });
    return { ...outcome, failure: { changed: false, failed: true, msg: `failed to validate: ${(e as Error).message}` } };
  }
  const result = await runScript(ctx, VALIDATE_SCRIPT, [tmp, request.path, ...argv], ctx.environment);
  const marker = result.stderr.indexOf(VALIDATED);
  if (marker < 0) return { ...outcome, failure: onInvalid(result.rc, result.stdout, result.stderr) };
  if (result.rc !== 0) {
    const reason = result.stderr.slice(marker + VALIDATED.length).trim();
    throw new Error(`Could not move the validated file into place at ${request.path}: ${reason}`);
  }
  outcome.validation = { rc: 0, stdout: result.stdout, stderr: result.stderr.slice(0, marker) };
  return outcome;
}
