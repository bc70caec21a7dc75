/** find: files under paths matching patterns, with one listing command per path on the host. */
import { formatOutput } from './stat.js';
import { fnmatchRegExp } from '../python/fnmatch.js';
import { translatePattern } from '../python/regex.js';
import { defineModule } from './define.js';

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
      checksum_algorithm: { type: 'str', default: 'sha1' },
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
    const depth = args.depth === null ? (args.recurse ? undefined : 1) : args.depth;
    const now = Date.now() / 1000;
    const files: Record<string, unknown>[] = [];
    const skipped: Record<string, string> = {};
    let examined = 0;
    for (const root of args.paths) {
      const listing = await ctx.conn.exec(
        ['find', ...(args.follow ? ['-L'] : []), root, '-mindepth', '1', ...(depth !== undefined ? ['-maxdepth', String(depth)] : []), '-print0'],
        { become: ctx.become },
      );
      if (listing.rc !== 0 && listing.stdout === '') {
        skipped[root] = `'${root}' is not a directory`;
        continue;
      }
      for (const full of listing.stdout.split('\0').filter(Boolean).sort()) {
        examined++;
        const base = full.slice(full.lastIndexOf('/') + 1);
        if (!args.hidden && base.startsWith('.')) continue;
        if (patterns.length && !patterns.some((re) => re.test(base))) continue;
        if (excludes.some((re) => re.test(base))) continue;
        const st = await ctx.conn.stat(full, { become: ctx.become, follow: args.follow, checksum: args.get_checksum });
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
        if (args.contains !== null && kind === 'file') {
          const data = await ctx.conn.readFile(full, { become: ctx.become });
          if (!data || !contentMatches(args.contains, data.toString('utf8'), args.read_whole_file)) continue;
        }
        // The same fields as stat reports, without `exists` (as Ansible's find).
        const { exists: _exists, ...fields } = formatOutput(full, st);
        files.push({ ...fields, pw_name: st.owner, gr_name: st.group, ...(st.checksum ? { checksum: st.checksum } : {}) });
        if (args.limit !== null && files.length >= args.limit) break;
      }
    }
    const complete = Object.keys(skipped).length === 0;
    return {
      changed: false,
      files,
      matched: files.length,
      examined,
      skipped_paths: skipped,
      msg: complete ? 'All paths examined' : 'Not all paths examined, check warnings for details',
    };
  },
});

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
