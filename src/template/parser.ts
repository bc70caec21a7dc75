/** Recursive-descent parser for Jinja2, with Jinja2's operator precedence. */
import type { BinaryOperator, CallArgsNode, CompareOperator, Expr, MacroSignature, Pos, Stmt, Target } from './ast.js';
import { TemplateSyntaxError } from './errors.js';
import type { Token } from './lexer.js';
import { mkFloat } from '../python/values.js';

const COMPARE_OPS = new Set(['==', '!=', '<', '<=', '>', '>=']);
const TEST_ARG_START = new Set(['name', 'string', 'integer', 'float']);
const UNSUPPORTED_TAGS = new Set(['extends', 'block', 'import', 'from', 'do', 'autoescape', 'trans']);

export class Parser {
  private i = 0;
  /** The end tags the innermost open blocks are waiting for, for error messages. */
  private readonly endTokenStack: string[][] = [];

  constructor(
    private readonly tokens: Token[],
    private readonly file: string,
  ) {}

  parseTemplate(): Stmt[] {
    const body = this.subparse(null);
    return body;
  }

  /** Parses just an expression (the whole token stream must be `{{ expr }}`). */
  parseStandaloneExpression(): Expr {
    this.expectOp('variable_begin');
    const expr = this.parseTuple();
    this.expectType('variable_end', 'end of print statement');
    this.expectType('eof', 'end of expression');
    return expr;
  }

  // ---------------------------------------------------------------- helpers

  private get cur(): Token {
    return this.tokens[this.i] ?? this.tokens[this.tokens.length - 1]!;
  }

  private peek(n = 1): Token {
    return this.tokens[this.i + n] ?? this.tokens[this.tokens.length - 1]!;
  }

  private next(): Token {
    const t = this.cur;
    if (this.i < this.tokens.length - 1) this.i++;
    return t;
  }

  private pos(t: Token = this.cur): Pos {
    return { line: t.line, column: t.column };
  }

  private error(message: string, t: Token = this.cur): TemplateSyntaxError {
    return new TemplateSyntaxError(message, { file: this.file, line: t.line, column: t.column });
  }

  private isOp(value: string, t: Token = this.cur): boolean {
    return t.type === 'operator' && t.value === value;
  }

  private isName(value: string, t: Token = this.cur): boolean {
    return t.type === 'name' && t.value === value;
  }

  private describe(t: Token): string {
    switch (t.type) {
      case 'eof':
        return 'end of template';
      case 'variable_end':
        return 'end of print statement';
      case 'block_end':
        return 'end of statement block';
      case 'data':
        return 'template data';
      default:
        return t.value;
    }
  }

  private expectOp(value: string): Token {
    const t = this.cur;
    if (value === 'variable_begin' ? t.type !== 'variable_begin' : !this.isOp(value)) {
      throw this.error(`expected token '${value}', got '${this.describe(t)}'`);
    }
    return this.next();
  }

  private expectType(type: Token['type'], what: string): Token {
    const t = this.cur;
    if (t.type !== type) throw this.error(`expected token '${what}', got '${this.describe(t)}'`);
    return this.next();
  }

  private expectName(what = 'name'): Token {
    const t = this.cur;
    // Jinja's words: "expected token 'name'", its own words where it names what the name is for.
    if (t.type !== 'name') throw this.error(what === 'name' ? `expected token 'name', got '${this.describe(t)}'` : `expected ${what}, got '${this.describe(t)}'`);
    return this.next();
  }

  private expectKeyword(word: string): Token {
    if (!this.isName(word)) throw this.error(`expected token '${word}', got '${this.describe(this.cur)}'`);
    return this.next();
  }

  // ---------------------------------------------------------------- statements

