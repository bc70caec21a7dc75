/** ansible.builtin.blockinfile: a block of lines between marker lines, inserted, updated or removed. */
import { defineModule } from './define.js';
import type { ModuleResult } from './types.js';
import { pyRegex, pySub } from '../python/regex.js';
import { editDiffs, finishEdit, openEditTarget } from './support/edit.js';
import { FILE_COMMON_OPTIONS, VALIDATE_OPTION, wantedAttributes } from './support/file-args.js';
import { asBytes } from './support/line-edit.js';

/** bytes.splitlines(keepends=True): breaks at \n, \r\n and \r. */
function splitLines(data: string): string[] {
  return data.match(/[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$/g) ?? [];
}

function search(re: RegExp, text: string): RegExpExecArray | null {
  re.lastIndex = 0;
  const m = re.exec(text);
  re.lastIndex = 0;
  return m;
}

interface Placement {
  insertafter: string | null;
  insertbefore: string | null;
}

/** Where the block goes when the markers are not both in the file. */
function insertionPoint(lines: string[], original: string | null, where: Placement): number {
  const pattern = where.insertafter !== null && where.insertafter !== 'EOF' ? where.insertafter : where.insertbefore !== null && where.insertbefore !== 'BOF' ? where.insertbefore : null;
  if (pattern === null) return where.insertbefore !== null ? 0 : lines.length;
  const re = pyRegex(asBytes(pattern));
  let index: number | undefined;
  if (re.multiline) {
    // (?m): the pattern is matched against the whole file, and may span lines.
    const m = search(re, original ?? '');
    if (m) {
      const upTo = where.insertafter !== null ? m.index + m[0].length : m.index;
      index = (original ?? '').slice(0, upTo).split('\n').length - 1;
    }
  } else {
    lines.forEach((line, i) => {
      if (search(re, line)) index = i;
    });
  }
  if (index === undefined) return lines.length;
  return where.insertafter !== null ? index + 1 : index;
}

export default defineModule({
  name: 'blockinfile',
  supportsCheckMode: true,
  spec: {
    options: {
      path: { type: 'path', required: true, aliases: ['dest', 'destfile', 'name'] },
      state: { type: 'str', default: 'present', choices: ['absent', 'present'] },
      marker: { type: 'str', default: '# {mark} ANSIBLE MANAGED BLOCK' },
      block: { type: 'str', default: '', aliases: ['content'] },
      insertafter: { type: 'str' },
      insertbefore: { type: 'str' },
      create: { type: 'bool', default: false },
      backup: { type: 'bool', default: false },
      ...VALIDATE_OPTION,
      marker_begin: { type: 'str', default: 'BEGIN' },
      marker_end: { type: 'str', default: 'END' },
      append_newline: { type: 'bool', default: false },
      prepend_newline: { type: 'bool', default: false },
      ...FILE_COMMON_OPTIONS,
    },
    mutuallyExclusive: [['insertbefore', 'insertafter']],
  },
  async run(args, ctx) {
    const path = args.path;
    const target = await openEditTarget(ctx, path);
    if (target.stat?.type === 'directory') return { changed: false, failed: true, rc: 256, msg: `Path ${path} is a directory !` };
    const exists = target.content !== null;
    if (!exists && !args.create) return { changed: false, failed: true, rc: 257, msg: `Path ${path} does not exist !` };
    const original = target.content === null ? null : target.content.toString('latin1');
    const present = args.state === 'present';
    if (!present && !exists) return { changed: false, msg: `File ${path} not present` };

    const lines = original === null ? [] : splitLines(original);
    const marker = asBytes(args.marker);
    const markerRe = pyRegex('{mark}');
    const begin = `${pySub(markerRe, asBytes(args.marker_begin), marker, 0).result}\n`;
    const end = `${pySub(markerRe, asBytes(args.marker_end), marker, 0).result}\n`;
    let blockLines: string[] = [];
    if (present && args.block) {
      let block = asBytes(args.block);
      if (!block.endsWith('\n')) block += '\n';
      blockLines = [begin, ...splitLines(block), end];
    }
    let n0: number | undefined;
    let n1: number | undefined;
    lines.forEach((line, i) => {
      if (line === begin) n0 = i;
      if (line === end) n1 = i;
    });
    let at: number;
    if (n0 === undefined || n1 === undefined) {
      const where = args.insertbefore === null && args.insertafter === null ? { insertafter: 'EOF', insertbefore: null } : args;
      at = insertionPoint(lines, original, where);
    } else if (n0 < n1) {
      lines.splice(n0, n1 - n0 + 1);
      at = n0;
    } else {
      lines.splice(n1, n0 - n1 + 1);
      at = n1;
    }
    // The line before the block must end with a newline.
    if (at > 0 && !lines[at - 1]!.endsWith('\n')) lines[at - 1] += '\n';
    if (args.prepend_newline && present && at !== 0 && lines[at - 1] !== '\n') lines.splice(at++, 0, '\n');
    lines.splice(at, 0, ...blockLines);
    const after = at + blockLines.length;
    if (args.append_newline && present && after < lines.length && lines[after] !== '\n') lines.splice(after, 0, '\n');
    const result = lines.join('');

    const changed = original !== result;
    const msg = !changed ? '' : original === null ? 'File created' : blockLines.length === 0 ? 'Block removed' : 'Block inserted';

    const beforeText = ctx.diffMode && original ? Buffer.from(original, 'latin1').toString('utf8') : '';
    const afterText = ctx.diffMode ? Buffer.from(result, 'latin1').toString('utf8') : '';
    if (ctx.checkMode && !exists) {
      return { changed, msg, diff: editDiffs(path, beforeText, afterText, { before: {}, after: {} })[0] };
    }
    const done = await finishEdit(ctx, target, Buffer.from(result, 'latin1'), changed, msg, {
      backup: args.backup,
      validate: args.validate,
      want: wantedAttributes(args),
      parentError: (dir, error) => `Error creating ${dir} Error: ${error}`,
    });
    if (done.failure) return done.failure;
    const out: ModuleResult = { changed: done.changed, msg: done.msg, diff: editDiffs(path, beforeText, afterText, done.attrDiff) };
    if (done.backupFile) out['backup_file'] = done.backupFile;
    return out;
  },
});
