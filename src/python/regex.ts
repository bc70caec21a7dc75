/** Python `re` patterns and replacement strings, translated to JavaScript RegExp. */
import { PyError } from './errors.js';

export interface PyRegexFlags {
  ignorecase?: boolean;
  multiline?: boolean;
  dotall?: boolean;
}

const cache = new Map<string, RegExp>();

/**
 * A Python pattern as JavaScript RegExp source and flags (i, m, s from `flags` and a leading
 * `(?ims)`), with Python's spellings translated: `(?P<name>`, `(?P=name)`, `\A`, `\Z`, and `$`
 * also matching before a final newline. Python's lines end at `\n` only: `.` matches `\r`, and
 * under MULTILINE `^` and `$` are at `\n` (JavaScript's also stop at `\r`, `\u2028`, `\u2029`).
 */
export function translatePattern(pattern: string, flags: PyRegexFlags = {}): { source: string; flags: string } {
  let source = pattern;
  let i = !!flags.ignorecase;
  let m = !!flags.multiline;
  let s = !!flags.dotall;
  const inline = /^\(\?([aiLmsux]+)\)/.exec(source);
  if (inline) {
    const f = inline[1] ?? '';
    i ||= f.includes('i');
    m ||= f.includes('m');
    s ||= f.includes('s');
    source = source.slice(inline[0].length);
  }
  return { source: translate(source, m, s), flags: `${i ? 'i' : ''}${m ? 'm' : ''}${s ? 's' : ''}` };
}

/** Compiles a Python pattern. The result is global (for findall/sub); reset lastIndex before use. */
export function pyRegex(pattern: string, flags: PyRegexFlags = {}): RegExp {
  const key = `${flags.ignorecase ? 'i' : ''}${flags.multiline ? 'm' : ''}${flags.dotall ? 's' : ''}\u0000${pattern}`;
  const cached = cache.get(key);
  if (cached) {
    cached.lastIndex = 0;
    return cached;
  }
  const translated = translatePattern(pattern, flags);
  let re: RegExp;
  try {
    re = new RegExp(translated.source, `g${translated.flags}`);
  } catch (e) {
    throw new PyError('runtime', `invalid regular expression ${JSON.stringify(pattern)}: ${(e as Error).message}`);
  }
  if (cache.size > 1000) cache.clear();
  cache.set(key, re);
  return re;
}

function translate(source: string, multiline: boolean, dotall: boolean): string {
  let out = '';
  let inClass = false;
  for (let k = 0; k < source.length; k++) {
    const ch = source[k]!;
    if (ch === '\\') {
      const next = source[k + 1] ?? '';
      if (!inClass && next === 'A') out += '(?<![\\s\\S])';
      else if (!inClass && next === 'Z') out += '(?![\\s\\S])';
      else out += ch + next;
      k++;
      continue;
    }
    if (inClass) {
      if (ch === ']') inClass = false;
      out += ch;
      continue;
    }
    if (ch === '[') {
      inClass = true;
      out += ch;
      if (source[k + 1] === '^') {
        out += '^';
        k++;
      }
      if (source[k + 1] === ']') {
        out += '\\]';
        k++;
      }
      continue;
    }
    if (source.startsWith('(?P<', k)) {
      out += '(?<';
      k += 3;
      continue;
    }
    if (source.startsWith('(?P=', k)) {
      const end = source.indexOf(')', k);
      out += `\\k<${source.slice(k + 4, end)}>`;
      k = end;
      continue;
    }
    // Python's `$` also matches before a final newline.
    if (ch === '$') {
      out += multiline ? '(?![^\\n])' : '(?=\\n?(?![\\s\\S]))';
      continue;
    }
    if (ch === '^' && multiline) {
      out += '(?<![^\\n])';
      continue;
    }
    if (ch === '.' && !dotall) {
      out += '[^\\n]';
      continue;
    }
    out += ch;
  }
  return out;
}

type ReplPart = string | { group: number | string };

/** Parses a Python replacement (`\1`, `\g<name>`, `\n`) into literal text and group references. */
export function parseReplacement(repl: string): ReplPart[] {
  const parts: ReplPart[] = [];
  let text = '';
  for (let k = 0; k < repl.length; k++) {
    const ch = repl[k]!;
    if (ch !== '\\' || k === repl.length - 1) {
      text += ch;
      continue;
    }
    const next = repl[k + 1]!;
    const flush = (): void => {
      if (text) parts.push(text);
      text = '';
    };
    if (/\d/.test(next)) {
      const digits = /^\d{1,2}/.exec(repl.slice(k + 1))![0];
      flush();
      parts.push({ group: Number(digits) });
      k += digits.length;
    } else if (next === 'g') {
      const m = /^g<([^>]+)>/.exec(repl.slice(k + 1));
      if (!m) throw new PyError('runtime', 'missing group name in replacement');
      flush();
      const g = m[1]!;
      parts.push({ group: /^\d+$/.test(g) ? Number(g) : g });
      k += m[0].length;
    } else {
      const escapes: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', a: '\x07', f: '\f', v: '\v', b: '\b' };
      if (next in escapes) text += escapes[next];
      else if (/[A-Za-z]/.test(next)) throw new PyError('runtime', `bad escape \\${next} at position ${k}`);
      else text += '\\' + next;
      k++;
    }
  }
  if (text) parts.push(text);
  return parts;
}

export function expandReplacement(parts: ReplPart[], match: RegExpExecArray): string {
  let out = '';
  for (const part of parts) {
    if (typeof part === 'string') out += part;
    else if (typeof part.group === 'number') {
      if (part.group >= match.length) throw new PyError('runtime', `invalid group reference ${part.group}`);
      out += match[part.group] ?? '';
    } else {
      const groups = match.groups ?? {};
      if (!(part.group in groups)) throw new PyError('runtime', `unknown group name '${part.group}'`);
      out += groups[part.group] ?? '';
    }
  }
  return out;
}

/** re.sub(pattern, repl, string, count). */
export function pySub(re: RegExp, repl: string, text: string, count: number): { result: string; n: number } {
  const parts = parseReplacement(repl);
  re.lastIndex = 0;
  let out = '';
  let last = 0;
  let n = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    out += text.slice(last, m.index) + expandReplacement(parts, m);
    last = m.index + m[0].length;
    n++;
    if (m[0] === '') re.lastIndex++;
    if (count > 0 && n >= count) break;
  }
  re.lastIndex = 0;
  return { result: out + text.slice(last), n };
}

/** re.escape (Python 3.7+: only the special characters). */
export function pyEscape(s: string): string {
  return s.replace(/[()[\]{}?*+\-|^$\\.&~# \t\n\r\v\f]/g, (c) => {
    const named: Record<string, string> = { '\t': '\\\t', '\n': '\\\n', '\r': '\\\r', '\v': '\\\v', '\f': '\\\f' };
    return named[c] ?? '\\' + c;
  });
}
