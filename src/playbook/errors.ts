/** Errors in playbooks, roles, vars files and inventories: always file:line:column and what. */

export interface Location {
  file: string;
  line: number;
  column: number;
  /** A quoted scalar's location: `column` is its text's, one after the opening quote. */
  quoted?: boolean;
}

export function formatLocation(at: Location): string {
  return `${at.file}:${at.line}:${at.column}`;
}

export class PlaybookError extends Error {
  override name = 'PlaybookError';
  readonly location: Location | undefined;
  /** The message without the location prefix. */
  readonly detail: string;

  constructor(detail: string, location?: Location, options?: { cause?: unknown }) {
    super(location ? `${formatLocation(location)}: ${detail}` : detail, options);
    this.detail = detail;
    this.location = location;
  }
}

/** Several problems at once (validate reports every problem, not only the first). */
export class PlaybookErrors extends Error {
  override name = 'PlaybookErrors';
  constructor(readonly errors: PlaybookError[]) {
    super(errors.map((e) => e.message).join('\n'));
  }
}

/**
 * An error that stops a run while it runs, as an AnsibleError raised by Ansible's strategy does
 * (add_host under the free strategy, an invalid host name from add_host): no recap, exit code 1.
 */
export class RunError extends PlaybookError {
  override name = 'RunError';
}
