/** The template tree. Every node keeps the line and column it starts at. */

export interface Pos {
  line: number;
  column: number;
}

export type Expr =
  | { kind: 'const'; value: unknown; pos: Pos }
  | { kind: 'name'; name: string; pos: Pos }
  | { kind: 'list'; items: Expr[]; pos: Pos }
  | { kind: 'tuple'; items: Expr[]; pos: Pos }
  | { kind: 'dict'; pairs: Array<[Expr, Expr]>; pos: Pos }
  | { kind: 'getattr'; obj: Expr; attr: string; pos: Pos }
  | { kind: 'getitem'; obj: Expr; arg: Expr; pos: Pos }
  | { kind: 'slice'; start: Expr | null; stop: Expr | null; step: Expr | null; pos: Pos }
  | ({ kind: 'call'; fn: Expr; pos: Pos } & CallArgsNode)
  | ({ kind: 'filter'; node: Expr | null; name: string; pos: Pos } & CallArgsNode)
  | ({ kind: 'test'; node: Expr; name: string; negated: boolean; pos: Pos } & CallArgsNode)
  | { kind: 'binop'; op: BinaryOperator; left: Expr; right: Expr; pos: Pos }
  | { kind: 'unary'; op: 'not' | '-' | '+'; node: Expr; pos: Pos }
  | { kind: 'and' | 'or'; left: Expr; right: Expr; pos: Pos }
  | { kind: 'compare'; expr: Expr; ops: Array<{ op: CompareOperator; expr: Expr }>; pos: Pos }
  | { kind: 'condexpr'; test: Expr; then: Expr; otherwise: Expr | null; pos: Pos };

export type BinaryOperator = '+' | '-' | '*' | '/' | '//' | '%' | '**' | '~';
export type CompareOperator = '==' | '!=' | '<' | '<=' | '>' | '>=' | 'in' | 'notin';

export interface CallArgsNode {
  args: Expr[];
  kwargs: Array<[string, Expr]>;
  dynArgs: Expr | null;
  dynKwargs: Expr | null;
}

/** What `set`, `for` and `with` assign to. */
export type Target =
  | { kind: 'name'; name: string; pos: Pos }
  | { kind: 'tuple'; items: Target[]; pos: Pos }
  | { kind: 'nsref'; ns: string; attr: string; pos: Pos };

export interface MacroSignature {
  params: string[];
  defaults: Expr[];
}

export type Stmt =
  | { kind: 'data'; text: string; pos: Pos }
  | { kind: 'output'; expr: Expr; pos: Pos }
  | { kind: 'if'; branches: Array<{ test: Expr; body: Stmt[] }>; otherwise: Stmt[]; pos: Pos }
  | {
      kind: 'for';
      target: Target;
      iter: Expr;
      body: Stmt[];
      otherwise: Stmt[];
      filter: Expr | null;
      recursive: boolean;
      pos: Pos;
    }
  | { kind: 'set'; target: Target; value: Expr; pos: Pos }
  | { kind: 'setblock'; target: Target; body: Stmt[]; filter: Expr | null; pos: Pos }
  | { kind: 'macro'; name: string; signature: MacroSignature; body: Stmt[]; pos: Pos }
  | { kind: 'callblock'; call: Expr & { kind: 'call' }; signature: MacroSignature; body: Stmt[]; pos: Pos }
  | { kind: 'filterblock'; filter: Expr; body: Stmt[]; pos: Pos }
  | { kind: 'include'; template: Expr; ignoreMissing: boolean; withContext: boolean; pos: Pos }
  | { kind: 'with'; targets: Array<[Target, Expr]>; body: Stmt[]; pos: Pos };

export interface TemplateTree {
  file: string;
  body: Stmt[];
}
