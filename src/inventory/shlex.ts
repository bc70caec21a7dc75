/**
 * Python's shlex.split(line, comments=True) in POSIX mode, which splits INI host lines into the
 * host and its key=value pairs: quotes group and are removed, a backslash escapes, `#` starts a
 * comment even in the middle of a word (`a#b` is `a`), and inside double quotes a backslash only
 * escapes `"` and `\`.
 */
export class ShlexError extends Error {}

const WHITESPACE = ' \t\r\n';

export function shlexSplit(line: string): string[] {
  const tokens: string[] = [];
  let token = '';
  let quoted = false;
  let inToken = false;
  let i = 0;

  const emit = (): void => {
    if (token !== '' || quoted) tokens.push(token);
    token = '';
    quoted = false;
    inToken = false;
  };

  while (i < line.length) {
    const ch = line[i] ?? '';
    if (WHITESPACE.includes(ch)) {
      if (inToken) emit();
      i++;
    } else if (ch === '#') {
      // The rest of the line is a comment.
      break;
    } else if (ch === '\\') {
      if (i + 1 >= line.length) throw new ShlexError('No escaped character');
      token += line[i + 1];
      inToken = true;
      i += 2;
    } else if (ch === "'" || ch === '"') {
      inToken = true;
      quoted = true;
      i = readQuoted(line, i + 1, ch, (text) => {
        token += text;
      });
    } else {
      token += ch;
      inToken = true;
      i++;
    }
  }
  if (inToken) emit();
  return tokens;
}

/** Reads up to the closing quote; returns the index after it. */
function readQuoted(line: string, start: number, quote: string, append: (text: string) => void): number {
  let i = start;
  while (i < line.length) {
    const ch = line[i] ?? '';
    if (ch === quote) return i + 1;
    if (quote === '"' && ch === '\\') {
      if (i + 1 >= line.length) throw new ShlexError('No escaped character');
      const next = line[i + 1] ?? '';
      append(next === '"' || next === '\\' ? next : ch + next);
      i += 2;
      continue;
    }
    append(ch);
    i++;
  }
  throw new ShlexError('No closing quotation');
}
