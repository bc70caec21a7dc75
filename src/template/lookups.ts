/** ansible.builtin lookups: env, file, fileglob, template, pipe, vars, first_found, items, ... */
import { execFileSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PluginError } from './errors.js';
import { PyRandom } from './filters/pyrandom.js';
import { passwordHash } from './filters/crypt.js';
import type { Syntax } from './lexer.js';
import type { LookupDef, LookupRegistry, LoopInvocation, PluginContext } from './plugins.js';
import { Undefined, dictKeys, isDict, isFloat, isInt, newDict, pyIter, pyRepr, pyStr, setKey, toNumber, truthy, typeName } from '../python/values.js';
import { percentFormat } from './arith.js';
import { ansibleTemplateVars } from './template-vars.js';
import { fnmatchRegExp } from '../python/fnmatch.js';
import { parseKv } from '../python/kv.js';
import { pyRegex } from '../python/regex.js';

type Lookups = Record<string, LookupDef>;

/** Ansible's find_file_in_search_path: `<dir>/<subdir>/<name>`, then `<dir>/<name>`, for each dir. */
export function findInSearchPath(ctx: PluginContext, subdir: string, name: string): string | undefined {
  if (path.isAbsolute(name)) return existsSync(name) ? name : undefined;
  const dirs = ctx.searchPath.length ? ctx.searchPath : [process.cwd()];
  for (const dir of dirs) {
    for (const candidate of [path.join(dir, subdir, name), path.join(dir, name)]) {
      if (existsSync(candidate)) return candidate;
    }
  }
  return undefined;
}

