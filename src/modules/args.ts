/**
 * Module arguments checked and coerced as Ansible's AnsibleModule does it (types, required,
 * defaults, choices, aliases, mutually_exclusive, required_if...), with Ansible's messages and a
 * nearest-name suggestion for unknown arguments.
 */
import { suggest } from '../python/suggest.js';
import { PyFloat, isDict, pyStr, toPlain } from '../python/values.js';

export type ArgType = 'str' | 'bool' | 'int' | 'float' | 'list' | 'dict' | 'path' | 'raw' | 'jsonarg';

export interface ArgumentOption {
  type?: ArgType;
  required?: boolean;
  /** A required option given as null counts as given, as Ansible's check_required_arguments looks at keys (assert's `that:`). */
  nullIsGiven?: boolean;
  default?: unknown;
  choices?: readonly unknown[];
  aliases?: readonly string[];
  /** For lists: the type of each element. */
  elements?: ArgType;
  /** Never printed (passwords). */
  noLog?: boolean;
}

export interface ArgumentSpec {
  options: Record<string, ArgumentOption>;
  mutuallyExclusive?: ReadonlyArray<readonly string[]>;
  requiredOneOf?: ReadonlyArray<readonly string[]>;
  requiredTogether?: ReadonlyArray<readonly string[]>;
  /** [name, value, requirements, anyOf?]: when name == value, the requirements are needed. */
  requiredIf?: ReadonlyArray<readonly [string, unknown, readonly string[], boolean?]>;
  /** When the key is given (not null), each of these must be too (Ansible's required_by). */
  requiredBy?: Readonly<Record<string, readonly string[]>>;
  /** Accept any other key as is (set_fact's variables). */
  freeKeys?: boolean;
}

/** What validateArgs returns for a value of each type (raw and untyped: the plain value as given). */
type ValueOfType<T> = T extends 'str' | 'path' | 'jsonarg' ? string : T extends 'bool' ? boolean : T extends 'int' | 'float' ? number : T extends 'dict' ? Record<string, unknown> : unknown;

/** An option's value once given: one of its choices, a list of its elements, or its type's value. */
type GivenValue<O extends ArgumentOption> = O extends { choices: readonly (infer C)[] }
  ? O extends { type: 'list' }
    ? C[]
    : C
  : O extends { type: 'list' }
    ? O extends { elements: infer E }
      ? ValueOfType<E>[]
      : unknown[]
    : ValueOfType<O['type']>;

/** Required options are always there; so are options with a default other than null. */
type AlwaysPresent<O extends ArgumentOption> = O extends { required: true } ? true : O extends { default: infer D } ? (D extends null | undefined ? false : true) : false;

type ArgumentValue<O extends ArgumentOption> = AlwaysPresent<O> extends true ? GivenValue<O> : GivenValue<O> | null;

/**
 * The arguments run() receives for a spec, as validateArgs returns them: canonical names only,
 * an option neither given nor defaulted is null, free keys (set_fact) pass as given.
 * One thing the types do not say: a null written in the playbook (`backup: ~`, or as a list
 * element) stays null, even for an option with a default, as validateArgs has always done.
 */
export type ArgsOf<S extends ArgumentSpec> = { -readonly [K in keyof S['options']]: ArgumentValue<S['options'][K]> } & (S extends { freeKeys: true } ? Record<string, unknown> : unknown);

export class ArgumentError extends Error {
  override name = 'ArgumentError';
  /**
   * A suggestion (" Did you mean 'msg'?") kept out of the message: a failed task says what Ansible
   * says; the up-front check adds it.
   */
  readonly hint: string;
  constructor(message: string, options?: { hint?: string }) {
    super(message);
    this.hint = options?.hint ?? '';
  }
}

const TRUE = new Set(['y', 'yes', 'on', '1', 'true', 't']);
const FALSE = new Set(['n', 'no', 'off', '0', 'false', 'f']);

