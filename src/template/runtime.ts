/**
 * The tree-walking evaluator. One Evaluation per top-level templating call: it owns the variable
 * cache (lazily templated variables are templated once per call), the recursion guard and the
 * positions errors are reported at. The walking itself is split by concern: statements.ts runs
 * statements, expressions.ts evaluates expressions, output.ts turns what was printed into the
 * result; they see the Evaluation through the EvalContext interface (context.ts).
 */
import type { Pos } from './ast.js';
import { type EvalContext, Frame, MISSING } from './context.js';
import {
  PluginError,
  type SourcePosition,
  TemplateError,
  TemplateRuntimeError,
  TemplateTypeError,
  UndefinedVariableError,
  isUndefinedError,
} from './errors.js';
import { PyError } from '../python/errors.js';
import type { CompiledTemplate, TemplateEnvironment } from './environment.js';
import { ExpressionEvaluator } from './expressions.js';
import type { Syntax } from './lexer.js';
import { ContextualGlobal } from './globals.js';
import { isLazyMapping, lazyMapping } from './lazy.js';
import { OutputChunk, concat, finalizeNative } from './output.js';
import { assertDefined } from './plugins.js';
import { StatementExecutor } from './statements.js';
import { Undefined, dictKeys, hasOwn, isDict, undefinedVariable } from '../python/values.js';

export { MISSING };

/** Where the variables of a templating call come from. Values are templated when read. */
export interface VariableSource {
  /** The raw value, or MISSING. */
  get(name: string): unknown;
  keys(): Iterable<string>;
  /**
   * False for values that must not be templated again when read: module results, facts and
   * set_fact values (Ansible 2.19 trusts only templates written in playbooks and vars files).
   */
  isTrusted?(name: string): boolean;
}

export function objectSource(vars: Record<string, unknown>): VariableSource {
  return {
    get: (name) => (hasOwn(vars, name) ? vars[name] : MISSING),
    keys: () => dictKeys(vars),
  };
}

export interface EvaluationOptions {
  searchPath?: readonly string[];
  /**
   * Undefined values inside lists and dicts stay in the result as Undefined (Ansible's lazy
   * markers), for the lookups that drop them (with_first_found); a whole result still fails.
   */
  lazyUndefined?: boolean;
}

export class Evaluation implements EvalContext {
  private readonly resolved = new Map<string, unknown>();
  private readonly resolving: string[] = [];
  readonly searchPath: readonly string[];
  readonly lazyUndefined: boolean;
  /** The template being evaluated, for positions in errors. */
  private currentFile = '<template>';
  private lineOffset = 0;
  private columnOffset = 0;
  private readonly expressions = new ExpressionEvaluator(this);
  private readonly statements = new StatementExecutor(this, this.expressions);

  constructor(
    readonly env: TemplateEnvironment,
    private readonly source: VariableSource,
    options: EvaluationOptions = {},
  ) {
    this.searchPath = options.searchPath ?? [];
    this.lazyUndefined = options.lazyUndefined ?? false;
  }

  get file(): string {
    return this.currentFile;
  }

  /** Under lazyUndefined: an item whose templating meets an undefined variable becomes that Undefined. */
  private lazily(fn: () => unknown): unknown {
    if (!this.lazyUndefined) return fn();
    try {
      return fn();
    } catch (e) {
      if (!isUndefinedError(e)) throw e;
      const variable = (e as { variable?: string }).variable ?? '';
      return new Undefined(variable, e instanceof TemplateError ? e.detail : e.message);
    }
  }

  // ---------------------------------------------------------------- entry points

  /** Renders to a string (includes, the template lookup): chunks joined as text. */
  renderCompiled(compiled: CompiledTemplate, frame?: Frame): string {
    return this.withTemplate(compiled, () => {
      const out: unknown[] = [];
      this.statements.execBody(compiled.body, frame ?? new Frame(null), out);
      return concat(this, out);
    });
  }

  /**
   * Ansible's native rendering: one output chunk keeps its type ("{{ pkgs }}" is a list), several
   * are joined as text; trailing newlines of the source are kept on text results.
   */
  renderNative(compiled: CompiledTemplate, frame?: Frame, keepLazy = false): unknown {
    if (compiled.constant !== undefined) return compiled.constant;
    return this.withTemplate(compiled, () => {
      let result: unknown;
      const single = compiled.single;
      if (single) {
        const value = this.expressions.eval(single, frame ?? new Frame(null));
        // A variable that is another's lazy mapping (`top: "{{ lower }}"`) stays lazy: it has not left the template system.
        result = keepLazy && isLazyMapping(value) ? value : finalizeNative(this, value, single.pos);
      } else {
        const out: unknown[] = [];
        this.statements.execBody(compiled.body, frame ?? new Frame(null), out);
        if (out.length === 0) result = null;
        else if (out.length === 1) {
          const only = out[0];
          result = only instanceof OutputChunk ? finalizeNative(this, only.value, only.pos) : only;
        }
        else result = concat(this, out);
      }
      if (typeof result === 'string' && compiled.trailingNewlines > 0) {
        const have = /\n*$/.exec(result)?.[0].length ?? 0;
        if (have < compiled.trailingNewlines) result += compiled.newline.repeat(compiled.trailingNewlines - have);
      }
      return result;
    });
  }

  private withTemplate<T>(compiled: CompiledTemplate, fn: () => T): T {
    const saved = [this.currentFile, this.lineOffset, this.columnOffset] as const;
    this.currentFile = compiled.file;
    this.lineOffset = compiled.lineOffset;
    this.columnOffset = compiled.columnOffset;
    try {
      return this.expressions.withConstTemplates(compiled.constTemplates ? 'render' : 'keep', fn);
    } finally {
      [this.currentFile, this.lineOffset, this.columnOffset] = saved;
    }
  }

