/** Jinja2's and ansible.builtin's tests (`x is defined`, `v is version('2.0', '>=')`, ...). */
import { existsSync, lstatSync, statSync } from 'node:fs';
import path from 'node:path';
import { PluginError, typeError } from './errors.js';
import { pyRegex } from '../python/regex.js';
import { isTrustedText } from '../python/trust.js';
import { bind, type TestDef, type TestRegistry } from './plugins.js';
import { compareVersions } from './version.js';
import {
  PyCallable,
  UNDECRYPTABLE,
  Undefined,
  VaultedValue,
  isDict,
  isFloat,
  isInt,
  isNumeric,
  pyCompare,
  pyContains,
  pyEquals,
  pyIter,
  pyRepr,
  pyStr,
  toNumber,
  truthy,
  typeName,
} from '../python/values.js';

type Tests = Record<string, TestDef>;

/** Ansible's other data tags (ansible._protomatter.tagged_with knows them); playbook does not keep them on values. */
const UNTRACKED_TAGS = new Set(['Deprecated', 'Origin', 'SourceWasEncrypted']);

const BOOLEANS_TRUE = new Set(['y', 'yes', 'on', '1', 'true', 't']);
const BOOLEANS_FALSE = new Set(['n', 'no', 'off', '0', 'false', 'f']);

/** module_utils' boolean(): well-known strings and numbers, else the value itself. */
function convertBool(v: unknown): unknown {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') {
    const s = v.toLowerCase();
    if (BOOLEANS_TRUE.has(s)) return true;
    if (BOOLEANS_FALSE.has(s)) return false;
    return v;
  }
  if (isNumeric(v)) {
    const n = toNumber(v);
    if (n === 1) return true;
    if (n === 0) return false;
  }
  return v;
}

function requireResult(v: unknown, name: string): Record<string, unknown> {
  if (!isDict(v)) throw new PluginError('runtime', `The '${name}' test expects a dictionary`);
  return v;
}

function regexTest(value: unknown, pattern: unknown, kwargs: Record<string, unknown>, matchType: string): boolean {
  const re = pyRegex(pyStr(pattern ?? ''), { ignorecase: truthy(kwargs['ignorecase'] ?? false), multiline: truthy(kwargs['multiline'] ?? false) });
  const text = pyStr(value);
  re.lastIndex = 0;
  const m = re.exec(text);
  re.lastIndex = 0;
  if (!m) return false;
  if (matchType === 'search') return true;
  // match/fullmatch are anchored at the start: find a match that starts at 0.
  const anchored = new RegExp(`^(?:${re.source})${matchType === 'fullmatch' ? '$' : ''}`, re.flags.replace('g', '').replace('m', ''));
  return anchored.test(text);
}

const cmp = (op: (c: number) => boolean): TestDef => ({ fn: (_c, v, a) => op(pyCompare(v, a[0])) });

function pathTest(fn: (p: string) => boolean): TestDef {
  return {
    fn: (_c, v) => {
      if (typeof v !== 'string') throw typeError(`path tests expect a string, got ${typeName(v)}`);
      try {
        return fn(v);
      } catch {
        return false;
      }
    },
  };
}