  /** Parses statements until a block tag whose name is in `endTokens` (left unconsumed). */
  private subparse(endTokens: string[] | null): Stmt[] {
    const body: Stmt[] = [];
    if (endTokens) this.endTokenStack.push(endTokens);
    try {
      for (;;) {
        const t = this.cur;
        if (t.type === 'eof') {
          if (endTokens) throw this.unclosed(t);
          return body;
        }
        if (t.type === 'data') {
          body.push({ kind: 'data', text: t.value, pos: this.pos(t) });
          this.next();
        } else if (t.type === 'variable_begin') {
          this.next();
          const expr = this.parseTuple();
          body.push({ kind: 'output', expr, pos: expr.pos });
          this.expectType('variable_end', 'end of print statement');
        } else if (t.type === 'block_begin') {
          const tag = this.peek();
          if (endTokens && tag.type === 'name' && endTokens.includes(tag.value)) {
            this.next();
            return body;
          }
          this.next();
          body.push(this.parseStatement());
        } else {
          throw this.error(`unexpected '${this.describe(t)}'`);
        }
      }
    } finally {
      if (endTokens) this.endTokenStack.pop();
    }
  }

  private unclosed(t: Token): TemplateSyntaxError {
    const expected = this.endTokenStack[this.endTokenStack.length - 1] ?? [];
    return this.error(
      `Unexpected end of template. Jinja was looking for the following tags: ${expected.map((e) => `'${e}'`).join(' or ')}.`,
      t,
    );
  }

  private parseStatement(): Stmt {
    const t = this.cur;
    if (t.type !== 'name') throw this.error('tag name expected');
    switch (t.value) {
      case 'if':
        return this.parseIf();
      case 'for':
        return this.parseFor();
      case 'set':
        return this.parseSet();
      case 'macro':
        return this.parseMacro();
      case 'call':
        return this.parseCallBlock();
      case 'filter':
        return this.parseFilterBlock();
      case 'include':
        return this.parseInclude();
      case 'with':
        return this.parseWith();
      default: {
        if (UNSUPPORTED_TAGS.has(t.value)) throw this.error(`The '${t.value}' tag is not supported here.`, t);
        const expected = this.endTokenStack[this.endTokenStack.length - 1];
        let message = `Encountered unknown tag '${t.value}'.`;
        if (expected) {
          message += ` Jinja was looking for the following tags: ${expected.map((e) => `'${e}'`).join(' or ')}.`;
        }
        throw this.error(message, t);
      }
    }
  }

  private endBlock(name: string): void {
    this.expectKeyword(name);
    this.expectType('block_end', 'end of statement block');
  }

  private parseIf(): Stmt {
    const start = this.next();
    const branches: Array<{ test: Expr; body: Stmt[] }> = [];
    let otherwise: Stmt[] = [];
    let test = this.parseTuple(false);
    this.expectType('block_end', 'end of statement block');
    for (;;) {
      const body = this.subparse(['elif', 'else', 'endif']);
      branches.push({ test, body });
      const tag = this.next();
      if (tag.value === 'elif') {
        test = this.parseTuple(false);
        this.expectType('block_end', 'end of statement block');
        continue;
      }
      if (tag.value === 'else') {
        this.expectType('block_end', 'end of statement block');
        otherwise = this.subparse(['endif']);
        this.next();
      }
      this.expectType('block_end', 'end of statement block');
      break;
    }
    return { kind: 'if', branches, otherwise, pos: this.pos(start) };
  }

  private parseFor(): Stmt {
    const start = this.next();
    const target = this.parseAssignTarget(false);
    this.expectKeyword('in');
    const iter = this.parseTuple(false);
    let filter: Expr | null = null;
    if (this.isName('if')) {
      this.next();
      filter = this.parseExpression();
    }
    let recursive = false;
    if (this.isName('recursive')) {
      this.next();
      recursive = true;
    }
    this.expectType('block_end', 'end of statement block');
    const body = this.subparse(['endfor', 'else']);
    let otherwise: Stmt[] = [];
    if (this.next().value === 'else') {
      this.expectType('block_end', 'end of statement block');
      otherwise = this.subparse(['endfor']);
      this.next();
    }
    this.expectType('block_end', 'end of statement block');
    return { kind: 'for', target, iter, body, otherwise, filter, recursive, pos: this.pos(start) };
  }

