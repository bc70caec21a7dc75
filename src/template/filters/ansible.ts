/** ansible.builtin filters (core.py and mathstuff.py), with Ansible's argument names and errors. */
import { createHash } from 'node:crypto';
import { existsSync, realpathSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PluginError, typeError } from '../errors.js';
import { CapturedError, bind, type FilterDef } from '../plugins.js';
import { pythonJsonError } from '../../python/json-errors.js';
import {
  PyTuple,
  Undefined,
  dictKeys,
  isDict,
  isInt,
  isNumeric,
  mkFloat,
  pyEquals,
  pyIter,
  pyStr,
  setKey,
  toNumber,
  truthy,
  typeName,
} from '../../python/values.js';
import { pySplit } from '../methods.js';
import { parsePyYaml, parsePyYamlAll } from '../../yaml/pyyaml.js';
import { passwordHash } from './crypt.js';
import { PyRandom } from './pyrandom.js';
import { pyEscape, pyRegex, pySub } from '../../python/regex.js';
import { pyJsonDumps, pyYamlDump } from '../../python/serialize.js';
import { quote } from '../../python/shlex.js';
import { uniqueBy } from './jinja.js';
import { strftime } from '../strftime.js';

type Filters = Record<string, FilterDef>;

/** urllib.parse.unquote_plus: '+' is a space, %XX sequences are UTF-8 bytes (errors='replace'), a bad % stays. */
function unquotePlus(text: string): string {
  return text.replace(/\+/g, ' ').replace(/(%[0-9A-Fa-f]{2})+/g, (run) => {
    const bytes = Uint8Array.from(run.match(/%../g)!.map((x) => parseInt(x.slice(1), 16)));
    return new TextDecoder('utf-8').decode(bytes);
  });
}

const TRUE_STRINGS = new Set(['yes', 'on', 'true', '1']);
const FALSE_STRINGS = new Set(['no', 'off', 'false', '0']);

export function toBool(v: unknown): boolean {
  if (typeof v === 'boolean') return v;
  const check = typeof v === 'string' ? v.toLowerCase() : isInt(v) ? String(v) : undefined;
  if (check !== undefined) {
    if (TRUE_STRINGS.has(check)) return true;
    if (FALSE_STRINGS.has(check)) return false;
  }
  // Ansible's deprecated fallback: anything else equal to 1 is true.
  return isNumeric(v) && toNumber(v) === 1;
}

function requireString(v: unknown, name: string): string {
  if (typeof v === 'string') return v;
  if (isNumeric(v) || v === null) return pyStr(v);
  throw typeError(`${name} expects a string, got ${typeName(v)}`);
}