/** Files (not directories) matching a glob in one directory level, as Python's glob.glob. */
function globFiles(pattern: string): string[] {
  const dir = path.dirname(pattern);
  const base = path.basename(pattern);
  if (!existsSync(dir) || /[*?[]/.test(dir)) return [];
  const re = fnmatchRegExp(base);
  return readdirSync(dir)
    .filter((name) => re.test(name) && (base.startsWith('.') || !name.startsWith('.')))
    .map((name) => path.join(dir, name))
    .filter((p) => statSync(p).isFile());
}

const PY_STRING_CONSTANTS: Record<string, string> = {
  ascii_letters: 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ',
  ascii_lowercase: 'abcdefghijklmnopqrstuvwxyz',
  ascii_uppercase: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ',
  digits: '0123456789',
  hexdigits: '0123456789abcdefABCDEF',
  octdigits: '01234567',
  punctuation: '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~',
  whitespace: ' \t\n\r\x0b\x0c',
};
PY_STRING_CONSTANTS['printable'] = PY_STRING_CONSTANTS['digits']! + PY_STRING_CONSTANTS['ascii_letters']! + PY_STRING_CONSTANTS['punctuation']! + PY_STRING_CONSTANTS['whitespace']!;

/** A lookup option of type integer (`int` as its documentation spells it), converted as Ansible's config manager does (Decimal, no fraction). */
function integerOption(plugin: string, name: string, value: unknown, spelled = 'integer'): number {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (isInt(value)) return value;
  if (typeof value === 'string' || isFloat(value)) {
    // Python's Decimal(): optional sign, digits with underscores, a fraction, an exponent.
    const text = typeof value === 'string' ? value.trim().replace(/(?<=\d)_(?=\d)/g, '') : undefined;
    const n = text === undefined ? toNumber(value) : /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(text) ? Number(text) : NaN;
    if (Number.isFinite(n) && Number.isInteger(n)) return n;
  }
  throw new PluginError('lookup', `Config '${name}' for '${plugin}' lookup plugin from 'Direct' has an invalid value: Invalid value provided for '${spelled}': ${pyRepr(value)}`);
}

const SEQUENCE_FIELDS = ['start', 'end', 'stride', 'count', 'format'] as const;
const SEQUENCE_SHORTCUT = /^((0?x?[0-9a-f]+)-)?(0?x?[0-9a-f]+)(\/(0?x?[0-9a-f]+))?(:(.+))?$/i;

/** One term of the sequence lookup: its options over the keyword ones, checked as Ansible's sanity_check. */
function sequenceTerm(term: unknown, kwargs: Record<string, unknown>): string[] {
  const opts: Record<string, unknown> = { start: 1, stride: 1, format: '%d' };
  const set = (name: string, value: unknown): void => {
    if (value === null || value === undefined) return;
    opts[name] = name === 'format' ? value : integerOption('sequence', name, value);
  };
  for (const name of Object.keys(kwargs)) set(name, kwargs[name]);
  const text = pyStr(term);
  const short = SEQUENCE_SHORTCUT.exec(text);
  if (short) {
    set('start', short[2]);
    set('end', short[3]);
    set('stride', short[5]);
    set('format', short[7]);
  } else {
    const args = parseKv(text);
    for (const name of SEQUENCE_FIELDS) {
      set(name, args[name]);
      delete args[name];
    }
    if (Object.keys(args).length) throw new PluginError('lookup', `unrecognized arguments to with_sequence: ${pyRepr(Object.keys(args))}`);
  }
  const start = opts['start'] as number;
  const stride = opts['stride'] as number;
  const count = opts['count'] as number | undefined;
  let end = opts['end'] as number | undefined;
  const format = pyStr(opts['format']);
  if (count === undefined && end === undefined) throw new PluginError('lookup', 'must specify count or end in with_sequence');
  if (count !== undefined && end !== undefined) throw new PluginError('lookup', "can't specify both count and end in with_sequence");
  if (count !== undefined) {
    if (count === 0) return [];
    end = start + count * stride - 1;
  }
  const last = end!;
  if (stride > 0 && last < start) throw new PluginError('lookup', 'to count backwards make stride negative');
  if (stride < 0 && last > start) throw new PluginError('lookup', "to count forward don't make stride negative");
  if (stride === 0) return [];
  if (format.split('%').length !== 2) throw new PluginError('lookup', `bad formatting string: ${format}`);
  const out: string[] = [];
  // Python's range(start, end + 1, stride) (end - 1 when counting down).
  const stop = last + (stride > 0 ? 1 : -1);
  for (let i = start; stride > 0 ? i < stop : i > stop; i += stride) {
    try {
      out.push(percentFormat(format, i));
    } catch {
      throw new PluginError('lookup', `problem formatting ${pyRepr(i)} with ${pyRepr(format)}`);
    }
  }
  return out;
}

/** Ansible's _split_on: a string split on any of `splitters` (a deprecated form), a list's items each split. */
function splitOn(value: unknown, splitters: RegExp): string[] {
  if (typeof value === 'string') return value.split(splitters);
  return pyIter(value).flatMap((v) => splitOn(v, splitters));
}

/** An option of type list given as a string: Ansible's ensure_type splits it on commas and strips the items. */
function listOption(value: unknown): unknown[] {
  if (typeof value === 'string') return value.split(',').map((x) => x.trim());
  if (value === null || value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** Ansible's _recurse_terms for a `with_` loop: undefined items of lists and dicts dropped. */
function dropUndefined(value: unknown): unknown {
  if (Array.isArray(value)) return value.filter((v) => !(v instanceof Undefined)).map(dropUndefined);
  if (isDict(value)) {
    const out = newDict();
    for (const k of dictKeys(value)) if (!(value[k] instanceof Undefined)) setKey(out, k, dropUndefined(value[k]));
    return out;
  }
  return value;
}

/**
 * first_found: the first of the files (each in each of the paths) that exists, searched in the
 * task's search path; as `with_first_found`, in the folder its action names (templates/, vars/,
 * files/) of each search path first.
 */
function firstFound(ctx: PluginContext, rawTerms: unknown[], kwargs: Record<string, unknown>, loop?: LoopInvocation): unknown[] {
  let subdir: string | undefined;
  let terms = rawTerms;
  if (loop) {
    terms = dropUndefined(rawTerms) as unknown[];
    subdir = `${['template', 'var', 'file'].find((s) => loop.action.includes(s)) ?? 'file'}s`;
  }
  // Options: the keyword ones, then each dict term's own (they stay for the terms after it).
  const options: Record<string, unknown> = { files: [], paths: [], skip: false };
  const setOptions = (from: Record<string, unknown>): void => {
    for (const name of ['files', 'paths', 'skip']) if (from[name] !== undefined) options[name] = name === 'skip' ? truthy(from[name]) : listOption(from[name]);
  };
  setOptions(kwargs);
  if (terms.length === 0) terms = options['files'] as unknown[];
  const search: string[] = [];
  const processTerms = (list: unknown[]): void => {
    for (const term of list) {
      let files: unknown;
      if (isDict(term)) {
        setOptions(term);
        files = options['files'];
      } else if (typeof term === 'string') files = [term];
      else if (Array.isArray(term)) {
        processTerms(term);
        continue;
      } else {
        throw new PluginError('lookup', `Invalid term supplied. A string, dict or list is required, not '${typeName(term)}').`);
      }
      const fileList = splitOn(files, /[,;]/);
      const pathList = splitOn(options['paths'], /[,:;]/);
      if (pathList.length) for (const dir of pathList) for (const f of fileList) search.push(path.join(dir, f));
      else search.push(...fileList);
    }
  };
  processTerms(terms);
  const dirs = ctx.searchPath.length ? ctx.searchPath : [process.cwd()];
  for (const candidate of search) {
    if (candidate.startsWith('~') || path.isAbsolute(candidate)) {
      const full = candidate.startsWith('~') ? path.join(process.env['HOME'] ?? '', candidate.slice(1)) : candidate;
      if (existsSync(full)) return [path.normalize(full)];
      continue;
    }
    for (const dir of dirs) {
      const tries = subdir && candidate.split('/')[0] !== subdir ? [path.join(dir, subdir, candidate), path.join(dir, candidate)] : [path.join(dir, candidate)];
      for (const full of tries) if (existsSync(full)) return [full];
    }
  }
  if (options['skip']) return [];
  throw new PluginError('lookup', 'No file was found when using first_found.');
}

const PASSWORD_PARAMS = ['length', 'encrypt', 'chars', 'ident', 'seed'];
/** Salt size and implicit ident of the hash schemes, as Ansible's BaseHash.algorithms. */
const PASSWORD_SCHEMES: Record<string, { saltSize: number; ident?: string }> = {
  md5_crypt: { saltSize: 8 },
  bcrypt: { saltSize: 22, ident: '2b' },
  sha256_crypt: { saltSize: 16 },
  sha512_crypt: { saltSize: 16 },
};

function randomChars(length: number, chars: string, seed: unknown = null): string {
  const rng = new PyRandom(seed === null ? undefined : seed);
  const pool = Array.from(chars);
  return Array.from({ length }, () => rng.choice(pool)).join('');
}

/**
 * password: the password stored in a file, generated (and stored) when the file is absent; with
 * `encrypt`, its hash, the salt (and a bcrypt ident) stored after it for the next run.
 */
function passwordLookup(ctx: PluginContext, terms: unknown[], kwargs: Record<string, unknown>): unknown[] {
  const out: unknown[] = [];
  for (const term of terms) {
    const text = pyStr(term);
    const space = text.indexOf(' ');
    let relpath = space < 0 ? text : text.slice(0, space);
    const params: Record<string, unknown> = { length: 20, chars: ['ascii_letters', 'digits', '.,:-_'], seed: null, encrypt: null, ident: null, ...kwargs };
    if (space >= 0) {
      const kv = parseKv(text.slice(space + 1));
      if ('_raw_params' in kv) {
        relpath = `${relpath} ${pyStr(kv['_raw_params'])}`;
        delete kv['_raw_params'];
        if (!text.startsWith(relpath)) throw new PluginError('lookup', 'Unrecognized value after key=value parameters given to password lookup');
      }
      const invalid = Object.keys(kv).filter((k) => !PASSWORD_PARAMS.includes(k));
      if (invalid.length) throw new PluginError('lookup', `Unrecognized parameter(s) given to password lookup: ${invalid.join(', ')}`);
      Object.assign(params, kv);
    }
    let chars = params['chars'];
    if (typeof chars === 'string') chars = (chars.includes(',,') ? [','] : []).concat(chars.replace(',,', ',').split(',').filter(Boolean));
    const candidateChars = pyIter(chars).map((spec) => PY_STRING_CONSTANTS[pyStr(spec)] ?? pyStr(spec)).join('').replace(/["']/g, '');
    const length = integerOption('password', 'length', params['length']);
    const encrypt = params['encrypt'] === null || params['encrypt'] === undefined || params['encrypt'] === '' ? undefined : pyStr(params['encrypt']);
    const wantedIdent = params['ident'] === null || params['ident'] === undefined ? undefined : pyStr(params['ident']);
    const file = path.isAbsolute(relpath) ? relpath : path.join(ctx.searchPath[0] ?? process.cwd(), relpath);
    const devNull = file === '/dev/null';
    let password: string;
    let salt: string | undefined;
    let ident: string | undefined;
    let changed = false;
    if (!devNull && existsSync(file)) {
      // "<password> salt=<salt> ident=<ident>", as Ansible's _parse_content reads it.
      const content = readFileSync(file, 'utf8').replace(/\s+$/, '');
      const saltAt = content.lastIndexOf(' salt=');
      password = saltAt < 0 ? content : content.slice(0, saltAt);
      const rest = saltAt < 0 ? '' : content.slice(saltAt + 6);
      if (rest) {
        const identAt = rest.lastIndexOf(' ident=');
        salt = identAt < 0 ? rest : rest.slice(0, identAt);
        if (identAt >= 0) ident = rest.slice(identAt + 7);
      }
    } else {
      password = randomChars(length, candidateChars, params['seed']);
      changed = true;
    }
    const scheme = encrypt === undefined ? undefined : PASSWORD_SCHEMES[encrypt];
    if (encrypt !== undefined && !salt) {
      changed = true;
      salt = randomChars(scheme?.saltSize ?? 8, PY_STRING_CONSTANTS['ascii_letters']! + PY_STRING_CONSTANTS['digits']! + './');
    }
    if (!ident) ident = wantedIdent;
    else if (wantedIdent && ident !== wantedIdent) throw new PluginError('lookup', `The ident parameter provided (${ident}) does not match the stored one (${wantedIdent}).`);
    if (encrypt !== undefined && !ident && scheme?.ident) {
      ident = scheme.ident;
      changed = true;
    }
    if (changed && !devNull) {
      const content = encrypt === undefined && !salt ? password : ident ? `${password} salt=${salt} ident=${ident}` : `${password} salt=${salt}`;
      mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
      writeFileSync(file, content + '\n', { mode: 0o600 });
    }
    out.push(encrypt === undefined ? password : passwordHash(password, encrypt, salt));
  }
  return out;
}

/** subelements: (item, subitem) pairs, the list taken out of the item, with Ansible's checks and quirks. */
function subelements(terms: unknown[]): unknown[] {
  const termsError = (msg = ''): PluginError => new PluginError('lookup', `subelements lookup expects a list of two or three items,${msg ? ` ${msg}` : ''}`);
  if (terms.length < 2 || terms.length > 3) throw termsError();
  const [items, key] = terms;
  if (!(Array.isArray(items) || isDict(items)) || typeof key !== 'string') throw termsError('first a dict or a list, second a string pointing to the subkey');
  const subkeys = key.split('.');
  let elements: unknown[];
  if (isDict(items)) {
    // A registered result that was skipped as a whole.
    if ((items['skipped'] ?? false) !== false) return [];
    elements = dictKeys(items).map((k) => items[k]);
  } else elements = items;
  const flags = terms.length === 3 ? terms[2] : {};
  if (!isDict(flags) && !pyIter(flags).every((f) => f === 'skip_missing')) throw termsError('the optional third item must be a dict with flags skip_missing');
  const skipMissing = isDict(flags) && truthy(flags['skip_missing'] ?? false);
  const out: unknown[] = [];
  for (const element of elements) {
    if (!isDict(element)) throw new PluginError('lookup', `subelements lookup expects a dictionary, got '${pyStr(element)}'`);
    if ((element['skipped'] ?? false) !== false) continue;
    // Ansible pops the list out of the item it returns: copy the dicts down to it instead.
    const item: Record<string, unknown> = { ...element };
    let holder = item;
    let sublist: unknown[] = [];
    let last = false;
    for (const subkey of subkeys) {
      if (subkey === subkeys[subkeys.length - 1]) last = true;
      if (!Object.prototype.hasOwnProperty.call(holder, subkey)) {
        if (skipMissing) continue;
        throw new PluginError('lookup', `could not find '${subkey}' key in iterated item '${pyStr(holder)}'`);
      }
      const value = holder[subkey];
      if (!last) {
        if (!isDict(value)) {
          if (skipMissing) continue;
          throw new PluginError('lookup', `the key ${subkey} should point to a dictionary, got '${pyStr(value)}'`);
        }
        holder[subkey] = { ...value };
        holder = holder[subkey] as Record<string, unknown>;
      } else {
        if (!Array.isArray(value)) throw new PluginError('lookup', `the key ${subkey} should point to a list, got '${pyStr(value)}'`);
        sublist = value;
        delete holder[subkey];
      }
    }
    for (const v of sublist) out.push([item, v]);
  }
  return out;
}

/** Python's csv.reader with the excel dialect (not strict) and a one-character delimiter: the rows of `text`. */
function csvRows(text: string, delimiter: string): string[][] {
  const rows: string[][] = [];
  for (const line of text.split(/\r\n|\n|\r/)) {
    if (line === '') {
      rows.push([]);
      continue;
    }
    const row: string[] = [];
    let field = '';
    let quoted = false;
    let atStart = true;
    for (let i = 0; i < line.length; i++) {
      const ch = line[i]!;
      if (quoted) {
        if (ch === '"') {
          if (line[i + 1] === '"') {
            field += '"';
            i++;
          } else quoted = false;
        } else field += ch;
      } else if (ch === delimiter) {
        row.push(field);
        field = '';
        atStart = true;
        continue;
      } else if (ch === '"' && atStart) quoted = true;
      else field += ch;
      atStart = false;
    }
    row.push(field);
    rows.push(row);
  }
  return rows;
}

const CSVFILE_OPTIONS = ['col', 'keycol', 'default', 'delimiter', 'file', 'encoding'];

/** csvfile: the `col` column of the row whose `keycol` column is the key, in a file of files/. */
function csvfile(ctx: PluginContext, terms: unknown[], kwargs: Record<string, unknown>): unknown[] {
  const params: Record<string, unknown> = { col: 1, keycol: 0, default: null, delimiter: 'TAB', file: 'ansible.csv', encoding: 'utf-8' };
  const set = (name: string, value: unknown): void => {
    params[name] = name === 'col' || name === 'keycol' ? integerOption('csvfile', name, value, 'int') : value;
  };
  // Keyword arguments it has no option for are ignored, as Ansible does.
  for (const name of Object.keys(kwargs)) if (CSVFILE_OPTIONS.includes(name)) set(name, kwargs[name]);
  if (terms.length === 0) throw new PluginError('lookup', 'Search key is required but was not found');
  const out: unknown[] = [];
  for (const term of terms) {
    const kv = parseKv(pyStr(term));
    if (!('_raw_params' in kv)) throw new PluginError('lookup', 'Search key is required but was not found');
    const key = pyStr(kv['_raw_params']);
    // Options given inline (deprecated) stay set for the terms after.
    for (const name of Object.keys(kv)) {
      if (name === '_raw_params') continue;
      if (!CSVFILE_OPTIONS.includes(name)) throw new PluginError('lookup', `'${name}' is not a valid option`);
      set(name, kv[name]);
    }
    const delimiter = pyStr(params['delimiter']) === 'TAB' ? '\t' : pyStr(params['delimiter']);
    if (Array.from(delimiter).length !== 1) throw new PluginError('lookup', `"delimiter" must be a 1-character string`);
    const file = findInSearchPath(ctx, 'files', pyStr(params['file']));
    if (!file) throw new PluginError('lookup', 'expected str, bytes or os.PathLike object, not NoneType');
    let text: string;
    try {
      text = new TextDecoder(pyStr(params['encoding']), { fatal: true }).decode(readFileSync(file));
    } catch (e) {
      throw new PluginError('lookup', (e as Error).message);
    }
    const col = params['col'] as number;
    const keycol = params['keycol'] as number;
    const at = (row: string[], i: number): string => {
      const v = row[i < 0 ? row.length + i : i];
      if (v === undefined) throw new PluginError('lookup', 'list index out of range');
      return v;
    };
    let value: unknown = params['default'];
    for (const row of csvRows(text, delimiter)) {
      if (row.length && at(row, keycol) === key) {
        value = at(row, col);
        break;
      }
    }
    if (value === null || value === undefined) continue;
    if (Array.isArray(value)) out.push(...(value as unknown[]));
    else out.push(value);
  }
  return out;
}

export const LOOKUPS: Lookups = {
  env: {
    fn: (_c, terms, k) => terms.map((t) => {
      const v = process.env[pyStr(t)];
      return v ?? (k['default'] !== undefined ? k['default'] : '');
    }),
  },
  file: {
    fn: (ctx, terms, k) => terms.map((t) => {
      const found = findInSearchPath(ctx, 'files', pyStr(t));
      if (!found || statSync(found).isDirectory()) throw new PluginError('lookup', `Unable to access the file ${pyRepr(pyStr(t))}: File not found. Use -vvvvv to see paths searched.`);
      let content = readFileSync(found, 'utf8');
      if (truthy(k['lstrip'] ?? false)) content = content.replace(/^\s+/, '');
      if (truthy(k['rstrip'] ?? true)) content = content.replace(/\s+$/, '');
      return content;
    }),
  },
  fileglob: {
    fn: (ctx, terms) => terms.flatMap((t) => {
      const pattern = pyStr(t);
      if (path.isAbsolute(pattern)) return globFiles(pattern);
      const dirs = ctx.searchPath.length ? ctx.searchPath : [process.cwd()];
      for (const dir of dirs) {
        for (const base of [path.join(dir, 'files'), dir]) {
          const found = globFiles(path.join(base, pattern));
          if (found.length) return found;
        }
      }
      return [];
    }),
  },
  template: {
    fn: (ctx, terms, k) => terms.map((t) => {
      const found = findInSearchPath(ctx, 'templates', pyStr(t));
      if (!found) throw new PluginError('lookup', `the template file ${pyStr(t)} could not be found for the lookup`);
      const managed = ctx.variable('ansible_managed');
      const extra = { ...ansibleTemplateVars(found, { templatePath: pyStr(t), withManaged: managed instanceof Undefined }), ...(isDict(k['template_vars']) ? k['template_vars'] : {}) };
      const syntax: Partial<Syntax> = {};
      if (k['variable_start_string'] !== undefined) syntax.variableStart = pyStr(k['variable_start_string']);
      if (k['variable_end_string'] !== undefined) syntax.variableEnd = pyStr(k['variable_end_string']);
      if (k['comment_start_string'] !== undefined) syntax.commentStart = pyStr(k['comment_start_string']);
      if (k['comment_end_string'] !== undefined) syntax.commentEnd = pyStr(k['comment_end_string']);
      if (k['trim_blocks'] !== undefined) syntax.trimBlocks = truthy(k['trim_blocks']);
      return ctx.render(readFileSync(found, 'utf8'), found, extra, syntax);
    }),
  },
  pipe: {
    fn: (ctx, terms) => terms.map((t) => {
      try {
        // Ansible runs the command in the playbook's directory.
        return execFileSync('/bin/sh', ['-c', pyStr(t)], { cwd: ctx.searchPath[0], encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).replace(/\s+$/, '');
      } catch (e) {
        const status = (e as { status?: number }).status ?? 1;
        throw new PluginError('lookup', `lookup_plugin.pipe(${pyStr(t)}) returned ${status}`);
      }
    }),
  },
  vars: {
    fn: (ctx, terms, k) => terms.map((t) => {
      if (typeof t !== 'string') throw new PluginError('type', `Variable name must be 'str' not '${typeName(t)}'.`);
      const value = ctx.variable(t);
      if (!(value instanceof Undefined)) return value;
      // A missing variable is an undefined value (`| default` takes it), unless a default is given.
      const fallback = k['default'];
      return fallback === undefined || fallback === null ? new Undefined(t, `No variable named '${t}' was found.`) : fallback;
    }),
  },
  csvfile: { fn: csvfile },
  first_found: { fn: firstFound, lazyUndefined: true },
  items: { fn: (_c, terms) => terms.flatMap((t) => (Array.isArray(t) ? t : [t])) },
  indexed_items: { fn: (_c, terms) => terms.flatMap((t) => (Array.isArray(t) ? t : [t])).map((x, i) => [i, x]) },
  list: { fn: (_c, terms) => terms },
  dict: {
    fn: (_c, terms) => terms.flatMap((t) => {
      // Ansible's wording, stray parenthesis included.
      if (!isDict(t)) throw new PluginError('lookup', `the 'dict' lookup plugin expects a dictionary, got '${pyStr(t)}' of type <class '${typeName(t)}'>)`);
      return dictKeys(t).map((key) => ({ key, value: t[key] }));
    }),
  },
  // Keyword arguments alone make one term; no arguments at all, no numbers.
  sequence: { fn: (_c, terms, k) => (terms.length ? terms : Object.keys(k).length ? [''] : []).flatMap((t) => sequenceTerm(t, k)) },
  nested: {
    fn: (_c, terms) => {
      if (terms.length === 0) throw new PluginError('lookup', 'with_nested requires at least one element in the nested list');
      let result: unknown[][] = [[]];
      for (const term of terms) result = result.flatMap((prefix) => pyIter(term).map((x) => [...prefix, x]));
      return result;
    },
  },
  subelements: { fn: (_c, terms) => subelements(terms) },
  lines: {
    fn: (ctx, terms) => terms.flatMap((t) => {
      try {
        const out = execFileSync('/bin/sh', ['-c', pyStr(t)], { cwd: ctx.searchPath[0], encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
        return out.split(/\r?\n/).filter((line, i, all) => i < all.length - 1 || line !== '');
      } catch (e) {
        throw new PluginError('lookup', `lookup_plugin.lines(${pyStr(t)}) returned ${(e as { status?: number }).status ?? 1}`);
      }
    }),
  },
  password: { fn: passwordLookup },
  random_choice: { fn: (_c, terms) => (terms.length ? [terms[randomInt(terms.length)]] : terms) },
  varnames: {
    fn: (ctx, terms) => {
      const names = ctx.variableNames();
      return terms.flatMap((term) => {
        if (typeof term !== 'string') throw new PluginError('lookup', `Invalid setting identifier, "${pyStr(term)}" is not a string, it is a <class '${typeName(term)}'>`);
        let re: RegExp;
        try {
          re = pyRegex(term);
        } catch (e) {
          // Python's words for the pattern error ("nothing to repeat"), from the JavaScript ones.
          const reason = (e as Error).message.replace(/^.*: /, '');
          throw new PluginError('lookup', `Unable to use "${term}" as a search parameter: ${reason.charAt(0).toLowerCase()}${reason.slice(1)}`);
        }
        return names.filter((name) => {
          re.lastIndex = 0;
          return re.test(name);
        });
      });
    },
  },
  together: {
    fn: (_c, terms) => {
      if (terms.length === 0) throw new PluginError('lookup', 'with_together requires at least one element in each list');
      const lists = terms.map((t) => (Array.isArray(t) ? t : [t]));
      const n = Math.max(0, ...lists.map((l) => l.length));
      return Array.from({ length: n }, (_, i) => lists.map((l) => (i < l.length ? l[i] : null)));
    },
  },
};

export function createLookupRegistry(): LookupRegistry {
  return new Map(Object.entries(LOOKUPS));
}
