/** find: files under paths matching patterns, with one listing command per path on the host. */
import { formatOutput } from './stat.js';
import { fnmatchRegExp } from '../python/fnmatch.js';
import { translatePattern } from '../python/regex.js';
import { defineModule } from './define.js';
import { parseModeArg, resolveMode } from './support/mode.js';
import type { ModuleContext } from './types.js';
import { EncodingError, decodeText } from './support/encoding.js';

function sizeBytes(spec: string): number {
  const m = /^(-?\d+)([bkmgt]?)b?$/i.exec(spec.trim());
  if (!m) throw new Error(`failed to process size ${spec}`);
  const unit = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }[m[2]!.toLowerCase()] ?? 1;
  return Number(m[1]) * unit;
}

function ageSeconds(spec: string): number {
  const m = /^(-?\d+)([smhdw]?)$/i.exec(spec.trim());
  if (!m) throw new Error(`failed to process age ${spec}`);
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86400, w: 604800 }[m[2]!.toLowerCase()] ?? 1;
  return Number(m[1]) * unit;
}

/** The errors Ansible's find records in skipped_paths and walks on past (EPERM, ENOENT, EACCES). */
const WALK_ERRNO: Record<string, number> = { 'Operation not permitted': 1, 'No such file or directory': 2, 'Permission denied': 13 };

export default defineModule({
  name: 'find',
  supportsCheckMode: true,
  spec: {
    options: {
      paths: { type: 'list', elements: 'path', required: true, aliases: ['name', 'path'] },
      patterns: { type: 'list', elements: 'str', default: [], aliases: ['pattern'] },
      excludes: { type: 'list', elements: 'str', aliases: ['exclude'] },
      contains: { type: 'str' },
      read_whole_file: { type: 'bool', default: false },
      file_type: { type: 'str', default: 'file', choices: ['any', 'directory', 'file', 'link'] },
      age: { type: 'str' },
      age_stamp: { type: 'str', default: 'mtime', choices: ['atime', 'ctime', 'mtime'] },
      size: { type: 'str' },
      recurse: { type: 'bool', default: false },
      hidden: { type: 'bool', default: false },
      follow: { type: 'bool', default: false },
      get_checksum: { type: 'bool', default: false },
      checksum_algorithm: { type: 'str', default: 'sha1', choices: ['md5', 'sha1', 'sha224', 'sha256', 'sha384', 'sha512'], aliases: ['checksum', 'checksum_algo'] },
      use_regex: { type: 'bool', default: false },
      depth: { type: 'int' },
      mode: { type: 'raw' },
      exact_mode: { type: 'bool', default: true },
      encoding: { type: 'str' },
      limit: { type: 'int' },
    },
  },
  async run(args, ctx) {
    const toMatchers = (list: string[] | null): RegExp[] =>
      (list ?? []).map((p) => (args.use_regex ? new RegExp(`^(?:${p})$`) : fnmatchRegExp(p)));
    const patterns = toMatchers(args.patterns);
    const excludes = toMatchers(args.excludes);
    // As Ansible's os.walk: without recurse only the path itself is listed; with a depth, the
    // directories at that depth are still listed (their entries count as examined, not as matches).
    const depth = !args.recurse ? 1 : args.depth ? args.depth : undefined;
    const listDepth = depth === undefined ? undefined : args.recurse ? depth + 1 : 1;
    const now = Date.now() / 1000;
    const modeRequest = parseModeArg(args.mode);
    // As Ansible's mode_filter: a symbolic mode applies to a file with no permissions.
    const wantedMode = modeRequest === undefined ? undefined : resolveMode(modeRequest, 0, false) & 0o7777;
    const files: Record<string, unknown>[] = [];
    const skipped: Record<string, string> = {};
    const warnings: string[] = [];
    let examined = 0;
    /** As Ansible's find: a file it cannot read as text in `encoding` ends the search of its path. */
    const textOf = (file: string, data: Buffer): string => {
      try {
        return decodeText(data, args.encoding ?? 'utf-8', true);
      } catch (e) {
        if (!(e instanceof EncodingError) || e.message.startsWith('unknown encoding')) throw e;
        throw new EncodingError(`Failed to read the file ${file} due to an encoding error. current encoding: ${args.encoding ?? 'None (default determined by the Python built-in function "open")'}`);
      }
    };
    paths: for (const root of args.paths) {
      const listing = await ctx.conn.exec(
        ['find', ...(args.follow ? ['-L'] : []), root, '-mindepth', '1', ...(listDepth !== undefined ? ['-maxdepth', String(listDepth)] : []), '-print0'],
        { become: ctx.become },
      );
      if (listing.rc !== 0 && listing.stdout === '') {
        skipped[root] = `'${root}' is not a directory`;
        warnings.push(`Skipped '${root}' path due to this access issue: ${skipped[root]}\n`);
        continue;
      }
      // Directories the walk could not read are skipped and named, as os.walk's onerror in Ansible's find.
      for (const [, dir, why] of listing.stderr.matchAll(/^find: ['‘](.*)['’]: (.*)$/gm)) {
        const errno = WALK_ERRNO[why!];
        if (errno !== undefined) skipped[dir!] = `[Errno ${errno}] ${why!}: '${dir!}'`;
      }
      for (const full of listing.stdout.split('\0').filter(Boolean).sort()) {
        examined++;
        if (depth !== undefined && full.slice(root.replace(/\/+$/, '').length).split('/').length - 1 > depth) continue;
        const base = full.slice(full.lastIndexOf('/') + 1);
        if (!args.hidden && base.startsWith('.')) continue;
        if (patterns.length && !patterns.some((re) => re.test(base))) continue;
        if (excludes.some((re) => re.test(base))) continue;
        const st = await ctx.conn.stat(full, { become: ctx.become, follow: args.follow, checksum: args.get_checksum && args.checksum_algorithm === 'sha1' });
        if (!st) continue;
        const kind = st.type === 'directory' ? 'directory' : st.type === 'link' ? 'link' : 'file';
        if (args.file_type !== 'any' && args.file_type !== kind) continue;
        if (args.size !== null) {
          const want = sizeBytes(args.size);
          if (want >= 0 ? st.size < want : st.size > -want) continue;
        }
        if (args.age !== null) {
          const want = ageSeconds(args.age);
          const stamp = st[args.age_stamp];
          const age = now - stamp;
          if (want >= 0 ? age < want : age > -want) continue;
        }
        if (wantedMode !== undefined) {
          const mode = st.mode & 0o7777;
          if (args.exact_mode ? mode !== wantedMode : (mode & wantedMode) === 0) continue;
        }
        if (args.contains !== null && kind === 'file') {
          const data = await ctx.conn.readFile(full, { become: ctx.become });
          let text: string;
          try {
            text = data ? textOf(full, data) : '';
          } catch (e) {
            if (!(e instanceof EncodingError)) throw e;
            skipped[root] = e.message;
            warnings.push(`Skipped '${root}' path due to this access issue: ${e.message}\n`);
            continue paths;
          }
          if (!data || !contentMatches(args.contains, text, args.read_whole_file)) continue;
        }
        // The same fields as stat reports, without `exists` (as Ansible's find).
        const { exists: _exists, ...fields } = formatOutput(full, st);
        files.push({ ...fields, pw_name: st.owner, gr_name: st.group, ...(st.checksum ? { checksum: st.checksum } : {}) });
        if (args.limit !== null && files.length >= args.limit) break;
      }
    }
    if (args.get_checksum && args.checksum_algorithm !== 'sha1') await addChecksums(ctx, files, args.checksum_algorithm);
    const complete = warnings.length === 0;
    return {
      changed: false,
      files,
      matched: files.length,
      examined,
      skipped_paths: skipped,
      msg: complete ? 'All paths examined' : 'Not all paths examined, check warnings for details',
      ...(warnings.length ? { warnings } : {}),
    };
  },
});

