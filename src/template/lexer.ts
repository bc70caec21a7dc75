/**
 * Splits a template into tokens: template data, and the expression tokens inside `{{ }}` and
 * `{% %}`. Comments and `{% raw %}` are resolved here. Whitespace control follows Jinja2:
 * `-` strips on that side, `+` disables lstrip_blocks, trim_blocks drops one newline after a
 * block or comment tag.
 */
import { TemplateSyntaxError } from './errors.js';

export interface Syntax {
  blockStart: string;
  blockEnd: string;
  variableStart: string;
  variableEnd: string;
  commentStart: string;
  commentEnd: string;
  trimBlocks: boolean;
  lstripBlocks: boolean;
  newlineSequence: string;
  keepTrailingNewline: boolean;
  /**
   * Ansible's escape_backslashes: string literals inside `{{ }}` keep their backslashes as
   * written (a module argument from a YAML double-quoted string was unescaped once already).
   */
  escapeBackslashes: boolean;
}

export const ANSIBLE_SYNTAX: Syntax = {
  blockStart: '{%',
  blockEnd: '%}',
  variableStart: '{{',
  variableEnd: '}}',
  commentStart: '{#',
  commentEnd: '#}',
  trimBlocks: true,
  lstripBlocks: false,
  newlineSequence: '\n',
  // Jinja strips one final newline; Ansible then restores the source's trailing newlines on text results.
  keepTrailingNewline: false,
  escapeBackslashes: false,
};

export type TokenType =
  | 'data'
  | 'variable_begin'
  | 'variable_end'
  | 'block_begin'
  | 'block_end'
  | 'name'
  | 'string'
  | 'integer'
  | 'float'
  | 'operator'
  | 'eof';

export interface Token {
  type: TokenType;
  /** For operators and names the text; for strings the decoded value; for data the text. */
  value: string;
  /** Numbers: the parsed value. */
  num?: number;
  line: number;
  column: number;
}

const OPERATORS = [
  '//', '**', '==', '!=', '<=', '>=',
  '+', '-', '*', '/', '%', '~', '<', '>', '=', '.', ',', ':', '|', '(', ')', '[', ']', '{', '}', ';',
];

const NAME_RE = /[A-Za-z_][A-Za-z0-9_]*/y;
const FLOAT_RE = /(?:\d(?:_?\d)*\.\d(?:_?\d)*(?:[eE][+-]?\d(?:_?\d)*)?|\d(?:_?\d)*[eE][+-]?\d(?:_?\d)*)/y;
const INT_RE = /(?:0[bB](?:_?[01])+|0[oO](?:_?[0-7])+|0[xX](?:_?[0-9a-fA-F])+|(?:0(?:_?0)*|[1-9](?:_?\d)*))/y;
const WS_RE = /[ \t\n\r\f\v]+/y;

export class Lexer {
  private readonly tokens: Token[] = [];
  private readonly lineStarts: number[] = [0];
  private pos = 0;

  constructor(
    private readonly source: string,
    private readonly syntax: Syntax,
    private readonly file: string,
  ) {
    for (let i = 0; i < source.length; i++) {
      if (source.charCodeAt(i) === 10) this.lineStarts.push(i + 1);
    }
  }

  tokenize(): Token[] {
    const { source, syntax } = this;
    let stripNextLeading = false;
    let trimNextNewline = false;
    let lineStarting = true;
    while (this.pos < source.length) {
      const next = this.findNextTag();
      const tagStart = next ? next.index : source.length;
      let data = source.slice(this.pos, tagStart);
      const dataStart = this.pos;
      let dataOffset = 0;
      if (stripNextLeading) {
        const trimmed = data.replace(/^\s+/, '');
        dataOffset = data.length - trimmed.length;
        data = trimmed;
      } else if (trimNextNewline && data.startsWith('\n')) {
        data = data.slice(1);
        dataOffset = 1;
      } else if (trimNextNewline && data.startsWith('\r\n')) {
        data = data.slice(2);
        dataOffset = 2;
      }
      let modifier = '';
      if (next) {
        modifier = source[next.index + next.delimiter.length] ?? '';
        if (modifier === '-') {
          data = data.replace(/\s+$/, '');
        } else if (modifier !== '+' && syntax.lstripBlocks && next.kind !== 'variable') {
          const lastNl = data.lastIndexOf('\n');
          const tail = data.slice(lastNl + 1);
          if (/^[ \t]*$/.test(tail) && (lastNl >= 0 || (dataOffset === 0 ? lineStarting : true))) {
            data = data.slice(0, lastNl + 1);
          }
        }
      }
      if (data.length > 0) this.push('data', this.normalizeNewlines(data), dataStart + dataOffset);
      if (!next) {
        this.pos = source.length;
        break;
      }
      this.pos = next.index + next.delimiter.length + (modifier === '-' || modifier === '+' ? 1 : 0);
      stripNextLeading = false;
      trimNextNewline = false;
      let endModifier: string;
      if (next.kind === 'comment') {
        endModifier = this.skipComment(next.index);
      } else if (next.kind === 'block' && this.tryRaw(next.index)) {
        endModifier = this.rawEndModifier;
      } else {
        this.push(next.kind === 'block' ? 'block_begin' : 'variable_begin', next.delimiter, next.index);
        endModifier = this.lexInside(next.kind === 'block' ? syntax.blockEnd : syntax.variableEnd, next);
      }
      if (endModifier === '-') stripNextLeading = true;
      else if (endModifier !== '+' && next.kind !== 'variable' && syntax.trimBlocks) trimNextNewline = true;
      lineStarting = source[this.pos - 1] === '\n';
    }
    this.push('eof', '', source.length);
    return this.tokens;
  }

