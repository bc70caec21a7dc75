/**
 * Ansible's lazy containers: a variable's mapping whose values are templated when they are read,
 * once each, so `{{ top.key1 }}` does not run the templates under the other keys. A lazy mapping
 * is made plain (every value templated) when it leaves the template system.
 */
import { PluginError } from './errors.js';
import { dictKeys, isDict, newDict, setKey } from '../python/values.js';

const LAZY = new WeakSet<object>();

export function isLazyMapping(value: unknown): boolean {
  return typeof value === 'object' && value !== null && LAZY.has(value);
}

/** `raw` seen through `template` (a value as written -> its templated value), key by key; `name` is the variable's, for errors. */
export function lazyMapping(raw: Record<string, unknown>, name: string, template: (value: unknown) => unknown): Record<string, unknown> {
  const values = new Map<string, unknown>();
  const resolving = new Set<string>();
  const valueOf = (key: string): unknown => {
    if (values.has(key)) return values.get(key);
    if (resolving.has(key)) throw new PluginError('recursion', `Recursive loop detected in template: '${name}' refers to its own key '${key}'`);
    resolving.add(key);
    try {
      const value = template(copy[key]);
      values.set(key, value);
      return value;
    } finally {
      resolving.delete(key);
    }
  };
  const own = (target: object, key: string | symbol): key is string => typeof key === 'string' && Object.prototype.hasOwnProperty.call(target, key);
  // Over a copy: a template that changes the mapping (`{% set _ = d.update(...) %}`) changes its
  // own value of the variable, never the data the variable came from (other hosts, later tasks).
  const copy = newDict();
  for (const k of dictKeys(raw)) setKey(copy, k, raw[k]);
  const lazy = new Proxy(copy, {
    get: (target, key, receiver) => (own(target, key) ? valueOf(key) : Reflect.get(target, key, receiver)),
    getOwnPropertyDescriptor: (target, key) => {
      const descriptor = Reflect.getOwnPropertyDescriptor(target, key);
      return descriptor && own(target, key) ? { ...descriptor, value: valueOf(key) } : descriptor;
    },
    // A value put in is the value (not templated again).
    defineProperty: (target, key, descriptor) => {
      if (typeof key === 'string' && 'value' in descriptor) values.set(key, descriptor.value);
      return Reflect.defineProperty(target, key, descriptor);
    },
    set: (target, key, value, receiver) => {
      if (typeof key === 'string') values.set(key, value);
      return Reflect.set(target, key, value, receiver);
    },
    deleteProperty: (target, key) => {
      if (typeof key === 'string') values.delete(key);
      return Reflect.deleteProperty(target, key);
    },
  });
  LAZY.add(lazy);
  return lazy;
}

/** The value with its lazy mappings made plain (every value templated); what has none is returned as it is. */
export function materialize(value: unknown, depth = 0): unknown {
  if (depth > 64) return value;
  if (Array.isArray(value)) {
    const items = value.map((v) => materialize(v, depth + 1));
    return items.some((v, i) => v !== value[i]) ? items : value;
  }
  if (!isDict(value)) return value;
  let changed = LAZY.has(value);
  const out = newDict();
  for (const k of dictKeys(value)) {
    const v = materialize(value[k], depth + 1);
    if (v !== value[k]) changed = true;
    setKey(out, k, v);
  }
  return changed ? out : value;
}