/** The regular files' checksums in another algorithm than the stat's sha1: one command for all. */
async function addChecksums(ctx: ModuleContext, files: Record<string, unknown>[], algorithm: string): Promise<void> {
  const regular = files.filter((f) => f['isreg'] === true).map((f) => String(f['path']));
  if (!regular.length) return;
  const r = await ctx.conn.exec([`${algorithm}sum`, '--zero', '--', ...regular], { become: ctx.become });
  const sums = new Map<string, string>();
  for (const record of r.stdout.split('\0')) {
    const m = /^([0-9a-f]+) [ *](.*)$/s.exec(record);
    if (m) sums.set(m[2]!, m[1]!);
  }
  for (const f of files) {
    const sum = sums.get(String(f['path']));
    if (sum) f['checksum'] = sum;
  }
}

/**
 * Ansible's contentfilter: Python's re.search over the whole text, or re.match (anchored at the
 * start) on each line with its newline; `$` is Python's (end, or before a final newline).
 */
export function contentMatches(pattern: string, text: string, wholeFile: boolean): boolean {
  const { source, flags } = translatePattern(pattern);
  if (wholeFile) return new RegExp(source, flags).test(text);
  const atStart = new RegExp(source, `${flags}y`);
  return (text.match(/[^\n]*\n|[^\n]+$/g) ?? []).some((line) => {
    atStart.lastIndex = 0;
    return atStart.test(line);
  });
}
