/**
 * Statement execution: output, if, for, set, macro and call blocks, filter blocks, include and
 * with, each appending what it prints to `out` (strings, or OutputChunks kept native until the
 * render ends). Expressions are evaluated by an ExpressionEvaluator.
 */
import type { MacroSignature, Stmt, Target } from './ast.js';
import { type EvalContext, Frame, MISSING } from './context.js';
import { TemplateRuntimeError, TemplateTypeError } from './errors.js';
import type { ExpressionEvaluator } from './expressions.js';
import { LoopInfo } from './loop.js';
import { OutputChunk, concat, printable } from './output.js';
import { type CallArgs, Namespace, PyCallable, Undefined, newDict, pyIter, pyStr, setKey, typeName, undefinedVariable } from '../python/values.js';

/** Runs statements for one Evaluation. */
export class StatementExecutor {
  constructor(
    private readonly ctx: EvalContext,
    private readonly expressions: ExpressionEvaluator,
  ) {}

  execBody(body: Stmt[], frame: Frame, out: unknown[]): void {
    for (const stmt of body) this.exec(stmt, frame, out);
  }

  private exec(stmt: Stmt, frame: Frame, out: unknown[]): void {
    switch (stmt.kind) {
      case 'data':
        out.push(stmt.text);
        return;
      case 'output': {
        const value = this.expressions.eval(stmt.expr, frame);
        if (value instanceof Undefined && !value.soft) throw this.ctx.undefinedError(value, stmt.expr.pos);
        out.push(typeof value === 'string' ? value : new OutputChunk(value, stmt.expr.pos));
        return;
      }
      case 'if': {
        for (const branch of stmt.branches) {
          if (this.expressions.test(branch.test, frame)) return this.execBody(branch.body, frame, out);
        }
        return this.execBody(stmt.otherwise, frame, out);
      }
      case 'for':
        this.execFor(stmt, frame, out, 0);
        return;
      case 'set':
        this.assign(stmt.target, this.expressions.eval(stmt.value, frame), frame);
        return;
      case 'setblock': {
        const buf: unknown[] = [];
        this.execBody(stmt.body, new Frame(frame), buf);
        let value: unknown = concat(this.ctx, buf);
        if (stmt.filter) value = this.expressions.applyFilterChain(stmt.filter, value, frame);
        this.assign(stmt.target, value, frame);
        return;
      }
      case 'macro':
        frame.vars.set(stmt.name, this.makeMacro(stmt.name, stmt.signature, stmt.body, frame));
        return;
      case 'callblock': {
        const caller = this.makeMacro('caller', stmt.signature, stmt.body, frame);
        const value = this.expressions.evalCall(stmt.call, frame, caller);
        out.push(printable(this.ctx, value, stmt.pos));
        return;
      }
      case 'filterblock': {
        const buf: unknown[] = [];
        this.execBody(stmt.body, new Frame(frame), buf);
        out.push(printable(this.ctx, this.expressions.applyFilterChain(stmt.filter, concat(this.ctx, buf), frame), stmt.pos));
        return;
      }
      case 'include':
        this.execInclude(stmt, frame, out);
        return;
      case 'with': {
        const inner = new Frame(frame);
        for (const [target, expr] of stmt.targets) this.assign(target, this.expressions.eval(expr, frame), inner);
        this.execBody(stmt.body, inner, out);
        return;
      }
    }
  }

  private execFor(stmt: Extract<Stmt, { kind: 'for' }>, frame: Frame, out: unknown[], depth0: number, items?: unknown): void {
    const iterable = items === undefined ? this.expressions.eval(stmt.iter, frame) : items;
    if (iterable instanceof Undefined) throw this.ctx.undefinedError(iterable, stmt.iter.pos);
    let values: unknown[];
    try {
      values = pyIter(iterable);
    } catch (e) {
      this.ctx.wrap(e, stmt.iter.pos);
    }
    if (stmt.filter) {
      const filter = stmt.filter;
      values = values.filter((v) => {
        const f = new Frame(frame);
        this.assign(stmt.target, v, f);
        return this.expressions.test(filter, f);
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
          return concat(this.ctx, buf);
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
    const name = this.expressions.eval(stmt.template, frame);
    const names = Array.isArray(name) ? name : [name];
    for (const candidate of names) {
      if (typeof candidate !== 'string') {
        throw new TemplateTypeError(`include expects a template name, got ${typeName(candidate)}`, this.ctx.position(stmt.pos));
      }
      const loaded = this.ctx.env.loadTemplate(candidate, this.ctx.file, this.ctx.searchPath);
      if (!loaded) continue;
      const compiled = this.ctx.env.compile(loaded.source, { file: loaded.file, syntax: { keepTrailingNewline: false } });
      out.push(this.ctx.renderCompiled(compiled, stmt.withContext ? new Frame(frame) : new Frame(null)));
      return;
    }
    if (stmt.ignoreMissing) return;
    throw new TemplateRuntimeError('runtime', `the template '${names.map(pyStr).join("', '")}' was not found`, this.ctx.position(stmt.pos));
  }

  private assign(target: Target, value: unknown, frame: Frame): void {
    switch (target.kind) {
      case 'name':
        frame.vars.set(target.name, value);
        return;
      case 'nsref': {
        const ns = frame.lookup(target.ns);
        const nsValue = ns === MISSING ? this.ctx.variable(target.ns) : ns;
        if (!(nsValue instanceof Namespace)) {
          throw new TemplateRuntimeError('runtime', 'cannot assign attribute on non-namespace object', this.ctx.position(target.pos));
        }
        setKey(nsValue.attrs, target.attr, value);
        return;
      }
      case 'tuple': {
        if (value instanceof Undefined) throw this.ctx.undefinedError(value, target.pos);
        let items: unknown[];
        try {
          items = pyIter(value);
        } catch (e) {
          this.ctx.wrap(e, target.pos);
        }
        if (items.length !== target.items.length) {
          const detail =
            items.length < target.items.length
              ? `not enough values to unpack (expected ${target.items.length}, got ${items.length})`
              : `too many values to unpack (expected ${target.items.length})`;
          throw new TemplateRuntimeError('runtime', detail, this.ctx.position(target.pos));
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
        else if (i >= firstDefault) frame.vars.set(p, this.expressions.eval(sig.defaults[i - firstDefault]!, frame));
        else frame.vars.set(p, undefinedVariable(p));
      });
      for (const k of Object.keys(kwargs)) if (!sig.params.includes(k)) setKey(extraKwargs, k, kwargs[k]);
      frame.vars.set('varargs', call.args.slice(sig.params.length));
      frame.vars.set('kwargs', extraKwargs);
      const buf: unknown[] = [];
      this.execBody(body, frame, buf);
      return concat(this.ctx, buf);
    });
  }
}
