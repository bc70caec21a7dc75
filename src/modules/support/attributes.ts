/**
 * Ownership and permissions of an existing path: compare what stat says with what the task asks
 * for, record Ansible's diff entries, and change what differs with one remote command.
 */
import type { FileStat } from '../../connection/types.js';
import type { ModuleContext, ModuleResult } from '../types.js';
import { type ModeRequest, ModeError, formatMode, modeNeedsUmask, resolveMode } from './mode.js';
import { commandError, runCommands } from './shell.js';

export interface WantedAttributes {
  mode: ModeRequest | undefined;
  owner: string | null;
  group: string | null;
}

/** Before/after entries of a file-module style diff ({before: {path, mode...}, after: {...}}). */
export interface StateDiff {
  before: Record<string, unknown>;
  after: Record<string, unknown>;
}

export interface AttributePlan {
  commands: string[][];
  changed: boolean;
}

const NUMERIC = /^\d+$/;

/** The state word Ansible gives a path: link, directory, hard (several links) or file. */
export function stateOf(st: FileStat): 'link' | 'directory' | 'hard' | 'file' {
  if (st.type === 'link') return 'link';
  if (st.type === 'directory') return 'directory';
  return st.nlink > 1 ? 'hard' : 'file';
}

/** The fields AnsibleModule.add_path_info adds to a result about an existing path. */
export function pathInfo(st: FileStat): Record<string, unknown> {
  return { uid: st.uid, gid: st.gid, owner: st.owner, group: st.group, mode: formatMode(st.mode), state: stateOf(st), size: st.size };
}

/**
 * The commands that bring `st` to `want` (owner, then group, then mode: chown clears setuid
 * bits), recording Ansible's diff keys. Throws ModeError for a mode Ansible rejects.
 */
export function planAttributes(
  path: string,
  st: FileStat,
  want: WantedAttributes,
  diff?: StateDiff,
  umask?: number,
  dereference = false,
): AttributePlan {
  const commands: string[][] = [];
  // lchown unless the caller lists link targets under the links' names.
  const noFollow = dereference ? [] : ['-h'];
  const record = (key: string, before: unknown, after: unknown): void => {
    if (!diff) return;
    diff.before[key] = before;
    diff.after[key] = after;
  };
  if (want.owner !== null && !(NUMERIC.test(want.owner) ? Number(want.owner) === st.uid : want.owner === st.owner)) {
    record('owner', st.uid, NUMERIC.test(want.owner) ? Number(want.owner) : want.owner);
    commands.push(['chown', ...noFollow, want.owner, path]);
  }
  if (want.group !== null && !(NUMERIC.test(want.group) ? Number(want.group) === st.gid : want.group === st.group)) {
    record('group', st.gid, NUMERIC.test(want.group) ? Number(want.group) : want.group);
    commands.push(['chgrp', ...noFollow, want.group, path]);
  }
  if (want.mode) {
    const mode = resolveMode(want.mode, st.mode, st.type === 'directory', umask);
    if (mode !== st.mode) {
      record('mode', formatMode(st.mode), formatMode(mode));
      // Linux has no lchmod: Ansible's chmod of a link is undone and counts as no change.
      if (st.type !== 'link') commands.push(['chmod', mode.toString(8).padStart(4, '0'), path]);
    }
  }
  return { commands, changed: commands.length > 0 };
}

/** Ansible's message for a failed chown/chgrp/chmod, from the command's stderr. */
export function attributeFailure(stderr: string, want: WantedAttributes, path: string): ModuleResult {
  if (/invalid user/i.test(stderr)) return { changed: false, failed: true, path, msg: `chown failed: failed to look up user ${want.owner ?? ''}` };
  if (/invalid group/i.test(stderr)) return { changed: false, failed: true, path, msg: `chgrp failed: failed to look up group ${want.group ?? ''}` };
  if (/^chmod/m.test(stderr)) return { changed: false, failed: true, path, msg: 'chmod failed', details: stderr.trim() };
  return { changed: false, failed: true, path, msg: 'chown failed', details: stderr.trim() };
}

/** The failure result for a mode Ansible rejects. */
export function modeFailure(error: ModeError, path: string, st?: FileStat | null): ModuleResult {
  return { changed: false, failed: true, ...(st ? pathInfo(st) : {}), path, msg: error.msg, details: error.details };
}

/** The host's umask, read only when a symbolic mode needs it. */
export async function umaskFor(ctx: ModuleContext, mode: ModeRequest | undefined): Promise<number> {
  if (!modeNeedsUmask(mode)) return 0o022;
  const out = await ctx.conn.exec(['sh', '-c', 'umask'], { become: ctx.become });
  const parsed = parseInt(out.stdout.trim(), 8);
  return Number.isNaN(parsed) ? 0o022 : parsed;
}

export type EnsureOutcome = { changed: boolean; failure?: undefined } | { changed: boolean; failure: ModuleResult };

/**
 * Brings one existing path to the wanted owner/group/mode (nothing is run in check mode).
 * Returns changed, or the failure to report.
 */
export async function ensureAttributes(
  ctx: ModuleContext,
  path: string,
  st: FileStat,
  want: WantedAttributes,
  diff?: StateDiff,
): Promise<EnsureOutcome> {
  let plan: AttributePlan;
  try {
    plan = planAttributes(path, st, want, diff, await umaskFor(ctx, want.mode));
  } catch (e) {
    if (e instanceof ModeError) return { changed: false, failure: modeFailure(e, path, st) };
    throw e;
  }
  if (!plan.changed || ctx.checkMode) return { changed: plan.changed };
  const result = await runCommands(ctx, plan.commands);
  if (result.rc !== 0) return { changed: false, failure: attributeFailure(commandError(result), want, path) };
  if (diff) await idsIntoDiff(ctx, path, diff);
  return { changed: true };
}

/** Ansible's diff names a new owner and group by id: read them back when they were given by name. */
export async function idsIntoDiff(ctx: ModuleContext, path: string, diff: StateDiff): Promise<void> {
  if (typeof diff.after['owner'] !== 'string' && typeof diff.after['group'] !== 'string') return;
  const now = await ctx.conn.stat(path, { become: ctx.become, follow: false });
  if (now && typeof diff.after['owner'] === 'string') diff.after['owner'] = now.uid;
  if (now && typeof diff.after['group'] === 'string') diff.after['group'] = now.gid;
}
