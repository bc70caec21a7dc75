/**
 * Python's shlex in POSIX mode: split() as the command module and INI inventory lines use it, and
 * quote()/join() for every command line sent to a remote /bin/sh (ssh carries a string, not argv).
 */

export class ShlexError extends Error {
  override name = 'ShlexError';
}

const WHITESPACE = ' \t\r\n';

export interface SplitOptions {
  /** shlex.split(line, comments=True): `#` starts a comment, even inside a word (`a#b` is `a`). */
  comments?: boolean;
}

/**
 * shlex.split: quotes group and are removed, a backslash escapes the next character, and inside
 * double quotes a backslash escapes only `"` and `\` (elsewhere it stays).
 */
export function split(line: string, options: SplitOptions = {}): string[] {
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
    } else if (ch === '#' && options.comments) {
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

/** shlex.quote: one word that /bin/sh reads back unchanged. */
export function quote(word: string): string {
  if (word === '') return "''";
  if (/^[\w@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'"'"'`)}'`;
}

/** shlex.join: an argv as one shell line. */
export function join(argv: readonly string[]): string {
  return argv.map(quote).join(' ');
}
