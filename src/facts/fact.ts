/**
 * A fact: one thing about a host, read by a shell command and parsed in the controller (pyinfra's
 * split). Facts are read through HostFacts, which batches several into one round trip and keeps
 * them for the run until a module changes the host.
 */

export interface FactDefinition<T, A extends readonly string[] = []> {
  /** Unique among facts; with the arguments, the cache key. */
  readonly name: string;
  /**
   * POSIX sh that prints the fact. Arguments arrive as $1, $2, ... and are never spliced into
   * the text, so a path or package name needs no quoting. It runs in a subshell of its own.
   */
  readonly command: string;
  /** The command's stdout (exit status 0) as the fact. A pure function: test it on real output. */
  parse(stdout: string, ...args: A): T;
  /**
   * The fact when the command exits non-zero (the tool is not installed, the file is absent).
   * Without a default, a non-zero exit is an error that names the fact and the command's output.
   */
  readonly default?: T;
}

/** A fact with its arguments: what HostFacts.gather() reads. */
export interface FactRequest<T> {
  readonly fact: { readonly name: string; readonly command: string };
  readonly args: readonly string[];
  /** The cache key: the fact's name and its arguments. */
  readonly key: string;
  parse(stdout: string): T;
  /** Whether the fact has a default for a non-zero exit, and what it is. */
  readonly fallback: { value: T } | undefined;
}

export interface Fact<T, A extends readonly string[] = []> extends FactDefinition<T, A> {
  /** This fact with these arguments, for HostFacts.gather(). */
  with(...args: A): FactRequest<T>;
}

export function defineFact<T, A extends readonly string[] = []>(definition: FactDefinition<T, A>): Fact<T, A> {
  return {
    ...definition,
    with(...args: A): FactRequest<T> {
      return {
        fact: definition,
        args,
        key: JSON.stringify([definition.name, ...args]),
        parse: (stdout) => definition.parse(stdout, ...args),
        fallback: definition.default !== undefined ? { value: definition.default } : undefined,
      };
    },
  };
}

/** A fact's command exited non-zero and the fact has no default. */
export class FactError extends Error {
  override name = 'FactError';
  constructor(
    /** The fact and its arguments, as `name(arg, ...)`. */
    readonly fact: string,
    readonly command: string,
    readonly rc: number | null,
    readonly stdout: string,
    readonly stderr: string,
  ) {
    super(`reading the fact ${fact} failed (rc=${String(rc)}): ${(stderr.trim() || stdout.trim() || 'no output').split('\n').slice(-3).join('\n')}`);
  }
}
