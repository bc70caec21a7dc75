import { PyError, typeError } from '../python/errors.js';

/** Where a template construct sits: the template's file (or a label), 1-based line and column. */
export interface SourcePosition {
  file: string;
  line: number;
  column: number;
}

export type TemplateErrorKind =
  | 'syntax'
  | 'undefined'
  | 'unknown-filter'
  | 'unknown-test'
  | 'unknown-lookup'
  | 'type'
  | 'sandbox'
  | 'recursion'
  | 'lookup'
  /** A lookup that exists but cannot be loaded (a Python plugin raising on import): not a lookup failure, so errors= does not apply. */
  | 'lookup-load'
  | 'runtime';

/**
 * Every error the interpreter throws. The message starts with `file:line:column:` so that a user
 * sees where without reading fields; the fields are there for tools.
 */
export class TemplateError extends Error {
  override name = 'TemplateError';
  readonly kind: TemplateErrorKind;
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** The message without the position prefix. */
  readonly detail: string;
  /**
   * A Python exception the template's own operators raised (ZeroDivisionError, TypeError), which
   * ansible-core wraps as "Error rendering template: ..."; a plugin's or an undefined name's is not.
   */
  readonly rendering: boolean;

  constructor(kind: TemplateErrorKind, detail: string, position: SourcePosition, options?: { cause?: unknown; rendering?: boolean }) {
    super(`${position.file}:${position.line}:${position.column}: ${detail}`, options);
    this.kind = kind;
    this.rendering = options?.rendering ?? false;
    this.detail = detail;
    this.file = position.file;
    this.line = position.line;
    this.column = position.column;
  }
}

export class TemplateSyntaxError extends TemplateError {
  override name = 'TemplateSyntaxError';
  constructor(detail: string, position: SourcePosition) {
    super('syntax', detail, position);
  }
}

export class UndefinedVariableError extends TemplateError {
  override name = 'UndefinedVariableError';
  /** The variable (or attribute) that was undefined. */
  readonly variable: string;
  constructor(variable: string, detail: string, position: SourcePosition) {
    super('undefined', detail, position);
    this.variable = variable;
  }
}

export class UnknownPluginError extends TemplateError {
  override name = 'UnknownPluginError';
  readonly plugin: string;
  readonly suggestion: string | undefined;
  /** The detail as a failed task gives it (see taskFailureMessage). */
  readonly taskDetail: string;
  constructor(
    kind: 'unknown-filter' | 'unknown-test' | 'unknown-lookup',
    plugin: string,
    suggestion: string | undefined,
    position: SourcePosition,
  ) {
    const what = kind === 'unknown-filter' ? 'filter' : kind === 'unknown-test' ? 'test' : 'lookup plugin';
    const hint = suggestion ? ` Did you mean '${suggestion}'?` : '';
    super(kind, `No ${what} named '${plugin}'.${hint}`, position);
    this.plugin = plugin;
    this.suggestion = suggestion;
    this.taskDetail = `Syntax error in template: No ${what} named '${plugin}'.`;
  }
}

/**
 * What a task that fails on this template error says of it, in Ansible's words. Ansible calls a
 * filter or test it does not know a syntax error in the template, and suggests nothing.
 */
export function taskFailureDetail(e: TemplateError): string {
  if (e instanceof UnknownPluginError) return e.taskDetail;
  if (e instanceof TemplateSyntaxError) return `Syntax error in template: ${e.detail}`;
  return e.rendering ? `Error rendering template: ${e.detail}` : e.detail;
}

/** What a task that fails on this template error says: Ansible's words after our position. */
export function taskFailureMessage(e: TemplateError): string {
  return `Task failed: ${e.file}:${e.line}:${e.column}: ${taskFailureDetail(e)}`;
}

export class TemplateTypeError extends TemplateError {
  override name = 'TemplateTypeError';
  constructor(detail: string, position: SourcePosition, options?: { cause?: unknown; rendering?: boolean }) {
    super('type', detail, position, options);
  }
}

export class TemplateRuntimeError extends TemplateError {
  override name = 'TemplateRuntimeError';
  constructor(kind: TemplateErrorKind, detail: string, position: SourcePosition, options?: { cause?: unknown; rendering?: boolean }) {
    super(kind, detail, position, options);
  }
}

/**
 * Thrown by filters, tests, lookups and methods, which do not know where they were called from;
 * the evaluator catches it (and the value model's PyError it extends) and rethrows a
 * TemplateError at the call's position.
 */
export class PluginError extends PyError {
  override name = 'PluginError';
  declare readonly kind: TemplateErrorKind;
  constructor(kind: TemplateErrorKind, message: string, options?: { cause?: unknown }) {
    super(kind, message, options);
  }
}

export { typeError };

/** Whether an error is an undefined variable's, however wrapped. */
export function isUndefinedError(e: unknown): e is TemplateError | PyError {
  return (e instanceof TemplateError || e instanceof PyError) && e.kind === 'undefined';
}

/**
 * A conditional Ansible 2.19 refuses to evaluate: empty, not a string, untrusted text, or one
 * whose result is not a boolean. The message is Ansible's; the task fails with it.
 */
export class BrokenConditionalError extends Error {
  override name = 'BrokenConditionalError';
}
