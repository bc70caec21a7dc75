/** ansible.builtin.lineinfile: one line present (inserted or replacing a match) or absent. */
import { defineModule } from './define.js';
import type { ModuleResult } from './types.js';
import { editDiffs, finishEdit, openEditTarget } from './support/edit.js';
import { FILE_COMMON_OPTIONS, VALIDATE_OPTION, wantedAttributes } from './support/file-args.js';
import { type EditResult, absent, present, splitLines } from './support/line-edit.js';

const EMPTY_PATTERN =
  'The %s is an empty string, which will match every line in the file. ' +
  'This may have unintended consequences, such as replacing the last line in the file rather than appending.';

export default defineModule({
  name: 'lineinfile',
  supportsCheckMode: true,
  spec: {
    options: {
      path: { type: 'path', required: true, aliases: ['dest', 'destfile', 'name'] },
      state: { type: 'str', default: 'present', choices: ['absent', 'present'] },
      regexp: { type: 'str', aliases: ['regex'] },
      search_string: { type: 'str' },
      line: { type: 'str', aliases: ['value'] },
      insertafter: { type: 'str' },
      insertbefore: { type: 'str' },
      backrefs: { type: 'bool', default: false },
      create: { type: 'bool', default: false },
      backup: { type: 'bool', default: false },
      firstmatch: { type: 'bool', default: false },
      ...VALIDATE_OPTION,
      ...FILE_COMMON_OPTIONS,
    },
    mutuallyExclusive: [
      ['insertbefore', 'insertafter'],
      ['regexp', 'search_string'],
      ['backrefs', 'search_string'],
    ],
  },
  async run(args, ctx) {
    const path = args.path;
    const warnings: string[] = [];
    if (args.regexp === '') warnings.push(`${EMPTY_PATTERN.replace('%s', 'regular expression')} If this is desired, use '^' to match every line in the file and avoid this warning.`);
    else if (args.search_string === '') warnings.push(EMPTY_PATTERN.replace('%s', 'search string'));
    const withWarnings = (result: ModuleResult): ModuleResult => (warnings.length ? { ...result, warnings } : result);

    const target = await openEditTarget(ctx, path);
    if (target.stat?.type === 'directory') return { changed: false, failed: true, rc: 256, msg: `Path ${path} is a directory !` };
    const before = target.content === null ? '' : target.content.toString('latin1');
    let edit: EditResult;
    if (args.state === 'present') {
      if (args.backrefs && args.regexp === null) return { changed: false, failed: true, msg: 'regexp is required with backrefs=true' };
      if (args.line === null) return { changed: false, failed: true, msg: 'line is required with state=present' };
      if (target.content === null && !args.create) return { changed: false, failed: true, rc: 257, msg: `Destination ${path} does not exist !` };
      try {
        edit = present(splitLines(before), {
          regexp: args.regexp,
          searchString: args.search_string,
          line: args.line,
          insertafter: args.insertbefore === null && args.insertafter === null ? 'EOF' : args.insertafter,
          insertbefore: args.insertbefore,
          backrefs: args.backrefs,
          firstmatch: args.firstmatch,
        });
      } catch (e) {
        return { changed: false, failed: true, msg: (e as Error).message };
      }
    } else {
      if (args.regexp === null && args.search_string === null && args.line === null) {
        return { changed: false, failed: true, msg: 'one of line, search_string, or regexp is required with state=absent' };
      }
      if (target.content === null) return withWarnings({ changed: false, msg: 'file not present' });
      edit = absent(splitLines(before), args.regexp, args.search_string, args.line);
    }
    const after = edit.lines.join('');
    // Ansible fills the content diff only in diff mode, but always returns it.
    const beforeText = ctx.diffMode ? Buffer.from(before, 'latin1').toString('utf8') : '';
    const afterText = ctx.diffMode ? Buffer.from(after, 'latin1').toString('utf8') : '';
    if (ctx.checkMode && target.content === null) {
      const diff = editDiffs(path, beforeText, afterText, { before: {}, after: {} })[0];
      return withWarnings({ changed: edit.changed, msg: edit.msg, backup: '', diff });
    }
    const done = await finishEdit(ctx, target, Buffer.from(after, 'latin1'), edit.changed, edit.msg, {
      backup: args.backup,
      validate: args.validate,
      want: wantedAttributes(args),
      parentError: (dir, error) => `Error creating ${dir} (${error})`,
    });
    if (done.failure) return withWarnings(done.failure);
    const result: ModuleResult = {
      changed: done.changed,
      ...(edit.found !== undefined ? { found: edit.found } : {}),
      msg: done.msg,
      backup: done.backupFile,
      diff: editDiffs(path, beforeText, afterText, done.attrDiff),
    };
    return withWarnings(result);
  },
});