  position(offset: number): { line: number; column: number } {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.lineStarts[mid] ?? 0) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - (this.lineStarts[lo] ?? 0) + 1 };
  }

  private error(message: string, offset: number): TemplateSyntaxError {
    return new TemplateSyntaxError(message, { file: this.file, ...this.position(offset) });
  }

  private push(type: TokenType, value: string, offset: number, num?: number): void {
    const { line, column } = this.position(offset);
    const token: Token = { type, value, line, column };
    if (num !== undefined) token.num = num;
    this.tokens.push(token);
  }

  private normalizeNewlines(text: string): string {
    if (this.syntax.newlineSequence === '\n' && !text.includes('\r')) return text;
    return text.replace(/\r\n|\r|\n/g, this.syntax.newlineSequence);
  }

  private findNextTag(): { index: number; delimiter: string; kind: 'variable' | 'block' | 'comment' } | undefined {
    const { source, syntax, pos } = this;
    let best: { index: number; delimiter: string; kind: 'variable' | 'block' | 'comment' } | undefined;
    const candidates: Array<[string, 'variable' | 'block' | 'comment']> = [
      [syntax.variableStart, 'variable'],
      [syntax.blockStart, 'block'],
      [syntax.commentStart, 'comment'],
    ];
    for (const [delimiter, kind] of candidates) {
      const index = source.indexOf(delimiter, pos);
      if (index < 0) continue;
      if (!best || index < best.index || (index === best.index && delimiter.length > best.delimiter.length)) {
        best = { index, delimiter, kind };
      }
    }
    return best;
  }

  /** Skips a comment; returns the modifier before its end delimiter ('-' or ''). */
  private skipComment(start: number): string {
    const end = this.source.indexOf(this.syntax.commentEnd, this.pos);
    if (end < 0) throw this.error('Missing end of comment tag', start);
    const modifier = this.source[end - 1] === '-' && end - 1 >= this.pos ? '-' : '';
    this.pos = end + this.syntax.commentEnd.length;
    return modifier;
  }

  private rawEndModifier = '';

  /** `{% raw %}...{% endraw %}` becomes one data token. */
  private tryRaw(start: number): boolean {
    const { source, syntax } = this;
    const rest = source.slice(this.pos, this.pos + 64);
    const open = /^\s*raw\s*([-+]?)/.exec(rest);
    if (!open || !source.startsWith(syntax.blockEnd, this.pos + open[0].length)) return false;
    const bodyStart = this.pos + open[0].length + syntax.blockEnd.length;
    const closeRe = new RegExp(`${escapeRe(syntax.blockStart)}([-+]?)\\s*endraw\\s*([-+]?)${escapeRe(syntax.blockEnd)}`, 'g');
    closeRe.lastIndex = bodyStart;
    const close = closeRe.exec(source);
    if (!close) throw this.error('Missing end of raw directive', start);
    let body = source.slice(bodyStart, close.index);
    let bodyOffset = bodyStart;
    if (open[1] === '-') {
      const trimmed = body.replace(/^\s+/, '');
      bodyOffset += body.length - trimmed.length;
      body = trimmed;
    }
    if (close[1] === '-') body = body.replace(/\s+$/, '');
    if (body.length > 0) this.push('data', this.normalizeNewlines(body), bodyOffset);
    this.pos = close.index + close[0].length;
    this.rawEndModifier = close[2] ?? '';
    return true;
  }

  /** Tokens up to the end delimiter; returns the end modifier ('-', '+' or ''). */
  private lexInside(endDelimiter: string, open: { index: number; kind: string }): string {
    const { source } = this;
    const brackets: string[] = [];
    for (;;) {
      WS_RE.lastIndex = this.pos;
      if (WS_RE.test(source)) this.pos = WS_RE.lastIndex;
      if (this.pos >= source.length) {
        const what = open.kind === 'block' ? 'block' : 'print statement';
        throw this.error(`unexpected end of template, expected end of ${what}`, open.index);
      }
      if (brackets.length === 0) {
        for (const modifier of ['-', '+', '']) {
          if (source.startsWith(modifier + endDelimiter, this.pos)) {
            const endType = open.kind === 'block' ? 'block_end' : 'variable_end';
            this.push(endType, endDelimiter, this.pos);
            this.pos += modifier.length + endDelimiter.length;
            return modifier;
          }
        }
      }
      const ch = source[this.pos] ?? '';
      if (ch === '"' || ch === "'") {
        this.lexString(ch, open.kind === 'variable' && this.syntax.escapeBackslashes);
        continue;
      }
      FLOAT_RE.lastIndex = this.pos;
      let m = FLOAT_RE.exec(source);
      if (m) {
        this.push('float', m[0], this.pos, Number(m[0].replace(/_/g, '')));
        this.pos += m[0].length;
        continue;
      }
      INT_RE.lastIndex = this.pos;
      m = INT_RE.exec(source);
      if (m) {
        this.push('integer', m[0], this.pos, parseIntLiteral(m[0]));
        this.pos += m[0].length;
        continue;
      }
      NAME_RE.lastIndex = this.pos;
      m = NAME_RE.exec(source);
      if (m) {
        this.push('name', m[0], this.pos);
        this.pos += m[0].length;
        continue;
      }
      const op = OPERATORS.find((o) => source.startsWith(o, this.pos));
      if (!op) throw this.error(`unexpected char ${JSON.stringify(ch)} at ${this.pos}`, this.pos);
      if (op === '(' || op === '[' || op === '{') brackets.push(op);
      else if (op === ')' || op === ']' || op === '}') {
        const expected = { ')': '(', ']': '[', '}': '{' }[op];
        const top = brackets.pop();
        if (top !== expected) {
          if (top === undefined) throw this.error(`unexpected '${op}'`, this.pos);
          throw this.error(`unexpected '${op}', expected '${{ '(': ')', '[': ']', '{': '}' }[top]}'`, this.pos);
        }
      }
      this.push('operator', op, this.pos);
      this.pos += op.length;
    }
  }

  private lexString(quote: string, raw: boolean): void {
    const { source } = this;
    const start = this.pos;
    let i = this.pos + 1;
    let out = '';
    while (i < source.length && source[i] !== quote) {
      const ch = source[i] ?? '';
      if (ch === '\\' && i + 1 < source.length && raw) {
        out += ch + source[i + 1];
        i += 2;
        continue;
      }
      if (ch === '\\' && i + 1 < source.length) {
        const [text, used] = decodeEscape(source, i + 1);
        out += text;
        i += 1 + used;
        continue;
      }
      out += ch;
      i++;
    }
    if (i >= source.length) throw this.error('unexpected end of string: the string is not closed', start);
    this.push('string', out, start);
    this.pos = i + 1;
  }
}