export function toBoolean(value: unknown, name: string): boolean {
  if (typeof value === 'boolean') return value;
  const s = typeof value === 'string' ? value.toLowerCase().trim() : typeof value === 'number' ? String(value) : undefined;
  if (s !== undefined && TRUE.has(s)) return true;
  if (s !== undefined && FALSE.has(s)) return false;
  throw new ArgumentError(`argument '${name}' is of type ${typeLabel(value)} and we were unable to convert to bool: The value '${pyStr(value)}' is not a valid boolean.  Valid booleans include: 0, 'on', 'f', 'false', 1, 'no', 'n', '1', '0', 't', 'y', 'off', 'yes', 'true'`);
}

function typeLabel(v: unknown): string {
  if (v === null) return 'NoneType';
  if (Array.isArray(v)) return 'list';
  if (isDict(v)) return 'dict';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (v instanceof PyFloat) return 'float';
  if (typeof v === 'boolean') return 'bool';
  return 'str';
}

function convert(value: unknown, type: ArgType, name: string, elements?: ArgType): unknown {
  if (value === null || value === undefined) return value;
  const fail = (): never => {
    throw new ArgumentError(`argument '${name}' is of type ${typeLabel(value)} and we were unable to convert to ${type}`);
  };
  switch (type) {
    case 'raw':
      return toPlain(value);
    case 'str':
    case 'path': {
      if (typeof value === 'string') return value;
      // Ansible converts anything else to text (check_type_str, to_native): 8080 -> '8080',
      // True -> 'True', a dict or list -> its Python text ("{'path': '/x'}").
      return pyStr(value);
    }
    case 'bool':
      return toBoolean(value, name);
    case 'int': {
      if (typeof value === 'number' && Number.isInteger(value)) return value;
      if (typeof value === 'string' && /^\s*[-+]?\d+\s*$/.test(value)) return Number(value);
      if (typeof value === 'number' || value instanceof PyFloat) {
        const n = Number(value.valueOf());
        if (Number.isInteger(n)) return n;
      }
      return fail();
    }
    case 'float': {
      if (typeof value === 'number') return value;
      if (value instanceof PyFloat) return value.value;
      if (typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value))) return Number(value);
      return fail();
    }
    case 'list': {
      let list: unknown[];
      if (Array.isArray(value)) list = value;
      else if (typeof value === 'string') list = value.split(',');
      else if (typeof value === 'number' || typeof value === 'boolean') list = [pyStr(value)];
      else return fail();
      return elements ? list.map((v, i) => convert(v, elements, `${name}[${i}]`)) : list.map((v) => toPlain(v));
    }
    case 'dict': {
      if (isDict(value)) return toPlain(value);
      if (typeof value === 'string') {
        const trimmed = value.trim();
        if (trimmed.startsWith('{')) {
          try {
            return JSON.parse(trimmed) as unknown;
          } catch {
            return fail();
          }
        }
        const out: Record<string, string> = {};
        for (const part of trimmed.split(/[\s,]+/).filter(Boolean)) {
          const eq = part.indexOf('=');
          if (eq < 0) return fail();
          out[part.slice(0, eq)] = part.slice(eq + 1);
        }
        return out;
      }
      return fail();
    }
    case 'jsonarg':
      return typeof value === 'string' ? value : JSON.stringify(toPlain(value));
  }
}

/**
 * Checks and coerces `args` against `spec` for module `module`. Returns a new object with every
 * option present (defaults filled in, aliases resolved to the canonical name).
 */
