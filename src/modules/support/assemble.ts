/**
 * assemble's file from a directory's fragments, as Ansible builds it (the module on the host and
 * the action plugin on the controller do it the same way): the names sorted, filtered by a Python
 * regex and by ignore_hidden, a newline after a fragment without one, and the delimiter (with its
 * backslash escapes decoded) between fragments.
 */
import { pyRegex } from '../../python/regex.js';

export interface Fragment {
  name: string;
  /** A regular file's bytes; null for anything else (directories, sockets...), which is skipped. */
  content: Buffer | null;
}

export interface AssembleOptions {
  delimiter: string | null;
  regexp: string | null;
  ignoreHidden: boolean;
  /**
   * The action plugin (remote_src=false) compares the delimiter's last byte, an int, with b'\n':
   * never equal, so it always adds a newline after the delimiter; the module adds one only when missing.
   */
  newlineAfterDelimiter?: 'when-missing' | 'always';
}

/** Python's sorted() on str: by code point. */
function byCodePoint(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i]!.codePointAt(0)! - y[i]!.codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

/**
 * codecs.escape_decode: Python string-literal escapes in bytes (\n, \t, \\, \x41, \101, a
 * backslash-newline removed); an unknown escape stays as written. Throws on a short \x escape.
 */
export function escapeDecode(data: Buffer): Buffer {
  const out: number[] = [];
  const simple: Record<string, number> = { '\\': 0x5c, "'": 0x27, '"': 0x22, a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11 };
  for (let i = 0; i < data.length; i++) {
    const b = data[i]!;
    if (b !== 0x5c || i === data.length - 1) {
      if (b === 0x5c) throw new Error('Trailing \\ in string');
      out.push(b);
      continue;
    }
    const next = String.fromCharCode(data[i + 1]!);
    if (next in simple) {
      out.push(simple[next]!);
      i++;
    } else if (next === '\n') i++;
    else if (/[0-7]/.test(next)) {
      let j = i + 1;
      let value = 0;
      while (j < data.length && j < i + 4 && /[0-7]/.test(String.fromCharCode(data[j]!))) value = value * 8 + (data[j++]! - 0x30);
      out.push(value & 0xff);
      i = j - 1;
    } else if (next === 'x') {
      const hex = data.subarray(i + 2, i + 4).toString('latin1');
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) throw new Error(`invalid \\x escape at position ${i}`);
      out.push(parseInt(hex, 16));
      i += 3;
    } else out.push(b);
  }
  return Buffer.from(out);
}

/** The assembled bytes. Throws for a regexp Python would not compile (the caller words it). */
export function assembleFragments(fragments: readonly Fragment[], options: AssembleOptions): Buffer {
  const filter = options.regexp !== null ? pyRegex(options.regexp) : undefined;
  const parts: Buffer[] = [];
  let delimiter: Buffer | null = options.delimiter ? Buffer.from(options.delimiter, 'utf8') : null;
  let delimitMe = false;
  let addNewline = false;
  for (const fragment of [...fragments].sort((a, b) => byCodePoint(a.name, b.name))) {
    if (filter) {
      filter.lastIndex = 0;
      const found = filter.test(fragment.name);
      filter.lastIndex = 0;
      if (!found) continue;
    }
    if (fragment.content === null || (options.ignoreHidden && fragment.name.startsWith('.'))) continue;
    if (addNewline) parts.push(Buffer.from('\n'));
    if (delimitMe && delimiter) {
      // Ansible decodes the (already decoded) delimiter again before each use: repeated escapes unfold.
      delimiter = escapeDecode(delimiter);
      parts.push(delimiter);
      if (options.newlineAfterDelimiter === 'always' || delimiter[delimiter.length - 1] !== 0x0a) parts.push(Buffer.from('\n'));
    }
    parts.push(fragment.content);
    delimitMe = true;
    addNewline = !fragment.content.subarray(-1).equals(Buffer.from('\n'));
  }
  return Buffer.concat(parts);
}
