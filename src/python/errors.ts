/**
 * Python's exceptions as the value model raises them: a kind (TypeError is 'type', using an
 * undefined value is 'undefined', a bad regular expression is 'runtime') and a message, but no
 * position. The template evaluator catches them and rethrows at the expression that failed.
 */
export class PyError extends Error {
  override name = 'PyError';
  constructor(
    readonly kind: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Python's TypeError: "unsupported operand", "object is not iterable", ... */
export function typeError(message: string): PyError {
  return new PyError('type', message);
}