function posixBasename(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

function posixDirname(p: string): string {
  const i = p.lastIndexOf('/') + 1;
  let head = p.slice(0, i);
  if (head && head !== '/'.repeat(head.length)) head = head.replace(/\/+$/, '');
  return head;
}

function posixSplitext(p: string): [string, string] {
  const sep = p.lastIndexOf('/');
  const dot = p.lastIndexOf('.');
  if (dot > sep) {
    let filenameIndex = sep + 1;
    while (filenameIndex < dot) {
      if (p[filenameIndex] !== '.') return [p.slice(0, dot), p.slice(dot)];
      filenameIndex++;
    }
  }
  return [p, ''];
}

function expandUser(p: string): string {
  if (!p.startsWith('~')) return p;
  const slash = p.indexOf('/', 1);
  const user = p.slice(1, slash < 0 ? undefined : slash);
  if (user !== '') return p;
  const home = process.env['HOME'] ?? os.homedir();
  const rest = slash < 0 ? '' : p.slice(slash);
  return (home.replace(/\/+$/, '') || '/') + rest;
}

function pyRealpath(p: string): string {
  const abs = path.resolve(p);
  try {
    return realpathSync(abs);
  } catch {
    // Python resolves the existing prefix and keeps the rest as written.
    let head = abs;
    const tail: string[] = [];
    while (head !== '/' && !existsSync(head)) {
      tail.unshift(path.basename(head));
      head = path.dirname(head);
    }
    try {
      return path.join(realpathSync(head), ...tail);
    } catch {
      return abs;
    }
  }
}

function hashData(data: unknown, algorithm: string): string {
  const alg = algorithm.toLowerCase();
  const supported = ['md5', 'sha1', 'sha224', 'sha256', 'sha384', 'sha512', 'sha3_256', 'sha3_512', 'blake2b', 'blake2s'];
  if (!supported.includes(alg)) throw new PluginError('runtime', `unsupported hash type ${algorithm}`);
  const nodeAlg = alg.replace('sha3_', 'sha3-').replace('blake2b', 'blake2b512').replace('blake2s', 'blake2s256');
  return createHash(nodeAlg).update(pyStr(data), 'utf8').digest('hex');
}

type ListMerge = 'replace' | 'keep' | 'append' | 'prepend' | 'append_rp' | 'prepend_rp';

export function mergeHash(x: Record<string, unknown>, y: Record<string, unknown>, recursive: boolean, listMerge: ListMerge): Record<string, unknown> {
  const copy = (d: Record<string, unknown>): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const k of dictKeys(d)) setKey(out, k, d[k]);
    return out;
  };
  if (dictKeys(x).length === 0 || pyEquals(x, y)) return copy(y);
  const out = copy(x);
  for (const key of dictKeys(y)) {
    const yv = y[key];
    if (!Object.prototype.hasOwnProperty.call(out, key)) {
      setKey(out, key, yv);
      continue;
    }
    const xv = out[key];
    if (isDict(xv) && isDict(yv)) {
      setKey(out, key, recursive ? mergeHash(xv, yv, recursive, listMerge) : yv);
      continue;
    }
    if (Array.isArray(xv) && Array.isArray(yv)) {
      switch (listMerge) {
        case 'replace':
          setKey(out, key, yv);
          break;
        case 'append':
          setKey(out, key, [...xv, ...yv]);
          break;
        case 'prepend':
          setKey(out, key, [...yv, ...xv]);
          break;
        case 'append_rp':
          setKey(out, key, [...xv.filter((z) => !yv.some((w) => pyEquals(z, w))), ...yv]);
          break;
        case 'prepend_rp':
          setKey(out, key, [...yv, ...xv.filter((z) => !yv.some((w) => pyEquals(z, w)))]);
          break;
        case 'keep':
          break;
      }
      continue;
    }
    setKey(out, key, yv);
  }
  return out;
}

function flatten(items: unknown[], levels: number | null, skipNulls: boolean): unknown[] {
  const out: unknown[] = [];
  for (const el of items) {
    if (skipNulls && (el === null || el === 'None' || el === 'null')) continue;
    if (Array.isArray(el)) {
      if (levels === null) out.push(...flatten(el, null, skipNulls));
      else if (levels >= 1) out.push(...flatten(el, levels - 1, skipNulls));
      else out.push(el);
    } else out.push(el);
  }
  return out;
}

/** Set operations: Python iterates a set of small ints in ascending order; otherwise first seen. */
function setResult(items: unknown[]): unknown[] {
  const unique = uniqueBy(items, true, null);
  if (unique.every((x) => isInt(x) && x >= 0)) return [...unique].sort((a, b) => (a as number) - (b as number));
  return unique;
}

function contains(list: unknown[], x: unknown): boolean {
  return list.some((y) => pyEquals(x, y));
}

function regexFlags(kwargs: Record<string, unknown>): { ignorecase: boolean; multiline: boolean } {
  return { ignorecase: truthy(kwargs['ignorecase'] ?? false), multiline: truthy(kwargs['multiline'] ?? false) };
}

function zipLists(lists: unknown[][], longest: boolean, fill: unknown): unknown[] {
  const n = lists.length === 0 ? 0 : longest ? Math.max(...lists.map((l) => l.length)) : Math.min(...lists.map((l) => l.length));
  const out: unknown[] = [];
  for (let i = 0; i < n; i++) out.push(PyTuple.of2(lists.map((l) => (i < l.length ? l[i] : fill))));
  return out;
}

