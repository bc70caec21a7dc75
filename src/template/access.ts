/**
 * Attribute and item access: the sandbox. Only own data properties of dicts, elements of lists and
 * strings, and the allow-listed methods of methods.ts are reachable. `constructor`, `__proto__`,
 * prototypes and JavaScript functions are not: they are undefined, as any missing attribute.
 */
import { DICT_METHODS, LIST_METHODS, STR_METHODS } from './methods.js';
import { SliceValue } from './slice.js';
import { PluginError } from './errors.js';
import {
  NamedTuple,
  PyCallable,
  PyObject,
  PyTuple,
  Undefined,
  hasOwn,
  isDict,
  isNumeric,
  missingAttribute,
  pyStr,
  toNumber,
} from '../python/values.js';

function method<T>(table: Record<string, (self: T, call: { args: unknown[]; kwargs: Record<string, unknown> }) => unknown>, self: T, name: string): PyCallable | undefined {
  if (!Object.prototype.hasOwnProperty.call(table, name)) return undefined;
  const fn = table[name];
  if (!fn) return undefined;
  return new PyCallable(name, (call) => fn(self, call));
}

export function getAttribute(obj: unknown, name: string): unknown {
  if (obj instanceof Undefined) return obj;
  if (typeof obj === 'string') return method(STR_METHODS, obj, name) ?? missingAttribute(obj, name);
  if (obj instanceof NamedTuple) {
    const i = obj.fields.indexOf(name);
    if (i >= 0) return obj[i];
  }
  if (Array.isArray(obj)) return method(LIST_METHODS, obj, name) ?? missingAttribute(obj, name);
  if (isDict(obj)) {
    const m = method(DICT_METHODS, obj, name);
    if (m) return m;
    return hasOwn(obj, name) ? obj[name] : missingAttribute(obj, name);
  }
  if (obj instanceof PyObject) return obj.getAttr(name);
  return missingAttribute(obj, name);
}

export function getItem(obj: unknown, key: unknown): unknown {
  if (obj instanceof Undefined) return obj;
  if (key instanceof SliceValue) {
    if (typeof obj === 'string') {
      const chars = Array.from(obj);
      return sliceIndices(chars.length, key).map((i) => chars[i]).join('');
    }
    if (Array.isArray(obj)) {
      const picked = sliceIndices(obj.length, key).map((i) => obj[i]);
      return obj instanceof PyTuple ? PyTuple.of2(picked) : picked;
    }
    throw new PluginError('type', `'${typeof obj}' object is not subscriptable`);
  }
  if (typeof obj === 'string' || Array.isArray(obj)) {
    if (isNumeric(key) && typeof key !== 'boolean') {
      const seq = typeof obj === 'string' ? Array.from(obj) : obj;
      const n = toNumber(key);
      const i = n < 0 ? seq.length + n : n;
      if (Number.isInteger(i) && i >= 0 && i < seq.length) return seq[i];
      return missingAttribute(obj, pyStr(key));
    }
    if (typeof key === 'string') return getAttribute(obj, key);
    return missingAttribute(obj, pyStr(key));
  }
  if (isDict(obj)) {
    const k = typeof key === 'string' ? key : pyStr(key);
    if (hasOwn(obj, k)) return obj[k];
    if (typeof key === 'string') return method(DICT_METHODS, obj, key) ?? missingAttribute(obj, k);
    return missingAttribute(obj, k);
  }
  if (obj instanceof PyObject && typeof key === 'string') return obj.getAttr(key);
  return missingAttribute(obj, pyStr(key));
}

/** The indices Python's slice(start, stop, step) selects from a sequence of `length`. */
export function sliceIndices(length: number, s: SliceValue): number[] {
  const step = s.step ?? 1;
  if (step === 0) throw new PluginError('runtime', 'slice step cannot be zero');
  const clamp = (v: number | null, dflt: number, lo: number, hi: number): number => {
    if (v === null) return dflt;
    const x = v < 0 ? v + length : v;
    return Math.min(Math.max(x, lo), hi);
  };
  const out: number[] = [];
  if (step > 0) {
    const start = clamp(s.start, 0, 0, length);
    const stop = clamp(s.stop, length, 0, length);
    for (let i = start; i < stop; i += step) out.push(i);
  } else {
    const start = clamp(s.start, length - 1, -1, length - 1);
    const stop = clamp(s.stop, -1, -1, length - 1);
    for (let i = start; i > stop; i += step) out.push(i);
  }
  return out;
}
