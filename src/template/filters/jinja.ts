/** Jinja2's built-in filters, with Python semantics. */
import { percentFormat } from '../arith.js';
import { getAttribute, getItem } from '../access.js';
import { PluginError, typeError } from '../errors.js';
import { bind, type FilterDef, type PluginContext } from '../plugins.js';
import {
  NamedTuple,
  PyFloat,
  PyTuple,
  Undefined,
  dictKeys,
  isDict,
  isFloat,
  isNumeric,
  mkFloat,
  pyCompare,
  pyEquals,
  pyIter,
  pyLen,
  pyRepr,
  pyStr,
  toNumber,
  truthy,
  typeName,
} from '../../python/values.js';
import { pyJsonDumps } from '../../python/serialize.js';

type Filters = Record<string, FilterDef>;

/** `attribute` may be dotted (`a.b`) or an integer index, as in Jinja's make_attrgetter. */
export function attrGetter(attribute: unknown, fallback?: unknown, strict = true): (item: unknown) => unknown {
  if (attribute === null || attribute === undefined) return (x) => x;
  const parts = typeof attribute === 'string' ? attribute.split('.') : [attribute];
  return (item) => {
    let v = item;
    for (const p of parts) {
      const key = typeof p === 'string' && /^\d+$/.test(p) ? Number(p) : p;
      v = getItem(v, key);
      if (v instanceof Undefined) {
        if (fallback !== undefined) return fallback;
        // map() passes undefined items on (select('defined') may drop them); the others fail here.
        if (!strict) return v;
        throw new PluginError('undefined', v.message);
      }
    }
    return v;
  };
}

function lowerIfString(v: unknown, caseSensitive: boolean): unknown {
  return !caseSensitive && typeof v === 'string' ? v.toLowerCase() : v;
}

export function uniqueBy(items: unknown[], caseSensitive: boolean, attribute: unknown): unknown[] {
  const get = attrGetter(attribute);
  const seen: unknown[] = [];
  const out: unknown[] = [];
  for (const item of items) {
    const key = lowerIfString(get(item), caseSensitive);
    if (!seen.some((s) => pyEquals(s, key))) {
      seen.push(key);
      out.push(item);
    }
  }
  return out;
}

/** Python's round(): half to even, on the exact decimal value of the double. */
export function pyRound(x: number, ndigits: number): number {
  if (!Number.isFinite(x)) return x;
  if (ndigits < 0) {
    const f = 10 ** -ndigits;
    return pyRound(x / f, 0) * f;
  }
  const exact = Math.abs(x).toFixed(Math.min(100, ndigits + 40));
  const dot = exact.indexOf('.');
  const keep = exact.slice(0, dot + 1 + ndigits).replace(/\.$/, '');
  const rest = exact.slice(dot + 1 + ndigits);
  let result = Number(keep);
  const unit = 10 ** -ndigits;
  if (/^50*$/.test(rest)) {
    const lastDigit = Number(keep.replace('.', '').slice(-1));
    if (lastDigit % 2 === 1) result = Number((result + unit).toFixed(ndigits));
  } else if (rest.length > 0 && rest[0]! >= '5') {
    result = Number((result + unit).toFixed(ndigits));
  }
  return x < 0 ? -result : result;
}

function sortKey(attribute: unknown, caseSensitive: boolean): (item: unknown) => unknown {
  const get = attrGetter(attribute);
  return (item) => lowerIfString(get(item), caseSensitive);
}

function minMax(items: unknown[], caseSensitive: boolean, attribute: unknown, sign: 1 | -1, name: string): unknown {
  if (items.length === 0) throw new PluginError('undefined', `No aggregated item, sequence was empty.`);
  const key = sortKey(attribute, caseSensitive);
  let best = items[0];
  let bestKey = key(best);
  for (const item of items.slice(1)) {
    const k = key(item);
    if (pyCompare(k, bestKey, name === 'min' ? '<' : '>') * sign < 0) {
      best = item;
      bestKey = k;
    }
  }
  return best;
}