function parseIntLiteral(text: string): number {
  const clean = text.replace(/_/g, '').toLowerCase();
  if (clean.startsWith('0b')) return parseInt(clean.slice(2), 2);
  if (clean.startsWith('0o')) return parseInt(clean.slice(2), 8);
  if (clean.startsWith('0x')) return parseInt(clean.slice(2), 16);
  return parseInt(clean, 10);
}

/** Python's string escapes; an unknown escape keeps its backslash, as Python does. */
function decodeEscape(source: string, i: number): [string, number] {
  const ch = source[i] ?? '';
  const simple: Record<string, string> = {
    n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', v: '\v', '0': '\0', '\n': '',
  };
  if (ch in simple && !(ch === '0' && /[0-7]/.test(source[i + 1] ?? ''))) return [simple[ch] ?? '', 1];
  const hex = (len: number): [string, number] | undefined => {
    const digits = source.slice(i + 1, i + 1 + len);
    if (digits.length === len && /^[0-9a-fA-F]+$/.test(digits)) return [String.fromCodePoint(parseInt(digits, 16)), 1 + len];
    return undefined;
  };
  if (ch === 'x') return hex(2) ?? ['\\x', 1];
  if (ch === 'u') return hex(4) ?? ['\\u', 1];
  if (ch === 'U') return hex(8) ?? ['\\U', 1];
  const oct = /^[0-7]{1,3}/.exec(source.slice(i, i + 3));
  if (oct) return [String.fromCharCode(parseInt(oct[0], 8)), oct[0].length];
  return ['\\' + ch, 1];
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