  private parseSet(): Stmt {
    const start = this.next();
    const target = this.parseAssignTarget(true);
    if (this.isOp('=')) {
      this.next();
      const value = this.parseTuple();
      this.expectType('block_end', 'end of statement block');
      return { kind: 'set', target, value, pos: this.pos(start) };
    }
    let filter: Expr | null = null;
    if (this.isOp('|')) filter = this.parseFilterChain(null);
    this.expectType('block_end', 'end of statement block');
    const body = this.subparse(['endset']);
    this.next();
    this.expectType('block_end', 'end of statement block');
    return { kind: 'setblock', target, body, filter, pos: this.pos(start) };
  }

  private parseAssignTarget(allowNamespace: boolean): Target {
    const start = this.cur;
    const one = (): Target => {
      if (this.isOp('(')) {
        this.next();
        const items: Target[] = [];
        while (!this.isOp(')')) {
          if (items.length > 0) this.expectOp(',');
          if (this.isOp(')')) break;
          items.push(one());
        }
        this.next();
        return { kind: 'tuple', items, pos: this.pos(start) };
      }
      const name = this.expectName('name for assignment');
      if (allowNamespace && this.isOp('.')) {
        this.next();
        const attr = this.expectName('attribute name');
        return { kind: 'nsref', ns: name.value, attr: attr.value, pos: this.pos(name) };
      }
      if (['true', 'false', 'none', 'True', 'False', 'None'].includes(name.value)) {
        throw this.error(`can't assign to '${name.value}'`, name);
      }
      return { kind: 'name', name: name.value, pos: this.pos(name) };
    };
    const first = one();
    if (!this.isOp(',')) return first;
    const items = [first];
    while (this.isOp(',')) {
      this.next();
      if (this.isName('in') || this.isOp('=')) break;
      items.push(one());
    }
    return { kind: 'tuple', items, pos: this.pos(start) };
  }

  private parseSignature(): MacroSignature {
    const params: string[] = [];
    const defaults: Expr[] = [];
    this.expectOp('(');
    while (!this.isOp(')')) {
      if (params.length > 0) this.expectOp(',');
      if (this.isOp(')')) break;
      const name = this.expectName('parameter name');
      params.push(name.value);
      if (this.isOp('=')) {
        this.next();
        defaults.push(this.parseExpression());
      } else if (defaults.length > 0) {
        throw this.error('non-default argument follows default argument', name);
      }
    }
    this.next();
    return { params, defaults };
  }

  private parseMacro(): Stmt {
    const start = this.next();
    const name = this.expectName('macro name');
    const signature = this.parseSignature();
    this.expectType('block_end', 'end of statement block');
    const body = this.subparse(['endmacro']);
    this.next();
    this.expectType('block_end', 'end of statement block');
    return { kind: 'macro', name: name.value, signature, body, pos: this.pos(start) };
  }

  private parseCallBlock(): Stmt {
    const start = this.next();
    const signature: MacroSignature = this.isOp('(') ? this.parseSignature() : { params: [], defaults: [] };
    const call = this.parseExpression();
    if (call.kind !== 'call') throw this.error('expected call', start);
    this.expectType('block_end', 'end of statement block');
    const body = this.subparse(['endcall']);
    this.next();
    this.expectType('block_end', 'end of statement block');
    return { kind: 'callblock', call, signature, body, pos: this.pos(start) };
  }

  private parseFilterBlock(): Stmt {
    const start = this.next();
    const filter = this.parseFilterChain(null, true);
    this.expectType('block_end', 'end of statement block');
    const body = this.subparse(['endfilter']);
    this.next();
    this.expectType('block_end', 'end of statement block');
    return { kind: 'filterblock', filter, body, pos: this.pos(start) };
  }

