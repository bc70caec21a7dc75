/**
 * Values crossing to and from the controller's Python: what JSON can carry of playbook's values
 * going there, and the answer's tagged floats coming back.
 */
import { PyFloat, Undefined, VaultedValue, dictKeys, isDict, mkFloat, newDict, setKey } from '../../python/values.js';

/** What jsonValue gives for a value JSON cannot hold. */
export const SKIP = Symbol('skip');

/** A copy made of JSON values only; SKIP for what JSON cannot hold (hostvars, undefined, vaulted). */
export function jsonValue(v: unknown, seen: Set<object>): unknown {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? v : SKIP;
  if (v instanceof PyFloat) return v;
  if (v instanceof Undefined || v instanceof VaultedValue) return SKIP;
  if (Array.isArray(v) || isDict(v)) {
    if (seen.has(v)) return SKIP;
    seen.add(v);
    try {
      if (Array.isArray(v)) {
        const items = v.map((x) => jsonValue(x, seen));
        return items.includes(SKIP) ? SKIP : items;
      }
      const out: Record<string, unknown> = {};
      for (const k of dictKeys(v)) {
        const x = jsonValue(v[k], seen);
        if (x === SKIP) return SKIP;
        out[k] = x;
      }
      return out;
    } finally {
      seen.delete(v);
    }
  }
  return SKIP;
}

/** run_jinja_plugin.py's result as playbook's values: `{"__py_float__": 2.0}` is a float. */
export function fromTagged(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(fromTagged);
  if (isDict(v)) {
    const keys = dictKeys(v);
    const f = v['__py_float__'];
    if (keys.length === 1 && typeof f === 'number') return mkFloat(f);
    const out = newDict();
    for (const k of keys) setKey(out, k, fromTagged(v[k]));
    return out;
  }
  return v;
}
