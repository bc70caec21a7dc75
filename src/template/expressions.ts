/**
 * Expression evaluation: the value of an expression node (names, literals, attribute and item
 * access, calls, filters, tests, operators). Errors are raised at the node's position through the
 * Evaluation (EvalContext); statements.ts runs the statements that hold expressions.
 */
import { binaryOp } from './arith.js';
import { getAttribute, getItem } from './access.js';
import type { CallArgsNode, Expr, Pos } from './ast.js';
import { type EvalContext, type Frame, MISSING } from './context.js';
import { TemplateError, TemplateRuntimeError, TemplateSyntaxError, TemplateTypeError, isUndefinedError, taskFailureDetail } from './errors.js';
import { PyError } from '../python/errors.js';
import { LoopInfo } from './loop.js';
import { SliceValue } from './slice.js';
import { CapturedError } from './plugins.js';
import {
  type CallArgs,
  PyCallable,
  PyTuple,
  Undefined,
  dictKeys,
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
} from '../python/values.js';

/** An error's message as Ansible's ExceptionMarker holds it. */
function capturedMessage(e: TemplateError): string {
  if (e.kind === 'syntax' && !(e instanceof TemplateSyntaxError)) return `Syntax error in template: ${e.detail}`;
  return taskFailureDetail(e);
}

/** The globals that call a lookup. */
const LOOKUP_CALLS = new Set(['lookup', 'query', 'q']);

/**
 * What the string literals that hold a template become: kept as written; rendered (a
 * conditional's, CompileOptions.constTemplates); or, in a lookup's terms, rendered unless they
 * name an undefined variable (Ansible renders those lazily, when the lookup reads them, so a
 * lookup that only passes one on does not fail).
 */
export type ConstTemplates = 'keep' | 'render' | 'lookup';

/** Evaluates expressions for one Evaluation; owns the ConstTemplates mode of the template being rendered. */
export class ExpressionEvaluator {
  private constTemplates: ConstTemplates = 'keep';

  constructor(private readonly ctx: EvalContext) {}

  /** Runs `fn` with string literals that hold a template treated as `mode` (see ConstTemplates). */
  withConstTemplates<T>(mode: ConstTemplates, fn: () => T): T {
    const saved = this.constTemplates;
    this.constTemplates = mode;
    try {
      return fn();
    } finally {
      this.constTemplates = saved;
    }
  }