  private parseInclude(): Stmt {
    const start = this.next();
    const template = this.parseExpression();
    let ignoreMissing = false;
    if (this.isName('ignore') && this.isName('missing', this.peek())) {
      this.next();
      this.next();
      ignoreMissing = true;
    }
    let withContext = true;
    if ((this.isName('with') || this.isName('without')) && this.isName('context', this.peek())) {
      withContext = this.next().value === 'with';
      this.next();
    }
    this.expectType('block_end', 'end of statement block');
    return { kind: 'include', template, ignoreMissing, withContext, pos: this.pos(start) };
  }

  private parseWith(): Stmt {
    const start = this.next();
    const targets: Array<[Target, Expr]> = [];
    while (this.cur.type !== 'block_end') {
      if (targets.length > 0) this.expectOp(',');
      const target = this.parseAssignTarget(false);
      this.expectOp('=');
      targets.push([target, this.parseExpression()]);
    }
    this.next();
    const body = this.subparse(['endwith']);
    this.next();
    this.expectType('block_end', 'end of statement block');
    return { kind: 'with', targets, body, pos: this.pos(start) };
  }

  // ---------------------------------------------------------------- expressions

  /** An expression, or several separated by commas (a tuple without parentheses). */
  parseTuple(withCondexpr = true): Expr {
    const start = this.cur;
    const parse = (): Expr => (withCondexpr ? this.parseExpression() : this.parseOr());
    const items: Expr[] = [parse()];
    let sawComma = false;
    while (this.isOp(',')) {
      this.next();
      sawComma = true;
      const c = this.cur;
      if (c.type === 'variable_end' || c.type === 'block_end' || this.isOp(')') || this.isName('if')) break;
      items.push(parse());
    }
    if (!sawComma) return items[0]!;
    return { kind: 'tuple', items, pos: this.pos(start) };
  }

  parseExpression(): Expr {
    const expr = this.parseOr();
    if (this.isName('if')) {
      const t = this.next();
      const test = this.parseOr();
      let otherwise: Expr | null = null;
      if (this.isName('else')) {
        this.next();
        otherwise = this.parseExpression();
      }
      return { kind: 'condexpr', test, then: expr, otherwise, pos: this.pos(t) };
    }
    return expr;
  }

  private parseOr(): Expr {
    let left = this.parseAnd();
    while (this.isName('or')) {
      const t = this.next();
      left = { kind: 'or', left, right: this.parseAnd(), pos: this.pos(t) };
    }
    return left;
  }

  private parseAnd(): Expr {
    let left = this.parseNot();
    while (this.isName('and')) {
      const t = this.next();
      left = { kind: 'and', left, right: this.parseNot(), pos: this.pos(t) };
    }
    return left;
  }

  private parseNot(): Expr {
    if (this.isName('not')) {
      const t = this.next();
      return { kind: 'unary', op: 'not', node: this.parseNot(), pos: this.pos(t) };
    }
    return this.parseCompare();
  }

  private parseCompare(): Expr {
    const expr = this.parseMath1();
    const ops: Array<{ op: CompareOperator; expr: Expr }> = [];
    for (;;) {
      const t = this.cur;
      if (t.type === 'operator' && COMPARE_OPS.has(t.value)) {
        this.next();
        ops.push({ op: t.value as CompareOperator, expr: this.parseMath1() });
      } else if (this.isName('in')) {
        this.next();
        ops.push({ op: 'in', expr: this.parseMath1() });
      } else if (this.isName('not') && this.isName('in', this.peek())) {
        this.next();
        this.next();
        ops.push({ op: 'notin', expr: this.parseMath1() });
      } else break;
    }
    if (ops.length === 0) return expr;
    return { kind: 'compare', expr, ops, pos: expr.pos };
  }

  private parseBinary(ops: string[], next: () => Expr): Expr {
    let left = next();
    while (this.cur.type === 'operator' && ops.includes(this.cur.value)) {
      const t = this.next();
      left = { kind: 'binop', op: t.value as BinaryOperator, left, right: next(), pos: this.pos(t) };
    }
    return left;
  }

  private parseMath1(): Expr {
    return this.parseBinary(['+', '-'], () => this.parseConcat());
  }

  private parseConcat(): Expr {
    return this.parseBinary(['~'], () => this.parseMath2());
  }

