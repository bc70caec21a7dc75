/**
 * What a render's output becomes: text (Python's str() of each chunk, Ansible's finalize: None
 * prints as '') or, for a single `{{ expr }}`, a native value checked for what may not leave the
 * template system (undefined values, ranges, callables).
 */
import type { Pos } from './ast.js';
import type { EvalContext } from './context.js';
import { TemplateTypeError } from './errors.js';
import { isLazyMapping } from './lazy.js';
import { LoopInfo } from './loop.js';
import { PyCallable, PyRange, Undefined, dictKeys, isDict, newDict, pyStr, setKey, typeName } from '../python/values.js';

/** An output value with the place it was printed from, kept native until the render ends. */
export class OutputChunk {
  constructor(
    readonly value: unknown,
    readonly pos: Pos,
  ) {}
}

/** Output chunks as text: None and a soft undefined print as '', other undefineds fail. */
export function concat(ctx: EvalContext, out: unknown[]): string {
  let text = '';
  for (const chunk of out) {
    if (typeof chunk === 'string') text += chunk;
    else if (chunk instanceof OutputChunk) text += printable(ctx, chunk.value, chunk.pos);
    else text += printable(ctx, chunk, { line: 1, column: 1 });
  }
  return text;
}

/** Python's str() of an output value; None prints as '' (Ansible's finalize). */
export function printable(ctx: EvalContext, value: unknown, pos: Pos): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (value instanceof Undefined) {
    if (value.soft) return '';
    throw ctx.undefinedError(value, pos);
  }
  assertNoUndefined(ctx, value, pos);
  if (value instanceof PyRange) throw new TemplateTypeError("Type 'range' is unsupported for variable storage.", ctx.position(pos));
  return pyStr(value);
}

function assertNoUndefined(ctx: EvalContext, value: unknown, pos: Pos): void {
  if (value instanceof Undefined) throw ctx.undefinedError(value, pos);
  if (Array.isArray(value)) for (const v of value) assertNoUndefined(ctx, v, pos);
  else if (isDict(value)) for (const k of dictKeys(value)) assertNoUndefined(ctx, value[k], pos);
}

/** The native result of `{{ expr }}`: no undefined inside, tuples become lists. */
export function finalizeNative(ctx: EvalContext, value: unknown, pos: Pos, nested = false): unknown {
  if (value instanceof Undefined) {
    if (nested && ctx.lazyUndefined) return value;
    throw ctx.undefinedError(value, pos);
  }
  if (value instanceof PyRange) throw new TemplateTypeError("Type 'range' is unsupported for variable storage.", ctx.position(pos));
  if (Array.isArray(value)) {
    const out = value.map((v) => finalizeNative(ctx, v, pos, true));
    return out;
  }
  if (isDict(value)) {
    // A lazy mapping leaves as a plain one.
    let changed = isLazyMapping(value);
    const out = newDict();
    for (const k of dictKeys(value)) {
      const v = finalizeNative(ctx, value[k], pos, true);
      if (v !== value[k]) changed = true;
      setKey(out, k, v);
    }
    return changed ? out : value;
  }
  if (value instanceof PyCallable || value instanceof LoopInfo || value instanceof PyRange) {
    throw new TemplateTypeError(`Type '${typeName(value)}' is unsupported for variable storage.`, ctx.position(pos));
  }
  return value;
}