const URL_PARTS = /^(?:([A-Za-z][A-Za-z0-9+.-]*):)?(?:\/\/([^/?#]*))?/;

/** Ansible's uri test: anything urlparse accepts, optionally limited to some schemes. */
function isUri(v: unknown, schemes: unknown): boolean {
  if (typeof v !== 'string') return false;
  const scheme = (URL_PARTS.exec(v)?.[1] ?? '').toLowerCase();
  return !schemes || (Array.isArray(schemes) && schemes.map(pyStr).includes(scheme));
}

function toSet(v: unknown): unknown[] {
  return pyIter(v);
}

export const TESTS: Tests = {
  defined: { acceptsUndefined: true, fn: (_c, v) => !(v instanceof Undefined) },
  undefined: { acceptsUndefined: true, fn: (_c, v) => v instanceof Undefined },
  none: { fn: (_c, v) => v === null },
  boolean: { fn: (_c, v) => typeof v === 'boolean' },
  true: { fn: (_c, v) => v === true },
  false: { fn: (_c, v) => v === false },
  string: { fn: (_c, v) => typeof v === 'string' },
  number: { fn: (_c, v) => isNumeric(v) },
  integer: { fn: (_c, v) => isInt(v) },
  float: { fn: (_c, v) => isFloat(v) },
  mapping: { fn: (_c, v) => isDict(v) },
  sequence: { fn: (_c, v) => typeof v === 'string' || Array.isArray(v) || isDict(v) },
  iterable: { fn: (_c, v) => typeof v === 'string' || Array.isArray(v) || isDict(v) },
  callable: { fn: (_c, v) => v instanceof PyCallable },
  escaped: { fn: () => false },
  lower: { fn: (_c, v) => { const s = pyStr(v); return /\p{Ll}/u.test(s) && s === s.toLowerCase(); } },
  upper: { fn: (_c, v) => { const s = pyStr(v); return /\p{Lu}/u.test(s) && s === s.toUpperCase(); } },
  even: { fn: (_c, v) => toNumber(v) % 2 === 0 },
  odd: { fn: (_c, v) => Math.abs(toNumber(v) % 2) === 1 },
  divisibleby: {
    fn: (_c, v, a) => {
      const d = toNumber(a[0]);
      if (d === 0) throw new PluginError('runtime', 'integer division or modulo by zero');
      return toNumber(v) % d === 0;
    },
  },
  eq: { fn: (_c, v, a) => pyEquals(v, a[0]) },
  ne: { fn: (_c, v, a) => !pyEquals(v, a[0]) },
  lt: cmp((c) => c < 0),
  le: cmp((c) => c <= 0),
  gt: cmp((c) => c > 0),
  ge: cmp((c) => c >= 0),
  in: { fn: (_c, v, a) => pyContains(a[0], v) },
  sameas: { fn: (_c, v, a) => v === a[0] || (v === null && a[0] === null) },
  filter: { fn: (ctx, v) => typeof v === 'string' && ctx.hasFilter(v) },
  test: { fn: (ctx, v) => typeof v === 'string' && ctx.hasTest(v) },

  // ansible.builtin core tests
  match: { fn: (_c, v, a, k) => regexTest(v, bind('match', a, {}, ['pattern'], { pattern: '' })['pattern'], k, 'match') },
  search: { fn: (_c, v, a, k) => regexTest(v, bind('search', a, {}, ['pattern'], { pattern: '' })['pattern'], k, 'search') },
  regex: {
    fn: (_c, v, a, k) => {
      const { pattern, ignorecase, multiline, match_type } = bind('regex', a, k, ['pattern', 'ignorecase', 'multiline', 'match_type'], { pattern: '', ignorecase: false, multiline: false, match_type: 'search' });
      const type = pyStr(match_type);
      if (!['search', 'match', 'fullmatch'].includes(type)) throw new PluginError('runtime', `Invalid match_type ${type}`);
      return regexTest(v, pattern, { ignorecase, multiline }, type);
    },
  },
  version: {
    fn: (_c, v, a, k) => {
      const { version, operator, strict, version_type } = bind('version', a, k, ['version', 'operator', 'strict', 'version_type'], { operator: 'eq', strict: null, version_type: null });
      if (strict !== null && version_type !== null) throw new PluginError('runtime', 'Cannot specify both strict and version_type');
      const type = version_type !== null ? pyStr(version_type) : truthy(strict ?? false) ? 'strict' : 'loose';
      return compareVersions(pyStr(v), pyStr(version), pyStr(operator), type);
    },
  },
  failed: { fn: (_c, v) => truthy(requireResult(v, 'failed')['failed'] ?? false) },
  succeeded: { fn: (_c, v) => !truthy(requireResult(v, 'succeeded')['failed'] ?? false) },
  changed: {
    fn: (_c, v) => {
      const r = requireResult(v, 'changed');
      if ('changed' in r) return truthy(r['changed'] ?? false);
      const results = r['results'];
      if (Array.isArray(results) && isDict(results[0])) return results.some((x) => isDict(x) && truthy(x['changed'] ?? false));
      return false;
    },
  },
  skipped: { fn: (_c, v) => truthy(requireResult(v, 'skipped')['skipped'] ?? false) },
  reachable: { fn: (_c, v) => !truthy(requireResult(v, 'reachable')['unreachable'] ?? false) },
  unreachable: { fn: (_c, v) => truthy(requireResult(v, 'unreachable')['unreachable'] ?? false) },
  finished: { fn: (_c, v) => toNumber(requireResult(v, 'finished')['finished'] ?? 1) === 1 },
  started: { fn: (_c, v) => toNumber(requireResult(v, 'started')['started'] ?? 1) === 1 },
  timedout: { fn: (_c, v) => truthy((requireResult(v, 'timedout')['timedout'] as Record<string, unknown> | undefined)?.['period'] ?? false) },
  any: { fn: (_c, v) => pyIter(v).some((x) => truthy(x)) },
  all: { fn: (_c, v) => pyIter(v).every((x) => truthy(x)) },
  truthy: { fn: (_c, v, a, k) => truthy(truthy(bind('truthy', a, k, ['convert_bool'], { convert_bool: false })['convert_bool']) ? convertBool(v) : v) },
  falsy: { fn: (_c, v, a, k) => !truthy(truthy(bind('falsy', a, k, ['convert_bool'], { convert_bool: false })['convert_bool']) ? convertBool(v) : v) },
  vault_encrypted: { fn: (_c, v) => v instanceof VaultedValue || (typeof v === 'string' && v.startsWith('$ANSIBLE_VAULT;')) },
  // ansible._protomatter.tagged_with: of Ansible's data tags, playbook keeps VaultedValue and TrustedAsTemplate.
  tagged_with: {
    fn: (_c, v, a) => {
      const tag = a[0];
      // A test other than vault_encrypted cannot look at a value it cannot decrypt.
      if (v instanceof VaultedValue && !v.decryptable) throw new PluginError('runtime', UNDECRYPTABLE);
      if (tag === 'VaultedValue') return v instanceof VaultedValue;
      // Text loaded from what the user wrote (see python/trust.ts).
      if (tag === 'TrustedAsTemplate') return isTrustedText(v);
      if (typeof tag === 'string' && UNTRACKED_TAGS.has(tag)) throw new PluginError('runtime', `The data tag ${pyRepr(tag)} is not tracked by playbook.`);
      throw new PluginError('runtime', `Unknown tag name ${pyRepr(tag)}.`);
    },
  },
  subset: { fn: (_c, v, a) => { const b = toSet(a[0]); return toSet(v).every((x) => b.some((y) => pyEquals(x, y))); } },
  superset: { fn: (_c, v, a) => { const s = toSet(v); return toSet(a[0]).every((x) => s.some((y) => pyEquals(x, y))); } },
  contains: { fn: (_c, v, a) => pyContains(v, a[0]) },
  // math.isnan: numbers (and bools) only; anything else is not nan (TypeError caught)
  nan: { fn: (_c, v) => isNumeric(v) && Number.isNaN(toNumber(v)) },

  uri: { fn: (_c, v, a, k) => isUri(v, bind('uri', a, k, ['schemes'], { schemes: null })['schemes']) },
  url: {
    fn: (_c, v, a, k) => {
      const schemes = bind('url', a, k, ['schemes'], { schemes: null })['schemes'];
      if (!isUri(v, schemes)) return false;
      const m = URL_PARTS.exec(pyStr(v));
      return Boolean(m?.[2]) || (m?.[1] ?? '').toLowerCase() === 'file';
    },
  },
  urn: { fn: (_c, v) => isUri(v, ['urn']) },

  // ansible.builtin file tests (on the controller)
  abs: pathTest((p) => path.isAbsolute(p)),
  exists: pathTest((p) => existsSync(p)),
  file: pathTest((p) => statSync(p).isFile()),
  directory: pathTest((p) => statSync(p).isDirectory()),
  link: pathTest((p) => lstatSync(p).isSymbolicLink()),
  link_exists: pathTest((p) => { lstatSync(p); return true; }),
  same_file: { fn: (_c, v, a) => { try { const x = statSync(pyStr(v)); const y = statSync(pyStr(a[0])); return x.ino === y.ino && x.dev === y.dev; } catch { return false; } } },
  mount: pathTest((p) => { const s = statSync(p); const parent = statSync(path.join(p, '..')); return p === '/' || s.dev !== parent.dev || s.ino === parent.ino; }),
};

const ALIASES: Record<string, string> = {
  '==': 'eq', equalto: 'eq', '!=': 'ne', '<': 'lt', lessthan: 'lt', '<=': 'le', '>': 'gt', greaterthan: 'gt', '>=': 'ge',
  success: 'succeeded', successful: 'succeeded', failure: 'failed', change: 'changed', skip: 'skipped',
  version_compare: 'version', is_abs: 'abs', is_file: 'file', is_dir: 'directory', is_link: 'link', is_mount: 'mount', is_same_file: 'same_file',
  issubset: 'subset', issuperset: 'superset', isnan: 'nan', vaulted_file: 'vault_encrypted',
};

export function createTestRegistry(): TestRegistry {
  const registry: TestRegistry = new Map(Object.entries(TESTS));
  for (const [alias, target] of Object.entries(ALIASES)) registry.set(alias, TESTS[target]!);
  return registry;
}
