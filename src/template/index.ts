/**
 * Ansible's Jinja2, in TypeScript: `renderTemplate` gives the text the template module writes,
 * `evaluateExpression` the native value of `"{{ expression }}"`, `templateValue` what a module
 * argument becomes. A Templar holds the registries and the parse cache; the functions below use a
 * shared default one.
 */
import { type CompileOptions, type TemplateLoader, TemplateEnvironment } from './environment.js';
import { createFilterRegistry } from './filters/index.js';
import { createGlobals, invokeLookup } from './globals.js';
import { createLookupRegistry } from './lookups.js';
import type { FilterDef, FilterTestFallback, LookupDef, LookupFallback, TestDef } from './plugins.js';
import { materialize } from './lazy.js';
import { Evaluation, MISSING, type VariableSource, objectSource } from './runtime.js';
import { createTestRegistry } from './tests.js';
import { type SourcePosition, TemplateRuntimeError, TemplateSyntaxError, UndefinedVariableError } from './errors.js';
import { UNDECRYPTABLE, Undefined, containsVaulted, dictKeys, isDict, newDict, pyStr, setKey, toPlain } from '../python/values.js';

export interface TemplateOptions extends CompileOptions {
  /** Directories for relative paths in lookups and includes (each also searched with templates/ or files/). */
  searchPath?: readonly string[];
  /**
   * Keep PyFloat boxes and tuples in results (for the engine, which stores values and prints them
   * again with Python semantics). The public functions return plain JavaScript values.
   */
  keepPythonTypes?: boolean;
  /** Undefined items of lists and dicts stay as Undefined values (see EvaluationOptions). */
  lazyUndefined?: boolean;
}

export type TemplateVariables = Record<string, unknown> | VariableSource;

/** Expressions are templated with escape_backslashes unless told otherwise (conditionals are not). */
export type ExpressionOptions = TemplateOptions & { escapeBackslashes?: boolean };

function toSource(vars: TemplateVariables): VariableSource {
  return typeof (vars as VariableSource).get === 'function' && typeof (vars as VariableSource).keys === 'function'
    ? (vars as VariableSource)
    : objectSource(vars as Record<string, unknown>);
}

export class Templar {
  readonly env: TemplateEnvironment;

  constructor(options: { loader?: TemplateLoader } = {}) {
    const lookups = createLookupRegistry();
    this.env = new TemplateEnvironment({ filters: createFilterRegistry(), tests: createTestRegistry(), lookups });
    for (const [name, value] of createGlobals(lookups, () => this.env.lookupFallback)) this.env.globals.set(name, value);
    if (options.loader) this.env.loader = options.loader;
  }

  addFilter(name: string, def: FilterDef): void {
    this.env.filters.set(name, def);
  }

  addTest(name: string, def: TestDef): void {
    this.env.tests.set(name, def);
  }

  addLookup(name: string, def: LookupDef): void {
    this.env.lookups.set(name, def);
  }

  /** Where lookups not registered are found (the executor's Python lookup plugins); registered ones come first. */
  setLookupFallback(fallback: LookupFallback | undefined): void {
    this.env.lookupFallback = fallback;
  }

  /** Where filters and tests not registered are found (the executor's Python plugins), and those that shadow registered ones. */
  setFilterTestFallback(fallback: FilterTestFallback | undefined): void {
    this.env.filterTestFallback = fallback;
  }

  /** The text the template module writes for `source` (trim_blocks on, backslash escapes decoded). */
  renderTemplate(source: string, vars: TemplateVariables = {}, options: TemplateOptions = {}): string {
    const compiled = this.env.compile(source, options);
    // A template whose only output is one expression gives that value, written out with str().
    const result = new Evaluation(this.env, toSource(vars), options).renderNative(compiled);
    return result === null || result === undefined ? '' : pyStr(result);
  }

