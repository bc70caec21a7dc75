/**
 * A template environment: the filter, test and lookup registries, the globals, the loader for
 * `{% include %}`, and a cache of parsed templates (a task's arguments are parsed once per run).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Expr, Pos, Stmt } from './ast.js';
import { TemplateSyntaxError } from './errors.js';
import { ANSIBLE_SYNTAX, Lexer, type Syntax } from './lexer.js';
import { Parser } from './parser.js';
import type { FilterDef, FilterRegistry, FilterTestFallback, LookupDef, LookupFallback, LookupRegistry, TestDef, TestRegistry } from './plugins.js';
import { nativeName, resolveLookup } from './plugins.js';
import { checkPlugins } from './check.js';
import { dictKeys, isDict } from '../python/values.js';

export interface CompileOptions {
  /** The file (or label) errors name. */
  file?: string;
  /** Where the template starts inside that file (for a template embedded in YAML). */
  line?: number;
  column?: number;
  /** Delimiters and whitespace settings (the template module's options). */
  syntax?: Partial<Syntax>;
  /**
   * String literals holding a template are rendered where they are used, as Ansible 2.19 does in
   * a conditional expression (`"du{{ 'de' }}"`, a deprecated "Jinja constant string").
   */
  constTemplates?: boolean;
}

export interface CompiledTemplate {
  file: string;
  body: Stmt[];
  /** Set when the whole template is one `{{ expression }}`: its value keeps its type. */
  single: Expr | undefined;
  /** Set when the template has no tags at all: the text itself. */
  constant: string | undefined;
  /** Newlines the source ends with: text results get them back (Ansible's preserve_trailing_newlines). */
  trailingNewlines: number;
  /** See CompileOptions.constTemplates: for this template only, not for what it renders in turn. */
  constTemplates: boolean;
  newline: string;
  lineOffset: number;
  columnOffset: number;
}

interface ParsedTemplate {
  body: Stmt[];
  single: Expr | undefined;
  constant: string | undefined;
}

export interface LoadedTemplate {
  source: string;
  file: string;
}

/** Finds a template for `{% include %}` and the template lookup. */
export type TemplateLoader = (name: string, fromFile: string, searchPath: readonly string[]) => LoadedTemplate | undefined;

/** Looks in the including template's folder, then the search path (each dir and its templates/). */
export const fileLoader: TemplateLoader = (name, fromFile, searchPath) => {
  const candidates: string[] = [];
  if (path.isAbsolute(name)) candidates.push(name);
  else {
    const here = path.dirname(fromFile);
    if (path.isAbsolute(here)) candidates.push(path.join(here, name));
    for (const dir of searchPath) candidates.push(path.join(dir, 'templates', name), path.join(dir, name));
  }
  for (const candidate of candidates) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return { source: readFileSync(candidate, 'utf8'), file: candidate };
  }
  return undefined;
};

const MAX_CACHE = 5000;
const OVERRIDE_HEADER = '#jinja2:';
const OVERRIDE_KEYS: Record<string, keyof Syntax> = {
  block_start_string: 'blockStart',
  block_end_string: 'blockEnd',
  variable_start_string: 'variableStart',
  variable_end_string: 'variableEnd',
  comment_start_string: 'commentStart',
  comment_end_string: 'commentEnd',
  trim_blocks: 'trimBlocks',
  lstrip_blocks: 'lstripBlocks',
  newline_sequence: 'newlineSequence',
  keep_trailing_newline: 'keepTrailingNewline',
};

export class TemplateEnvironment {
  readonly filters: FilterRegistry;
  readonly tests: TestRegistry;
  readonly lookups: LookupRegistry;
  readonly globals = new Map<string, unknown>();
  loader: TemplateLoader = fileLoader;
  /** Lookups found outside the registry (see LookupFallback). */
  lookupFallback: LookupFallback | undefined;
  /** Filters and tests found outside the registries (see FilterTestFallback). */
  filterTestFallback: FilterTestFallback | undefined;
  private readonly cache = new Map<string, ParsedTemplate>();

  constructor(registries: { filters: FilterRegistry; tests: TestRegistry; lookups: LookupRegistry }) {
    this.filters = registries.filters;
    this.tests = registries.tests;
    this.lookups = registries.lookups;
  }

  /** A lookup by name (see resolveLookup). */
  findLookup(name: string): LookupDef | undefined {
    return resolveLookup(this.lookups, this.lookupFallback, name);
  }

  /** A filter by name: a registered one (unless a plugin file shadows it), else the fallback's. */
  findFilter(name: string): FilterDef | undefined {
    const fallback = this.filterTestFallback;
    const native = nativeName(name);
    const own = native === undefined ? undefined : this.filters.get(native);
    if (!fallback) return own;
    return own ? (fallback.shadowingFilter?.(name) ?? own) : fallback.findFilter(name);
  }

  /** A test by name: a registered one (unless a plugin file shadows it), else the fallback's. */
  findTest(name: string): TestDef | undefined {
    const fallback = this.filterTestFallback;
    const native = nativeName(name);
    const own = native === undefined ? undefined : this.tests.get(native);
    if (!fallback) return own;
    return own ? (fallback.shadowingTest?.(name) ?? own) : fallback.findTest(name);
  }

