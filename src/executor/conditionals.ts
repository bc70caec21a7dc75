/** when / changed_when / failed_when / until: lists of expressions, all must hold (Ansible's rules). */
import { BrokenConditionalError, type BoundTemplar } from '../template/index.js';
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
 * True when every condition holds. A condition is an expression (`x is defined`), a bool, or a
 * string holding a template (`"{{ x }}"`, deprecated in Ansible but accepted); backslashes in
 * conditionals are decoded, as Ansible evaluates them without escape_backslashes.
 */
export function evaluateConditions(conditions: unknown[], bound: BoundTemplar, at: Location | undefined): { ok: boolean; failed?: string | boolean } {
  for (const condition of conditions) {
    if (typeof condition === 'boolean') {
      // The condition as written: `when: false` gives false_condition: false, as in Ansible.
      if (!condition) return { ok: false, failed: condition };
      continue;
    }
    if (condition === null || condition === undefined) continue;
    const text = String(condition).trim();
    if (text === '') continue;
    const where = at ? { file: at.file, line: at.line, column: at.column } : {};
    let expression = text;
    if (isPossiblyAllTemplate(text)) {
      // `when: "{{ x }}"` is a template: its value, or, when it gives text the user wrote, that expression (Ansible's indirection).
      const value = bound.templateValue(text, { ...where, keepPythonTypes: true });
      if (typeof value !== 'string') {
        if (!truthy(value)) return { ok: false, failed: String(condition) };
        continue;
      }
      // Text a template made (`"{{ a }} and {{ b }}"`) is never evaluated.
      if (!isTrustedText(value)) throw new BrokenConditionalError(UNTRUSTED);
      expression = value;
    }
    // An expression's string literals that hold a template are rendered (`x == '{{ y }}'`, deprecated in 2.19).
    const value = bound.evaluateExpression(expression, { ...where, escapeBackslashes: false, keepPythonTypes: true, constTemplates: true });
    const result = typeof value === 'string' ? truthyString(value) : truthy(value);
    if (!result) return { ok: false, failed: String(condition) };
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
    const container = bound.resolveToContainer(value, at ? { file: at.file, line: at.line, column: at.column } : {});
    return Array.isArray(container) ? container : value;
  } catch {
    // The condition itself fails with its error when it is evaluated.
    return value;
  }
}

function truthyString(value: string): boolean {
  const v = value.trim().toLowerCase();
  if (['false', 'no', 'off', '0', ''].includes(v)) return false;
  return true;
}

const UNTRUSTED = 'Encountered untrusted template or expression.';
export const CONDITIONAL_AS_TEMPLATE = 'Conditionals should not be surrounded by templating delimiters such as {{ }} or {% %}.';

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
  const where = at ? { file: at.file, line: at.line, column: at.column } : {};
  let expression = value;
  if (isPossiblyAllTemplate(value)) {
    const templated = bound.templateValue(value, { ...where, keepPythonTypes: true });
    const result = stripped(templated);
    if (typeof result !== 'string') {
      deprecate(CONDITIONAL_AS_TEMPLATE);
      return booleanResult(result);
    }
    // Only indirection to an expression the user wrote: a template's own text is never evaluated.
    if (!isTrustedText(templated)) throw new BrokenConditionalError(UNTRUSTED);
    expression = result;
  }
  return booleanResult(bound.evaluateExpression(expression, { ...where, escapeBackslashes: false, keepPythonTypes: true, constTemplates: true }));
}

function booleanResult(result: unknown): boolean {
  if (typeof result === 'boolean') return result;
  throw new BrokenConditionalError(`Conditional result (${truthy(result) ? 'True' : 'False'}) was derived from value of type '${typeName(result)}'. Conditionals must have a boolean result.`);
}
