/**
 * Python semantics over JavaScript values, as Ansible's templates see them.
 *
 * Mapping: None = null, bool = boolean, int = an integral number, float = a non-integral number or a
 * PyFloat box (for integral floats such as 3.0, which JavaScript cannot tell from 3), str = string,
 * list = Array, dict = a plain object (insertion ordered, string keys). Anything else a template can
 * hold is one of the classes below (Undefined, PyCallable, Namespace, ...).
 */
import { PyError, typeError } from './errors.js';

/** A float whose value happens to be integral (3.0): keeps Python's float-ness through arithmetic. */
export class PyFloat {
  constructor(readonly value: number) {}
  valueOf(): number {
    return this.value;
  }
  toJSON(): number {
    return this.value;
  }
}

/** Python tuples print with parentheses; otherwise they are arrays. */
export class PyTuple<T = unknown> extends Array<T> {
  // map/filter/slice on a tuple give plain lists.
  static override get [Symbol.species](): ArrayConstructor {
    return Array;
  }
  static of2<T>(items: T[]): PyTuple<T> {
    const t = new PyTuple<T>();
    for (const item of items) t.push(item);
    return t;
  }
}

/** range(): iterable and filterable, but (as in Ansible 2.19) not a value to store or print. */
export class PyRange extends Array<number> {
  static override get [Symbol.species](): ArrayConstructor {
    return Array;
  }
}

/** A tuple whose items also have names (groupby's `grouper` and `list`). */
export class NamedTuple extends PyTuple {
  fields: string[] = [];
  static make(fields: string[], values: unknown[]): NamedTuple {
    const t = new NamedTuple();
    t.fields = fields;
    for (const v of values) t.push(v);
    return t;
  }
}

/**
 * A value written as `!vault |` (Ansible's EncryptedString): its ciphertext, which only the vault
 * filters and tests may look at. playbook holds no vault secrets, so any other use fails, as
 * Ansible's does without them (UNDECRYPTABLE).
 */
export class VaultedValue {
  /** How many were made in this process: templating looks for them in its results only once one exists. */
  static made = 0;
  constructor(
    readonly ciphertext: string,
    /** Made by the vault filter (wrap_object=True), whose secret is known; a `!vault` value's is not. */
    readonly decryptable = false,
  ) {
    VaultedValue.made++;
  }
}

/** Ansible's error for a vaulted value used without its secret. */
export const UNDECRYPTABLE = 'Attempt to use undecryptable variable: Attempting to decrypt but no vault secrets found.';

/** Whether `v` holds a VaultedValue, at any depth (cheap until one was ever made). */
export function containsVaulted(v: unknown, seen = new Set<object>()): boolean {
  if (VaultedValue.made === 0 || v === null || typeof v !== 'object') return false;
  if (v instanceof VaultedValue) return true;
  if (seen.has(v)) return false;
  seen.add(v);
  if (Array.isArray(v)) return v.some((x) => containsVaulted(x, seen));
  if (isDict(v)) return dictKeys(v).some((k) => containsVaulted(v[k], seen));
  return false;
}

/**
 * Ansible's strict undefined: usable only where `default`, `is defined` and friends look at it.
 * Attribute access on it yields another Undefined (so `a.b.c | default(x)` works), keeping the
 * message of the first missing name.
 */
export class Undefined {
  constructor(
    /** The missing name, as written. */
    readonly name: string,
    /** What a user is told when the value is used. */
    readonly message: string,
    /** Prints as '' among other output (an inline if without else), as Ansible does. */
    readonly soft = false,
  ) {}
}

export function undefinedVariable(name: string): Undefined {
  return new Undefined(name, `'${name}' is undefined`);
}

export function missingAttribute(obj: unknown, name: string): Undefined {
  return new Undefined(name, `object of type '${typeName(obj)}' has no attribute '${name}'`);
}

export interface CallArgs {
  args: unknown[];
  kwargs: Record<string, unknown>;
}

/** A function a template may call: globals, macros, bound methods. Plain JS functions never are. */
export class PyCallable {
  constructor(
    readonly name: string,
    readonly fn: (call: CallArgs) => unknown,
  ) {}
}

/** Objects of the interpreter's own (loop, namespace, cycler) expose only what getAttr allows. */
export abstract class PyObject {
  abstract getAttr(name: string): unknown;
}

