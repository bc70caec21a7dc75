/**
 * ansible.builtin.template: renders a Jinja2 template on the controller, then installs the text
 * as copy does (same dest, mode, owner, backup, validate and force behaviour).
 */
import fs from 'node:fs/promises';
import { defineModule } from './define.js';
import { copyOneFile } from './support/copy-file.js';
import { EncodingError, encodeText } from './support/encoding.js';
import { FILE_COMMON_OPTIONS, VALIDATE_OPTION, wantedAttributes } from './support/file-args.js';
import { parseModeArg } from './support/mode.js';
import { baseName } from './support/paths.js';
import { type TemplateFileOptions, renderTemplateFile } from './support/template-file.js';

const NEWLINES = ['\n', '\r', '\r\n'];
// Written escaped ('\\n' from a single-quoted YAML string) they mean the same.
const ESCAPED_NEWLINES = ['\\n', '\\r', '\\r\\n'];

export default defineModule({
  name: 'template',
  supportsCheckMode: true,
  refusesAsync: true,
  spec: {
    options: {
      src: { type: 'path' },
      dest: { type: 'path' },
      // Not an option: accepted only to fail with Ansible's message.
      state: { type: 'str' },
      follow: { type: 'bool', default: false },
      newline_sequence: { type: 'str', default: '\n' },
      block_start_string: { type: 'str', default: '{%' },
      block_end_string: { type: 'str', default: '%}' },
      variable_start_string: { type: 'str', default: '{{' },
      variable_end_string: { type: 'str', default: '}}' },
      comment_start_string: { type: 'str', default: '{#' },
      comment_end_string: { type: 'str', default: '#}' },
      trim_blocks: { type: 'bool', default: true },
      lstrip_blocks: { type: 'bool', default: false },
      force: { type: 'bool', default: true },
      output_encoding: { type: 'str', default: 'utf-8' },
      backup: { type: 'bool', default: false },
      ...VALIDATE_OPTION,
      ...FILE_COMMON_OPTIONS,
    },
  },
  controllerPaths: () => ['src'],
  async run(args, ctx) {
    let newline = args.newline_sequence;
    const escaped = ESCAPED_NEWLINES.indexOf(newline);
    if (escaped >= 0) newline = NEWLINES[escaped]!;
    if (args.state !== null) return { changed: false, failed: true, msg: "'state' cannot be specified on a template" };
    if (args.src === null || args.dest === null) return { changed: false, failed: true, msg: 'src and dest are required' };
    if (!NEWLINES.includes(newline)) return { changed: false, failed: true, msg: 'newline_sequence needs to be one of: \n, \r or \r\n' };
    const source = ctx.findFile('templates', args.src);
    if (source === undefined) {
      const msg = `Could not find or access '${args.src}' on the Ansible Controller.\nIf you are using a module and expect the file to exist on the remote, see the remote_src option`;
      return { changed: false, failed: true, msg };
    }

    const options: TemplateFileOptions = {
      templatePath: args.src,
      destPath: args.dest,
      variableStartString: args.variable_start_string,
      variableEndString: args.variable_end_string,
      blockStartString: args.block_start_string,
      blockEndString: args.block_end_string,
      commentStartString: args.comment_start_string,
      commentEndString: args.comment_end_string,
      trimBlocks: args.trim_blocks,
      lstripBlocks: args.lstrip_blocks,
      newlineSequence: newline,
    };
    // Template errors propagate: the engine reports them with the template's file and line.
    const text = await renderTemplateFile(ctx, source, options);
    let data: Buffer;
    try {
      data = encodeText(text, args.output_encoding || 'utf-8');
    } catch (e) {
      if (e instanceof EncodingError) return { changed: false, failed: true, msg: e.message };
      throw e;
    }
    const want = wantedAttributes(args);
    if (args.mode === 'preserve') want.mode = { octal: (await fs.stat(source)).mode & 0o7777 };
    else want.mode = parseModeArg(args.mode);
    const result = await copyOneFile(
      ctx,
      { dest: args.dest, force: args.force, follow: args.follow, backup: args.backup, validate: args.validate, want, directoryMode: undefined },
      { data, rel: baseName(source), fromContent: false, label: source },
    );
    return result ?? { changed: false, dest: args.dest, src: source };
  },
});
