/** What filters, tests and lookups are, and what they may ask of the template that calls them. */
import { PluginError, typeError } from './errors.js';
import type { Syntax } from './lexer.js';
import { Undefined } from '../python/values.js';

export interface PluginContext {
  callFilter(name: string, value: unknown, args?: unknown[], kwargs?: Record<string, unknown>): unknown;
  callTest(name: string, value: unknown, args?: unknown[], kwargs?: Record<string, unknown>): boolean;
  hasFilter(name: string): boolean;
  hasTest(name: string): boolean;
  /** A variable as the template sees it (lazily templated); an Undefined when missing. */
  variable(name: string): unknown;
  /** All variable names visible to the template (for the `vars` lookup and `varnames`). */
  variableNames(): string[];
  /**
   * Renders another template in the same variables, `extraVars` on top, to its native value as
   * Ansible's template lookup does: one expression keeps its type, no output is None, the
   * source's trailing newlines are kept.
   */
  render(source: string, file: string, extraVars?: Record<string, unknown>, syntax?: Partial<Syntax>): unknown;
  /** Directories searched for relative paths: files/, templates/, the playbook dir... */
  readonly searchPath: readonly string[];
}

export interface FilterDef {
  fn: (ctx: PluginContext, value: unknown, args: unknown[], kwargs: Record<string, unknown>) => unknown;
  /** Filters like default() look at undefined input; the others fail on it before they run. */
  acceptsUndefined?: boolean;
  /**
   * An error its input raised reaches it as a CapturedError (Ansible's ExceptionMarker) instead
   * of failing the template (ansible._protomatter.dump_object).
   */
  acceptsErrors?: boolean;
}

/** What an expression raised, as a value (Ansible's ExceptionMarker): its message as Ansible words it. */
export class CapturedError {
  constructor(readonly message: string) {}
}

export interface TestDef {
  fn: (ctx: PluginContext, value: unknown, args: unknown[], kwargs: Record<string, unknown>) => boolean;
  acceptsUndefined?: boolean;
}

/** A lookup run by a task's `with_<lookup>`: the task's action (first_found picks its folder by it). */
export interface LoopInvocation {
  action: string;
}

/** A lookup returns a list; `lookup()` joins it with commas unless wantlist=True, `query()` does not. */
export interface LookupDef {
  fn: (ctx: PluginContext, terms: unknown[], kwargs: Record<string, unknown>, loop?: LoopInvocation) => unknown[];
  /** As a `with_` loop, its terms may hold undefined items (Ansible's lazy markers), which it drops. */
  lazyUndefined?: boolean;
  /** Ansible's accept_args_markers: an undefined term reaches it (an Undefined) instead of failing the call. */
  acceptsMarkers?: boolean;
}

/**
 * Where the lookups the registry does not hold are found: the executor's Python lookup plugins,
 * run with the controller's ansible-core. Registered lookups come first unless a lookup_plugins/
 * file beside the playbook or in a role takes their name (shadowing, as Ansible looks there first).
 */
export interface LookupFallback {
  /** The lookup of that name (as the template wrote it), when there is one. */
  find(name: string): LookupDef | undefined;
  /** A lookup_plugins/ file's lookup that takes the place of a registered one of that name, as in Ansible. */
  shadowing?(name: string): LookupDef | undefined;
  /** Words to add to "The lookup plugin 'x' was not found." (what to install to have it). */
  notFoundHint?(name: string): string | undefined;
}

/**
 * Where the filters and tests the registries do not hold are found: the executor's Python
 * filter_plugins/ and test_plugins/ (and collections'), run with the controller's ansible-core.
 * Registered ones come first unless a plugin file of the playbook's or a role's takes their name
 * (shadowing*, as Ansible's loader looks there before its own); asked by the compile-time check
 * too, so that a name a plugin file provides is no "No filter named".
 */
export interface FilterTestFallback {
  findFilter(name: string): FilterDef | undefined;
  findTest(name: string): TestDef | undefined;
  /** A plugin file's filter (test) that takes the place of a registered one of that name, as in Ansible. */
  shadowingFilter?(name: string): FilterDef | undefined;
  shadowingTest?(name: string): TestDef | undefined;
}

export type FilterRegistry = Map<string, FilterDef>;
export type TestRegistry = Map<string, TestDef>;
export type LookupRegistry = Map<string, LookupDef>;

/**
 * Binds positional and keyword arguments to a Python-like signature:
 * `bind('sort', args, kwargs, ['reverse', 'case_sensitive', 'attribute'], { reverse: false, ... })`.
 */
export function bind(
  name: string,
  args: unknown[],
  kwargs: Record<string, unknown>,
  params: readonly string[],
  defaults: Record<string, unknown> = {},
): Record<string, unknown> {
  if (args.length > params.length) {
    throw typeError(`${name}() takes at most ${params.length} argument${params.length === 1 ? '' : 's'} (${args.length} given)`);
  }
  const out: Record<string, unknown> = {};
  params.forEach((p, i) => {
    if (i < args.length) out[p] = args[i];
  });
  for (const key of Object.keys(kwargs)) {
    if (!params.includes(key)) throw typeError(`${name}() got an unexpected keyword argument '${key}'`);
    if (key in out) throw typeError(`${name}() got multiple values for argument '${key}'`);
    out[key] = kwargs[key];
  }
  for (const p of params) {
    if (!(p in out)) {
      if (p in defaults) out[p] = defaults[p];
      else throw typeError(`${name}() missing required argument '${p}'`);
    }
  }
  return out;
}

export function assertDefined(value: unknown): void {
  if (value instanceof Undefined) throw new PluginError('undefined', value.message);
}

/**
 * The registry name of a plugin name playbook may carry natively: a bare name, or one qualified
 * with ansible.builtin, ansible.legacy or ansible._protomatter. Another collection's name
 * (`community.general.x`, `my.coll.items`) is never one of playbook's own: it is found in that
 * collection or not at all.
 */
export function nativeName(name: string): string | undefined {
  return /^(?:ansible\.(?:builtin|legacy|_protomatter)\.)?([^.]+)$/.exec(name)?.[1];
}

/** A lookup by name: playbook's own (unless a lookup_plugins/ file takes its name), else the fallback's. */
export function resolveLookup(lookups: LookupRegistry, fallback: LookupFallback | undefined, name: string): LookupDef | undefined {
  const native = nativeName(name);
  const own = native === undefined ? undefined : lookups.get(native);
  return own ? (fallback?.shadowing?.(name) ?? own) : fallback?.find(name);
}
