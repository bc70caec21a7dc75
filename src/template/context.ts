/**
 * What the statement and expression walkers (statements.ts, expressions.ts, output.ts) see of the
 * Evaluation that runs them, and the frames of template-local variables they pass around. In its
 * own file so that runtime.ts imports the walkers and the walkers import only this: no import
 * cycle (the layer rules count type imports too).
 */
import type { Pos } from './ast.js';
import type { CompiledTemplate, TemplateEnvironment } from './environment.js';
import type { SourcePosition, UndefinedVariableError } from './errors.js';
import type { PluginContext } from './plugins.js';
import type { Undefined } from '../python/values.js';

export const MISSING: unique symbol = Symbol('missing');

/** Template-local variables (set, for, macro arguments, with), each frame over its parent's. */
export class Frame {
  readonly vars = new Map<string, unknown>();
  constructor(readonly parent: Frame | null) {}
  lookup(name: string): unknown {
    if (this.vars.has(name)) return this.vars.get(name);
    return this.parent ? this.parent.lookup(name) : MISSING;
  }
}

/** The Evaluation as the walkers use it (runtime.ts implements it). */
export interface EvalContext extends PluginContext {
  readonly env: TemplateEnvironment;
  /** Undefined items of lists and dicts stay in a native result (EvaluationOptions.lazyUndefined). */
  readonly lazyUndefined: boolean;
  /** The template being evaluated: includes are looked up from it, nested templates named after it. */
  readonly file: string;
  /** Renders a template in the same variables to text (includes, macros). */
  renderCompiled(compiled: CompiledTemplate, frame?: Frame): string;
  /** Renders a template in the same variables to its native value (string literals that hold a template). */
  renderNative(compiled: CompiledTemplate, frame?: Frame): unknown;
  /** A node's position in the template's file (the template may start inside a larger file). */
  position(pos: Pos): SourcePosition;
  /** Turns whatever a filter, method or operator threw into a TemplateError at `pos`; `rendering`: an operator's. */
  wrap(e: unknown, pos: Pos, rendering?: boolean): never;
  undefinedError(u: Undefined, pos: Pos): UndefinedVariableError;
}
