/** when / changed_when / failed_when / until: lists of expressions, all must hold (Ansible's rules). */
import type { BoundTemplar } from '../template/index.js';
import { truthy } from '../python/values.js';
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
    let text = String(condition).trim();
    if (text === '') continue;
    // `when: "{{ x }}"` is a template whose result is the expression's value.
    const isTemplate = /^\{\{[\s\S]*\}\}$/.test(text) && !text.slice(2, -2).includes('}}');
    if (isTemplate) text = text.slice(2, -2).trim();
    const options = at ? { file: at.file, line: at.line, column: at.column, escapeBackslashes: false, keepPythonTypes: true } : { escapeBackslashes: false, keepPythonTypes: true };
    const value = bound.evaluateExpression(text, options);
    const result = typeof value === 'string' && !isTemplate ? truthyString(value) : truthy(value);
    if (!result) return { ok: false, failed: String(condition) };
  }
  return { ok: true };
}

function truthyString(value: string): boolean {
  const v = value.trim().toLowerCase();
  if (['false', 'no', 'off', '0', ''].includes(v)) return false;
  return true;
}
