/**
 * ansible.builtin.copy: a file (from the controller, from content=, or from the host with
 * remote_src) or a directory tree to a destination, with mode/owner/group, backup and validate.
 */
import fs from 'node:fs/promises';
import { defineModule } from './define.js';
import type { ModuleResult } from './types.js';
import { isDict } from '../python/values.js';
import { type CopyOptions, copyOneFile } from './support/copy-file.js';
import { copyRemote } from './support/copy-remote.js';
import { copyTree } from './support/copy-tree.js';
import { FILE_COMMON_OPTIONS, VALIDATE_OPTION, wantedAttributes } from './support/file-args.js';
import { parseModeArg } from './support/mode.js';
import { baseName } from './support/paths.js';

/** Python's json.dumps for content given as a dict or list (", " and ": " separators). */
function pythonJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(', ')}]`;
  if (isDict(value)) return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${pythonJson(v)}`).join(', ')}}`;
  if (value === null || value === undefined) return 'null';
  return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function contentText(content: unknown): string {
  if (Array.isArray(content) || isDict(content)) return pythonJson(content);
  if (typeof content === 'string') return content;
  if (typeof content === 'boolean') return content ? 'True' : 'False';
  return String(content);
}

export default defineModule({
  name: 'copy',
  supportsCheckMode: true,
  refusesAsync: true,
  spec: {
    options: {
      src: { type: 'path' },
      // raw: a dict or list is written as JSON, as the action plugin does.
      content: { type: 'raw', noLog: true },
      dest: { type: 'path', required: true },
      backup: { type: 'bool', default: false },
      force: { type: 'bool', default: true },
      ...VALIDATE_OPTION,
      directory_mode: { type: 'raw' },
      remote_src: { type: 'bool', default: false },
      local_follow: { type: 'bool' },
      checksum: { type: 'str' },
      follow: { type: 'bool', default: false },
      decrypt: { type: 'bool', default: true },
      ...FILE_COMMON_OPTIONS,
    },
  },
  controllerPaths: (args) => (args.remote_src ? [] : ['src']),
  async run(args, ctx) {
    const { src, content } = args;
    // What is written: content=, else what src= names.
    const source = content !== null ? { content } : src ? { src } : undefined;
    if (source === undefined) return { changed: false, failed: true, msg: 'src (or content) is required' };
    if (!args.dest) return { changed: false, failed: true, msg: 'dest is required' };
    if (src && content !== null) return { changed: false, failed: true, msg: 'src and content are mutually exclusive' };
    if ('content' in source && args.dest.endsWith('/')) return { changed: false, failed: true, msg: 'can not use content with a dir as dest' };

    const preserve = args.mode === 'preserve';
    const options: CopyOptions = {
      dest: args.dest,
      force: args.force,
      follow: args.follow,
      backup: args.backup,
      validate: args.validate,
      want: { ...wantedAttributes(args), mode: preserve ? undefined : parseModeArg(args.mode) },
      directoryMode: parseModeArg(args.directory_mode),
      expectedChecksum: args.checksum,
    };
    if ('content' in source) {
      // The action plugin's content temp file is 0600: that is what 'preserve' keeps.
      const want = preserve ? { ...options.want, mode: { octal: 0o600 } } : options.want;
      const data = Buffer.from(contentText(source.content), 'utf8');
      const result = await copyOneFile(ctx, { ...options, want }, { data, rel: baseName(args.dest), fromContent: true, label: args.dest });
      return result ?? { changed: false, dest: args.dest };
    }
    if (args.remote_src) {
      return copyRemote(ctx, { ...options, src: source.src, expectedChecksum: args.checksum, localFollow: args.local_follow, preserveMode: preserve });
    }
    let found = ctx.findFile('files', source.src);
    if (found === undefined) {
      // 2.19 words it so; the list of searched paths is the engine's, not known here.
      const msg = `Unexpected AnsibleActionFail error: Could not find or access '${source.src}' on the Ansible Controller.\nIf you are using a module and expect the file to exist on the remote, see the remote_src option`;
      return { changed: false, failed: true, msg };
    }
    // The trailing slash of src (copy the directory's contents) survives the lookup.
    if (source.src.endsWith('/') !== found.endsWith('/')) found = found.endsWith('/') ? found.slice(0, -1) : `${found}/`;
    const local = await fs.stat(found).catch(() => undefined);
    if (!local) return { changed: false, failed: true, msg: `could not find src=${found}` };
    if (local.isDirectory()) return copyTree(ctx, options, found, args.local_follow ?? true, preserve);
    const want = preserve ? { ...options.want, mode: { octal: local.mode & 0o7777 } } : options.want;
    const data = await fs.readFile(found);
    const result: ModuleResult | null = await copyOneFile(ctx, { ...options, want }, { data, rel: baseName(found), fromContent: false, label: found });
    return result ?? { changed: false, dest: args.dest, src: found };
  },
});
