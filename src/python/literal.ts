/**
 * Python's ast.literal_eval, as the INI inventory applies it to every variable value: numbers,
 * strings (all quote styles, prefixes and escapes), True/False/None, lists, tuples and sets (both
 * become lists), dicts, unary +/- on numbers. Anything else, valid Python or not, is "not a
 * literal", and the INI plugin then keeps the text as written. Complex numbers are kept as text.
 */
import { PyFloat, floatRepr, mkFloat, setKey } from './values.js';

export type LiteralResult = { ok: true; value: unknown } | { ok: false };

class NotALiteral extends Error {}

const fail = (): never => {
  throw new NotALiteral();
};

/** literal_eval of `text`; `{ ok: false }` where Python raises ValueError or SyntaxError. */
export function pyLiteralEval(text: string): LiteralResult {
  try {
    // literal_eval strips leading spaces and tabs itself.
    const parser = new LiteralParser(text.replace(/^[ \t]+/, ''));
    const value = parser.parseTop();
    return { ok: true, value };
  } catch (e) {
    if (e instanceof NotALiteral) return { ok: false };
    throw e;
  }
}

const INT = /(?:0[xX](?:_?[0-9a-fA-F])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+|[1-9](?:_?\d)*|0+(?:_?0)*)/y;
const DIGITS = String.raw`\d(?:_?\d)*`;
const EXPONENT = String.raw`[eE][-+]?${DIGITS}`;
const FLOAT = new RegExp(String.raw`(?:(?:${DIGITS})?\.${DIGITS}(?:${EXPONENT})?|${DIGITS}\.(?:${EXPONENT})?|${DIGITS}${EXPONENT})`, 'y');
const NAME = /[\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]*/uy;
const STRING_START = /([rRbBuUfF]{0,2})('''|"""|'|")/y;

type Token =
  | { kind: 'number'; value: number | object; complex: boolean }
  | { kind: 'string'; value: string; bytes: boolean }
  | { kind: 'name'; value: string }
  | { kind: 'op'; value: string }
  | { kind: 'end' };

class LiteralParser {
  private pos = 0;
  private token: Token;

  constructor(private readonly src: string) {
    this.token = this.next();
  }

  /** The whole text: `a`, or `a, b, ...` (a tuple without parentheses, which becomes a list). */
  parseTop(): unknown {
    const first = this.parseValue();
    let value = first;
    if (this.isOp(',')) {
      const items = [first];
      while (this.isOp(',')) {
        this.advance();
        if (this.atEnd()) break;
        items.push(this.parseValue());
      }
      value = items;
    }
    if (!this.atEnd()) fail();
    return value;
  }

  private parseValue(): unknown {
    const value = this.parseOperand();
    // Only `real +/- imaginary` is allowed, and that makes a complex number, which is kept as text.
    if (this.isOp('+') || this.isOp('-')) fail();
    return value;
  }

  private parseOperand(): unknown {
    const token = this.token;
    if (token.kind === 'op' && (token.value === '-' || token.value === '+')) {
      this.advance();
      const operand = this.parseAtom();
      if (!operand.number) fail();
      if (token.value === '+') return operand.value;
      const n = operand.value;
      // Python has no negative zero integer; -0.0 stays a float.
      if (typeof n === 'number') return n === 0 ? 0 : -n;
      return mkFloat(-Number(n));
    }
    return this.parseAtom().value;
  }

  /** One literal; `number` says whether a sign may apply to it. */
  private parseAtom(): { value: unknown; number: boolean } {
    const token = this.token;
    switch (token.kind) {
      case 'number':
        if (token.complex) fail();
        this.advance();
        return { value: token.value, number: true };
      case 'string': {
        let value = token.value;
        const bytes = token.bytes;
        this.advance();
        // Adjacent literals concatenate; mixing bytes and text is a SyntaxError.
        while (this.token.kind === 'string') {
          if (this.token.bytes !== bytes) fail();
          value += this.token.value;
          this.advance();
        }
        return { value, number: false };
      }
      case 'name':
        this.advance();
        if (token.value === 'True') return { value: true, number: false };
        if (token.value === 'False') return { value: false, number: false };
        if (token.value === 'None') return { value: null, number: false };
        if (token.value === 'set' && this.isOp('(')) {
          this.advance();
          this.expectOp(')');
          return { value: [], number: false };
        }
        return fail();
      case 'op':
        return this.parseBracketed(token.value);
      default:
        return fail();
    }
  }

  private parseBracketed(op: string): { value: unknown; number: boolean } {
    if (op === '...') {
      this.advance();
      return { value: '...', number: false };
    }
    if (op === '(') {
      this.advance();
      if (this.isOp(')')) {
        this.advance();
        return { value: [], number: false };
      }
      const inner = this.parseOperandOrTuple();
      this.expectOp(')');
      return inner;
    }
    if (op === '[') {
      this.advance();
      const items: unknown[] = [];
      while (!this.isOp(']')) {
        items.push(this.parseValue());
        if (!this.isOp(',')) break;
        this.advance();
      }
      this.expectOp(']');
      return { value: items, number: false };
    }
    if (op === '{') {
      this.advance();
      return { value: this.parseBraces(), number: false };
    }
    return fail();
  }

  /** Inside parentheses: a parenthesised value keeps its kind (so `-(1)` is -1); a tuple is a list. */
  private parseOperandOrTuple(): { value: unknown; number: boolean } {
    const startToken = this.token;
    const first = this.parseValue();
    // `-(1)` is allowed, `-(-1)` is not: only a bare number inside the parentheses can take a sign.
    const bareNumber = startToken.kind === 'number' && this.isOp(')');
    if (!this.isOp(',')) return { value: first, number: bareNumber };
    const items = [first];
    while (this.isOp(',')) {
      this.advance();
      if (this.isOp(')')) break;
      items.push(this.parseValue());
    }
    return { value: items, number: false };
  }

  private parseBraces(): unknown {
    if (this.isOp('}')) {
      this.advance();
      return {};
    }
    const first = this.parseValue();
    if (this.isOp(':')) {
      const dict: Record<string, unknown> = {};
      let key = first;
      for (;;) {
        this.expectOp(':');
        setKey(dict, jsonKey(key), this.parseValue());
        if (!this.isOp(',')) break;
        this.advance();
        if (this.isOp('}')) break;
        key = this.parseValue();
      }
      this.expectOp('}');
      return dict;
    }
    // A set: duplicates collapse. CPython happens to iterate a set of small ints in ascending
    // order; other sets have no defined order (strings are hash-randomised), first-seen is kept.
    const items = [first];
    while (this.isOp(',')) {
      this.advance();
      if (this.isOp('}')) break;
      items.push(this.parseValue());
    }
    this.expectOp('}');
    const seen = new Set<string>();
    const unique = items.filter((item) => {
      const key = JSON.stringify(item);
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    const allInts = unique.every((item) => typeof item === 'number' && Number.isInteger(item));
    return allInts ? (unique as number[]).sort((a, b) => a - b) : unique;
  }

  private atEnd(): boolean {
    return this.token.kind === 'end';
  }

  private isOp(value: string): boolean {
    return this.token.kind === 'op' && this.token.value === value;
  }

  private expectOp(value: string): void {
    if (!this.isOp(value)) fail();
    this.advance();
  }

  private advance(): void {
    this.token = this.next();
  }

  private next(): Token {
    const src = this.src;
    // Whitespace, comments and backslash line continuations separate tokens.
    for (;;) {
      const ch = src[this.pos];
      if (ch === ' ' || ch === '\t' || ch === '\f' || ch === '\n' || ch === '\r') this.pos++;
      else if (ch === '#') {
        while (this.pos < src.length && src[this.pos] !== '\n') this.pos++;
      } else if (ch === '\\' && src[this.pos + 1] === '\n') this.pos += 2;
      else break;
    }
    if (this.pos >= src.length) return { kind: 'end' };
    const string = this.readString();
    if (string) return string;
    const number = this.readNumber();
    if (number) return number;
    NAME.lastIndex = this.pos;
    const name = NAME.exec(src);
    if (name) {
      this.pos += name[0].length;
      return { kind: 'name', value: name[0] };
    }
    if (src.startsWith('...', this.pos)) {
      this.pos += 3;
      return { kind: 'op', value: '...' };
    }
    const ch = src[this.pos] ?? '';
    if ('()[]{},:+-'.includes(ch)) {
      this.pos++;
      return { kind: 'op', value: ch };
    }
    // Any other operator or character: not a literal (or not even Python).
    return fail();
  }

  private readNumber(): Token | undefined {
    const src = this.src;
    for (const [pattern, isFloat] of [
      [FLOAT, true],
      [INT, false],
    ] as const) {
      pattern.lastIndex = this.pos;
      const m = pattern.exec(src);
      if (!m) continue;
      let end = this.pos + m[0].length;
      let complex = false;
      if (src[end] === 'j' || src[end] === 'J') {
        complex = true;
        end++;
      }
      // `1abc`, `09`, `1_`: an invalid literal, a SyntaxError in Python.
      if (/[\p{L}\p{N}_.]/u.test(src[end] ?? '')) return fail();
      const text = m[0].replaceAll('_', '');
      this.pos = end;
      const value = isFloat ? mkFloat(Number(text)) : parseInteger(text);
      return { kind: 'number', value, complex };
    }
    return undefined;
  }

  private readString(): Token | undefined {
    STRING_START.lastIndex = this.pos;
    const m = STRING_START.exec(this.src);
    if (!m) return undefined;
    const prefix = (m[1] ?? '').toLowerCase();
    const quote = m[2] ?? '';
    if (!/^(?:|r|u|b|br|rb|f|fr|rf)$/.test(prefix)) return fail();
    // An f-string is a JoinedStr, never a literal.
    if (prefix.includes('f')) return fail();
    const raw = prefix.includes('r');
    const bytes = prefix.includes('b');
    let i = this.pos + m[0].length;
    let body = '';
    for (;;) {
      if (i >= this.src.length) return fail();
      if (this.src.startsWith(quote, i)) break;
      const ch = this.src[i] ?? '';
      if (ch === '\n' && quote.length === 1) return fail();
      if (ch === '\\') {
        // The escaped character never ends the string, even in a raw string.
        body += ch + (this.src[i + 1] ?? '');
        i += 2;
        continue;
      }
      body += ch;
      i++;
    }
    this.pos = i + quote.length;
    if (bytes && /[^\x00-\x7f]/.test(body)) return fail();
    let value = raw ? body : unescapePython(body, bytes);
    // Ansible turns bytes into text (UTF-8).
    if (bytes) value = Buffer.from(value, 'latin1').toString('utf8');
    return { kind: 'string', value, bytes };
  }
}

function parseInteger(text: string): number {
  const lower = text.toLowerCase();
  if (lower.startsWith('0x')) return Number.parseInt(lower.slice(2), 16);
  if (lower.startsWith('0o')) return Number.parseInt(lower.slice(2), 8);
  if (lower.startsWith('0b')) return Number.parseInt(lower.slice(2), 2);
  return Number.parseInt(text, 10);
}

const SIMPLE_ESCAPES: Record<string, string> = {
  '\n': '',
  '\\': '\\',
  "'": "'",
  '"': '"',
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
};

/** Python's escape sequences; an unknown one stays as written (backslash included). */
function unescapePython(body: string, bytes: boolean): string {
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const ch = body[i] ?? '';
    if (ch !== '\\') {
      out += ch;
      continue;
    }
    const next = body[i + 1] ?? '';
    const simple = SIMPLE_ESCAPES[next];
    if (simple !== undefined) {
      out += simple;
      i++;
      continue;
    }
    const octal = /^[0-7]{1,3}/.exec(body.slice(i + 1));
    if (octal) {
      out += String.fromCodePoint(Number.parseInt(octal[0], 8));
      i += octal[0].length;
      continue;
    }
    const hexLength = next === 'x' ? 2 : !bytes && next === 'u' ? 4 : !bytes && next === 'U' ? 8 : 0;
    if (hexLength > 0) {
      const hex = body.slice(i + 2, i + 2 + hexLength);
      if (!new RegExp(`^[0-9a-fA-F]{${hexLength}}$`).test(hex)) return fail();
      const code = Number.parseInt(hex, 16);
      if (code > 0x10ffff) return fail();
      out += String.fromCodePoint(code);
      i += 1 + hexLength;
      continue;
    }
    // \N{NAME} needs Unicode's name table: not supported, so the value stays text.
    if (!bytes && next === 'N') return fail();
    out += ch;
  }
  return out;
}

/** A Python dict key as json.dumps writes it (the only way such keys reach the user). */
function jsonKey(key: unknown): string {
  if (typeof key === 'string') return key;
  if (key === null) return 'null';
  if (typeof key === 'boolean') return key ? 'true' : 'false';
  if (key instanceof PyFloat) return floatRepr(key.value);
  if (typeof key === 'number') return Number.isInteger(key) ? String(key) : floatRepr(key);
  return fail();
}