  private parseMath2(): Expr {
    return this.parseBinary(['*', '/', '//', '%'], () => this.parsePow());
  }

  private parsePow(): Expr {
    return this.parseBinary(['**'], () => this.parseUnary());
  }

  private parseUnary(withFilter = true): Expr {
    const t = this.cur;
    let node: Expr;
    if (this.isOp('-') || this.isOp('+')) {
      this.next();
      node = { kind: 'unary', op: t.value as '-' | '+', node: this.parseUnary(false), pos: this.pos(t) };
    } else {
      node = this.parsePostfix(this.parsePrimary());
    }
    return withFilter ? this.parseFilterExpr(node) : node;
  }

  private parsePrimary(): Expr {
    const t = this.cur;
    const pos = this.pos(t);
    switch (t.type) {
      case 'name': {
        this.next();
        if (t.value === 'true' || t.value === 'True') return { kind: 'const', value: true, pos };
        if (t.value === 'false' || t.value === 'False') return { kind: 'const', value: false, pos };
        if (t.value === 'none' || t.value === 'None') return { kind: 'const', value: null, pos };
        return { kind: 'name', name: t.value, pos };
      }
      case 'string': {
        let value = this.next().value;
        while (this.cur.type === 'string') value += this.next().value;
        return { kind: 'const', value, pos };
      }
      case 'integer':
        this.next();
        return { kind: 'const', value: t.num ?? 0, pos };
      case 'float':
        this.next();
        return { kind: 'const', value: mkFloat(t.num ?? 0), pos };
      case 'operator':
        if (t.value === '(') {
          this.next();
          if (this.isOp(')')) {
            this.next();
            return { kind: 'tuple', items: [], pos };
          }
          const inner = this.parseTuple(true);
          this.expectOp(')');
          return inner;
        }
        if (t.value === '[') return this.parseList();
        if (t.value === '{') return this.parseDict();
        break;
      default:
        break;
    }
    throw this.error(`unexpected '${this.describe(t)}'`);
  }

  private parseList(): Expr {
    const start = this.next();
    const items: Expr[] = [];
    while (!this.isOp(']')) {
      if (items.length > 0) this.expectOp(',');
      if (this.isOp(']')) break;
      items.push(this.parseExpression());
    }
    this.next();
    return { kind: 'list', items, pos: this.pos(start) };
  }

  private parseDict(): Expr {
    const start = this.next();
    const pairs: Array<[Expr, Expr]> = [];
    while (!this.isOp('}')) {
      if (pairs.length > 0) this.expectOp(',');
      if (this.isOp('}')) break;
      const key = this.parseExpression();
      this.expectOp(':');
      pairs.push([key, this.parseExpression()]);
    }
    this.next();
    return { kind: 'dict', pairs, pos: this.pos(start) };
  }

  private parsePostfix(node: Expr): Expr {
    for (;;) {
      const t = this.cur;
      if (this.isOp('.')) {
        this.next();
        const attr = this.cur;
        if (attr.type === 'name') {
          this.next();
          node = { kind: 'getattr', obj: node, attr: attr.value, pos: this.pos(attr) };
        } else if (attr.type === 'integer') {
          this.next();
          node = { kind: 'getitem', obj: node, arg: { kind: 'const', value: attr.num ?? 0, pos: this.pos(attr) }, pos: this.pos(attr) };
        } else {
          throw this.error('expected name or number', attr);
        }
      } else if (this.isOp('[')) {
        this.next();
        const args: Expr[] = [];
        while (!this.isOp(']')) {
          if (args.length > 0) this.expectOp(',');
          args.push(this.parseSubscribed());
        }
        this.next();
        const arg: Expr = args.length === 1 ? args[0]! : { kind: 'tuple', items: args, pos: this.pos(t) };
        node = { kind: 'getitem', obj: node, arg, pos: this.pos(t) };
      } else if (this.isOp('(')) {
        node = { kind: 'call', fn: node, ...this.parseCallArgs(), pos: node.pos };
      } else {
        return node;
      }
    }
  }

