/**
 * The methods a template may call on str, list and dict values: Python's, written out. This list
 * is the sandbox's allow-list: no JavaScript method of any value is ever reachable.
 */
import { strFormat } from './arith.js';
import { PluginError, typeError } from './errors.js';
import {
  type CallArgs,
  PyTuple,
  dictKeys,
  hasOwn,
  isDict,
  isInt,
  pyCompare,
  pyEquals,
  pyIter,
  pyRepr,
  pyStr,
  setKey,
  typeName,
} from '../python/values.js';

type Method<T> = (self: T, call: CallArgs) => unknown;

function arg(call: CallArgs, index: number, name: string, fallback?: unknown): unknown {
  if (index < call.args.length) return call.args[index];
  if (name in call.kwargs) return call.kwargs[name];
  return fallback;
}

function strArg(call: CallArgs, index: number, name: string, method: string): string {
  const v = arg(call, index, name);
  if (typeof v !== 'string') throw typeError(`${method}() argument must be str, not ${typeName(v)}`);
  return v;
}

const WS = ' \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000';

function stripChars(s: string, chars: string | null | undefined, left: boolean, right: boolean): string {
  const set = chars ?? WS;
  let start = 0;
  let end = s.length;
  if (left) while (start < end && set.includes(s[start] ?? '')) start++;
  if (right) while (end > start && set.includes(s[end - 1] ?? '')) end--;
  return s.slice(start, end);
}

export function pySplit(s: string, sep: unknown, maxsplit: number): string[] {
  if (sep === null || sep === undefined) {
    const out: string[] = [];
    let rest = s.replace(/^\s+/, '');
    while (rest.length > 0) {
      if (maxsplit >= 0 && out.length === maxsplit) {
        out.push(rest);
        return out;
      }
      const m = /\s+/.exec(rest);
      if (!m) {
        out.push(rest);
        break;
      }
      out.push(rest.slice(0, m.index));
      rest = rest.slice(m.index + m[0].length);
    }
    return out;
  }
  if (typeof sep !== 'string') throw typeError(`must be str or None, not ${typeName(sep)}`);
  if (sep === '') throw new PluginError('runtime', 'empty separator');
  const parts = s.split(sep);
  if (maxsplit < 0 || parts.length <= maxsplit + 1) return parts;
  return [...parts.slice(0, maxsplit), parts.slice(maxsplit).join(sep)];
}

function pyRsplit(s: string, sep: unknown, maxsplit: number): string[] {
  if (maxsplit < 0) return pySplit(s, sep, -1);
  if (sep === null || sep === undefined) {
    const words = pySplit(s, null, -1);
    if (words.length <= maxsplit + 1) return words;
    // Keep the original spacing of the unsplit head.
    const head = s.replace(/\s+$/, '');
    let cut = head.length;
    for (let i = 0; i < maxsplit; i++) {
      const tail = head.slice(0, cut).replace(/\s+$/, '');
      cut = tail.search(/\S+$/);
      const before = head.slice(0, cut);
      cut = before.replace(/\s+$/, '').length;
    }
    return [head.slice(0, cut).replace(/^\s+/, ''), ...words.slice(words.length - maxsplit)];
  }
  if (typeof sep !== 'string') throw typeError(`must be str or None, not ${typeName(sep)}`);
  const parts = s.split(sep);
  if (parts.length <= maxsplit + 1) return parts;
  return [parts.slice(0, parts.length - maxsplit).join(sep), ...parts.slice(parts.length - maxsplit)];
}

function pyTitle(s: string): string {
  return s.replace(/[A-Za-z\u00C0-\uFFFF]+/g, (w) => w.charAt(0).toUpperCase() + w.slice(1).toLowerCase());
}

function affix(self: string, call: CallArgs, name: string, test: (s: string, a: string) => boolean): boolean {
  const a = arg(call, 0, 'prefix');
  if (Array.isArray(a) && !(a instanceof PyTuple)) {
    throw typeError(`${name} first arg must be str or a tuple of str, not ${typeName(a)}`);
  }
  const candidates = Array.isArray(a) ? a : [a];
  return candidates.some((c) => {
    if (typeof c !== 'string') throw typeError(`${name} first arg must be str or a tuple of str, not ${typeName(c)}`);
    return test(self, c);
  });
}

function pyFind(self: string, call: CallArgs, reverse: boolean): number {
  const sub = strArg(call, 0, 'sub', reverse ? 'rfind' : 'find');
  return reverse ? self.lastIndexOf(sub) : self.indexOf(sub);
}

