/**
 * The tree-walking evaluator. One Evaluation per top-level templating call: it owns the variable
 * cache (lazily templated variables are templated once per call) and the recursion guard.
 */
import { binaryOp } from './arith.js';
import { getAttribute, getItem } from './access.js';
import type { CallArgsNode, Expr, MacroSignature, Pos, Stmt, Target } from './ast.js';
import {
  PluginError,
  type SourcePosition,
  TemplateError,
  TemplateRuntimeError,
  TemplateSyntaxError,
  TemplateTypeError,
  UndefinedVariableError,
  taskFailureDetail,
} from './errors.js';
import { PyError } from '../python/errors.js';
import type { CompiledTemplate, TemplateEnvironment } from './environment.js';
import type { Syntax } from './lexer.js';
import { ContextualGlobal } from './globals.js';
import { isLazyMapping, lazyMapping } from './lazy.js';
import { LoopInfo } from './loop.js';
import { SliceValue } from './slice.js';
import type { PluginContext } from './plugins.js';
import { CapturedError, assertDefined } from './plugins.js';
import {
  type CallArgs,
  Namespace,
  PyCallable,
  PyRange,
  PyTuple,
  Undefined,
  dictKeys,
  hasOwn,
  isDict,
  newDict,
  pyCompare,
  pyContains,
  pyEquals,
  pyIter,
  pyStr,
  setKey,
  truthy,
  typeName,
  undefinedVariable,
} from '../python/values.js';

/** An output value with the place it was printed from, kept native until the render ends. */
class OutputChunk {
  constructor(
    readonly value: unknown,
    readonly pos: Pos,
  ) {}
}

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

export const MISSING: unique symbol = Symbol('missing');

export function objectSource(vars: Record<string, unknown>): VariableSource {
  return {
    get: (name) => (hasOwn(vars, name) ? vars[name] : MISSING),
    keys: () => dictKeys(vars),
  };
}

class Frame {
  readonly vars = new Map<string, unknown>();
  constructor(readonly parent: Frame | null) {}
  lookup(name: string): unknown {
    if (this.vars.has(name)) return this.vars.get(name);
    return this.parent ? this.parent.lookup(name) : MISSING;
  }
}

export interface EvaluationOptions {
  searchPath?: readonly string[];
  /**
   * Undefined values inside lists and dicts stay in the result as Undefined (Ansible's lazy
   * markers), for the lookups that drop them (with_first_found); a whole result still fails.
   */
  lazyUndefined?: boolean;
}

/** An error's message as Ansible's ExceptionMarker holds it. */
function capturedMessage(e: TemplateError): string {
  if (e.kind === 'syntax' && !(e instanceof TemplateSyntaxError)) return `Syntax error in template: ${e.detail}`;
  return taskFailureDetail(e);
}

/** The globals that call a lookup. */
const LOOKUP_CALLS = new Set(['lookup', 'query', 'q']);

/** Whether an error is an undefined variable's, however wrapped. */
function isUndefinedError(e: unknown): e is TemplateError | PyError {
  return (e instanceof TemplateError || e instanceof PyError) && e.kind === 'undefined';
}

export class Evaluation implements PluginContext {
  private readonly resolved = new Map<string, unknown>();
  private readonly resolving: string[] = [];
  readonly searchPath: readonly string[];
  private readonly lazyUndefined: boolean;
  /** The template being evaluated, for positions in errors. */
  private file = '<template>';
  private lineOffset = 0;
  private columnOffset = 0;
  /**
   * What the string literals that hold a template become: kept as written; rendered (a
   * conditional's, CompileOptions.constTemplates); or, in a lookup's terms, rendered unless they
   * name an undefined variable (Ansible renders those lazily, when the lookup reads them, so a
   * lookup that only passes one on does not fail).
   */
  private constTemplates: 'keep' | 'render' | 'lookup' = 'keep';