  private parseSubscribed(): Expr {
    const start = this.cur;
    const parts: Array<Expr | null> = [];
    if (this.isOp(':')) {
      parts.push(null);
    } else {
      const first = this.parseExpression();
      if (!this.isOp(':')) return first;
      parts.push(first);
    }
    this.next();
    parts.push(this.isOp(']') || this.isOp(',') || this.isOp(':') ? null : this.parseExpression());
    if (this.isOp(':')) {
      this.next();
      parts.push(this.isOp(']') || this.isOp(',') ? null : this.parseExpression());
    } else {
      parts.push(null);
    }
    return { kind: 'slice', start: parts[0] ?? null, stop: parts[1] ?? null, step: parts[2] ?? null, pos: this.pos(start) };
  }

  private parseCallArgs(): CallArgsNode {
    const start = this.expectOp('(');
    const result: CallArgsNode = { args: [], kwargs: [], dynArgs: null, dynKwargs: null };
    let first = true;
    while (!this.isOp(')')) {
      if (!first) this.expectOp(',');
      first = false;
      if (this.isOp(')')) break;
      if (this.isOp('**')) {
        this.next();
        result.dynKwargs = this.parseExpression();
      } else if (this.isOp('*')) {
        this.next();
        result.dynArgs = this.parseExpression();
      } else if (this.cur.type === 'name' && this.isOp('=', this.peek())) {
        const key = this.next().value;
        this.next();
        result.kwargs.push([key, this.parseExpression()]);
      } else {
        if (result.kwargs.length > 0 || result.dynKwargs) {
          throw this.error('positional argument follows keyword argument', this.cur);
        }
        result.args.push(this.parseExpression());
      }
    }
    if (this.cur.type === 'eof') throw this.error("unexpected end of template, expected ')'", start);
    this.next();
    return result;
  }

  private parseDottedName(): { name: string; token: Token } {
    const token = this.expectName();
    let name = token.value;
    while (this.isOp('.') && this.peek().type === 'name') {
      this.next();
      name += '.' + this.next().value;
    }
    return { name, token };
  }

  /** `| f(args) | g` applied to `node` (null inside a filter block). */
  private parseFilterChain(node: Expr | null, startWithoutPipe = false): Expr {
    let first = startWithoutPipe;
    let result = node;
    while (first || this.isOp('|')) {
      if (!first) this.next();
      first = false;
      const { name, token } = this.parseDottedName();
      const args = this.isOp('(') ? this.parseCallArgs() : { args: [], kwargs: [], dynArgs: null, dynKwargs: null };
      result = { kind: 'filter', node: result, name, ...args, pos: this.pos(token) };
    }
    if (!result) throw this.error('expected a filter');
    return result;
  }

  private parseFilterExpr(node: Expr): Expr {
    for (;;) {
      if (this.isOp('|')) {
        node = this.parseFilterChain(node);
      } else if (this.isName('is')) {
        node = this.parseTest(node);
      } else if (this.isOp('(')) {
        node = { kind: 'call', fn: node, ...this.parseCallArgs(), pos: this.pos() };
      } else {
        return node;
      }
    }
  }

  private parseTest(node: Expr): Expr {
    this.next();
    let negated = false;
    if (this.isName('not')) {
      this.next();
      negated = true;
    }
    const { name, token } = this.parseDottedName();
    let args: CallArgsNode = { args: [], kwargs: [], dynArgs: null, dynKwargs: null };
    const c = this.cur;
    if (this.isOp('(')) {
      args = this.parseCallArgs();
    } else if (
      (TEST_ARG_START.has(c.type) || this.isOp('[') || this.isOp('{')) &&
      !(c.type === 'name' && ['else', 'or', 'and'].includes(c.value))
    ) {
      if (this.isName('is')) throw this.error('You cannot chain multiple tests with is');
      args.args = [this.parsePostfix(this.parsePrimary())];
    }
    return { kind: 'test', node, name, negated, ...args, pos: this.pos(token) };
  }
}