  /** The native value of `{{ expression }}`. Conditionals (`when:`) pass `escapeBackslashes: false`. */
  evaluateExpression(expression: string, vars: TemplateVariables = {}, options: ExpressionOptions = {}): unknown {
    return this.evaluateWith(new Evaluation(this.env, toSource(vars), options), expression, options);
  }

  /** @internal One expression in an existing evaluation (shared variable cache). */
  evaluateWith(evaluation: Evaluation, expression: string, options: ExpressionOptions): unknown {
    const compiled = this.env.compile(`{{ ${expression} }}`, {
      ...options,
      file: options.file ?? '<expression>',
      column: (options.column ?? 1) - 3,
      syntax: { ...options.syntax, escapeBackslashes: options.escapeBackslashes ?? true },
    });
    if (!compiled.single) {
      throw new TemplateSyntaxError('expected a single expression', { file: compiled.file, line: compiled.lineOffset + 1, column: 1 });
    }
    const result = evaluation.renderNative(compiled);
    refuseVaulted(result, { file: compiled.file, line: compiled.lineOffset + 1, column: options.column ?? 1 });
    return options.keepPythonTypes ? result : toPlain(result);
  }

  /**
   * What a module argument becomes: strings are templated (one `{{ expr }}` keeps its type),
   * lists and dicts are templated deeply, anything else is returned as is.
   */
  /** Templating calls over the same variables that share one cache (see BoundTemplar). */
  bind(vars: TemplateVariables, options: TemplateOptions = {}): BoundTemplar {
    return new BoundTemplar(this, toSource(vars), options);
  }

  templateValue(value: unknown, vars: TemplateVariables = {}, options: TemplateOptions = {}): unknown {
    return this.templateValueWith(new Evaluation(this.env, toSource(vars), options), value, options);
  }

  /** @internal */
  templateValueWith(evaluation: Evaluation, value: unknown, options: TemplateOptions): unknown {
    const syntax = { ...options.syntax, escapeBackslashes: true };
    const walk = (v: unknown, nested: boolean): unknown => {
      if (typeof v === 'string') {
        if (!this.env.needsTemplating(v)) return v;
        if (!(nested && options.lazyUndefined)) return evaluation.renderNative(this.env.compile(v, { ...options, syntax }));
        try {
          return evaluation.renderNative(this.env.compile(v, { ...options, syntax }));
        } catch (e) {
          if (!(e instanceof UndefinedVariableError)) throw e;
          return new Undefined(e.variable, e.detail);
        }
      }
      if (Array.isArray(v)) return v.map((x) => walk(x, true));
      if (isDict(v)) {
        const out = newDict();
        for (const k of dictKeys(v)) setKey(out, k, walk(v[k], true));
        return out;
      }
      return v;
    };
    const result = walk(value, false);
    refuseVaulted(result, { file: options.file ?? '<template>', line: options.line ?? 1, column: options.column ?? 1 });
    return options.keepPythonTypes ? result : toPlain(result);
  }
}

/**
 * Templating calls that share one variable cache: a task's name, arguments and conditions read
 * each lazily templated variable once.
 */
export class BoundTemplar {
  private readonly evaluation: Evaluation;

  constructor(
    private readonly templar: Templar,
    private readonly vars: VariableSource,
    private readonly options: TemplateOptions = {},
  ) {
    this.evaluation = new Evaluation(templar.env, vars, options);
  }

  /** A variable as a template sees it (an Undefined when missing). */
  variable(name: string): unknown {
    return materialize(this.evaluation.variable(name));
  }

  /** A variable as a template reads it, its mappings still lazy: for views a template reads further (`vars`, `hostvars`). */
  lazyVariable(name: string): unknown {
    return this.evaluation.variable(name);
  }

