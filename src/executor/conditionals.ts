/** when / changed_when / failed_when / until: lists of expressions, all must hold (Ansible's rules). */
import { BrokenConditionalError, type BoundTemplar, TemplateError } from '../template/index.js';
import { isTrustedText } from '../python/trust.js';
import { truthy, typeName } from '../python/values.js';
import type { Location } from '../playbook/errors.js';

export type Conditional = unknown;

/** The expressions of a conditional keyword, as a list (a bare bool or string counts as one). */
export function conditionList(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

/**
 * True when every condition holds, each evaluated as Ansible 2.19's evaluate_conditional does (see
 * evaluateConditional): a bool is itself; an expression (`x is defined`) or a template that gives
 * one must give a bool, else the task fails ("Conditional result (True) was derived from value of
 * type 'str' ... Conditionals must have a boolean result."). `failed` is the first condition that
 * did not hold, as written (Ansible's false_condition). An undefined variable fails it as
 * "Error while evaluating conditional: ...".
 */
export function evaluateConditions(conditions: unknown[], bound: BoundTemplar, at: Location | undefined): { ok: boolean; failed?: string | boolean } {
  for (const condition of conditions) {
    // `when:` with nothing after it: no condition (Ansible's task.when stays empty).
    if (condition === null || condition === undefined) continue;
    let holds: boolean;
    try {
      holds = evaluateConditional(condition, bound, at, () => undefined);
    } catch (e) {
      if (e instanceof TemplateError && e.kind === 'undefined') throw new BrokenConditionalError(`Error while evaluating conditional: ${e.detail}`);
      throw e;
    }
    if (!holds) return { ok: false, failed: typeof condition === 'boolean' ? condition : String(condition) };
  }
  return { ok: true };
}

/**
 * A conditional argument (assert's `that`) as the module gets it, untemplated: its conditions are
 * evaluated one by one. A string that is a template as a whole and gives a list is that list, its
 * items as written (Ansible's finalize_task_arg for assert).
 */
export function conditionArgument(value: unknown, bound: BoundTemplar, at: Location | undefined): unknown {
  if (typeof value !== 'string' || !isPossiblyAllTemplate(value)) return value;
  try {
    const container = bound.resolveToContainer(value, positionOf(at));
    return Array.isArray(container) ? container : value;
  } catch {
    // The condition itself fails with its error when it is evaluated.
    return value;
  }
}

const UNTRUSTED = 'Encountered untrusted template or expression.';
const CONDITIONAL_AS_TEMPLATE = 'Conditionals should not be surrounded by templating delimiters such as {{ }} or {% %}.';

type Where = { file?: string; line?: number; column?: number };

function positionOf(at: Location | undefined): Where {
  return at ? { file: at.file, line: at.line, column: at.column } : {};
}

/**
 * A conditional that is a template as a whole (`"{{ check }}"`): its value when that is not text;
 * text the user wrote as the expression to evaluate (Ansible's indirection); text a template made
 * (`"{{ a }} and {{ b }}"`) is never evaluated. `strip`: Ansible's emptiness check on the value.
 */
function throughTemplate(text: string, bound: BoundTemplar, where: Where, strip: (v: unknown) => unknown = (v) => v): { expression: string } | { value: unknown } {
  const templated = bound.templateValue(text, { ...where, keepPythonTypes: true });
  const value = strip(templated);
  if (typeof value !== 'string') return { value };
  if (!isTrustedText(templated)) throw new BrokenConditionalError(UNTRUSTED);
  return { expression: value };
}

/** An expression, its string literals that hold a template rendered (`x == '{{ y }}'`, deprecated in 2.19). */
function evaluate(expression: string, bound: BoundTemplar, where: Where): unknown {
  return bound.evaluateExpression(expression, { ...where, escapeBackslashes: false, keepPythonTypes: true, constTemplates: true });
}

/** Ansible's is_possibly_all_template: the text starts and ends with template delimiters. */
function isPossiblyAllTemplate(text: string): boolean {
  return /^(\{\{|\{%|\{#)/.test(text) && /(\}\}|%\}|#\})$/.test(text);
}

function stripped(condition: unknown): unknown {
  const value = typeof condition === 'string' ? condition.trim() : condition;
  if (value === null || value === undefined || value === '') throw new BrokenConditionalError('Empty conditional expressions are not allowed.');
  return value;
}

/**
 * One conditional as Ansible 2.19's evaluate_conditional takes it (assert's `that`): a bool is
 * itself; anything else must be a string the user wrote (trusted); one that is a template as a
 * whole (`"{{ check }}"`) gives either the expression to evaluate (a trusted string) or, deprecated,
 * the value itself; the expression's string literals that hold a template are rendered; the result
 * must be a boolean. Throws BrokenConditionalError with Ansible's message otherwise.
 */
export function evaluateConditional(condition: unknown, bound: BoundTemplar, at: Location | undefined, deprecate: (msg: string) => void): boolean {
  const value = stripped(condition);
  if (typeof value === 'boolean') return value;
  if (typeof value !== 'string') throw new BrokenConditionalError('Conditional expressions must be strings.');
  if (!isTrustedText(condition)) throw new BrokenConditionalError(UNTRUSTED);
  const where = positionOf(at);
  const indirect = isPossiblyAllTemplate(value) ? throughTemplate(value, bound, where, stripped) : { expression: value };
  if (!('expression' in indirect)) {
    deprecate(CONDITIONAL_AS_TEMPLATE);
    return booleanResult(indirect.value, at);
  }
  return booleanResult(evaluate(indirect.expression, bound, where), at);
}

/**
 * A conditional's result, which must be a bool. Ansible names where the value came from (its
 * origin tag); values here carry none, so the place is the conditional's, which is Ansible's too
 * for a value the expression computed.
 */
function booleanResult(result: unknown, at: Location | undefined): boolean {
  if (typeof result === 'boolean') return result;
  // Ansible's origin of a quoted scalar is its opening quote.
  const origin = at ? ` at '${at.file}:${at.line}:${at.quoted ? at.column - 1 : at.column}'` : '';
  throw new BrokenConditionalError(`Conditional result (${truthy(result) ? 'True' : 'False'}) was derived from value of type '${typeName(result)}'${origin}. Conditionals must have a boolean result.`);
}