  test(expr: Expr, frame: Frame): boolean {
    const value = this.eval(expr, frame);
    if (value instanceof Undefined) throw this.ctx.undefinedError(value, expr.pos);
    try {
      return truthy(value);
    } catch (e) {
      this.ctx.wrap(e, expr.pos);
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
          return this.ctx.variable(expr.name);
        } catch (e) {
          return this.ctx.wrap(e, expr.pos);
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
          if (key instanceof Undefined) throw this.ctx.undefinedError(key, k.pos);
          setKey(out, pyStr(key), this.eval(v, frame));
        }
        return out;
      }
      case 'getattr': {
        const obj = this.eval(expr.obj, frame);
        try {
          return getAttribute(obj, expr.attr);
        } catch (e) {
          return this.ctx.wrap(e, expr.pos);
        }
      }
      case 'getitem': {
        const obj = this.eval(expr.obj, frame);
        const key = expr.arg.kind === 'slice' ? this.evalSlice(expr.arg, frame) : this.eval(expr.arg, frame);
        if (key instanceof Undefined) throw this.ctx.undefinedError(key, expr.arg.pos);
        try {
          return getItem(obj, key);
        } catch (e) {
          return this.ctx.wrap(e, expr.pos);
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
          const result = this.ctx.callTest(expr.name, value, args, kwargs);
          return expr.negated ? !result : result;
        } catch (e) {
          return this.ctx.wrap(e, expr.pos);
        }
      }
      case 'binop': {
        const left = this.eval(expr.left, frame);
        if (left instanceof Undefined) throw this.ctx.undefinedError(left, expr.left.pos);
        const right = this.eval(expr.right, frame);
        if (right instanceof Undefined) throw this.ctx.undefinedError(right, expr.right.pos);
        try {
          return binaryOp(expr.op, left, right);
        } catch (e) {
          return this.ctx.wrap(e, expr.pos, true);
        }
      }
      case 'unary': {
        if (expr.op === 'not') return !this.test(expr.node, frame);
        const v = this.eval(expr.node, frame);
        if (v instanceof Undefined) throw this.ctx.undefinedError(v, expr.node.pos);
        try {
          return expr.op === '-' ? binaryOp('-', 0, v) : binaryOp('+', 0, v);
        } catch {
          throw new TemplateTypeError(`bad operand type for unary ${expr.op}: '${typeName(v)}'`, this.ctx.position(expr.pos));
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
          `the inline if-expression on line ${this.ctx.position(expr.pos).line} evaluated to false and no else section was defined.`,
          true,
        );
      }
    }
  }

  private truthyAt(value: unknown, pos: Pos): boolean {
    if (value instanceof Undefined) throw this.ctx.undefinedError(value, pos);
    try {
      return truthy(value);
    } catch (e) {
      this.ctx.wrap(e, pos);
    }
  }

  private evalSlice(expr: Extract<Expr, { kind: 'slice' }>, frame: Frame): SliceValue {
    const part = (e: Expr | null): number | null => {
      if (!e) return null;
      const v = this.eval(e, frame);
      if (v === null) return null;
      if (typeof v !== 'number' || !Number.isInteger(v)) {
        throw new TemplateTypeError('slice indices must be integers or None', this.ctx.position(e.pos));
      }
      return v;
    };
    return new SliceValue(part(expr.start), part(expr.stop), part(expr.step));
  }

  private evalCompare(expr: Extract<Expr, { kind: 'compare' }>, frame: Frame): boolean {
    let left = this.eval(expr.expr, frame);
    if (left instanceof Undefined) throw this.ctx.undefinedError(left, expr.expr.pos);
    for (const { op, expr: rightExpr } of expr.ops) {
      const right = this.eval(rightExpr, frame);
      if (right instanceof Undefined) throw this.ctx.undefinedError(right, rightExpr.pos);
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
        this.ctx.wrap(e, rightExpr.pos);
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
      if (Object.prototype.hasOwnProperty.call(kwargs, k)) throw new TemplateRuntimeError('runtime', `keyword argument repeated: ${k}`, this.ctx.position(v.pos), { rendering: true });
      kwargs[k] = this.eval(v, frame);
    }
    if (node.dynArgs) {
      const extra = this.eval(node.dynArgs, frame);
      if (extra instanceof Undefined) throw this.ctx.undefinedError(extra, node.dynArgs.pos);
      args.push(...pyIter(extra));
    }
    if (node.dynKwargs) {
      const extra = this.eval(node.dynKwargs, frame);
      if (!isDict(extra)) {
        throw new TemplateTypeError(`argument after ** must be a mapping, not ${typeName(extra)}`, this.ctx.position(node.dynKwargs.pos));
      }
      for (const k of dictKeys(extra)) kwargs[k] = extra[k];
    }
    return { args, kwargs };
  }

  /** A string literal that holds a template, rendered with the same variables (natively, as Ansible's templar would); see constTemplates. */
  private constValue(text: string): unknown {
    if (!this.ctx.env.needsTemplating(text)) return text;
    const lenient = this.constTemplates === 'lookup';
    try {
      return this.ctx.renderNative(this.ctx.env.compile(text, { file: this.ctx.file, syntax: { escapeBackslashes: true } }));
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

  evalCall(expr: Extract<Expr, { kind: 'call' }>, frame: Frame, caller?: PyCallable): unknown {
    const fn = this.eval(expr.fn, frame);
    // lookup()/query() render the string literals in their terms (not in the lookup's name), as Ansible does.
    const call = expr.fn.kind === 'name' && LOOKUP_CALLS.has(expr.fn.name) && fn instanceof PyCallable ? this.evalLookupArgs(expr, frame) : this.evalArgs(expr, frame);
    if (caller) call.kwargs['caller'] = caller;
    if (fn instanceof Undefined) throw this.ctx.undefinedError(fn, expr.fn.pos);
    try {
      if (fn instanceof PyCallable) return fn.fn(call);
      if (fn instanceof LoopInfo) return fn.call(call.args[0]);
    } catch (e) {
      this.ctx.wrap(e, expr.pos);
    }
    throw new TemplateTypeError(`'${typeName(fn)}' object is not callable`, this.ctx.position(expr.pos));
  }

  /**
   * Applies a filter node and the chain under it. `input` is MISSING when the innermost node is an
   * expression to evaluate, or the value to filter (filter blocks, `set x | f`).
   */
  applyFilterChain(expr: Expr, input: unknown, frame: Frame): unknown {
    if (expr.kind !== 'filter') return this.eval(expr, frame);
    let value: unknown;
    try {
      if (expr.node) value = input === MISSING || input === undefined ? this.eval(expr.node, frame) : this.applyFilterChain(expr.node, input, frame);
      else value = input;
    } catch (e) {
      if (!this.ctx.env.findFilter(expr.name)?.acceptsErrors || !(e instanceof TemplateError) || e.kind === 'undefined') throw e;
      value = new CapturedError(capturedMessage(e));
    }
    const { args, kwargs } = this.evalArgs(expr, frame);
    try {
      return this.ctx.callFilter(expr.name, value, args, kwargs);
    } catch (e) {
      if (e instanceof PyError && value instanceof Undefined && e.message === value.message) {
        throw this.ctx.undefinedError(value, expr.node?.pos ?? expr.pos);
      }
      this.ctx.wrap(e, expr.pos);
    }
  }
}
