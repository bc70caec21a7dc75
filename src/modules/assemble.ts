/**
 * ansible.builtin.assemble: a file made of a directory's fragments, in name order, on the host
 * (remote_src, the default: the fragments and the destination read in one round trip) or from a
 * directory on the controller (then written as copy writes a file). Idempotent by content.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fragments } from '../facts/fragments.js';
import { defineModule } from './define.js';
import type { ModuleContext, ModuleResult } from './types.js';
import { type Fragment, assembleFragments } from './support/assemble.js';
import { type WantedAttributes, ensureAttributes, pathInfo } from './support/attributes.js';
import { installContent, validateOptionError } from './support/content.js';
import { copyOneFile, md5, sha1 } from './support/copy-file.js';
import { FILE_COMMON_OPTIONS, VALIDATE_OPTION, wantedAttributes } from './support/file-args.js';
import { translatePattern } from '../python/regex.js';

/** The regexp as Python would compile it, or Ansible's message when it would not. */
function regexpError(regexp: string | null): string | undefined {
  if (regexp === null) return undefined;
  try {
    const t = translatePattern(regexp);
    new RegExp(t.source, t.flags);
    return undefined;
  } catch (e) {
    return `Invalid Regexp (${(e as Error).message}) in "${regexp}"`;
  }
}

/** The controller's directory of fragments (what the action plugin reads with remote_src=false). */
function localFragments(dir: string): Fragment[] {
  return readdirSync(dir).map((name) => {
    const file = path.join(dir, name);
    const isFile = statSync(file, { throwIfNoEntry: false })?.isFile() ?? false;
    return { name, content: isFile ? readFileSync(file) : null };
  });
}

interface AssembleArgs {
  src: string;
  dest: string;
  backup: boolean;
  validate: string | null;
  want: WantedAttributes;
}

/** remote_src=true: the module's work on the host. */
async function assembleOnHost(ctx: ModuleContext, args: AssembleArgs, build: (fragments: Fragment[]) => Buffer): Promise<ModuleResult> {
  const base: ModuleResult = { changed: false, src: args.src, dest: args.dest };
  const state = await ctx.facts.get(fragments, args.src, args.dest);
  if (state.source.kind === 'missing') return { ...base, failed: true, msg: `Source (${args.src}) does not exist` };
  if (state.source.kind === 'not-a-directory') return { ...base, failed: true, msg: `Source (${args.src}) is not a directory` };
  const invalid = validateOptionError(args.validate);
  if (invalid) return { ...base, ...invalid };
  const data = build(state.source.entries);
  const checksum = sha1(data);
  const result: ModuleResult = { ...base, checksum, md5sum: md5(data) };
  let existing = state.dest;
  if (checksum !== existing?.checksum) {
    result.changed = true;
    if (!ctx.checkMode) {
      const installed = await installContent(
        ctx,
        { path: args.dest, data, existing, ...args.want, backup: args.backup, validate: args.validate },
        (rc, _stdout, stderr) => ({ changed: false, failed: true, msg: `failed to validate: rc:${String(rc)} error:${stderr}` }),
      );
      if (installed.failure) return installed.failure;
      if (installed.validation) result['validation'] = installed.validation;
      if (installed.backupFile) result['backup_file'] = installed.backupFile;
      existing = await ctx.conn.stat(args.dest, { become: ctx.become, follow: true });
    }
  } else if (existing) {
    const settled = await ensureAttributes(ctx, args.dest, existing, args.want);
    if (settled.failure) return { ...result, ...settled.failure };
    if (settled.changed) {
      result.changed = true;
      if (!ctx.checkMode) existing = await ctx.conn.stat(args.dest, { become: ctx.become, follow: true });
    }
  }
  // exit_json describes the destination (state absent when check mode did not create it).
  return { ...result, msg: 'OK', ...(existing ? pathInfo(existing) : { state: 'absent' }) };
}

export default defineModule({
  name: 'assemble',
  supportsCheckMode: true,
  refusesAsync: true,
  spec: {
    options: {
      src: { type: 'path', required: true },
      delimiter: { type: 'str' },
      dest: { type: 'path', required: true },
      backup: { type: 'bool', default: false },
      remote_src: { type: 'bool', default: true },
      regexp: { type: 'str' },
      ignore_hidden: { type: 'bool', default: false },
      ...VALIDATE_OPTION,
      decrypt: { type: 'bool', default: true },
      ...FILE_COMMON_OPTIONS,
    },
  },
  controllerPaths: (args) => (args.remote_src ? [] : ['src']),
  async run(args, ctx) {
    const invalidRegexp = regexpError(args.regexp);
    if (invalidRegexp) return { changed: false, failed: true, msg: invalidRegexp };
    const want = wantedAttributes(args);
    const options = { delimiter: args.delimiter, regexp: args.regexp, ignoreHidden: args.ignore_hidden };
    if (args.remote_src) {
      return assembleOnHost(ctx, { src: args.src, dest: args.dest, backup: args.backup, validate: args.validate, want }, (entries) => assembleFragments(entries, options));
    }
    // remote_src=false: the action plugin assembles on the controller and copies the result.
    const found = ctx.findFile('files', args.src);
    if (found === undefined) return { changed: false, failed: true, msg: `Could not find or access '${args.src}' on the Ansible Controller.` };
    if (!statSync(found, { throwIfNoEntry: false })?.isDirectory()) return { changed: false, failed: true, msg: `Source (${found}) is not a directory` };
    const data = assembleFragments(localFragments(found), { ...options, newlineAfterDelimiter: 'always' });
    const copied = await copyOneFile(
      ctx,
      { dest: args.dest, force: true, follow: false, backup: args.backup, validate: args.validate, want, directoryMode: undefined },
      { data, rel: path.basename(args.dest), fromContent: false, label: found },
    );
    if (!copied) return { changed: false, dest: args.dest };
    // The action plugin puts the one file's diff on the result as a mapping (copy's is a list of them).
    if (Array.isArray(copied.diff)) {
      const [diff] = copied.diff;
      const { diff: _list, ...rest } = copied;
      return diff ? { ...rest, diff } : rest;
    }
    return copied;
  },
});
