/** include_vars: variables from a controller-side file, or from every matching file under a directory. */
import path from 'node:path';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { defineModule } from './define.js';

function collectVarFiles(dir: string, depth: number, matching: RegExp | undefined, ignore: string[], extensions: string[], level = 1): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir).sort()) {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) {
      // depth 0 is no limit; so is a null written in the playbook, as Number(null) made it before.
      if (!depth || level < depth) out.push(...collectVarFiles(full, depth, matching, ignore, extensions, level + 1));
      continue;
    }
    if (ignore.includes(entry)) continue;
    if (!extensions.includes(path.extname(entry).slice(1))) continue;
    if (matching && !matching.test(entry)) continue;
    out.push(full);
  }
  return out;
}

export default defineModule({
  name: 'include_vars',
  controllerOnly: true,
  supportsCheckMode: true,
  refusesAsync: true,
  spec: {
    options: {
      _raw_params: { type: 'str' },
      file: { type: 'path' },
      dir: { type: 'path' },
      name: { type: 'str' },
      depth: { type: 'int', default: 0 },
      files_matching: { type: 'str' },
      ignore_files: { type: 'list', elements: 'str', default: [] },
      extensions: { type: 'list', elements: 'str', default: ['json', 'yaml', 'yml'] },
      ignore_unknown_extensions: { type: 'bool', default: false },
      hash_behaviour: { type: 'str', choices: ['replace', 'merge'] },
    },
  },
  async run(args, ctx) {
    const files: string[] = [];
    if (args.dir !== null) {
      const dir = ctx.findFile('vars', args.dir);
      if (!dir || !statSync(dir).isDirectory()) return { changed: false, failed: true, msg: `${args.dir} directory does not exist` };
      files.push(...collectVarFiles(dir, args.depth, args.files_matching ? new RegExp(args.files_matching) : undefined, args.ignore_files, args.extensions));
    } else {
      const name = args.file ?? args._raw_params ?? '';
      const file = ctx.findFile('vars', name);
      if (!file || !existsSync(file)) return { changed: false, failed: true, msg: `Could not find or access '${name}'` };
      files.push(file);
    }
    const loaded: Record<string, unknown> = {};
    for (const file of files) Object.assign(loaded, ctx.loadVarsFile(file));
    const facts = args.name !== null ? { [args.name]: loaded } : loaded;
    return { changed: false, ansible_facts: facts, ansible_included_var_files: files };
  },
});