export const ANSIBLE_FILTERS: Filters = {
  bool: { fn: (_c, v) => toBool(v) },
  mandatory: {
    acceptsUndefined: true,
    fn: (_c, v, a, k) => {
      const { msg } = bind('mandatory', a, k, ['msg'], { msg: null });
      if (v instanceof Undefined) {
        const err = new PluginError('undefined', msg !== null ? pyStr(msg) : `Mandatory variable '${v.name}' not defined.`);
        (err as PluginError & { variable?: string }).variable = v.name;
        throw err;
      }
      return v;
    },
  },
  ternary: {
    fn: (_c, v, a, k) => {
      const { true_val, false_val, none_val } = bind('ternary', a, k, ['true_val', 'false_val', 'none_val'], { none_val: null });
      if (v === null && none_val !== null) return none_val;
      return truthy(v) ? true_val : false_val;
    },
  },
  type_debug: { acceptsUndefined: true, fn: (_c, v) => typeName(v) },
  to_json: {
    fn: (_c, v, a, k) => {
      const { indent, sort_keys, ensure_ascii } = bind('to_json', a, k, ['indent', 'sort_keys', 'ensure_ascii', 'separators'], { indent: null, sort_keys: false, ensure_ascii: true, separators: null });
      return pyJsonDumps(v, { indent: indent as number | null, sortKeys: truthy(sort_keys), ensureAscii: truthy(ensure_ascii), ...(k['separators'] ? { separators: k['separators'] as [string, string] } : {}) });
    },
  },
  to_nice_json: {
    fn: (_c, v, a, k) => {
      const { indent, sort_keys, ensure_ascii } = bind('to_nice_json', a, k, ['indent', 'sort_keys', 'ensure_ascii'], { indent: 4, sort_keys: true, ensure_ascii: true });
      return pyJsonDumps(v, { indent: indent as number, sortKeys: truthy(sort_keys), ensureAscii: truthy(ensure_ascii), separators: [',', ': '] });
    },
  },
  from_json: {
    fn: (_c, v) => {
      const text = requireString(v, 'from_json');
      try {
        return JSON.parse(text) as unknown;
      } catch (e) {
        throw new PluginError('runtime', `The filter plugin 'ansible.builtin.from_json' failed: ${pythonJsonError(text, e as Error)}`);
      }
    },
  },
  // ansible._protomatter.dump_object: what an expression raised, as a mapping (its `exception`); anything else as it is.
  dump_object: {
    acceptsErrors: true,
    acceptsUndefined: true,
    fn: (_c, v) => (v instanceof CapturedError ? { exception: { message: v.message } } : v),
  },
  to_yaml: {
    // Ansible's to_yaml ignores positional arguments (`*_args`).
    fn: (_c, v, _args, k) => {
      const opts = bind('to_yaml', [], k, ['indent', 'default_flow_style', 'sort_keys', 'width', 'explicit_start', 'allow_unicode'], { indent: 2, default_flow_style: null, sort_keys: true, width: 80, explicit_start: false, allow_unicode: true });
      return pyYamlDump(v, { indent: toNumber(opts['indent']), defaultFlowStyle: opts['default_flow_style'] as boolean | null, sortKeys: truthy(opts['sort_keys']), width: toNumber(opts['width']), explicitStart: truthy(opts['explicit_start']) });
    },
  },
  to_nice_yaml: {
    fn: (_c, v, a, k) => {
      const opts = bind('to_nice_yaml', a, k, ['indent', 'default_flow_style', 'sort_keys', 'width', 'explicit_start', 'allow_unicode'], { indent: 4, default_flow_style: false, sort_keys: true, width: 80, explicit_start: false, allow_unicode: true });
      return pyYamlDump(v, { indent: toNumber(opts['indent']), defaultFlowStyle: opts['default_flow_style'] as boolean | null, sortKeys: truthy(opts['sort_keys']), width: toNumber(opts['width']), explicitStart: truthy(opts['explicit_start']) });
    },
  },
  from_yaml: {
    fn: (_c, v) => {
      if (typeof v !== 'string') return v;
      try {
        return parsePyYaml(v);
      } catch (e) {
        throw new PluginError('runtime', `from_yaml: ${(e as Error).message}`);
      }
    },
  },
  from_yaml_all: {
    fn: (_c, v) => {
      if (typeof v !== 'string') return v;
      return parsePyYamlAll(v);
    },
  },
  regex_replace: {
    fn: (_c, v, a, k) => {
      const o = bind('regex_replace', a, k, ['regex', 'replace', 'ignorecase', 'multiline', 'count', 'mandatory_count'], { replace: '', ignorecase: false, multiline: false, count: 0, mandatory_count: 0 });
      const re = pyRegex(pyStr(o['regex']), { ignorecase: truthy(o['ignorecase']), multiline: truthy(o['multiline']) });
      const { result, n } = pySub(re, pyStr(o['replace']), pyStr(v), toNumber(o['count']));
      const mandatory = toNumber(o['mandatory_count']);
      if (mandatory && n !== mandatory) {
        throw new PluginError('runtime', `'${pyStr(o['regex'])}' should match ${mandatory} times, but matches ${n} times in '${pyStr(v)}'`);
      }
      return result;
    },
  },
  regex_search: {
    fn: (_c, v, a, k) => {
      const [regex, ...groupArgs] = a;
      const groups = groupArgs.map((g) => {
        const s = pyStr(g);
        const named = /^\\g<(\S+)>$/.exec(s);
        if (named) return /^\d+$/.test(named[1]!) ? Number(named[1]) : named[1]!;
        const num = /^\\(\d+)$/.exec(s);
        if (num) return Number(num[1]);
        throw new PluginError('runtime', 'Unknown argument');
      });
      const re = pyRegex(pyStr(regex), regexFlags(k));
      const m = re.exec(pyStr(v));
      re.lastIndex = 0;
      if (!m) return null;
      if (groups.length === 0) return m[0];
      return groups.map((g) => (typeof g === 'number' ? (m[g] ?? null) : (m.groups?.[g] ?? null)));
    },
  },
  regex_findall: {
    fn: (_c, v, a, k) => {
      const o = bind('regex_findall', a, k, ['regex', 'multiline', 'ignorecase'], { multiline: false, ignorecase: false });
      const re = pyRegex(pyStr(o['regex']), { ignorecase: truthy(o['ignorecase']), multiline: truthy(o['multiline']) });
      const text = pyStr(v);
      const out: unknown[] = [];
      re.lastIndex = 0;
      for (let m = re.exec(text); m; m = re.exec(text)) {
        if (m.length === 1) out.push(m[0]);
        else if (m.length === 2) out.push(m[1] ?? '');
        else out.push(PyTuple.of2(m.slice(1).map((g) => g ?? '')));
        if (m[0] === '') re.lastIndex++;
      }
      re.lastIndex = 0;
      return out;
    },
  },
  regex_escape: {
    fn: (_c, v, a, k) => {
      const { re_type } = bind('regex_escape', a, k, ['re_type'], { re_type: 'python' });
      const s = pyStr(v);
      if (re_type === 'python') return pyEscape(s);
      if (re_type === 'posix_basic') return s.replace(/[\].[^$*\\]/g, '\\$&');
      throw new PluginError('runtime', `Invalid regex type (${pyStr(re_type)})`);
    },
  },
  split: {
    fn: (_c, v, a, k) => {
      const { sep, maxsplit } = bind('split', a, k, ['sep', 'maxsplit'], { sep: null, maxsplit: -1 });
      return pySplit(requireString(v, 'split'), sep, toNumber(maxsplit));
    },
  },
  combine: {
    fn: (_c, v, a, k) => {
      const { recursive, list_merge, ...rest } = k;
      if (Object.keys(rest).length) throw new PluginError('runtime', "'recursive' and 'list_merge' are the only valid keyword arguments");
      const mode = pyStr(list_merge ?? 'replace') as ListMerge;
      if (!['replace', 'keep', 'append', 'prepend', 'append_rp', 'prepend_rp'].includes(mode)) {
        throw new PluginError('runtime', `merge_hash: 'list_merge' is invalid: ${mode}`);
      }
      const dicts: unknown[] = [];
      for (const term of [v, ...a]) {
        if (isDict(term)) dicts.push(term);
        else if (Array.isArray(term)) dicts.push(...term);
        else throw typeError(`combine expects dictionaries, got ${typeName(term)}`);
      }
      let result: Record<string, unknown> = {};
      for (const d of dicts) {
        if (!isDict(d)) throw typeError(`failed to combine variables, expected dicts but got a '${typeName(d)}'`);
        result = mergeHash(result, d, truthy(recursive ?? false), mode);
      }
      return result;
    },
  },
  dict2items: {
    fn: (_c, v, a, k) => {
      const { key_name, value_name } = bind('dict2items', a, k, ['key_name', 'value_name'], { key_name: 'key', value_name: 'value' });
      if (!isDict(v)) throw typeError(`dict2items requires a dictionary, got ${typeName(v)} instead.`);
      return dictKeys(v).map((key) => {
        const item: Record<string, unknown> = {};
        setKey(item, pyStr(key_name), key);
        setKey(item, pyStr(value_name), v[key]);
        return item;
      });
    },
  },
  items2dict: {
    fn: (_c, v, a, k) => {
      const { key_name, value_name } = bind('items2dict', a, k, ['key_name', 'value_name'], { key_name: 'key', value_name: 'value' });
      if (!Array.isArray(v)) throw typeError(`items2dict requires a list, got ${typeName(v)} instead.`);
      const out: Record<string, unknown> = {};
      for (const item of v) {
        if (!isDict(item)) throw typeError(`items2dict requires a list of dictionaries, got ${typeName(item)} instead.`);
        const kn = pyStr(key_name);
        const vn = pyStr(value_name);
        if (!(kn in item) || !(vn in item)) {
          throw new PluginError('runtime', `items2dict requires each dictionary in the list to contain the keys '${kn}' and '${vn}', got ${pyStr(item)} instead.`);
        }
        setKey(out, pyStr(item[kn]), item[vn]);
      }
      return out;
    },
  },
  flatten: {
    fn: (_c, v, a, k) => {
      const { levels, skip_nulls } = bind('flatten', a, k, ['levels', 'skip_nulls'], { levels: null, skip_nulls: true });
      return flatten(pyIter(v), levels === null ? null : toNumber(levels), truthy(skip_nulls));
    },
  },
  subelements: {
    fn: (_c, v, a, k) => {
      const { subelements, skip_missing } = bind('subelements', a, k, ['subelements', 'skip_missing'], { skip_missing: false });
      const elements = isDict(v) ? dictKeys(v).map((key) => v[key]) : Array.isArray(v) ? v : undefined;
      if (!elements) throw new PluginError('runtime', 'obj must be a list of dicts or a nested dict');
      const path = Array.isArray(subelements) ? subelements.map(pyStr) : typeof subelements === 'string' ? subelements.split('.') : undefined;
      if (!path) throw typeError('subelements must be a list or a string');
      const out: unknown[] = [];
      for (const element of elements) {
        let values: unknown = element;
        for (const key of path) {
          if (isDict(values) && Object.prototype.hasOwnProperty.call(values, key)) values = values[key];
          else if (isDict(values)) {
            if (truthy(skip_missing)) {
              values = [];
              break;
            }
            throw new PluginError('runtime', `could not find '${key}' key in iterated item ${pyStr(values)}`);
          } else throw typeError(`the key ${key} should point to a dictionary, got '${pyStr(values)}'`);
        }
        if (!Array.isArray(values)) throw typeError(`the key '${path[path.length - 1]}' should point to a list, got ${pyStr(values)}`);
        for (const value of values) out.push(PyTuple.of2([element, value]));
      }
      return out;
    },
  },
  unique: { fn: (_c, v, a, k) => {
    const { case_sensitive, attribute } = bind('unique', a, k, ['case_sensitive', 'attribute'], { case_sensitive: null, attribute: null });
    return uniqueBy(pyIter(v), truthy(case_sensitive), attribute);
  } },
  union: { fn: (_c, v, a) => setResult([...pyIter(v), ...pyIter(a[0])]) },
  intersect: { fn: (_c, v, a) => { const b = pyIter(a[0]); return setResult(pyIter(v).filter((x) => contains(b, x))); } },
  difference: { fn: (_c, v, a) => { const b = pyIter(a[0]); return setResult(pyIter(v).filter((x) => !contains(b, x))); } },
  symmetric_difference: {
    fn: (_c, v, a) => {
      const x = pyIter(v);
      const y = pyIter(a[0]);
      return setResult([...x.filter((e) => !contains(y, e)), ...y.filter((e) => !contains(x, e))]);
    },
  },
  zip: { fn: (_c, v, a) => zipLists([pyIter(v), ...a.map(pyIter)], false, null) },
  zip_longest: { fn: (_c, v, a, k) => zipLists([pyIter(v), ...a.map(pyIter)], true, k['fillvalue'] ?? null) },
  product: {
    fn: (_c, v, a, k) => {
      const repeat = k['repeat'] === undefined ? 1 : toNumber(k['repeat']);
      const pools: unknown[][] = [];
      for (let r = 0; r < repeat; r++) pools.push(pyIter(v), ...a.map(pyIter));
      let result: unknown[][] = [[]];
      for (const pool of pools) result = result.flatMap((prefix) => pool.map((x) => [...prefix, x]));
      return result.map((t) => PyTuple.of2(t));
    },
  },
  log: { fn: (_c, v, a) => mkFloat(a.length ? Math.log(toNumber(v)) / Math.log(toNumber(a[0])) : Math.log(toNumber(v))) },
  pow: { fn: (_c, v, a) => mkFloat(toNumber(v) ** toNumber(a[0])) },
  root: { fn: (_c, v, a) => { const base = a.length ? toNumber(a[0]) : 2; return mkFloat(base === 2 ? Math.sqrt(toNumber(v)) : toNumber(v) ** (1 / base)); } },
  random: {
    fn: (_c, v, a, k) => {
      const { start, step, seed } = bind('random', a, k, ['start', 'step', 'seed'], { start: null, step: null, seed: null });
      const r = new PyRandom(seed === null ? undefined : seed);
      if (isInt(v)) return r.randrange(start ? toNumber(start) : 0, v, step ? toNumber(step) : 1);
      if (start || step) throw new PluginError('runtime', 'start and step can only be used with integer values');
      return r.choice(pyIter(v));
    },
  },
  shuffle: {
    fn: (_c, v, a, k) => {
      const { seed } = bind('shuffle', a, k, ['seed'], { seed: null });
      return new PyRandom(seed === null || !truthy(seed) ? undefined : seed).shuffle([...pyIter(v)]);
    },
  },
  basename: { fn: (_c, v) => posixBasename(requireString(v, 'basename')) },
  dirname: { fn: (_c, v) => posixDirname(requireString(v, 'dirname')) },
  expanduser: { fn: (_c, v) => expandUser(requireString(v, 'expanduser')) },
  expandvars: { fn: (_c, v) => requireString(v, 'expandvars').replace(/\$(\w+)|\$\{(\w+)\}/g, (m, a: string | undefined, b: string | undefined) => process.env[a ?? b ?? ''] ?? m) },
  realpath: { fn: (_c, v) => pyRealpath(requireString(v, 'realpath')) },
  relpath: { fn: (_c, v, a) => path.relative(a.length ? pyStr(a[0]) : process.cwd(), path.resolve(requireString(v, 'relpath'))) || '.' },
  normpath: { fn: (_c, v) => path.posix.normalize(requireString(v, 'normpath')).replace(/\/$/, '') || '.' },
  splitext: { fn: (_c, v) => PyTuple.of2(posixSplitext(requireString(v, 'splitext'))) },
  path_join: {
    fn: (_c, v) => {
      const parts = typeof v === 'string' ? [v] : pyIter(v).map(pyStr);
      return parts.reduce((acc, p) => (p.startsWith('/') ? p : acc === '' || acc.endsWith('/') ? acc + p : `${acc}/${p}`), '');
    },
  },
  quote: { fn: (_c, v) => quote(v === null ? '' : pyStr(v)) },
  b64encode: {
    fn: (_c, v, a, k) => {
      const { encoding, urlsafe } = bind('b64encode', a, k, ['encoding', 'urlsafe'], { encoding: 'utf-8', urlsafe: false });
      const enc = pyStr(encoding).toLowerCase().replace('-', '') === 'utf16' ? 'utf16le' : 'utf8';
      const b64 = Buffer.from(pyStr(v), enc).toString('base64');
      return truthy(urlsafe) ? b64.replace(/\+/g, '-').replace(/\//g, '_') : b64;
    },
  },
  b64decode: {
    fn: (_c, v, a, k) => {
      const { encoding, urlsafe } = bind('b64decode', a, k, ['encoding', 'urlsafe'], { encoding: 'utf-8', urlsafe: false });
      const enc = pyStr(encoding).toLowerCase().replace('-', '') === 'utf16' ? 'utf16le' : 'utf8';
      return Buffer.from(pyStr(v), truthy(urlsafe) ? 'base64url' : 'base64').toString(enc);
    },
  },
  hash: { fn: (_c, v, a, k) => hashData(v, pyStr(bind('hash', a, k, ['hashtype'], { hashtype: 'sha1' }).hashtype)) },
  checksum: { fn: (_c, v) => hashData(v, 'sha1') },
  sha1: { fn: (_c, v) => hashData(v, 'sha1') },
  md5: { fn: (_c, v) => hashData(v, 'md5') },
  password_hash: {
    fn: (_c, v, a, k) => {
      const o = bind('password_hash', a, k, ['hashtype', 'salt', 'salt_size', 'rounds', 'ident'], { hashtype: 'sha512', salt: null, salt_size: null, rounds: null, ident: null });
      return passwordHash(pyStr(v), pyStr(o['hashtype']), o['salt'] === null ? undefined : pyStr(o['salt']), o['rounds'] === null ? undefined : toNumber(o['rounds']), o['salt_size'] === null ? undefined : toNumber(o['salt_size']));
    },
  },
  to_uuid: {
    fn: (_c, v, a, k) => {
      const { namespace } = bind('to_uuid', a, k, ['namespace'], { namespace: '361E6D51-FAEC-444A-9079-341386DA8E2E' });
      const ns = Buffer.from(pyStr(namespace).replace(/-/g, ''), 'hex');
      const digest = createHash('sha1').update(ns).update(pyStr(v), 'utf8').digest();
      digest[6] = (digest[6]! & 0x0f) | 0x50;
      digest[8] = (digest[8]! & 0x3f) | 0x80;
      const hex = digest.subarray(0, 16).toString('hex');
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    },
  },
  extract: {
    fn: (_c, v, a) => {
      const [container, morekeys] = a;
      const get = (c: unknown, key: unknown): unknown => {
        if (isDict(c)) {
          const ks = pyStr(key);
          if (!Object.prototype.hasOwnProperty.call(c, ks)) throw new PluginError('undefined', `object of type 'dict' has no attribute '${ks}'`);
          return c[ks];
        }
        if (Array.isArray(c) && isInt(key)) return c[key < 0 ? c.length + key : key];
        throw new PluginError('undefined', `object of type '${typeName(c)}' has no attribute '${pyStr(key)}'`);
      };
      let value = get(container, v);
      if (morekeys !== undefined && morekeys !== null) for (const key of Array.isArray(morekeys) ? morekeys : [morekeys]) value = get(value, key);
      return value;
    },
  },
  comment: {
    fn: (_c, v, a, k) => {
      const { style } = bind('comment', a, k, ['style', 'decoration', 'prefix', 'prefix_count', 'postfix', 'postfix_count', 'beginning', 'end', 'newline'], { style: 'plain', decoration: null, prefix: null, prefix_count: null, postfix: null, postfix_count: null, beginning: null, end: null, newline: null });
      const decoration = pyStr(k['decoration'] ?? (style === 'c' || style === 'cblock' ? '// ' : '# '));
      if (style === 'cblock') return `/*\n${pyStr(v).split('\n').map((l) => ` * ${l}`.replace(/\s+$/, '')).join('\n')}\n */`;
      const body = pyStr(v).split('\n').map((l) => (decoration + l).replace(/\s+$/, ''));
      const pre = decoration.trim();
      return [pre, ...body, pre].join('\n');
    },
  },
  permutations: {
    fn: (_c, v, a) => {
      const items = pyIter(v);
      const r = a.length && a[0] !== null ? toNumber(a[0]) : items.length;
      const out: unknown[] = [];
      const pick = (prefix: number[]): void => {
        if (prefix.length === r) {
          out.push(PyTuple.of2(prefix.map((i) => items[i])));
          return;
        }
        for (let i = 0; i < items.length; i++) if (!prefix.includes(i)) pick([...prefix, i]);
      };
      if (r <= items.length) pick([]);
      return out;
    },
  },
  combinations: {
    fn: (_c, v, a) => {
      const items = pyIter(v);
      const r = toNumber(a[0]);
      const out: unknown[] = [];
      const pick = (start: number, prefix: unknown[]): void => {
        if (prefix.length === r) {
          out.push(PyTuple.of2(prefix));
          return;
        }
        for (let i = start; i < items.length; i++) pick(i + 1, [...prefix, items[i]]);
      };
      pick(0, []);
      return out;
    },
  },
  human_to_bytes: {
    fn: (_c, v, a, k) => {
      const { default_unit, isbits } = bind('human_to_bytes', a, k, ['default_unit', 'isbits'], { default_unit: null, isbits: false });
      const m = /^\s*(-?\d*\.?\d*)\s*([A-Za-z]*)\s*$/.exec(pyStr(v));
      if (!m || m[1] === '' || m[1] === '.') throw new PluginError('runtime', "human_to_bytes() can't interpret the input");
      let unit = m[2] || (default_unit === null ? '' : pyStr(default_unit));
      const bits = truthy(isbits);
      const powers = 'BKMGTPEZY';
      if (unit === '' || /^(bytes?|bits?)$/i.test(unit)) return Math.round(Number(m[1]));
      const suffix = unit.slice(1);
      if (suffix && suffix !== (bits ? 'b' : 'B') && !(suffix === 'iB' || suffix === 'ib')) {
        throw new PluginError('runtime', `human_to_bytes() failed to convert ${pyStr(v)}. Value is not a valid string (expect ${bits ? 'bits' : 'bytes'})`);
      }
      unit = unit[0]!.toUpperCase();
      const power = powers.indexOf(unit);
      if (power < 0) throw new PluginError('runtime', `human_to_bytes() failed to convert ${pyStr(v)}. The suffix must be one of ${powers.split('').join(', ')}`);
      return Math.round(Number(m[1]) * 1024 ** power);
    },
  },
  urlsplit: {
    fn: (_c, v, a) => {
      const text = pyStr(v);
      const m = /^(?:([A-Za-z][A-Za-z0-9+.-]*):)?(?:\/\/([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?$/.exec(text)!;
      const netloc = m[2] ?? '';
      const userinfo = netloc.includes('@') ? netloc.slice(0, netloc.lastIndexOf('@')) : '';
      const hostport = netloc.includes('@') ? netloc.slice(netloc.lastIndexOf('@') + 1) : netloc;
      const hp = /^(\[[^\]]*\]|[^:]*)(?::(\d*))?$/.exec(hostport);
      const host = hp?.[1] ? hp[1].replace(/^\[|\]$/g, '').toLowerCase() : null;
      const parts: Record<string, unknown> = {
        fragment: m[5] ?? '',
        hostname: host,
        netloc,
        password: userinfo.includes(':') ? userinfo.slice(userinfo.indexOf(':') + 1) : null,
        path: m[3] ?? '',
        port: hp?.[2] ? Number(hp[2]) : null,
        query: m[4] ?? '',
        scheme: (m[1] ?? '').toLowerCase(),
        username: userinfo ? userinfo.split(':')[0] : null,
      };
      if (a.length && a[0]) {
        const key = pyStr(a[0]);
        if (!(key in parts)) throw new PluginError('runtime', `urlsplit: unknown URL component: ${key}`);
        return parts[key];
      }
      return parts;
    },
  },
  rekey_on_member: {
    fn: (_c, v, a, k) => {
      const { key, duplicates } = bind('rekey_on_member', a, k, ['key', 'duplicates'], { duplicates: 'error' });
      if (duplicates !== 'error' && duplicates !== 'overwrite') throw new PluginError('runtime', `duplicates parameter to rekey_on_member has unknown value: ${pyStr(duplicates)}`);
      const items = isDict(v) ? dictKeys(v).map((x) => v[x]) : Array.isArray(v) ? v : undefined;
      if (!items) throw new PluginError('runtime', 'Type is not a valid list, set, or dict');
      const out: Record<string, unknown> = {};
      const name = pyStr(key);
      for (const item of items) {
        if (!isDict(item)) throw new PluginError('runtime', 'List item is not a valid dict');
        if (!Object.prototype.hasOwnProperty.call(item, name)) throw new PluginError('runtime', `Key ${name} was not found`);
        const newKey = pyStr(item[name]);
        if (Object.prototype.hasOwnProperty.call(out, newKey) && duplicates === 'error') {
          throw new PluginError('runtime', `Key ${newKey} is not unique, cannot correctly turn into dict`);
        }
        setKey(out, newKey, item);
      }
      return out;
    },
  },
  strftime: {
    fn: (_c, v, a, k) => {
      const { second, utc } = bind('strftime', a, k, ['second', 'utc'], { second: null, utc: false });
      let when = Date.now();
      if (second !== null) {
        // float(second): a number, a bool or a numeric string
        const n = typeof second === 'boolean' ? Number(second) : isNumeric(second) ? toNumber(second) : typeof second === 'string' && /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(second) ? Number(second) : NaN;
        if (Number.isNaN(n)) throw new PluginError('runtime', `Invalid value for epoch value (${pyStr(second)})`);
        when = Math.floor(n) * 1000;
      }
      return strftime(new Date(when), requireString(v, 'strftime'), truthy(utc));
    },
  },
  urldecode: {
    fn: (_c, v) => {
      if (typeof v !== 'string') throw new PluginError('runtime', `'${typeName(v)}' object has no attribute 'replace'`);
      return unquotePlus(v);
    },
  },
  human_readable: {
    fn: (_c, v, a, k) => {
      const { isbits, unit } = bind('human_readable', a, k, ['isbits', 'unit'], { isbits: false, unit: null });
      const n = toNumber(typeof v === 'string' ? Number(v) : v);
      const suffix = truthy(isbits) ? 'b' : 'B';
      const units = ['', 'K', 'M', 'G', 'T', 'P', 'E', 'Z', 'Y'];
      let i = 0;
      if (unit !== null) i = Math.max(0, units.indexOf(pyStr(unit).toUpperCase().replace(/B$/, '')));
      else while (i < units.length - 1 && Math.abs(n) >= 1024 ** (i + 1)) i++;
      const value = n / 1024 ** i;
      return `${value.toFixed(2)} ${units[i]}${i === 0 ? (truthy(isbits) ? 'bits' : 'Bytes') : suffix}`;
    },
  },
};
