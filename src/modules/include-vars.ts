/**
 * include_vars: variables from a controller-side file, or from every matching file under a
 * directory, as Ansible's action plugin reads them. A failure is reported in `message` (with the
 * facts and files read so far); the task's `msg` is then Ansible's "Unknown error.".
 */
import path from 'node:path';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mergeHash } from '../template/filters/ansible.js';
import { pyRegex } from '../python/regex.js';
import { Undefined, isDict } from '../python/values.js';
import { defineModule } from './define.js';
import type { ModuleContext } from './types.js';

const NOT_FOUND_TAIL = ' on the Ansible Controller.\nIf you are using a module and expect the file to exist on the remote, see the remote_src option';

/**
 * The directories under `root` with their files, as Ansible's sorted os.walk (followlinks): every
 * directory sorted by its path, its files sorted; depth 1 is `root` itself, 0 is no limit.
 */
function walkSorted(root: string, depth: number): [string, string[]][] {
  const out: [string, string[]][] = [];
  const visit = (dir: string, level: number): void => {
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch {
      return;
    }
    const files: string[] = [];
    const dirs: string[] = [];
    for (const entry of entries) {
      let isDir = false;
      try {
        isDir = statSync(path.join(dir, entry)).isDirectory();
      } catch {
        // A dangling link is a file to os.walk.
      }
      (isDir ? dirs : files).push(entry);
    }
    if (!depth || level <= depth) out.push([dir, files.sort()]);
    for (const sub of dirs) visit(path.join(dir, sub), level + 1);
  };
  visit(root, 1);
  return out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

interface Loaded {
  failed: boolean;
  message: string;
  results: Record<string, unknown>;
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
      extensions: { type: 'list', elements: 'str', default: ['yaml', 'yml', 'json'] },
      ignore_unknown_extensions: { type: 'bool', default: false },
      hash_behaviour: { type: 'str', choices: ['replace', 'merge'] },
    },
  },
  async run(args, ctx) {
    if (args.dir !== null && (args.file !== null || args._raw_params !== null)) {
      return { changed: false, failed: true, msg: 'You are mixing file only and dir only arguments, these are incompatible' };
    }
    const included: string[] = [];
    const extensions = args.extensions;
    const validExtension = (file: string): boolean => {
      // os.path.splitext (a leading dot is not an extension); '' in the list admits files without one.
      return extensions.includes(path.extname(file).slice(1));
    };
    /** One file; `validate` checks its extension first (a directory's files). */
    const loadFile = (file: string, validate: boolean): Loaded => {
      if (validate && !validExtension(file)) {
        return { failed: true, message: `${file} does not have a valid extension: ${extensions.join(', ')}`, results: {} };
      }
      const data = ctx.loadDataFile(file) ?? {};
      if (!isDict(data)) return { failed: true, message: `${file} must be stored as a dictionary/hash`, results: {} };
      included.push(file);
      return { failed: false, message: '', results: { ...data } };
    };

    let outcome: Loaded = { failed: false, message: '', results: {} };
    if (args.dir !== null) {
      const dir = ctx.findFile('vars', args.dir);
      if (dir === undefined || !existsSync(dir)) {
        outcome = { failed: true, message: `${args.dir} directory does not exist`, results: {} };
      } else if (!statSync(dir).isDirectory()) {
        outcome = { failed: true, message: `${dir} is not a directory`, results: {} };
      } else {
        const matcher = args.files_matching ? pyRegex(args.files_matching) : undefined;
        const ignores = args.ignore_files.map((pattern) => pyRegex(`${pattern}$`));
        for (const [root, files] of walkSorted(dir, args.depth)) {
          // One directory's files: its variables count only when every file loads.
          const inDir: Record<string, unknown> = {};
          let failure: Loaded | undefined;
          for (const file of files) {
            if (matcher && !matcher.test(file)) continue;
            if (ignores.some((re) => re.test(file))) continue;
            if (args.ignore_unknown_extensions && !validExtension(file)) continue;
            const one = loadFile(path.join(root, file), true);
            if (one.failed) {
              failure = one;
              break;
            }
            Object.assign(inDir, one.results);
          }
          if (failure) {
            outcome = { ...failure, results: outcome.results };
            break;
          }
          Object.assign(outcome.results, inDir);
        }
      }
    } else {
      const name = args.file ?? args._raw_params?.replace(/\n+$/, '') ?? null;
      const file = name ? ctx.findFile('vars', name) : undefined;
      if (file === undefined || !existsSync(file)) {
        outcome = { failed: true, message: `${name ? `Could not find or access '${name}'` : 'Could not find file'}${NOT_FOUND_TAIL}`, results: {} };
      } else {
        outcome = loadFile(file, false);
      }
    }

    let facts: Record<string, unknown> = outcome.results;
    if (args.name !== null) facts = { [args.name]: facts };
    if (outcome.failed) {
      const nullName = args.dir === null && !(args.file ?? args._raw_params);
      return {
        changed: false,
        failed: true,
        message: outcome.message,
        ansible_facts: facts,
        ansible_included_var_files: included,
        ...(nullName ? { warnings: ['Invalid request to find a file that matches a "null" value'] } : {}),
      };
    }
    if (args.hash_behaviour === 'merge') facts = mergedWithExisting(ctx, facts);
    return { changed: false, ansible_facts: facts, ansible_included_var_files: included };
  },
});

/** hash_behaviour=merge: each loaded mapping is merged into the variable's current value (combine_vars). */
function mergedWithExisting(ctx: ModuleContext, facts: Record<string, unknown>): Record<string, unknown> {
  const existing: Record<string, unknown> = {};
  for (const key of Object.keys(facts)) {
    const value = ctx.variable(key);
    if (!(value instanceof Undefined) && value !== undefined) existing[key] = value;
  }
  return mergeHash(existing, facts, true, 'replace');
}
