/**
 * The replace module's edit as a pure function of the file's text: the section between `after`
 * and `before` (a DOTALL search), then re.subn of a MULTILINE pattern over it, with Ansible's
 * messages. Text is a JavaScript string of the decoded file (Python's str).
 */
import { PyError } from '../../python/errors.js';
import { parseReplacement, expandReplacement, translatePattern } from '../../python/regex.js';

export interface ReplaceRequest {
  regexp: string;
  replace: string;
  after: string | null;
  before: string | null;
}

export type ReplaceOutcome =
  /** The after/before section was not found: nothing is done, not even the attributes. */
  | { kind: 'no-section'; msg: string }
  /** The pattern or the replacement is not valid Python. */
  | { kind: 'error'; msg: string }
  | { kind: 'done'; text: string; count: number; changed: boolean; msg: string };

function compile(pattern: string, flags: { multiline?: boolean; dotall?: boolean }, extra = ''): RegExp {
  const t = translatePattern(pattern, flags);
  return new RegExp(t.source, `g${t.flags}${extra}`);
}

/** re.subn(pattern, repl, text): the result and the number of replacements. */
function subn(re: RegExp, repl: string, text: string): { text: string; count: number } {
  // The replacement is parsed before any match, as Python does: a bad escape fails even with no match.
  const parts = parseReplacement(repl);
  let out = '';
  let last = 0;
  let count = 0;
  re.lastIndex = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    out += text.slice(last, m.index) + expandReplacement(parts, m);
    last = m.index + m[0].length;
    count++;
    if (m[0] === '') re.lastIndex++;
  }
  return { text: out + text.slice(last), count };
}

export function replaceText(contents: string, request: ReplaceRequest): ReplaceOutcome {
  let pattern = '';
  if (request.after && request.before) pattern = `${request.after}(?P<subsection>.*?)${request.before}`;
  else if (request.after) pattern = `${request.after}(?P<subsection>.*)`;
  else if (request.before) pattern = `(?P<subsection>.*)${request.before}`;

  let section = contents;
  let bounds: [number, number] | undefined;
  if (pattern) {
    let sectionRe: RegExp;
    try {
      sectionRe = compile(pattern, { dotall: true }, 'd');
    } catch (e) {
      return { kind: 'error', msg: `Unable to process replace due to error: ${(e as Error).message}` };
    }
    const m = sectionRe.exec(contents);
    const indices = m?.indices?.groups?.['subsection'];
    if (!m || !indices) return { kind: 'no-section', msg: `Pattern for before/after params did not match the given file: ${pattern}` };
    section = m.groups?.['subsection'] ?? '';
    bounds = indices;
  }

  let result: { text: string; count: number };
  try {
    result = subn(compile(request.regexp, { multiline: true }), request.replace, section);
  } catch (e) {
    const reason = e instanceof PyError || e instanceof SyntaxError ? e.message : String(e);
    return { kind: 'error', msg: `Unable to process replace due to error: ${reason}` };
  }
  if (result.count > 0 && result.text !== section) {
    const text = bounds ? contents.slice(0, bounds[0]) + result.text + contents.slice(bounds[1]) : result.text;
    return { kind: 'done', text, count: result.count, changed: true, msg: `${result.count} replacements made` };
  }
  return { kind: 'done', text: contents, count: result.count, changed: false, msg: '' };
}