function toFloat(value: unknown, fallback: unknown): unknown {
  if (isNumeric(value)) return mkFloat(toNumber(value));
  if (typeof value === 'string') {
    const t = value.trim().replace(/_/g, '').toLowerCase();
    if (/^[-+]?(\d+\.?\d*(e[-+]?\d+)?|\.\d+(e[-+]?\d+)?)$/.test(t)) return mkFloat(Number(t));
    if (/^[-+]?(inf|infinity)$/.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
    if (/^[-+]?nan$/.test(t)) return NaN;
  }
  return fallback;
}

export function toInt(value: unknown, fallback: unknown, base: number): unknown {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string') {
    const t = value.trim().replace(/_/g, '');
    const parsed = parseIntBase(t, base);
    if (parsed !== undefined) return parsed;
    const f = toFloat(t, undefined);
    if (f !== undefined && Number.isFinite(toNumber(f))) return Math.trunc(toNumber(f));
    return fallback;
  }
  if (isNumeric(value)) {
    const n = toNumber(value);
    return Number.isFinite(n) ? Math.trunc(n) : fallback;
  }
  return fallback;
}

function parseIntBase(text: string, base: number): number | undefined {
  let t = text.toLowerCase();
  let sign = 1;
  if (t.startsWith('-') || t.startsWith('+')) {
    if (t.startsWith('-')) sign = -1;
    t = t.slice(1);
  }
  const prefixes: Record<number, string> = { 16: '0x', 8: '0o', 2: '0b' };
  let b = base;
  if (base === 0) {
    const p = Object.entries(prefixes).find(([, v]) => t.startsWith(v));
    b = p ? Number(p[0]) : 10;
  }
  const prefix = prefixes[b];
  if (prefix && t.startsWith(prefix)) t = t.slice(2);
  if (t === '') return undefined;
  const digits = '0123456789abcdefghijklmnopqrstuvwxyz'.slice(0, b);
  for (const ch of t) if (!digits.includes(ch)) return undefined;
  return sign * parseInt(t, b);
}

function htmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&#34;').replace(/'/g, '&#39;');
}

function selectOrReject(ctx: PluginContext, value: unknown, args: unknown[], kwargs: Record<string, unknown>, lookupAttr: boolean, modeSelect: boolean): unknown[] {
  const items = pyIter(value);
  let rest = args;
  let get: (x: unknown) => unknown = (x) => x;
  if (lookupAttr) {
    if (rest.length === 0) throw typeError('Missing parameter for attribute name');
    const attr = rest[0];
    rest = rest.slice(1);
    get = (x) => {
      const parts = typeof attr === 'string' ? attr.split('.') : [attr];
      let v = x;
      for (const p of parts) v = getItem(v, typeof p === 'string' && /^\d+$/.test(p) ? Number(p) : p);
      return v;
    };
  }
  let test: (x: unknown) => boolean;
  if (rest.length > 0) {
    const name = rest[0];
    if (typeof name !== 'string') throw typeError('test name must be a string');
    const testArgs = rest.slice(1);
    test = (x) => ctx.callTest(name, x, testArgs, kwargs);
  } else {
    test = (x) => truthy(x);
  }
  return items.filter((item) => test(get(item)) === modeSelect);
}

function groupby(value: unknown, attribute: unknown, fallback: unknown, caseSensitive: boolean): unknown[] {
  const get = attrGetter(attribute, fallback === null ? undefined : fallback);
  const items = pyIter(value).map((item) => ({ item, key: get(item) }));
  const keyed = items.map((x) => ({ ...x, cmp: lowerIfString(x.key, caseSensitive) }));
  keyed.sort((a, b) => pyCompare(a.cmp, b.cmp));
  const groups: NamedTuple[] = [];
  for (const x of keyed) {
    const last = groups[groups.length - 1];
    if (last && pyEquals(lowerIfString(last[0], caseSensitive), x.cmp)) (last[1] as unknown[]).push(x.item);
    else groups.push(NamedTuple.make(['grouper', 'list'], [x.key, [x.item]]));
  }
  return groups;
}

