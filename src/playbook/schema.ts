/**
 * Checks the keywords of plays, blocks and tasks against their JSON schemas (schema-definitions.ts):
 * `serial: [1, "30%"]` is fine, `loop: {a: 1}` or `retries: many` is named at its position before
 * anything runs. The validators are ajv's standalone code, generated ahead of time.
 */
import type { ErrorObject } from 'ajv';
import { EXPECTED } from './schema-definitions.js';
import * as generated from './schema-validators.generated.js';
import { PlaybookError } from './errors.js';
import { locationOf, locationOfValue } from './yaml.js';

/** An ajv standalone validator: true when valid, else false with its errors on `.errors`. */
interface Validator {
  (data: unknown): boolean;
  errors?: ErrorObject[] | null;
}

const validators: Record<'play' | 'block' | 'task', Validator> = generated as unknown as Record<'play' | 'block' | 'task', Validator>;

function keyOf(error: ErrorObject): string {
  return error.instancePath.split('/')[1] ?? '';
}

/** Checks the keywords of a raw play, block or task mapping; one error per offending keyword. */
export function checkKeywordTypes(raw: Record<string, unknown>, kind: 'play' | 'block' | 'task', file: string): PlaybookError[] {
  const validate = validators[kind];
  // `- name:` with nothing after it is a task without a name to Ansible, not a type error.
  if (raw['name'] === null) {
    raw = { ...raw };
    delete raw['name'];
  }
  if (validate(raw)) return [];
  const seen = new Set<string>();
  const out: PlaybookError[] = [];
  for (const error of validate.errors ?? []) {
    const key = keyOf(error);
    if (!key || seen.has(key)) continue;
    seen.add(key);
    const value = raw[key];
    const shown = JSON.stringify(value) ?? String(value);
    const expected = EXPECTED[key] ?? (key === 'register' ? 'a variable name' : 'a boolean or a template');
    const detail =
      key === 'loop_control' && error.instancePath.split('/').length > 2
        ? `loop_control's '${error.instancePath.split('/')[2]}' has the wrong type: ${JSON.stringify((value as Record<string, unknown>)[error.instancePath.split('/')[2] ?? ''])}`
        : `'${key}' must be ${expected}, got ${shown.length > 60 ? shown.slice(0, 57) + '...' : shown}`;
    out.push(new PlaybookError(detail, locationOfValue(raw, key) ?? locationOf(raw) ?? { file, line: 1, column: 1 }));
  }
  return out;
}