  compile(source: string, options: CompileOptions = {}): CompiledTemplate {
    const file = options.file ?? '<template>';
    const lineOffset = (options.line ?? 1) - 1;
    const columnOffset = (options.column ?? 1) - 1;
    let syntax = options.syntax ? { ...ANSIBLE_SYNTAX, ...options.syntax } : ANSIBLE_SYNTAX;
    let text = source;
    let headerLines = 0;
    if (text.startsWith(OVERRIDE_HEADER)) {
      const overrides = parseOverrideHeader(text, file);
      syntax = { ...syntax, ...overrides };
      text = text.slice(text.indexOf('\n') + 1);
      headerLines = 1;
    }
    const key = syntax === ANSIBLE_SYNTAX ? text : `${JSON.stringify(syntax)}\u0000${text}`;
    let parsed = this.cache.get(key);
    if (!parsed) {
      parsed = this.parse(text, syntax, file, lineOffset + headerLines, columnOffset);
      if (this.cache.size >= MAX_CACHE) this.cache.clear();
      this.cache.set(key, parsed);
    }
    const trailingNewlines = syntax.keepTrailingNewline ? 0 : (/\n*$/.exec(text)?.[0].length ?? 0);
    return {
      file,
      ...parsed,
      trailingNewlines,
      constTemplates: options.constTemplates ?? false,
      newline: syntax.newlineSequence,
      lineOffset: lineOffset + headerLines,
      columnOffset: headerLines ? 0 : columnOffset,
    };
  }

  private parse(text: string, syntax: Syntax, file: string, lineOffset: number, columnOffset: number): ParsedTemplate {
    if (!this.containsTag(text, syntax)) {
      // Rendered as a template (an include, the template lookup), Jinja drops the final newline as
      // for any template; the native value (`constant`) keeps it, as Ansible's does.
      const data = syntax.keepTrailingNewline ? text : text.replace(/(?:\r\n|\r|\n)$/, '');
      return { body: data ? [{ kind: 'data', text: data, pos: { line: 1, column: 1 } }] : [], single: undefined, constant: text };
    }
    const shift = (pos: Pos): { file: string; line: number; column: number } => ({
      file,
      line: pos.line + lineOffset,
      column: pos.line === 1 ? pos.column + columnOffset : pos.column,
    });
    let body: Stmt[];
    try {
      let source = text;
      if (!syntax.keepTrailingNewline) source = source.replace(/(?:\r\n|\r|\n)$/, '');
      const tokens = new Lexer(source, syntax, file).tokenize();
      body = new Parser(tokens, file).parseTemplate();
    } catch (e) {
      if (e instanceof TemplateSyntaxError && (lineOffset || columnOffset)) {
        throw new TemplateSyntaxError(e.detail, shift({ line: e.line, column: e.column }));
      }
      throw e;
    }
    checkPlugins(this, body, shift);
    const only = body.length === 1 ? body[0] : undefined;
    return { body, single: only?.kind === 'output' ? only.expr : undefined, constant: undefined };
  }

  private containsTag(text: string, syntax: Syntax): boolean {
    return text.includes(syntax.variableStart) || text.includes(syntax.blockStart) || text.includes(syntax.commentStart);
  }

  /** Whether a value holds a template (so reading it must template it). */
  needsTemplating(value: unknown, depth = 0): boolean {
    if (typeof value === 'string') return value.includes('{{') || value.includes('{%') || value.includes('{#') || value.startsWith(OVERRIDE_HEADER);
    if (depth > 50) return false;
    if (Array.isArray(value)) return value.some((v) => this.needsTemplating(v, depth + 1));
    if (isDict(value)) return dictKeys(value).some((k) => this.needsTemplating(value[k], depth + 1));
    return false;
  }

  loadTemplate(name: string, fromFile: string, searchPath: readonly string[]): LoadedTemplate | undefined {
    return this.loader(name, fromFile, searchPath);
  }
}

function parseOverrideHeader(text: string, file: string): Partial<Syntax> {
  const eol = text.indexOf('\n');
  const at = { file, line: 1, column: 1 };
  if (eol < 0) throw new TemplateSyntaxError(`Missing newline after '${OVERRIDE_HEADER}' override.`, at);
  const line = text.slice(OVERRIDE_HEADER.length, eol);
  const out: Record<string, unknown> = {};
  for (const pair of line.split(',')) {
    if (!pair.trim()) throw new TemplateSyntaxError(`Empty '${OVERRIDE_HEADER}' override pair not allowed.`, at);
    const colon = pair.indexOf(':');
    if (colon < 0) throw new TemplateSyntaxError(`Missing key-value separator \`:\` in '${OVERRIDE_HEADER}' override pair '${pair}'.`, at);
    const key = pair.slice(0, colon).trim();
    const field = OVERRIDE_KEYS[key];
    if (!field) throw new TemplateSyntaxError(`Invalid '${OVERRIDE_HEADER}' override key '${key}'.`, at);
    const value = parsePythonLiteral(pair.slice(colon + 1).trim(), at);
    const wantsBool = field === 'trimBlocks' || field === 'lstripBlocks' || field === 'keepTrailingNewline';
    if (wantsBool !== (typeof value === 'boolean')) {
      throw new TemplateSyntaxError(`'${OVERRIDE_HEADER}' override '${key}' must be ${wantsBool ? 'a boolean (True or False)' : 'a string'}.`, at);
    }
    out[field] = value;
  }
  return out as Partial<Syntax>;
}

function parsePythonLiteral(text: string, at: { file: string; line: number; column: number }): unknown {
  if (text === 'True') return true;
  if (text === 'False') return false;
  const m = /^(['"])(.*)\1$/s.exec(text);
  if (m) return (m[2] ?? '').replace(/\\n/g, '\n').replace(/\\r/g, '\r').replace(/\\(.)/g, '$1');
  throw new TemplateSyntaxError(`Invalid override value ${text} in '${OVERRIDE_HEADER}' header.`, at);
}