  /**
   * A task's `with_<lookup>`: its terms templated (undefined items kept as Undefined for a lookup
   * that drops them), the lookup run on these variables and search path, told the task's action;
   * its failure as Ansible words it.
   */
  runLookup(name: string, raw: unknown, action: string): unknown[] {
    const def = this.templar.env.findLookup(name);
    if (!def) throw new Error(`Unexpected failure in finding the lookup named '${name}' in the available lookup plugins`);
    const terms = def.lazyUndefined
      ? this.templar.templateValueWith(new Evaluation(this.templar.env, this.vars, { ...this.options, lazyUndefined: true }), raw, { ...this.options, lazyUndefined: true })
      : this.templateValue(raw);
    // with_X: a list is the lookup's terms, anything else is its one term.
    return invokeLookup(this.evaluation, def, name, Array.isArray(terms) ? terms : [terms], {}, { action });
  }

  templateValue(value: unknown, options: TemplateOptions = {}): unknown {
    return this.templar.templateValueWith(this.evaluation, value, { ...this.options, ...options });
  }

  evaluateExpression(expression: string, options: ExpressionOptions = {}): unknown {
    return this.templar.evaluateWith(this.evaluation, expression, { ...this.options, ...options });
  }

  /**
   * Ansible's resolve_to_container: `{{ name }}` gives the variable's list or dict with its items
   * as written (not templated); any other template is templated as a whole.
   */
  resolveToContainer(text: string, options: TemplateOptions = {}): unknown {
    const name = /^\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}$/.exec(text.trim())?.[1];
    const raw = name !== undefined ? this.vars.get(name) : MISSING;
    if (Array.isArray(raw) || isDict(raw)) return raw;
    return this.templateValue(text, { ...options, keepPythonTypes: true });
  }

  /** Renders with the same variables, plus `extra` ones on top (the template module's template_* variables). */
  renderTemplate(source: string, options: TemplateOptions = {}, extra?: Record<string, unknown>): string {
    const base = this.vars;
    const vars: VariableSource = extra
      ? {
          get: (name) => (Object.prototype.hasOwnProperty.call(extra, name) ? extra[name] : base.get(name)),
          keys: () => new Set([...Object.keys(extra), ...base.keys()]),
          isTrusted: (name) => (Object.prototype.hasOwnProperty.call(extra, name) ? name === 'ansible_managed' : (base.isTrusted?.(name) ?? true)),
        }
      : base;
    return this.templar.renderTemplate(source, vars, { ...this.options, ...options });
  }
}

/** A vaulted value must not leave templating: without its secret, using it is Ansible's error. */
function refuseVaulted(result: unknown, at: SourcePosition): void {
  if (containsVaulted(result)) throw new TemplateRuntimeError('runtime', UNDECRYPTABLE, at);
}

let shared: Templar | undefined;

export function defaultTemplar(): Templar {
  shared ??= new Templar();
  return shared;
}

/** The text Ansible's template module writes for `source` with `vars`. */
export function renderTemplate(source: string, vars: TemplateVariables = {}, options: TemplateOptions = {}): string {
  return defaultTemplar().renderTemplate(source, vars, options);
}

/** The native value Ansible gives `"{{ expression }}"` in a module argument. */
export function evaluateExpression(expression: string, vars: TemplateVariables = {}, options: TemplateOptions = {}): unknown {
  return defaultTemplar().evaluateExpression(expression, vars, options);
}

/** What a module argument value becomes after templating. */
export function templateValue(value: unknown, vars: TemplateVariables = {}, options: TemplateOptions = {}): unknown {
  return defaultTemplar().templateValue(value, vars, options);
}

export { TemplateEnvironment } from './environment.js';
export type { CompileOptions, TemplateLoader, LoadedTemplate } from './environment.js';
export * from './errors.js';
export type { FilterDef, LookupDef, PluginContext, TestDef } from './plugins.js';
export { MISSING, type VariableSource } from './runtime.js';
export { PyFloat, Undefined, pyRepr, pyStr } from '../python/values.js';
export type { Syntax } from './lexer.js';