  constructor(
    readonly env: TemplateEnvironment,
    private readonly source: VariableSource,
    options: EvaluationOptions = {},
  ) {
    this.searchPath = options.searchPath ?? [];
    this.lazyUndefined = options.lazyUndefined ?? false;
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
      this.execBody(compiled.body, frame ?? new Frame(null), out);
      return this.concat(out);
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
        const value = this.eval(single, frame ?? new Frame(null));
        // A variable that is another's lazy mapping (`top: "{{ lower }}"`) stays lazy: it has not left the template system.
        result = keepLazy && isLazyMapping(value) ? value : this.finalizeNative(value, single.pos);
      } else {
        const out: unknown[] = [];
        this.execBody(compiled.body, frame ?? new Frame(null), out);
        if (out.length === 0) result = null;
        else if (out.length === 1) {
          const only = out[0];
          result = only instanceof OutputChunk ? this.finalizeNative(only.value, only.pos) : only;
        }
        else result = this.concat(out);
      }
      if (typeof result === 'string' && compiled.trailingNewlines > 0) {
        const have = /\n*$/.exec(result)?.[0].length ?? 0;
        if (have < compiled.trailingNewlines) result += compiled.newline.repeat(compiled.trailingNewlines - have);
      }
      return result;
    });
  }

  /** Output chunks as text: None and a soft undefined print as '', other undefineds fail. */
  private concat(out: unknown[]): string {
    let text = '';
    for (const chunk of out) {
      if (typeof chunk === 'string') text += chunk;
      else if (chunk instanceof OutputChunk) text += this.printable(chunk.value, chunk.pos);
      else text += this.printable(chunk, { line: 1, column: 1 });
    }
    return text;
  }

  private withTemplate<T>(compiled: CompiledTemplate, fn: () => T): T {
    const saved = [this.file, this.lineOffset, this.columnOffset, this.constTemplates] as const;
    this.file = compiled.file;
    this.lineOffset = compiled.lineOffset;
    this.columnOffset = compiled.columnOffset;
    this.constTemplates = compiled.constTemplates ? 'render' : 'keep';
    try {
      return fn();
    } finally {
      [this.file, this.lineOffset, this.columnOffset, this.constTemplates] = saved;
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
      file: this.file,
      line: pos.line + this.lineOffset,
      column: pos.line === 1 ? pos.column + this.columnOffset : pos.column,
    };
  }

  /** Turns whatever a filter, method or operator threw into a TemplateError at `pos`; `rendering`: an operator's. */
  private wrap(e: unknown, pos: Pos, rendering = false): never {
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

  private undefinedError(u: Undefined, pos: Pos): UndefinedVariableError {
    return new UndefinedVariableError(u.name, u.message, this.position(pos));
  }

  // ---------------------------------------------------------------- statements

  private execBody(body: Stmt[], frame: Frame, out: unknown[]): void {
    for (const stmt of body) this.exec(stmt, frame, out);
  }

  private exec(stmt: Stmt, frame: Frame, out: unknown[]): void {
    switch (stmt.kind) {
      case 'data':
        out.push(stmt.text);
        return;
      case 'output': {
        const value = this.eval(stmt.expr, frame);
        if (value instanceof Undefined && !value.soft) throw this.undefinedError(value, stmt.expr.pos);
        out.push(typeof value === 'string' ? value : new OutputChunk(value, stmt.expr.pos));
        return;
      }
      case 'if': {
        for (const branch of stmt.branches) {
          if (this.test(branch.test, frame)) return this.execBody(branch.body, frame, out);
        }
        return this.execBody(stmt.otherwise, frame, out);
      }
      case 'for':
        this.execFor(stmt, frame, out, 0);
        return;
      case 'set':
        this.assign(stmt.target, this.eval(stmt.value, frame), frame);
        return;
      case 'setblock': {
        const buf: unknown[] = [];
        this.execBody(stmt.body, new Frame(frame), buf);
        let value: unknown = this.concat(buf);
        if (stmt.filter) value = this.applyFilterChain(stmt.filter, value, frame);
        this.assign(stmt.target, value, frame);
        return;
      }
      case 'macro':
        frame.vars.set(stmt.name, this.makeMacro(stmt.name, stmt.signature, stmt.body, frame));
        return;
      case 'callblock': {
        const caller = this.makeMacro('caller', stmt.signature, stmt.body, frame);
        const value = this.evalCall(stmt.call, frame, caller);
        out.push(this.printable(value, stmt.pos));
        return;
      }
      case 'filterblock': {
        const buf: unknown[] = [];
        this.execBody(stmt.body, new Frame(frame), buf);
        out.push(this.printable(this.applyFilterChain(stmt.filter, this.concat(buf), frame), stmt.pos));
        return;
      }
      case 'include':
        this.execInclude(stmt, frame, out);
        return;
      case 'with': {
        const inner = new Frame(frame);
        for (const [target, expr] of stmt.targets) this.assign(target, this.eval(expr, frame), inner);
        this.execBody(stmt.body, inner, out);
        return;
      }
    }
  }

  private execFor(stmt: Extract<Stmt, { kind: 'for' }>, frame: Frame, out: unknown[], depth0: number, items?: unknown): void {
    const iterable = items === undefined ? this.eval(stmt.iter, frame) : items;
    if (iterable instanceof Undefined) throw this.undefinedError(iterable, stmt.iter.pos);
    let values: unknown[];
    try {
      values = pyIter(iterable);
    } catch (e) {
      this.wrap(e, stmt.iter.pos);
    }
    if (stmt.filter) {
      const filter = stmt.filter;
      values = values.filter((v) => {
        const f = new Frame(frame);
        this.assign(stmt.target, v, f);
        return this.test(filter, f);
      });
    }
    if (values.length === 0) {
      this.execBody(stmt.otherwise, frame, out);
      return;
    }
    const recurse = stmt.recursive
      ? (children: unknown): string => {
          const buf: unknown[] = [];
          this.execFor(stmt, frame, buf, depth0 + 1, children);
          return this.concat(buf);
        }
      : undefined;
    const loop = new LoopInfo(values, depth0, recurse);
    for (let i = 0; i < values.length; i++) {
      loop.index0 = i;
      const inner = new Frame(frame);
      inner.vars.set('loop', loop);
      this.assign(stmt.target, values[i], inner);
      this.execBody(stmt.body, inner, out);
    }
  }

  private execInclude(stmt: Extract<Stmt, { kind: 'include' }>, frame: Frame, out: unknown[]): void {
    const name = this.eval(stmt.template, frame);
    const names = Array.isArray(name) ? name : [name];
    for (const candidate of names) {
      if (typeof candidate !== 'string') {
        throw new TemplateTypeError(`include expects a template name, got ${typeName(candidate)}`, this.position(stmt.pos));
      }
      const loaded = this.env.loadTemplate(candidate, this.file, this.searchPath);
      if (!loaded) continue;
      const compiled = this.env.compile(loaded.source, { file: loaded.file, syntax: { keepTrailingNewline: false } });
      out.push(this.renderCompiled(compiled, stmt.withContext ? new Frame(frame) : new Frame(null)));
      return;
    }
    if (stmt.ignoreMissing) return;
    throw new TemplateRuntimeError('runtime', `the template '${names.map(pyStr).join("', '")}' was not found`, this.position(stmt.pos));
  }

  private assign(target: Target, value: unknown, frame: Frame): void {
    switch (target.kind) {
      case 'name':
        frame.vars.set(target.name, value);
        return;
      case 'nsref': {
        const ns = frame.lookup(target.ns);
        const nsValue = ns === MISSING ? this.variable(target.ns) : ns;
        if (!(nsValue instanceof Namespace)) {
          throw new TemplateRuntimeError('runtime', 'cannot assign attribute on non-namespace object', this.position(target.pos));
        }
        setKey(nsValue.attrs, target.attr, value);
        return;
      }
      case 'tuple': {
        if (value instanceof Undefined) throw this.undefinedError(value, target.pos);
        let items: unknown[];
        try {
          items = pyIter(value);
        } catch (e) {
          this.wrap(e, target.pos);
        }
        if (items.length !== target.items.length) {
          const detail =
            items.length < target.items.length
              ? `not enough values to unpack (expected ${target.items.length}, got ${items.length})`
              : `too many values to unpack (expected ${target.items.length})`;
          throw new TemplateRuntimeError('runtime', detail, this.position(target.pos));
        }
        target.items.forEach((t, i) => this.assign(t, items[i], frame));
        return;
      }
    }
  }

  private makeMacro(name: string, sig: MacroSignature, body: Stmt[], defFrame: Frame): PyCallable {
    const firstDefault = sig.params.length - sig.defaults.length;
    return new PyCallable(name, (call: CallArgs) => {
      const frame = new Frame(defFrame);
      const extraKwargs = newDict();
      const kwargs = { ...call.kwargs };
      if ('caller' in kwargs) {
        frame.vars.set('caller', kwargs['caller']);
        delete kwargs['caller'];
      }
      sig.params.forEach((p, i) => {
        if (i < call.args.length) frame.vars.set(p, call.args[i]);
        else if (p in kwargs) frame.vars.set(p, kwargs[p]);
        else if (i >= firstDefault) frame.vars.set(p, this.eval(sig.defaults[i - firstDefault]!, frame));
        else frame.vars.set(p, undefinedVariable(p));
      });
      for (const k of Object.keys(kwargs)) if (!sig.params.includes(k)) setKey(extraKwargs, k, kwargs[k]);
      frame.vars.set('varargs', call.args.slice(sig.params.length));
      frame.vars.set('kwargs', extraKwargs);
      const buf: unknown[] = [];
      this.execBody(body, frame, buf);
      return this.concat(buf);
    });
  }

  // ---------------------------------------------------------------- expressions

  /** Python's str() of an output value; None prints as '' (Ansible's finalize). */
  private printable(value: unknown, pos: Pos): string {
    if (value === null || value === undefined) return '';
    if (typeof value === 'string') return value;
    if (value instanceof Undefined) {
      if (value.soft) return '';
      throw this.undefinedError(value, pos);
    }
    this.assertNoUndefined(value, pos);
    if (value instanceof PyRange) throw new TemplateTypeError("Type 'range' is unsupported for variable storage.", this.position(pos));
    return pyStr(value);
  }

  private assertNoUndefined(value: unknown, pos: Pos): void {
    if (value instanceof Undefined) throw this.undefinedError(value, pos);
    if (Array.isArray(value)) for (const v of value) this.assertNoUndefined(v, pos);
    else if (isDict(value)) for (const k of dictKeys(value)) this.assertNoUndefined(value[k], pos);
  }

  /** The native result of `{{ expr }}`: no undefined inside, tuples become lists. */
  private finalizeNative(value: unknown, pos: Pos, nested = false): unknown {
    if (value instanceof Undefined) {
      if (nested && this.lazyUndefined) return value;
      throw this.undefinedError(value, pos);
    }
    if (value instanceof PyRange) throw new TemplateTypeError("Type 'range' is unsupported for variable storage.", this.position(pos));
    if (Array.isArray(value)) {
      const out = value.map((v) => this.finalizeNative(v, pos, true));
      return out;
    }
    if (isDict(value)) {
      // A lazy mapping leaves as a plain one.
      let changed = isLazyMapping(value);
      const out = newDict();
      for (const k of dictKeys(value)) {
        const v = this.finalizeNative(value[k], pos, true);
        if (v !== value[k]) changed = true;
        setKey(out, k, v);
      }
      return changed ? out : value;
    }
    if (value instanceof PyCallable || value instanceof LoopInfo || value instanceof PyRange) {
      throw new TemplateTypeError(`Type '${typeName(value)}' is unsupported for variable storage.`, this.position(pos));
    }
    return value;
  }

  private test(expr: Expr, frame: Frame): boolean {
    const value = this.eval(expr, frame);
    if (value instanceof Undefined) throw this.undefinedError(value, expr.pos);
    try {
      return truthy(value);
    } catch (e) {
      this.wrap(e, expr.pos);
    }
  }

  eval(expr: Expr, frame: Frame): unknown {
    switch (expr.kind) {
      case 'const':
        return this.constTemplates !== 'keep' && typeof expr.value === 'string' ? this.constValue(expr.value) : expr.value;
      case 'name': {
        const local = frame.lookup(expr.name);
        if (local !== MISSING) return local;
        try {
          return this.variable(expr.name);
        } catch (e) {
          return this.wrap(e, expr.pos);
        }
      }
      case 'list':
        return expr.items.map((item) => this.eval(item, frame));
      case 'tuple':
        return PyTuple.of2(expr.items.map((item) => this.eval(item, frame)));
      case 'dict': {
        const out = newDict();
        for (const [k, v] of expr.pairs) {
          const key = this.eval(k, frame);
          if (key instanceof Undefined) throw this.undefinedError(key, k.pos);
          setKey(out, pyStr(key), this.eval(v, frame));
        }
        return out;
      }
      case 'getattr': {
        const obj = this.eval(expr.obj, frame);
        try {
          return getAttribute(obj, expr.attr);
        } catch (e) {
          return this.wrap(e, expr.pos);
        }
      }
      case 'getitem': {
        const obj = this.eval(expr.obj, frame);
        const key = expr.arg.kind === 'slice' ? this.evalSlice(expr.arg, frame) : this.eval(expr.arg, frame);
        if (key instanceof Undefined) throw this.undefinedError(key, expr.arg.pos);
        try {
          return getItem(obj, key);
        } catch (e) {
          return this.wrap(e, expr.pos);
        }
      }
      case 'slice':
        return this.evalSlice(expr, frame);
      case 'call':
        return this.evalCall(expr, frame);
      case 'filter':
        return this.applyFilterChain(expr, expr.node ? MISSING : undefined, frame);
      case 'test': {
        const value = this.eval(expr.node, frame);
        const { args, kwargs } = this.evalArgs(expr, frame);
        try {
          const result = this.callTest(expr.name, value, args, kwargs);
          return expr.negated ? !result : result;
        } catch (e) {
          return this.wrap(e, expr.pos);
        }
      }
      case 'binop': {
        const left = this.eval(expr.left, frame);
        if (left instanceof Undefined) throw this.undefinedError(left, expr.left.pos);
        const right = this.eval(expr.right, frame);
        if (right instanceof Undefined) throw this.undefinedError(right, expr.right.pos);
        try {
          return binaryOp(expr.op, left, right);
        } catch (e) {
          return this.wrap(e, expr.pos, true);
        }
      }
      case 'unary': {
        if (expr.op === 'not') return !this.test(expr.node, frame);
        const v = this.eval(expr.node, frame);
        if (v instanceof Undefined) throw this.undefinedError(v, expr.node.pos);
        try {
          return expr.op === '-' ? binaryOp('-', 0, v) : binaryOp('+', 0, v);
        } catch {
          throw new TemplateTypeError(`bad operand type for unary ${expr.op}: '${typeName(v)}'`, this.position(expr.pos));
        }
      }
      case 'and': {
        const left = this.eval(expr.left, frame);
        if (!this.truthyAt(left, expr.left.pos)) return left;
        return this.eval(expr.right, frame);
      }
      case 'or': {
        const left = this.eval(expr.left, frame);
        if (this.truthyAt(left, expr.left.pos)) return left;
        return this.eval(expr.right, frame);
      }
      case 'compare':
        return this.evalCompare(expr, frame);
      case 'condexpr': {
        if (this.test(expr.test, frame)) return this.eval(expr.then, frame);
        if (expr.otherwise) return this.eval(expr.otherwise, frame);
        return new Undefined(
          '<inline if>',
          `the inline if-expression on line ${this.position(expr.pos).line} evaluated to false and no else section was defined.`,
          true,
        );
      }
    }
  }

  private truthyAt(value: unknown, pos: Pos): boolean {
    if (value instanceof Undefined) throw this.undefinedError(value, pos);
    try {
      return truthy(value);
    } catch (e) {
      this.wrap(e, pos);
    }
  }

  private evalSlice(expr: Extract<Expr, { kind: 'slice' }>, frame: Frame): SliceValue {
    const part = (e: Expr | null): number | null => {
      if (!e) return null;
      const v = this.eval(e, frame);
      if (v === null) return null;
      if (typeof v !== 'number' || !Number.isInteger(v)) {
        throw new TemplateTypeError('slice indices must be integers or None', this.position(e.pos));
      }
      return v;
    };
    return new SliceValue(part(expr.start), part(expr.stop), part(expr.step));
  }

  private evalCompare(expr: Extract<Expr, { kind: 'compare' }>, frame: Frame): boolean {
    let left = this.eval(expr.expr, frame);
    if (left instanceof Undefined) throw this.undefinedError(left, expr.expr.pos);
    for (const { op, expr: rightExpr } of expr.ops) {
      const right = this.eval(rightExpr, frame);
      if (right instanceof Undefined) throw this.undefinedError(right, rightExpr.pos);
      let ok: boolean;
      try {
        switch (op) {
          case '==':
            ok = pyEquals(left, right);
            break;
          case '!=':
            ok = !pyEquals(left, right);
            break;
          case 'in':
            ok = pyContains(right, left);
            break;
          case 'notin':
            ok = !pyContains(right, left);
            break;
          default: {
            const c = pyCompare(left, right, op);
            ok = op === '<' ? c < 0 : op === '<=' ? c <= 0 : op === '>' ? c > 0 : c >= 0;
          }
        }
      } catch (e) {
        this.wrap(e, rightExpr.pos);
      }
      if (!ok) return false;
      left = right;
    }
    return true;
  }

  private evalArgs(node: CallArgsNode, frame: Frame): CallArgs {
    const args = node.args.map((a) => this.eval(a, frame));
    const kwargs: Record<string, unknown> = {};
    for (const [k, v] of node.kwargs) {
      // Python refuses the call when it compiles it (Jinja compiles the template to Python).
      if (Object.prototype.hasOwnProperty.call(kwargs, k)) throw new TemplateRuntimeError('runtime', `keyword argument repeated: ${k}`, this.position(v.pos), { rendering: true });
      kwargs[k] = this.eval(v, frame);
    }
    if (node.dynArgs) {
      const extra = this.eval(node.dynArgs, frame);
      if (extra instanceof Undefined) throw this.undefinedError(extra, node.dynArgs.pos);
      args.push(...pyIter(extra));
    }
    if (node.dynKwargs) {
      const extra = this.eval(node.dynKwargs, frame);
      if (!isDict(extra)) {
        throw new TemplateTypeError(`argument after ** must be a mapping, not ${typeName(extra)}`, this.position(node.dynKwargs.pos));
      }
      for (const k of dictKeys(extra)) kwargs[k] = extra[k];
    }
    return { args, kwargs };
  }

  /** A string literal that holds a template, rendered with the same variables (natively, as Ansible's templar would); see constTemplates. */
  private constValue(text: string): unknown {
    if (!this.env.needsTemplating(text)) return text;
    const lenient = this.constTemplates === 'lookup';
    try {
      return this.renderNative(this.env.compile(text, { file: this.file, syntax: { escapeBackslashes: true } }));
    } catch (e) {
      // An undefined marker: the lookup fails on it unless it takes markers (accept_args_markers).
      if (lenient && isUndefinedError(e)) return new Undefined((e as { variable?: string }).variable ?? '', e instanceof TemplateError ? e.detail : e.message);
      throw e;
    }
  }

  /**
   * A lookup's arguments: its terms' string literals (alone, or in list and dict literals) render
   * as templates, as Ansible trusts them; the lookup's name never, its keyword arguments as the
   * template's other literals.
   */
  private evalLookupArgs(expr: Extract<Expr, { kind: 'call' }>, frame: Frame): CallArgs {
    const saved = this.constTemplates;
    const literal = (e: Expr): boolean => e.kind === 'const' || e.kind === 'list' || e.kind === 'tuple' || e.kind === 'dict';
    try {
      const call = this.evalArgs({ ...expr, args: [] }, frame);
      const terms = expr.args.map((arg, i) => {
        this.constTemplates = i === 0 ? 'keep' : literal(arg) ? 'lookup' : saved;
        return this.eval(arg, frame);
      });
      call.args.unshift(...terms);
      return call;
    } finally {
      this.constTemplates = saved;
    }
  }

  private evalCall(expr: Extract<Expr, { kind: 'call' }>, frame: Frame, caller?: PyCallable): unknown {
    const fn = this.eval(expr.fn, frame);
    // lookup()/query() render the string literals in their terms (not in the lookup's name), as Ansible does.
    const call = expr.fn.kind === 'name' && LOOKUP_CALLS.has(expr.fn.name) && fn instanceof PyCallable ? this.evalLookupArgs(expr, frame) : this.evalArgs(expr, frame);
    if (caller) call.kwargs['caller'] = caller;
    if (fn instanceof Undefined) throw this.undefinedError(fn, expr.fn.pos);
    try {
      if (fn instanceof PyCallable) return fn.fn(call);
      if (fn instanceof LoopInfo) return fn.call(call.args[0]);
    } catch (e) {
      this.wrap(e, expr.pos);
    }
    throw new TemplateTypeError(`'${typeName(fn)}' object is not callable`, this.position(expr.pos));
  }

  /**
   * Applies a filter node and the chain under it. `input` is MISSING when the innermost node is an
   * expression to evaluate, or the value to filter (filter blocks, `set x | f`).
   */
  private applyFilterChain(expr: Expr, input: unknown, frame: Frame): unknown {
    if (expr.kind !== 'filter') return this.eval(expr, frame);
    let value: unknown;
    try {
      if (expr.node) value = input === MISSING || input === undefined ? this.eval(expr.node, frame) : this.applyFilterChain(expr.node, input, frame);
      else value = input;
    } catch (e) {
      if (!this.env.findFilter(expr.name)?.acceptsErrors || !(e instanceof TemplateError) || e.kind === 'undefined') throw e;
      value = new CapturedError(capturedMessage(e));
    }
    const { args, kwargs } = this.evalArgs(expr, frame);
    try {
      return this.callFilter(expr.name, value, args, kwargs);
    } catch (e) {
      if (e instanceof PyError && value instanceof Undefined && e.message === value.message) {
        throw this.undefinedError(value, expr.node?.pos ?? expr.pos);
      }
      this.wrap(e, expr.pos);
    }
  }
}
