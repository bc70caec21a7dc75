/**
 * community.general.pam_limits' decisions as a pure function of the limits file's lines: the
 * matching `domain type item value` line changed in place (use_max/use_min compare with what it
 * has), or one appended; every other line kept byte for byte. Ansible's quirks are kept on
 * purpose: the first trailing comment met in the file becomes the comment of the line written
 * when none is given, and the unlimited values count for nice and priority too.
 */
import { strRepr } from '../../python/values.js';

export interface PamLimitRequest {
  domain: string;
  limitType: string;
  limitItem: string;
  value: string;
  useMax: boolean;
  useMin: boolean;
  comment: string;
}

export type PamLimitPlan = { error: string } | { changed: boolean; msg: string; after: string };

const UNLIMITED = ['unlimited', 'infinity', '-1'];

/** Python's int() on text, or null. */
function pyInt(text: string): number | null {
  const t = text.trim().replaceAll('_', '');
  return /^[-+]?\d+$/.test(t) ? Number(t) : null;
}

/** Ansible's check of a value for an item: nice and priority in -20..19, the rest unlimited or a count. */
export function invalidValue(item: string, value: string, prefix = ''): string | null {
  if (item === 'nice' || item === 'priority') {
    const n = pyInt(value);
    if (n !== null && n >= -20 && n <= 19) return null;
    return `${prefix} Value of ${strRepr(value)} for item ${strRepr(item)} is invalid. Value must be a number in the range -20 to 19 inclusive. Refer to the limits.conf(5) manual pages for more details.`;
  }
  if (UNLIMITED.includes(value) || /^\d+$/.test(value)) return null;
  return `${prefix} Value of ${strRepr(value)} for item ${strRepr(item)} is invalid. Value must either be 'unlimited', 'infinity' or -1, all of which indicate no limit, or a limit of 0 or larger. Refer to the limits.conf(5) manual pages for more details.`;
}

/** `text` is the file's content ('' for a file that does not exist yet); `dest` names it in messages. */
export function planPamLimit(request: PamLimitRequest, text: string, dest: string, fileExists: boolean): PamLimitPlan {
  if (request.useMax && request.useMin) return { error: 'Cannot use use_min and use_max at the same time.' };
  const invalid = invalidValue(request.limitItem, request.value);
  if (invalid) return { error: invalid };
  const lines = text.split(/(?<=\n)/).filter((l) => l !== '');
  const out: string[] = [];
  let changed = !fileExists;
  let found = false;
  let message = '';
  let comment = request.comment;
  let newValue = request.value;
  const limitLine = (value: string): string => `${request.domain}\t${request.limitType}\t${request.limitItem}\t${value}${comment ? `\t#${comment}` : ''}\n`;
  for (const line of lines) {
    if (line.startsWith('#')) {
      out.push(line);
      continue;
    }
    const squeezed = line.replace(/\s+/g, ' ').trim();
    if (squeezed === '') {
      out.push(line);
      continue;
    }
    const hash = line.indexOf('#');
    const oldComment = hash < 0 ? '' : line.slice(hash + 1);
    const fields = squeezed.split('#', 1)[0]?.trimEnd().split(' ') ?? [];
    if (!comment) comment = oldComment;
    if (fields.length !== 4) {
      out.push(line);
      continue;
    }
    const [domain = '', type = '', item = '', actual = ''] = fields;
    const bad = invalidValue(item, actual, `Invalid configuration found in '${dest}'.`);
    if (bad) return { error: bad };
    if (domain !== request.domain || type !== request.limitType || item !== request.limitItem) {
      out.push(line);
      continue;
    }
    found = true;
    if (request.value === actual) {
      message = line;
      out.push(line);
      continue;
    }
    // (Ansible compares the type, not the item, with nice/priority here: the unlimited values always count.)
    const actualUnlimited = UNLIMITED.includes(actual);
    const valueUnlimited = UNLIMITED.includes(request.value);
    const asInt = (v: string): number => pyInt(v) ?? NaN;
    if (request.useMax) {
      if (actualUnlimited) newValue = actual;
      else if (valueUnlimited) newValue = request.value;
      else newValue = String(Math.max(asInt(request.value), asInt(actual)));
    }
    if (request.useMin) {
      if (actualUnlimited && valueUnlimited) newValue = actual;
      else if (actualUnlimited) newValue = request.value;
      else if (valueUnlimited) newValue = actual;
      else newValue = String(Math.min(asInt(request.value), asInt(actual)));
    }
    if (newValue !== actual) {
      changed = true;
      message = limitLine(newValue);
      out.push(message);
    } else {
      message = line;
      out.push(line);
    }
  }
  if (!found) {
    changed = true;
    message = limitLine(newValue);
    out.push(message);
  }
  return { changed, msg: message, after: out.join('') };
}
