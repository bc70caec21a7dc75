/**
 * ansible.builtin.replace: every match of a (Python, MULTILINE) regular expression in a file
 * replaced, optionally only between `after` and `before`; backup, validate and file attributes.
 */
import { defineModule } from './define.js';
import type { ModuleResult } from './types.js';
import { finishEdit, openEditTarget } from './support/edit.js';
import { EncodingError, decodeText, encodeText } from './support/encoding.js';
import { FILE_COMMON_OPTIONS, VALIDATE_OPTION, wantedAttributes } from './support/file-args.js';
import { replaceText } from './support/replace-text.js';

export default defineModule({
  name: 'replace',
  supportsCheckMode: true,
  spec: {
    options: {
      path: { type: 'path', required: true, aliases: ['dest', 'destfile', 'name'] },
      regexp: { type: 'str', required: true },
      replace: { type: 'str', default: '' },
      after: { type: 'str' },
      before: { type: 'str' },
      backup: { type: 'bool', default: false },
      ...VALIDATE_OPTION,
      encoding: { type: 'str', default: 'utf-8' },
      ...FILE_COMMON_OPTIONS,
    },
  },
  async run(args, ctx) {
    const path = args.path;
    const target = await openEditTarget(ctx, path);
    if (target.stat?.type === 'directory') return { changed: false, failed: true, rc: 256, msg: `Path ${path} is a directory !` };
    if (target.stat === null) return { changed: false, failed: true, rc: 257, msg: `Path ${path} does not exist !` };
    let contents: string;
    try {
      contents = decodeText(target.content ?? Buffer.alloc(0), args.encoding);
    } catch (e) {
      if (e instanceof EncodingError) return { changed: false, failed: true, msg: `Unable to read the contents of '${path}': ${e.message}` };
      throw e;
    }

    const edit = replaceText(contents, { regexp: args.regexp, replace: args.replace, after: args.after, before: args.before });
    if (edit.kind === 'no-section') return { changed: false, rc: 0, msg: edit.msg };
    if (edit.kind === 'error') return { changed: false, failed: true, msg: edit.msg };

    let data: Buffer;
    try {
      data = encodeText(edit.text, args.encoding);
    } catch (e) {
      if (e instanceof EncodingError) return { changed: false, failed: true, msg: `Unable to write '${path}' in ${args.encoding}: ${e.message}` };
      throw e;
    }
    const done = await finishEdit(ctx, target, data, edit.changed, edit.msg, {
      backup: args.backup,
      validate: args.validate,
      want: wantedAttributes(args),
      parentError: (dir, error) => `Error creating ${dir} (${error})`,
    });
    if (done.failure) return done.failure;
    const result: ModuleResult = { changed: done.changed, rc: 0, msg: done.msg };
    if (done.backupFile) result['backup_file'] = done.backupFile;
    // Only the content's diff, and only when it changed (the attributes have none here).
    if (ctx.diffMode && edit.changed) result.diff = { before_header: path, before: contents, after_header: path, after: edit.text };
    return result;
  },
});
