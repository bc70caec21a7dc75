/**
 * A module: an argument spec and a run() that reads the host's state through the connection,
 * computes the difference and issues the fewest commands (pyinfra's split, Ansible's contract).
 * Module logic runs in the controller; only commands and file operations reach the host.
 */
import type { Become, Connection } from '../connection/types.js';
import type { Syntax } from '../template/index.js';
import type { HostFacts } from '../facts/index.js';
import type { ArgsOf, ArgumentSpec } from './args.js';

export interface Diff {
  /** Text for content changes; the file module's state diffs are mappings ({path, state, mode}). */
  before?: string | Record<string, unknown>;
  after?: string | Record<string, unknown>;
  before_header?: string;
  after_header?: string;
  prepared?: string;
}

/** A module's result, with Ansible's names: changed, failed, msg, rc, stdout, diff, ... */
export interface ModuleResult {
  changed: boolean;
  failed?: boolean;
  skipped?: boolean;
  /** Usually text; debug and assert may return any value. */
  msg?: unknown;
  diff?: Diff | Diff[];
  [key: string]: unknown;
}

export interface ModuleContext {
  /** The inventory hostname. */
  readonly host: string;
  /** The host the module runs on: the delegate under delegate_to, else `host`. */
  readonly target: string;
  /**
   * A connection setting of an inventory host as the engine resolves it for a connection
   * (ansible_host, ansible_port, ansible_user, ansible_ssh_private_key_file, ansible_ssh_common_args,
   * ansible_connection...: host variables, then the remote_user/port keywords, then the command line
   * and ansible.cfg); undefined when none is set. For modules that open their own connections (synchronize).
   */
  connectionVariable(host: string, name: string): unknown;
  readonly conn: Connection;
  /** Opens (or re-opens) the host's connection; for controller-side modules that wait for a host. */
  connect(): Promise<Connection>;
  /** The host's facts (as the task's user, with its environment), read once for the run. */
  readonly facts: HostFacts;
  /** --check: report what would change, change nothing. */
  readonly checkMode: boolean;
  /** --diff: include before/after in the result. */
  readonly diffMode: boolean;
  readonly become: Become | undefined;
  /** The task's `environment:`. */
  readonly environment: Record<string, string>;
  /**
   * A controller-side file for `src:` (copy, template, include_vars): looks in the role's and
   * playbook's `files/` or `templates/` (kind), then as given. Undefined when not found.
   */
  findFile(kind: 'files' | 'templates' | 'vars', name: string): string | undefined;
  /**
   * The directory relative controller paths are resolved in (Ansible's loader basedir: the
   * playbook's directory), for modules that write on the controller (fetch's dest).
   */
  readonly playbookDir: string;
  /** A controller-side YAML or JSON file's data, as include_vars reads it (null when empty); throws when it does not parse. */
  loadDataFile(file: string): unknown;
  /**
   * Renders template text with the task's variables and `extraVars` over them. Includes and
   * imports are looked up beside `options.file`, then in the role's and playbook's directories.
   */
  renderTemplate(source: string, options: RenderOptions, extraVars?: Record<string, unknown>): string;
  /** The task's variables (lazily templated), for modules that need them (debug var=). */
  variable(name: string): unknown;
  /** Templates an expression with the task's variables (assert that:, debug var=). */
  evaluate(expression: string): unknown;
  /**
   * One conditional as Ansible 2.19 evaluates it (see executor/conditionals.ts): true or false, or
   * a BrokenConditionalError with Ansible's message; `deprecate` hears the deprecations it meets.
   */
  evaluateConditional(condition: unknown, deprecate: (msg: string) => void): boolean;
  /** -v level, for modules whose output depends on it (debug verbosity). */
  readonly verbosity: number;
  /** The task's `async:` seconds and `poll:` interval, given only to modules with supportsAsync. */
  readonly async?: { seconds: number; poll: number };
  /** Says that a poll found the async job still running (Ansible's "ASYNC POLL" line). */
  asyncPoll?(jid: string): void;
  /** The task's no_log: a module run on the host is told, so that its own logging hides the values too. */
  readonly noLog?: boolean;
  /** A line the output shows from -v on (which way the module ran), as Ansible's display.v lines. */
  verbose?(message: string): void;
  /** Reports how far a long transfer is (one line of text); the reporter shows it at a bounded rate. */
  progress?(message: string): void;
}

