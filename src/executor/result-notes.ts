/**
 * What the task runner knows of a result beyond its keys: results are the plain objects users
 * register and print, so these facts are kept beside them, keyed by the result object.
 */
import type { ErrorCause } from '../output/events.js';

/** Where a failure came from: a module on the host ("Module failed"), or an error a controller action raised. */
export type FailureOrigin = 'module' | 'raised';

interface Note {
  /** changed_when/failed_when have judged it (an `until` attempt: judged once, as in Ansible). */
  judged?: boolean;
  origin?: FailureOrigin;
  /** The `[ERROR]: ...` line shown above it. */
  errorLine?: string;
  /** The cause shown under that line, where it has its own position. */
  cause?: ErrorCause;
}

export class ResultNotes {
  private readonly notes = new WeakMap<object, Note>();

  private note(result: object): Note {
    let note = this.notes.get(result);
    if (!note) this.notes.set(result, (note = {}));
    return note;
  }

  markJudged(result: object): void {
    this.note(result).judged = true;
  }

  isJudged(result: object): boolean {
    return this.notes.get(result)?.judged === true;
  }

  setOrigin(result: object, origin: FailureOrigin): void {
    this.note(result).origin = origin;
  }

  origin(result: object): FailureOrigin | undefined {
    return this.notes.get(result)?.origin;
  }

  setErrorLine(result: object, line: string): void {
    this.note(result).errorLine = line;
  }

  errorLine(result: object): string | undefined {
    return this.notes.get(result)?.errorLine;
  }

  setCause(result: object, cause: ErrorCause | undefined): void {
    if (cause !== undefined) this.note(result).cause = cause;
  }

  cause(result: object): ErrorCause | undefined {
    return this.notes.get(result)?.cause;
  }

  /** The error line and its cause, as a result event carries them. */
  shown(result: object): { error?: string; errorCause?: ErrorCause } {
    const note = this.notes.get(result);
    if (note?.errorLine === undefined) return note?.cause !== undefined ? { errorCause: note.cause } : {};
    return note.cause !== undefined ? { error: note.errorLine, errorCause: note.cause } : { error: note.errorLine };
  }
}