export function validateArgs<S extends ArgumentSpec>(module: string, spec: S, args: Record<string, unknown>): ArgsOf<S> {
  const aliasOf = new Map<string, string>();
  for (const [name, opt] of Object.entries(spec.options)) {
    aliasOf.set(name, name);
    for (const alias of opt.aliases ?? []) aliasOf.set(alias, name);
  }
  const unknown = spec.freeKeys ? [] : Object.keys(args).filter((k) => !aliasOf.has(k));
  if (unknown.length) {
    const supported = [...aliasOf.keys()].sort();
    const hints = unknown.map((u) => suggest(u, supported)).filter((h): h is string => !!h);
    // As AnsibleModule lists them: the options, then their aliases in parentheses.
    const aliases = supported.filter((k) => aliasOf.get(k) !== k);
    const listed = supported.filter((k) => aliasOf.get(k) === k).join(', ') + (aliases.length ? ` (${aliases.join(', ')})` : '');
    throw new ArgumentError(`Unsupported parameters for (${module}) module: ${unknown.sort().join(', ')}. Supported parameters include: ${listed}.`, {
      hint: hints.length ? ` Did you mean ${hints.map((h) => `'${h}'`).join(', ')}?` : '',
    });
  }
  const out: Record<string, unknown> = {};
  const given = new Set<string>();
  for (const [key, value] of Object.entries(args)) {
    const canonical = aliasOf.get(key) ?? key;
    if (given.has(canonical)) throw new ArgumentError(`parameters are mutually exclusive: ${canonical}|${key} (both given for ${module})`);
    given.add(canonical);
    out[canonical] = value;
  }
  for (const group of spec.mutuallyExclusive ?? []) {
    const present = group.filter((k) => given.has(k) && out[k] !== null);
    if (present.length > 1) throw new ArgumentError(`parameters are mutually exclusive: ${group.join('|')}`);
  }
  for (const group of spec.requiredOneOf ?? []) {
    if (!group.some((k) => given.has(k))) throw new ArgumentError(`one of the following is required: ${group.join(', ')}`);
  }
  for (const group of spec.requiredTogether ?? []) {
    const present = group.filter((k) => given.has(k));
    if (present.length > 0 && present.length < group.length) throw new ArgumentError(`parameters are required together: ${group.join(', ')}`);
  }
  const missing = Object.entries(spec.options)
    .filter(([name, opt]) => opt.required && (!given.has(name) || ((out[name] === null || out[name] === undefined) && !opt.nullIsGiven)))
    .map(([name]) => name);
  if (missing.length) throw new ArgumentError(`missing required arguments: ${missing.sort().join(', ')}`);
  for (const [name, opt] of Object.entries(spec.options)) {
    if (!given.has(name) || out[name] === undefined) {
      out[name] = opt.default === undefined ? null : opt.default;
      continue;
    }
    if (out[name] === null) continue;
    if (opt.type) out[name] = convert(out[name], opt.type, name, opt.elements);
    else out[name] = toPlain(out[name]);
    if (opt.choices) {
      const value = out[name];
      const values = Array.isArray(value) ? value : [value];
      for (const v of values) {
        if (!opt.choices.some((c) => c === v || pyStr(c) === pyStr(v))) {
          throw new ArgumentError(`value of ${name} must be one of: ${opt.choices.map((c) => pyStr(c)).join(', ')}, got: ${pyStr(v)}`);
        }
      }
    }
  }
  for (const [name, value, requirements, anyOf] of spec.requiredIf ?? []) {
    if (out[name] !== value) continue;
    const missingReq = requirements.filter((r) => out[r] === null || out[r] === undefined);
    if (anyOf ? missingReq.length === requirements.length : missingReq.length > 0) {
      throw new ArgumentError(`${name} is ${pyStr(value)} but ${anyOf ? 'any' : 'all'} of the following are missing: ${missingReq.join(', ')}`);
    }
  }
  for (const [key, requirements] of Object.entries(spec.requiredBy ?? {})) {
    if (out[key] === null || out[key] === undefined) continue;
    const missingReq = requirements.filter((r) => out[r] === null || out[r] === undefined);
    if (missingReq.length) throw new ArgumentError(`missing parameter(s) required by '${key}': ${missingReq.join(', ')}`);
  }
  // The one place the spec's promise is taken on trust: the checks above made `out` so.
  return out as ArgsOf<S>;
}

/**
 * The checks that hold before templating (playbook validation): unknown and missing names,
 * exclusive and required groups. Values may still be templates, so types and choices wait.
 */
export function checkArgumentNames(module: string, spec: ArgumentSpec, args: Record<string, unknown>): void {
  const options = Object.fromEntries(Object.entries(spec.options).map(([name, option]) => [name, { ...option, type: 'raw' as const, choices: undefined }]));
  validateArgs(module, { ...spec, options }, args);
}
