/** The functions a template can call by name: range, lookup/query/q, dict, namespace, cycler, joiner, now, undef. */
import { PluginError } from './errors.js';
import { PyError } from '../python/errors.js';
import { suggest } from '../python/suggest.js';
import type { LookupDef, LookupFallback, LookupRegistry, LoopInvocation, PluginContext } from './plugins.js';
import { resolveLookup } from './plugins.js';
import { strftime } from './strftime.js';
import { type CallArgs, Namespace, PyCallable, PyObject, PyRange, Undefined, dictKeys, isDict, missingAttribute, pyIter, pyStr, setKey, toNumber, truthy, typeName } from '../python/values.js';

/** A global that needs the calling template's context (lookups read variables and search paths). */
export class ContextualGlobal {
  constructor(readonly bind: (ctx: PluginContext) => PyCallable) {}
}

function range({ args }: CallArgs): PyRange {
  const nums = args.map((a) => toNumber(a));
  const [start, stop, step] = nums.length === 1 ? [0, nums[0]!, 1] : [nums[0]!, nums[1]!, nums[2] ?? 1];
  if (step === 0) throw new PluginError('runtime', 'range() arg 3 must not be zero');
  const out = new PyRange();
  const limit = 100000;
  for (let i = start; step > 0 ? i < stop : i > stop; i += step) {
    out.push(i);
    if (out.length > limit) throw new PluginError('runtime', `range too big, maximum size is ${limit}`);
  }
  return out;
}

class Cycler extends PyObject {
  private pos = 0;
  constructor(private readonly items: unknown[]) {
    super();
  }
  getAttr(name: string): unknown {
    switch (name) {
      case 'current':
        return this.items[this.pos];
      case 'next':
        return new PyCallable('next', () => {
          const v = this.items[this.pos];
          this.pos = (this.pos + 1) % this.items.length;
          return v;
        });
      case 'reset':
        return new PyCallable('reset', () => {
          this.pos = 0;
          return null;
        });
      default:
        return missingAttribute(this, name);
    }
  }
}

/** Runs a lookup; its failure reads as Ansible's "The lookup plugin 'x' failed: ..." (an undefined variable stays one). */
export function invokeLookup(ctx: PluginContext, def: LookupDef, name: string, terms: unknown[], kwargs: Record<string, unknown>, loop?: LoopInvocation): unknown[] {
  try {
    return def.fn(ctx, terms, kwargs, loop);
  } catch (e) {
    if (e instanceof PyError && (e.kind === 'undefined' || e.kind === 'lookup-load')) throw e;
    const message = e instanceof Error ? e.message : String(e);
    throw new PluginError('lookup', `The lookup plugin '${name}' failed: ${message}`, { cause: e });
  }
}

function callLookup(ctx: PluginContext, lookups: LookupRegistry, fallback: LookupFallback | undefined, call: CallArgs, forceList: boolean): unknown {
  const [nameArg, ...terms] = call.args;
  const name = pyStr(nameArg);
  const { wantlist, errors, ...kwargs } = call.kwargs;
  const def = resolveLookup(lookups, fallback, name);
  if (!def) {
    const hint = suggest(name, lookups.keys());
    const install = fallback?.notFoundHint?.(name);
    throw new PluginError('unknown-lookup', `The lookup plugin '${name}' was not found.${hint ? ` Did you mean '${hint}'?` : ''}${install ? ` (${install})` : ''}`);
  }
  const list = forceList || truthy(wantlist ?? false);
  if (!def.acceptsMarkers) for (const t of terms) if (t instanceof Undefined) throw new PluginError('undefined', t.message);
  let result: unknown[];
  try {
    result = invokeLookup(ctx, def, name, terms, kwargs);
  } catch (e) {
    if (e instanceof PyError && e.kind === 'lookup-load') throw e;
    const mode = pyStr(errors ?? 'strict');
    if (mode === 'ignore' || mode === 'warn') return list ? [] : null;
    throw e;
  }
  if (list || result.length === 0) return result;
  if (result.length === 1) return result[0];
  return result.every((x) => typeof x === 'string') ? result.join(',') : result;
}

/** `fallback` is asked at each call, so that it can be set after the globals are made. */
export function createGlobals(lookups: LookupRegistry, fallback: () => LookupFallback | undefined = () => undefined): Map<string, unknown> {
  const globals = new Map<string, unknown>();
  globals.set('range', new PyCallable('range', range));
  globals.set('dict', new PyCallable('dict', ({ args, kwargs }) => {
    const out: Record<string, unknown> = {};
    if (args.length) {
      const src = args[0];
      if (isDict(src)) for (const k of dictKeys(src)) setKey(out, k, src[k]);
      else for (const pair of pyIter(src)) {
        const kv = pyIter(pair);
        setKey(out, pyStr(kv[0]), kv[1]);
      }
    }
    for (const k of Object.keys(kwargs)) setKey(out, k, kwargs[k]);
    return out;
  }));
  globals.set('namespace', new PyCallable('namespace', ({ args, kwargs }) => {
    const ns = new Namespace();
    const src = args[0];
    if (isDict(src)) for (const k of dictKeys(src)) setKey(ns.attrs, k, src[k]);
    for (const k of Object.keys(kwargs)) setKey(ns.attrs, k, kwargs[k]);
    return ns;
  }));
  globals.set('cycler', new PyCallable('cycler', ({ args }) => new Cycler(args)));
  globals.set('joiner', new PyCallable('joiner', ({ args, kwargs }) => {
    const sep = pyStr(args[0] ?? kwargs['sep'] ?? ', ');
    let used = false;
    return new PyCallable('joiner', () => {
      if (!used) {
        used = true;
        return '';
      }
      return sep;
    });
  }));
  globals.set('now', new PyCallable('now', ({ args, kwargs }) => {
    const utc = truthy(args[0] ?? kwargs['utc'] ?? false);
    const fmt = args[1] ?? kwargs['fmt'] ?? null;
    return strftime(new Date(), fmt === null ? '%Y-%m-%d %H:%M:%S.%f' : pyStr(fmt), utc, true);
  }));
  globals.set('undef', new PyCallable('undef', ({ args, kwargs }) => {
    const hint = args[0] ?? kwargs['hint'];
    if (hint !== undefined && hint !== null && typeof hint !== 'string') throw new PluginError('type', `The 'hint' argument must be of type 'str' or 'NoneType', not '${typeName(hint)}'.`);
    return new Undefined('undef', hint === undefined || hint === null ? 'Mandatory variable has not been overridden' : pyStr(hint));
  }));
  const lookup = new ContextualGlobal((ctx) => new PyCallable('lookup', (call) => callLookup(ctx, lookups, fallback(), call, false)));
  const query = new ContextualGlobal((ctx) => new PyCallable('query', (call) => callLookup(ctx, lookups, fallback(), call, true)));
  globals.set('lookup', lookup);
  globals.set('query', query);
  globals.set('q', query);
  return globals;
}