/** jinja2's namespace(): the one object a template may assign attributes to. */
export class Namespace extends PyObject {
  readonly attrs: Record<string, unknown> = {};
  getAttr(name: string): unknown {
    return hasOwn(this.attrs, name) ? this.attrs[name] : missingAttribute(this, name);
  }
}

export function isFloat(v: unknown): boolean {
  return v instanceof PyFloat || (typeof v === 'number' && !Number.isInteger(v));
}

export function isInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v);
}

/** int, float or bool (Python's bool is an int). */
export function isNumeric(v: unknown): boolean {
  return typeof v === 'number' || typeof v === 'boolean' || v instanceof PyFloat;
}

export function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v instanceof PyFloat) return v.value;
  throw typeError(`expected a number, got ${typeName(v)}`);
}

/** A float result: boxes integral values so that they keep printing as floats. */
export function mkFloat(n: number): number | PyFloat {
  return Number.isInteger(n) ? new PyFloat(n) : n;
}

export function isDict(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

export function isList(v: unknown): v is unknown[] {
  return Array.isArray(v);
}

export function isString(v: unknown): v is string {
  return typeof v === 'string';
}

export function isUndefined(v: unknown): v is Undefined {
  return v instanceof Undefined;
}

/** Python's type name, as type_debug and error messages print it. */
export function typeName(v: unknown): string {
  if (v === null) return 'NoneType';
  if (v === undefined) return 'NoneType';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (v instanceof PyFloat) return 'float';
  if (typeof v === 'string') return 'str';
  if (v instanceof PyTuple) return 'tuple';
  if (Array.isArray(v)) return 'list';
  if (v instanceof Undefined) return 'AnsibleUndefined';
  if (v instanceof PyCallable) return 'function';
  if (v instanceof Namespace) return 'Namespace';
  if (isDict(v)) return 'dict';
  return 'object';
}

/** Own enumerable data keys of a dict: getters on host objects are never called from a template. */
export function dictKeys(d: Record<string, unknown>): string[] {
  const keys = Object.keys(d);
  for (const k of keys) {
    if (!isDataProperty(d, k)) return keys.filter((key) => isDataProperty(d, key));
  }
  return keys;
}

export function hasOwn(obj: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(obj, key) && isDataProperty(obj, key);
}

function isDataProperty(obj: object, key: string): boolean {
  const desc = Object.getOwnPropertyDescriptor(obj, key);
  return desc !== undefined && 'value' in desc && typeof desc.value !== 'function';
}

/** Creates a dict that can hold any key, `__proto__` included, without touching a prototype. */
export function newDict(): Record<string, unknown> {
  return {};
}

export function setKey(d: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(d, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Python's str() of a value, as `{{ }}` prints it (None has already been finalized to ''). */
export function pyStr(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v instanceof VaultedValue) throw new PyError('runtime', UNDECRYPTABLE);
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : floatRepr(v);
  if (v instanceof PyFloat) return floatRepr(v.value);
  return pyRepr(v);
}

/** Python's repr(), used inside lists and dicts and by the repr-like filters. */
export function pyRepr(v: unknown): string {
  if (typeof v === 'string') return strRepr(v);
  if (v instanceof VaultedValue) throw new PyError('runtime', UNDECRYPTABLE);
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'boolean' || typeof v === 'number' || v instanceof PyFloat) return pyStr(v);
  // Ansible 2.19 turns tuples into lists before printing, so they print as lists.
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  if (v instanceof Undefined) return 'AnsibleUndefined';
  if (v instanceof PyCallable) return `<function ${v.name}>`;
  if (v instanceof Namespace) return `<Namespace ${pyRepr(v.attrs)}>`;
  if (isDict(v)) {
    const parts = dictKeys(v).map((k) => `${strRepr(k)}: ${pyRepr(v[k])}`);
    return `{${parts.join(', ')}}`;
  }
  return '<object>';
}

export function floatRepr(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (n === Infinity) return 'inf';
  if (n === -Infinity) return '-inf';
  if (n === 0) return Object.is(n, -0) ? '-0.0' : '0.0';
  // toExponential() without an argument gives the shortest digits that round-trip, as Python's repr.
  const [mantissa = '', expPart = '0'] = n.toExponential().split('e');
  const exp = Number(expPart);
  const negative = mantissa.startsWith('-');
  const digits = mantissa.replace('-', '').replace('.', '');
  const sign = negative ? '-' : '';
  if (exp >= 16 || exp < -4) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const e = Math.abs(exp) < 10 ? `0${Math.abs(exp)}` : String(Math.abs(exp));
    return `${sign}${m}e${exp < 0 ? '-' : '+'}${e}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  const intLen = exp + 1;
  if (digits.length <= intLen) return `${sign}${digits}${'0'.repeat(intLen - digits.length)}.0`;
  return `${sign}${digits.slice(0, intLen)}.${digits.slice(intLen)}`;
}

export function strRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += `\\${quote}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else if (code >= 0x80 && code < 0xa0) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out + quote;
}

/** Python truthiness. An Undefined is an error, as with Ansible's strict undefined. */
export function truthy(v: unknown): boolean {
  if (v === null || v === undefined) return false;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (v instanceof PyFloat) return v.value !== 0;
  if (typeof v === 'string') return v.length > 0;
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof Undefined) throw new PyError('undefined', v.message);
  if (isDict(v)) return dictKeys(v).length > 0;
  return true;
}