  // ---------------------------------------------------------------- PluginContext

  callFilter(name: string, value: unknown, args: unknown[] = [], kwargs: Record<string, unknown> = {}): unknown {
    const def = this.env.findFilter(name);
    if (!def) throw new PluginError('unknown-filter', `No filter named '${name}'.`);
    if (!def.acceptsUndefined) {
      assertDefined(value);
      args.forEach(assertDefined);
    }
    return def.fn(this, value, args, kwargs);
  }

  callTest(name: string, value: unknown, args: unknown[] = [], kwargs: Record<string, unknown> = {}): boolean {
    const def = this.env.findTest(name);
    if (!def) throw new PluginError('unknown-test', `No test named '${name}'.`);
    if (!def.acceptsUndefined) {
      assertDefined(value);
      args.forEach(assertDefined);
    }
    return def.fn(this, value, args, kwargs);
  }

  hasFilter(name: string): boolean {
    return this.env.findFilter(name) !== undefined;
  }

  hasTest(name: string): boolean {
    return this.env.findTest(name) !== undefined;
  }

  variable(name: string): unknown {
    if (this.resolved.has(name)) return this.resolved.get(name);
    const raw = this.source.get(name);
    if (raw === MISSING) {
      const global = this.env.globals.get(name);
      if (global instanceof ContextualGlobal) {
        const bound = global.bind(this);
        this.resolved.set(name, bound);
        return bound;
      }
      return global === undefined ? undefinedVariable(name) : global;
    }
    if (this.source.isTrusted?.(name) === false || !this.env.needsTemplating(raw)) {
      this.resolved.set(name, raw);
      return raw;
    }
    if (this.resolving.includes(name)) {
      const chain = [...this.resolving.slice(this.resolving.indexOf(name)), name].map((n) => `'${n}'`).join(' -> ');
      throw new PluginError('recursion', `Recursive loop detected in template: ${chain}`);
    }
    this.resolving.push(name);
    try {
      const value = this.templateDeep(raw, name);
      this.resolved.set(name, value);
      return value;
    } finally {
      this.resolving.pop();
    }
  }

  variableNames(): string[] {
    return [...this.source.keys()];
  }

  render(source: string, file: string, extraVars?: Record<string, unknown>, syntax?: Partial<Syntax>): unknown {
    const compiled = this.env.compile(source, syntax ? { file, syntax } : { file });
    const frame = new Frame(null);
    if (extraVars) for (const k of Object.keys(extraVars)) frame.vars.set(k, extraVars[k]);
    return this.renderNative(compiled, frame);
  }

  /** Templates a variable's value (a string, or strings inside lists and dicts). */
  private templateDeep(value: unknown, name: string): unknown {
    if (typeof value === 'string') {
      if (!this.env.needsTemplating(value)) return value;
      let compiled: CompiledTemplate;
      try {
        // A variable's value is templated as Ansible templates data: backslashes in its string
        // literals kept as written (escape_backslashes), even when a conditional refers to it.
        compiled = this.env.compile(value, { file: `variable '${name}'`, syntax: { escapeBackslashes: true } });
        return this.renderNative(compiled, undefined, true);
      } catch (e) {
        if (e instanceof TemplateError) {
          const err = new PluginError(e.kind, `${e.detail} (in the value of variable '${name}')`, { cause: e });
          if (e instanceof UndefinedVariableError) (err as PluginError & { variable?: string }).variable = e.variable;
          throw err;
        }
        throw e;
      }
    }
    if (Array.isArray(value)) {
      if (!value.some((v) => this.env.needsTemplating(v))) return value;
      return value.map((v) => this.lazily(() => this.templateDeep(v, name)));
    }
    if (isDict(value)) {
      if (!this.env.needsTemplating(value)) return value;
      return this.lazyDict(value, name);
    }
    return value;
  }

  /** A mapping whose values are templated when they are read (see lazy.ts). */
  private lazyDict(raw: Record<string, unknown>, name: string): Record<string, unknown> {
    return lazyMapping(raw, name, (value) => this.lazily(() => this.templateDeep(value, name)));
  }

  // ---------------------------------------------------------------- errors

  position(pos: Pos): SourcePosition {
    return {
      file: this.currentFile,
      line: pos.line + this.lineOffset,
      column: pos.line === 1 ? pos.column + this.columnOffset : pos.column,
    };
  }

  /** Turns whatever a filter, method or operator threw into a TemplateError at `pos`; `rendering`: an operator's. */
  wrap(e: unknown, pos: Pos, rendering = false): never {
    if (e instanceof TemplateError) throw e;
    const at = this.position(pos);
    if (e instanceof PyError) {
      if (e.kind === 'undefined') {
        const variable = (e as PyError & { variable?: string }).variable ?? /'([^']+)'/.exec(e.message)?.[1] ?? '';
        throw new UndefinedVariableError(variable, e.message, at);
      }
      if (e.kind === 'type') throw new TemplateTypeError(e.message, at, { rendering });
      throw new TemplateRuntimeError(e instanceof PluginError ? e.kind : 'runtime', e.message, at, { cause: e, rendering });
    }
    if (e instanceof RangeError) throw new TemplateRuntimeError('runtime', `maximum recursion depth exceeded: ${e.message}`, at);
    const message = e instanceof Error ? e.message : String(e);
    throw new TemplateRuntimeError('runtime', message, at, { cause: e });
  }

  undefinedError(u: Undefined, pos: Pos): UndefinedVariableError {
    return new UndefinedVariableError(u.name, u.message, this.position(pos));
  }
}