export interface RenderOptions {
  /** The template's file: errors name it, and its directory is searched first. */
  file: string;
  syntax?: Partial<Syntax>;
}

/** What a module is, apart from its run(): the fields the engine and the loader read. */
interface ModuleTraits {
  /** Short name ('copy'); its fully qualified names (`ansible.builtin.copy`, `ansible.legacy.copy`) resolve to it. */
  readonly name: string;
  readonly aliases?: readonly string[];
  /** The Ansible collection it belongs to (`community.general` for ufw); default ansible.builtin. */
  readonly collection?: string;
  /** Module runs on the controller only (debug, set_fact, assert): no connection needed. */
  readonly controllerOnly?: boolean;
  /** In check mode, modules without check support are skipped, as in Ansible. */
  readonly supportsCheckMode: boolean;
  /**
   * `async:` runs the module's work as a job on the host (ctx.async tells it how). Other modules
   * run in the controller: `async:` with `poll:` above 0 limits their time, `poll: 0` is refused.
   */
  readonly supportsAsync?: boolean;
  /**
   * Ansible runs it through an action plugin that refuses `async:` (copy, template, script, debug,
   * ...): a task with a non-zero `async:` fails with "This action (name) does not support async."
   * before its arguments are checked.
   */
  readonly refusesAsync?: boolean;
  /**
   * Free-form words are its `_raw_params` (an action plugin with `supports_raw_params = True`), as
   * for command and shell; for other modules they are an error when the task runs.
   */
  readonly takesRawParams?: boolean;
  /**
   * Ansible's action plugin bypasses the host loop (BYPASS_HOST_LOOP: add_host): under the linear
   * strategy the task runs once, for the first host at it, as under run_once (its result is that
   * host's only); the free strategy refuses it.
   */
  readonly bypassHostLoop?: boolean;
  /**
   * Arguments that hold conditionals (assert's `that`): passed untemplated (a whole template that
   * gives a list becomes that list), for the module to evaluate each with ctx.evaluateConditional.
   */
  readonly conditionArgs?: readonly string[];
}

/** A module as written: its spec, and a run() whose argument types come from that spec. */
export interface ModuleDefinition<S extends ArgumentSpec = ArgumentSpec> extends ModuleTraits {
  /** Ansible-style argument spec; arguments are checked and coerced before run(). */
  readonly spec: S;
  run(args: ArgsOf<S>, ctx: ModuleContext): Promise<ModuleResult>;
  /**
   * Options of type `path` that name a file on the controller (copy's src): these are not expanded
   * on the host. Every other `path` option gets `~` and `$VAR` expanded there before run(), as
   * Ansible's module does.
   */
  controllerPaths?(args: ArgsOf<S>): readonly string[];
}

/** One call of a module: its checked arguments, bound to its run(). */
export interface ModuleCall {
  readonly args: Record<string, unknown>;
  run(ctx: ModuleContext): Promise<ModuleResult>;
}

/** A module as the registry and the engine hold it, whatever its spec (defineModule makes one). */
export interface Module extends ModuleTraits {
  readonly spec: ArgumentSpec;
  /** Checks and coerces raw arguments (throws ArgumentError with Ansible's message) and binds them to the module's run. */
  bind(args: Record<string, unknown>): ModuleCall;
  /** Before templating (playbook validation): argument names and groups only, values unchecked; throws ArgumentError. */
  checkArgumentNames(args: Record<string, unknown>): void;
}