/** Python ==. */
export function pyEquals(a: unknown, b: unknown): boolean {
  if (isNumeric(a) && isNumeric(b)) return toNumber(a) === toNumber(b);
  if (a === null || a === undefined) return b === null || b === undefined;
  if (typeof a === 'string' || typeof b === 'string') return a === b;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return false;
    return a.every((x, i) => pyEquals(x, b[i]));
  }
  if (isDict(a) && isDict(b)) {
    const ka = dictKeys(a);
    const kb = dictKeys(b);
    if (ka.length !== kb.length) return false;
    return ka.every((k) => hasOwn(b, k) && pyEquals(a[k], b[k]));
  }
  return a === b;
}

/** Python's ordering: <0, 0, >0, or a TypeError for types that do not order. */
export function pyCompare(a: unknown, b: unknown, op = '<'): number {
  if (isNumeric(a) && isNumeric(b)) {
    const x = toNumber(a);
    const y = toNumber(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (Array.isArray(a) && Array.isArray(b)) {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) {
      if (!pyEquals(a[i], b[i])) return pyCompare(a[i], b[i], op);
    }
    return a.length - b.length;
  }
  if (a instanceof Undefined) throw new PyError('undefined', a.message);
  if (b instanceof Undefined) throw new PyError('undefined', b.message);
  throw typeError(`'${op}' not supported between instances of '${typeName(a)}' and '${typeName(b)}'`);
}

/** Python's `in`. */
export function pyContains(container: unknown, item: unknown): boolean {
  if (typeof container === 'string') {
    if (typeof item !== 'string') {
      throw typeError(`'in <string>' requires string as left operand, not ${typeName(item)}`);
    }
    return container.includes(item);
  }
  if (Array.isArray(container)) return container.some((x) => pyEquals(x, item));
  if (isDict(container)) {
    return typeof item === 'string' ? hasOwn(container, item) : isNumeric(item) && hasOwn(container, pyStr(item));
  }
  if (container instanceof Undefined) throw new PyError('undefined', container.message);
  throw typeError(`argument of type '${typeName(container)}' is not iterable`);
}

/** Python iteration: lists, strings (characters), dicts (keys). */
export function pyIter(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  if (typeof v === 'string') return Array.from(v);
  if (isDict(v)) return dictKeys(v);
  if (v instanceof Undefined) throw new PyError('undefined', v.message);
  if (v instanceof VaultedValue) throw new PyError('runtime', UNDECRYPTABLE);
  throw typeError(`'${typeName(v)}' object is not iterable`);
}

export function pyLen(v: unknown): number {
  if (typeof v === 'string') return Array.from(v).length;
  if (Array.isArray(v)) return v.length;
  if (isDict(v)) return dictKeys(v).length;
  if (v instanceof Undefined) throw new PyError('undefined', v.message);
  throw typeError(`object of type '${typeName(v)}' has no len()`);
}

/** Removes PyFloat boxes and tuples, giving plain JSON-like data for callers outside templating. */
export function toPlain(v: unknown): unknown {
  if (v instanceof PyFloat) return v.value;
  if (Array.isArray(v)) return Array.from(v, toPlain);
  if (isDict(v)) {
    const out: Record<string, unknown> = {};
    for (const k of dictKeys(v)) setKey(out, k, toPlain(v[k]));
    return out;
  }
  return v;
}