function filesizeformat(value: unknown, binary: boolean): string {
  const bytes = toNumber(toFloat(value, 0));
  const base = binary ? 1024 : 1000;
  const prefixes = binary ? ['KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB', 'ZiB', 'YiB'] : ['kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];
  if (bytes === 1) return '1 Byte';
  if (bytes < base) return `${Math.trunc(bytes)} Bytes`;
  let unit = base;
  let prefix = prefixes[0]!;
  for (let i = 0; i < prefixes.length; i++) {
    unit = base ** (i + 2);
    prefix = prefixes[i]!;
    if (bytes < unit) break;
  }
  return `${((base * bytes) / unit).toFixed(1)} ${prefix}`;
}

function jinjaTitle(s: string): string {
  return s
    .split(/([-\s({[<]+)/)
    .filter((item) => item !== '')
    .map((item) => (item[0] ?? '').toUpperCase() + item.slice(1).toLowerCase())
    .join('');
}

export const JINJA_FILTERS: Filters = {
  abs: {
    fn: (_c, v) => {
      if (!isNumeric(v)) throw typeError(`bad operand type for abs(): '${typeName(v)}'`);
      const n = Math.abs(toNumber(v));
      return isFloat(v) ? mkFloat(n) : n;
    },
  },
  attr: { fn: (_c, v, a, k) => getAttribute(v, pyStr(bind('attr', a, k, ['name']).name)) },
  batch: {
    fn: (_c, v, a, k) => {
      const { linecount, fill_with } = bind('batch', a, k, ['linecount', 'fill_with'], { fill_with: null });
      const n = toNumber(linecount);
      const items = pyIter(v);
      const out: unknown[][] = [];
      for (let i = 0; i < items.length; i += n) out.push(items.slice(i, i + n));
      const last = out[out.length - 1];
      if (fill_with !== null && last && last.length < n) while (last.length < n) last.push(fill_with);
      return out;
    },
  },
  capitalize: { fn: (_c, v) => { const s = pyStr(v); return s.charAt(0).toUpperCase() + s.slice(1).toLowerCase(); } },
  center: {
    fn: (_c, v, a, k) => {
      const { width } = bind('center', a, k, ['width'], { width: 80 });
      const s = pyStr(v);
      const w = toNumber(width);
      if (s.length >= w) return s;
      const total = w - s.length;
      const left = Math.floor(total / 2) + (total % 2 && w % 2 ? 1 : 0);
      return ' '.repeat(left) + s + ' '.repeat(total - left);
    },
  },
  count: { fn: (_c, v) => pyLen(v) },
  length: { fn: (_c, v) => pyLen(v) },
  default: {
    acceptsUndefined: true,
    fn: (_c, v, a, k) => {
      const { default_value, boolean } = bind('default', a, k, ['default_value', 'boolean'], { default_value: '', boolean: false });
      if (v instanceof Undefined || (truthy(boolean) && !truthy(v))) return default_value;
      return v;
    },
  },
  dictsort: {
    fn: (_c, v, a, k) => {
      const { case_sensitive, by, reverse } = bind('dictsort', a, k, ['case_sensitive', 'by', 'reverse'], { case_sensitive: false, by: 'key', reverse: false });
      if (!isDict(v)) throw typeError('You can only sort by either "key" or "value"');
      const pos = by === 'value' ? 1 : 0;
      const pairs = dictKeys(v).map((key) => PyTuple.of2([key, v[key]]));
      pairs.sort((x, y) => pyCompare(lowerIfString(x[pos], truthy(case_sensitive)), lowerIfString(y[pos], truthy(case_sensitive))));
      if (truthy(reverse)) pairs.reverse();
      return pairs;
    },
  },
  escape: { fn: (_c, v) => htmlEscape(pyStr(v)) },
  forceescape: { fn: (_c, v) => htmlEscape(pyStr(v)) },
  filesizeformat: { fn: (_c, v, a, k) => filesizeformat(v, truthy(bind('filesizeformat', a, k, ['binary'], { binary: false }).binary)) },
  first: {
    fn: (_c, v) => {
      const items = pyIter(v);
      return items.length ? items[0] : new Undefined('first', 'No first item, sequence was empty.');
    },
  },
  last: {
    fn: (_c, v) => {
      const items = pyIter(v);
      return items.length ? items[items.length - 1] : new Undefined('last', 'No last item, sequence was empty.');
    },
  },
  float: { fn: (_c, v, a, k) => toFloat(v, bind('float', a, k, ['default'], { default: new PyFloat(0) }).default) },
  format: {
    fn: (_c, v, a, k) => {
      if (a.length && Object.keys(k).length) throw typeError("can't handle positional and keyword arguments at the same time");
      return percentFormat(pyStr(v), Object.keys(k).length ? k : PyTuple.of2(a));
    },
  },
  groupby: {
    fn: (_c, v, a, k) => {
      const { attribute, default: dflt, case_sensitive } = bind('groupby', a, k, ['attribute', 'default', 'case_sensitive'], { default: null, case_sensitive: false });
      return groupby(v, attribute, dflt, truthy(case_sensitive));
    },
  },
  indent: {
    fn: (_c, v, a, k) => {
      const { width, first, blank } = bind('indent', a, k, ['width', 'first', 'blank'], { width: 4, first: false, blank: false });
      const pad = typeof width === 'string' ? width : ' '.repeat(toNumber(width));
      const s = pyStr(v);
      const lines = s.split('\n');
      const out = lines.map((line, i) => {
        if (i === 0) return truthy(first) && (truthy(blank) || line) ? pad + line : line;
        return truthy(blank) || line.trim() ? pad + line : line;
      });
      return out.join('\n');
    },
  },
  int: {
    fn: (_c, v, a, k) => {
      const { default: dflt, base } = bind('int', a, k, ['default', 'base'], { default: 0, base: 10 });
      return toInt(v, dflt, toNumber(base));
    },
  },
  join: {
    fn: (_c, v, a, k) => {
      const { d, attribute } = bind('join', a, k, ['d', 'attribute'], { d: '', attribute: null });
      const get = attrGetter(attribute);
      return pyIter(v).map((x) => pyStr(get(x))).join(pyStr(d));
    },
  },
  list: { fn: (_c, v) => [...pyIter(v)] },
  lower: { fn: (_c, v) => pyStr(v).toLowerCase() },
  upper: { fn: (_c, v) => pyStr(v).toUpperCase() },
  map: {
    fn: (ctx, v, a, k) => {
      const items = pyIter(v);
      if ('attribute' in k) {
        const fallback = 'default' in k ? k['default'] : undefined;
        const get = attrGetter(k['attribute'], fallback, false);
        return items.map(get);
      }
      if (a.length === 0) return [...items];
      const [name, ...rest] = a;
      if (typeof name !== 'string') throw typeError('map filter name must be a string');
      return items.map((x) => ctx.callFilter(name, x, [...rest], k));
    },
  },
  max: {
    fn: (_c, v, a, k) => {
      const { case_sensitive, attribute } = bind('max', a, k, ['case_sensitive', 'attribute'], { case_sensitive: false, attribute: null });
      return minMax(pyIter(v), truthy(case_sensitive), attribute, -1, 'max');
    },
  },
  min: {
    fn: (_c, v, a, k) => {
      const { case_sensitive, attribute } = bind('min', a, k, ['case_sensitive', 'attribute'], { case_sensitive: false, attribute: null });
      return minMax(pyIter(v), truthy(case_sensitive), attribute, 1, 'min');
    },
  },
  pprint: { fn: (_c, v) => pyRepr(v) },
  reject: { fn: (ctx, v, a, k) => selectOrReject(ctx, v, a, k, false, false) },
  rejectattr: { fn: (ctx, v, a, k) => selectOrReject(ctx, v, a, k, true, false) },
  select: { fn: (ctx, v, a, k) => selectOrReject(ctx, v, a, k, false, true) },
  selectattr: { fn: (ctx, v, a, k) => selectOrReject(ctx, v, a, k, true, true) },
  replace: {
    fn: (_c, v, a, k) => {
      const { old, new: repl, count } = bind('replace', a, k, ['old', 'new', 'count'], { count: null });
      const s = pyStr(v);
      const o = pyStr(old);
      const r = pyStr(repl);
      if (count === null) return s.split(o).join(r);
      const parts = s.split(o);
      const n = toNumber(count);
      if (parts.length - 1 <= n) return parts.join(r);
      return parts.slice(0, n + 1).join(r) + o + parts.slice(n + 1).join(o);
    },
  },
  reverse: {
    fn: (_c, v) => {
      if (typeof v === 'string') return Array.from(v).reverse().join('');
      return [...pyIter(v)].reverse();
    },
  },
  round: {
    fn: (_c, v, a, k) => {
      const { precision, method } = bind('round', a, k, ['precision', 'method'], { precision: 0, method: 'common' });
      const p = toNumber(precision);
      if (!['common', 'ceil', 'floor'].includes(pyStr(method))) throw new PluginError('runtime', 'method must be common, ceil or floor');
      const n = toNumber(v);
      if (method === 'common') {
        const r = pyRound(n, p);
        return isFloat(v) || typeof v !== 'number' ? mkFloat(r) : r;
      }
      const f = 10 ** p;
      return mkFloat((method === 'ceil' ? Math.ceil(n * f) : Math.floor(n * f)) / f);
    },
  },
  safe: { fn: (_c, v) => v },
  slice: {
    fn: (_c, v, a, k) => {
      const { slices, fill_with } = bind('slice', a, k, ['slices', 'fill_with'], { fill_with: null });
      const items = pyIter(v);
      const n = toNumber(slices);
      const per = Math.floor(items.length / n);
      const extra = items.length % n;
      const out: unknown[][] = [];
      let offset = 0;
      for (let i = 0; i < n; i++) {
        const start = offset + i * per;
        if (i < extra) offset++;
        const end = offset + (i + 1) * per;
        const part = items.slice(start, end);
        if (fill_with !== null && i >= extra) part.push(fill_with);
        out.push(part);
      }
      return out;
    },
  },
  sort: {
    fn: (_c, v, a, k) => {
      const { reverse, case_sensitive, attribute } = bind('sort', a, k, ['reverse', 'case_sensitive', 'attribute'], { reverse: false, case_sensitive: false, attribute: null });
      const attrs = typeof attribute === 'string' && attribute.includes(',') ? attribute.split(',').map((s) => s.trim()) : [attribute];
      const keys = attrs.map((attr) => sortKey(attr, truthy(case_sensitive)));
      const items = [...pyIter(v)];
      const decorated = items.map((item) => ({ item, keys: keys.map((key) => key(item)) }));
      decorated.sort((x, y) => {
        for (let i = 0; i < x.keys.length; i++) {
          const c = pyCompare(x.keys[i], y.keys[i]);
          if (c !== 0) return truthy(reverse) ? -c : c;
        }
        return 0;
      });
      return decorated.map((d) => d.item);
    },
  },
  string: { fn: (_c, v) => pyStr(v) },
  striptags: { fn: (_c, v) => pyStr(v).replace(/<!--.*?-->|<[^>]*>/gs, '').replace(/\s+/g, ' ').trim() },
  sum: {
    fn: (_c, v, a, k) => {
      const { attribute, start } = bind('sum', a, k, ['attribute', 'start'], { attribute: null, start: 0 });
      const get = attrGetter(attribute);
      let total: unknown = start;
      for (const item of pyIter(v)) {
        const x = get(item);
        if (Array.isArray(total) && Array.isArray(x)) total = [...total, ...x];
        else if (isNumeric(total) && isNumeric(x)) {
          const n = toNumber(total) + toNumber(x);
          total = isFloat(total) || isFloat(x) ? mkFloat(n) : n;
        } else throw typeError(`unsupported operand type(s) for +: '${typeName(total)}' and '${typeName(x)}'`);
      }
      return total;
    },
  },
  title: { fn: (_c, v) => jinjaTitle(pyStr(v)) },
  tojson: { fn: (_c, v, a, k) => {
    const { indent } = bind('tojson', a, k, ['indent'], { indent: null });
    return pyJsonDumps(v, { sortKeys: true, indent: indent as number | null })
      .replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026').replace(/'/g, '\\u0027');
  } },
  trim: {
    fn: (_c, v, a, k) => {
      const { chars } = bind('trim', a, k, ['chars'], { chars: null });
      const s = pyStr(v);
      if (chars === null) return s.trim();
      const set = pyStr(chars);
      let start = 0;
      let end = s.length;
      while (start < end && set.includes(s[start]!)) start++;
      while (end > start && set.includes(s[end - 1]!)) end--;
      return s.slice(start, end);
    },
  },
  truncate: {
    fn: (_c, v, a, k) => {
      const { length, killwords, end, leeway } = bind('truncate', a, k, ['length', 'killwords', 'end', 'leeway'], { length: 255, killwords: false, end: '...', leeway: 5 });
      const s = pyStr(v);
      const n = toNumber(length);
      const e = pyStr(end);
      const lw = leeway === null ? 5 : toNumber(leeway);
      if (s.length <= n + lw) return s;
      if (truthy(killwords)) return s.slice(0, n - e.length) + e;
      const cut = s.slice(0, n - e.length);
      const i = cut.lastIndexOf(' ');
      return (i >= 0 ? cut.slice(0, i) : cut) + e;
    },
  },
  unique: {
    fn: (_c, v, a, k) => {
      const { case_sensitive, attribute } = bind('unique', a, k, ['case_sensitive', 'attribute'], { case_sensitive: null, attribute: null });
      return uniqueBy(pyIter(v), truthy(case_sensitive), attribute);
    },
  },
  urlencode: {
    fn: (_c, v) => {
      // Python's quote(): safe '/' for a string; for query pairs nothing is safe and spaces are '+'.
      const quote = (s: unknown, forQs: boolean): string => {
        const q = encodeURIComponent(pyStr(s)).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
        return forQs ? q.replace(/%20/g, '+') : q.replace(/%2F/g, '/');
      };
      if (isDict(v)) return dictKeys(v).map((key) => `${quote(key, true)}=${quote(v[key], true)}`).join('&');
      if (Array.isArray(v)) return v.map((pair) => `${quote((pair as unknown[])[0], true)}=${quote((pair as unknown[])[1], true)}`).join('&');
      return quote(v, false);
    },
  },
  wordcount: { fn: (_c, v) => (pyStr(v).match(/\w+/gu) ?? []).length },
  wordwrap: {
    fn: (_c, v, a, k) => {
      const { width, break_long_words, wrapstring } = bind('wordwrap', a, k, ['width', 'break_long_words', 'wrapstring', 'break_on_hyphens'], { width: 79, break_long_words: true, wrapstring: '\n', break_on_hyphens: true });
      const w = toNumber(width);
      const lines: string[] = [];
      for (const para of pyStr(v).split('\n')) {
        let line = '';
        for (const word of para.split(/\s+/).filter(Boolean)) {
          let rest = word;
          while (truthy(break_long_words) && rest.length > w) {
            if (line) {
              lines.push(line);
              line = '';
            }
            lines.push(rest.slice(0, w));
            rest = rest.slice(w);
          }
          if (!line) line = rest;
          else if (line.length + 1 + rest.length <= w) line += ' ' + rest;
          else {
            lines.push(line);
            line = rest;
          }
        }
        lines.push(line);
      }
      return lines.join(pyStr(wrapstring));
    },
  },
  items: {
    fn: (_c, v) => {
      if (!isDict(v)) throw typeError(`Can only get item pairs from a mapping, not ${typeName(v)}`);
      return dictKeys(v).map((key) => PyTuple.of2([key, v[key]]));
    },
  },
  xmlattr: {
    fn: (_c, v, a, k) => {
      const { autospace } = bind('xmlattr', a, k, ['autospace'], { autospace: true });
      if (!isDict(v)) throw typeError('xmlattr expects a mapping');
      const parts = dictKeys(v)
        .filter((key) => v[key] !== null && !(v[key] instanceof Undefined))
        .map((key) => `${htmlEscape(key)}="${htmlEscape(pyStr(v[key]))}"`);
      const out = parts.join(' ');
      return out && truthy(autospace) ? ' ' + out : out;
    },
  },
};
JINJA_FILTERS['d'] = JINJA_FILTERS['default']!;
JINJA_FILTERS['e'] = JINJA_FILTERS['escape']!;