export const STR_METHODS: Record<string, Method<string>> = {
  capitalize: (s) => s.charAt(0).toUpperCase() + s.slice(1).toLowerCase(),
  casefold: (s) => s.toLowerCase(),
  center: (s, c) => {
    const width = Number(arg(c, 0, 'width'));
    const fill = (arg(c, 1, 'fillchar', ' ') as string) || ' ';
    if (s.length >= width) return s;
    const total = width - s.length;
    const left = Math.floor(total / 2) + (total % 2 && width % 2 ? 1 : 0);
    return fill.repeat(left) + s + fill.repeat(total - left);
  },
  count: (s, c) => {
    const sub = strArg(c, 0, 'sub', 'count');
    if (sub === '') return s.length + 1;
    return s.split(sub).length - 1;
  },
  endswith: (s, c) => affix(s, c, 'endswith', (x, a) => x.endsWith(a)),
  startswith: (s, c) => affix(s, c, 'startswith', (x, a) => x.startsWith(a)),
  find: (s, c) => pyFind(s, c, false),
  rfind: (s, c) => pyFind(s, c, true),
  index: (s, c) => {
    const i = pyFind(s, c, false);
    if (i < 0) throw new PluginError('runtime', 'substring not found');
    return i;
  },
  rindex: (s, c) => {
    const i = pyFind(s, c, true);
    if (i < 0) throw new PluginError('runtime', 'substring not found');
    return i;
  },
  format: (s, c) => strFormat(s, c.args, c.kwargs),
  isalnum: (s) => s.length > 0 && /^[\p{L}\p{N}]+$/u.test(s),
  isalpha: (s) => s.length > 0 && /^\p{L}+$/u.test(s),
  isdigit: (s) => s.length > 0 && /^\p{Nd}+$/u.test(s),
  isnumeric: (s) => s.length > 0 && /^\p{N}+$/u.test(s),
  isdecimal: (s) => s.length > 0 && /^\p{Nd}+$/u.test(s),
  islower: (s) => /\p{Ll}/u.test(s) && s === s.toLowerCase(),
  isupper: (s) => /\p{Lu}/u.test(s) && s === s.toUpperCase(),
  isspace: (s) => s.length > 0 && /^\s+$/.test(s),
  istitle: (s) => /[A-Za-z]/.test(s) && pyTitle(s) === s,
  join: (s, c) =>
    pyIter(arg(c, 0, 'iterable'))
      .map((x) => {
        if (typeof x !== 'string') throw typeError(`sequence item: expected str instance, ${typeName(x)} found`);
        return x;
      })
      .join(s),
  ljust: (s, c) => s.padEnd(Number(arg(c, 0, 'width')), (arg(c, 1, 'fillchar', ' ') as string) || ' '),
  rjust: (s, c) => s.padStart(Number(arg(c, 0, 'width')), (arg(c, 1, 'fillchar', ' ') as string) || ' '),
  lower: (s) => s.toLowerCase(),
  upper: (s) => s.toUpperCase(),
  swapcase: (s) => Array.from(s, (ch) => (ch === ch.toUpperCase() ? ch.toLowerCase() : ch.toUpperCase())).join(''),
  title: (s) => pyTitle(s),
  strip: (s, c) => stripChars(s, arg(c, 0, 'chars', null) as string | null, true, true),
  lstrip: (s, c) => stripChars(s, arg(c, 0, 'chars', null) as string | null, true, false),
  rstrip: (s, c) => stripChars(s, arg(c, 0, 'chars', null) as string | null, false, true),
  removeprefix: (s, c) => {
    const p = strArg(c, 0, 'prefix', 'removeprefix');
    return s.startsWith(p) ? s.slice(p.length) : s;
  },
  removesuffix: (s, c) => {
    const p = strArg(c, 0, 'suffix', 'removesuffix');
    return p && s.endsWith(p) ? s.slice(0, -p.length) : s;
  },
  partition: (s, c) => {
    const sep = strArg(c, 0, 'sep', 'partition');
    const i = s.indexOf(sep);
    return PyTuple.of2(i < 0 ? [s, '', ''] : [s.slice(0, i), sep, s.slice(i + sep.length)]);
  },
  rpartition: (s, c) => {
    const sep = strArg(c, 0, 'sep', 'rpartition');
    const i = s.lastIndexOf(sep);
    return PyTuple.of2(i < 0 ? ['', '', s] : [s.slice(0, i), sep, s.slice(i + sep.length)]);
  },
  replace: (s, c) => {
    const old = strArg(c, 0, 'old', 'replace');
    const repl = strArg(c, 1, 'new', 'replace');
    const count = Number(arg(c, 2, 'count', -1));
    if (count < 0) return s.split(old).join(repl);
    let out = s;
    let from = 0;
    for (let n = 0; n < count; n++) {
      const i = out.indexOf(old, from);
      if (i < 0) break;
      out = out.slice(0, i) + repl + out.slice(i + old.length);
      from = i + repl.length + (old === '' ? 1 : 0);
    }
    return out;
  },
  split: (s, c) => pySplit(s, arg(c, 0, 'sep', null), Number(arg(c, 1, 'maxsplit', -1))),
  rsplit: (s, c) => pyRsplit(s, arg(c, 0, 'sep', null), Number(arg(c, 1, 'maxsplit', -1))),
  splitlines: (s, c) => {
    const keep = Boolean(arg(c, 0, 'keepends', false));
    const out: string[] = [];
    const re = /\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/g;
    let last = 0;
    for (let m = re.exec(s); m; m = re.exec(s)) {
      out.push(s.slice(last, keep ? m.index + m[0].length : m.index));
      last = m.index + m[0].length;
    }
    if (last < s.length) out.push(s.slice(last));
    return out;
  },
  zfill: (s, c) => {
    const width = Number(arg(c, 0, 'width'));
    if (s.length >= width) return s;
    const sign = s[0] === '-' || s[0] === '+' ? s[0] : '';
    return sign + '0'.repeat(width - s.length) + s.slice(sign.length);
  },
};

function listIndex(list: unknown[], i: unknown): number {
  if (!isInt(i)) throw typeError(`list indices must be integers, not ${typeName(i)}`);
  return i < 0 ? list.length + i : i;
}

export const LIST_METHODS: Record<string, Method<unknown[]>> = {
  append: (l, c) => {
    l.push(arg(c, 0, 'object'));
    return null;
  },
  extend: (l, c) => {
    l.push(...pyIter(arg(c, 0, 'iterable')));
    return null;
  },
  insert: (l, c) => {
    const i = Number(arg(c, 0, 'index'));
    l.splice(i < 0 ? Math.max(0, l.length + i) : i, 0, arg(c, 1, 'object'));
    return null;
  },
  pop: (l, c) => {
    if (l.length === 0) throw new PluginError('runtime', 'pop from empty list');
    const i = listIndex(l, arg(c, 0, 'index', -1));
    if (i < 0 || i >= l.length) throw new PluginError('runtime', 'pop index out of range');
    return l.splice(i, 1)[0];
  },
  remove: (l, c) => {
    const v = arg(c, 0, 'value');
    const i = l.findIndex((x) => pyEquals(x, v));
    if (i < 0) throw new PluginError('runtime', 'list.remove(x): x not in list');
    l.splice(i, 1);
    return null;
  },
  index: (l, c) => {
    const v = arg(c, 0, 'value');
    const i = l.findIndex((x) => pyEquals(x, v));
    if (i < 0) throw new PluginError('runtime', `${pyRepr(v)} is not in list`);
    return i;
  },
  count: (l, c) => {
    const v = arg(c, 0, 'value');
    return l.filter((x) => pyEquals(x, v)).length;
  },
  copy: (l) => [...l],
  clear: (l) => {
    l.length = 0;
    return null;
  },
  reverse: (l) => {
    l.reverse();
    return null;
  },
  sort: (l, c) => {
    const reverse = Boolean(c.kwargs['reverse']);
    l.sort((a, b) => pyCompare(a, b));
    if (reverse) l.reverse();
    return null;
  },
};

export const DICT_METHODS: Record<string, Method<Record<string, unknown>>> = {
  keys: (d) => dictKeys(d),
  values: (d) => dictKeys(d).map((k) => d[k]),
  items: (d) => dictKeys(d).map((k) => PyTuple.of2([k, d[k]])),
  get: (d, c) => {
    const key = pyStr(arg(c, 0, 'key'));
    return hasOwn(d, key) ? d[key] : arg(c, 1, 'default', null);
  },
  copy: (d) => {
    const out: Record<string, unknown> = {};
    for (const k of dictKeys(d)) setKey(out, k, d[k]);
    return out;
  },
  update: (d, c) => {
    const src = arg(c, 0, 'other', {});
    const sources = [src, c.kwargs];
    for (const s of sources) {
      if (isDict(s)) for (const k of dictKeys(s)) setKey(d, k, s[k]);
      else if (Array.isArray(s)) for (const pair of s) if (Array.isArray(pair)) setKey(d, pyStr(pair[0]), pair[1]);
    }
    return null;
  },
  pop: (d, c) => {
    const key = pyStr(arg(c, 0, 'key'));
    if (hasOwn(d, key)) {
      const v = d[key];
      delete d[key];
      return v;
    }
    if (c.args.length > 1) return c.args[1];
    throw new PluginError('runtime', `KeyError: ${pyRepr(key)}`);
  },
  setdefault: (d, c) => {
    const key = pyStr(arg(c, 0, 'key'));
    if (!hasOwn(d, key)) setKey(d, key, arg(c, 1, 'default', null));
    return d[key];
  },
  clear: (d) => {
    for (const k of dictKeys(d)) delete d[k];
    return null;
  },
};
