/**
 * One task or block as written in YAML, normalised: which module it runs, its arguments (dict,
 * `k=v` string or `args:`), its keywords, its loop. Every problem names file:line:column.
 */
import { isAnsibleBuiltinModule, resolvedActionName } from '../modules/ansible-builtin.js';
import { suggest } from '../python/suggest.js';
import { isDict } from '../python/values.js';
import { type Location, PlaybookError } from './errors.js';
import { includeOptionsProblem } from './include-options.js';
import { BLOCK_KEYWORDS, COMMAND_MODULES, COMMAND_OPTIONS, ENGINE_ACTIONS, RAW_PARAM_MODULES, TASK_KEYWORDS } from './keywords.js';
import { KvSplitError, parseKv } from '../python/kv.js';
import { isTrustedText, trustLoaded } from '../python/trust.js';
import { type Block, type RoleInstance, type Task, collectionsInScope } from './model.js';
import { locationOf, locationOfKey, locationOfValue } from './yaml.js';

export interface NormalizeContext {
  file: string;
  role: RoleInstance | undefined;
  parent: Block | undefined;
  isHandler: boolean;
  /** Whether a module has the name, for a task of `role` (whose library/ may provide it), with the `collections:` list in scope. */
  isModule(name: string, role: RoleInstance | undefined, collections: readonly string[]): boolean;
  /** Whether that module takes free-form words as its raw params (an action plugin that says so). */
  takesRawParams?(name: string, role: RoleInstance | undefined, collections: readonly string[]): boolean;
  /** The play's `collections:` keyword (tasks outside roles search it). */
  playCollections: unknown;
  moduleNames(): string[];
  nextId(): number;
  errors: PlaybookError[];
}

function shortModuleName(name: string): string {
  const m = /^(?:ansible\.(?:builtin|legacy)\.)(\w+)$/.exec(name);
  return m ? m[1]! : name;
}

const ENGINE_ACTION_NAMES: ReadonlySet<string> = new Set(ENGINE_ACTIONS);

/**
 * What a task may name: a module, one of the engine's own actions (by any of its names), or one of
 * ansible.builtin's modules that playbook does not carry (such a task fails if it runs).
 */
function isAction(ctx: NormalizeContext, name: string, collections: readonly string[]): boolean {
  return ctx.isModule(name, ctx.role, collections) || ENGINE_ACTION_NAMES.has(shortModuleName(name)) || isAnsibleBuiltinModule(name);
}

/** The names "Did you mean ...?" chooses from: the modules', then the engine's actions. */
function actionNames(ctx: NormalizeContext): string[] {
  return [...ctx.moduleNames(), ...ENGINE_ACTIONS];
}

function at(ctx: NormalizeContext, container: unknown, key?: string | number): Location {
  return (key !== undefined ? locationOfKey(container, key) : locationOf(container)) ?? { file: ctx.file, line: 1, column: 1 };
}

/** The arguments of a module from its value: dict, `k=v` string, or free-form text. */
export function moduleArgs(action: string, value: unknown): Record<string, unknown> {
  if (value === null || value === undefined) return {};
  if (isDict(value)) return { ...value };
  if (typeof value === 'string') {
    // The words of a trusted string are trusted too, as Ansible's parse_kv tags them.
    const args = COMMAND_MODULES.has(action) ? parseKv(value, COMMAND_OPTIONS) : parseKv(value);
    return isTrustedText(value) ? trustLoaded(args) : args;
  }
  // A number or list as free-form text (e.g. `pause: 5` is not valid, but `debug: var=x` is).
  return { _raw_params: value };
}

/** `name k=v ...` as the module's name and the rest; a templated name (`{{ pkg_mgr }}`) is one word, whatever its spaces. */
function splitModuleString(text: string): [string, string] {
  const [first = ''] = /^\{\{.*?\}\}\S*/.exec(text.trim()) ?? text.trim().split(/\s+/);
  const rest = text.trim().slice(first.length).trim();
  return [first, isTrustedText(text) ? trustLoaded(rest) : rest];
}

/** Ansible's is_possibly_all_template: text that starts and ends as one template. */
function isAllTemplate(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const text = value.trim();
  return text.startsWith('{{') && text.endsWith('}}');
}

export function isBlock(raw: Record<string, unknown>): boolean {
  return 'block' in raw;
}

export function normalizeTask(raw: unknown, ctx: NormalizeContext): Task | undefined {
  if (!isDict(raw)) {
    ctx.errors.push(new PlaybookError(`A task must be a mapping of keywords and one module, got ${JSON.stringify(raw)}`, at(ctx, raw)));
    return undefined;
  }
  const keywords: Record<string, unknown> = {};
  let action: string | undefined;
  let actionValue: unknown;
  let loopLookup: string | undefined;
  let moduleKv = '';
  let actionArgs: unknown;
  const candidates: string[] = [];
  for (const [key, value] of Object.entries(raw)) {
    const withLoop = /^with_(\w+)$/.exec(key);
    if (withLoop) {
      if ('loop' in raw) ctx.errors.push(new PlaybookError(`The 'loop' and '${key}' keywords cannot be used together`, at(ctx, raw, key)));
      loopLookup = withLoop[1]!;
      keywords['loop'] = value;
      continue;
    }
    if (key === 'action' || key === 'local_action') {
      if (key === 'local_action') keywords['delegate_to'] = 'localhost';
      if (isDict(value)) {
        // action: {module: "name k=v", args: ..., other: ...}: Ansible's (deprecated) precedence is
        // action.args, then the module string's k=v, then the other keys, then the task's args.
        const { module, args: inner, ...rest } = value;
        if (typeof module === 'string') [action, moduleKv] = splitModuleString(module);
        actionValue = rest;
        actionArgs = inner;
      } else if (typeof value === 'string') {
        [action, actionValue] = splitModuleString(value);
      }
      continue;
    }
    if (TASK_KEYWORDS.has(key)) {
      keywords[key] = value;
      continue;
    }
    candidates.push(key);
  }
  const location = at(ctx, raw);
  const collections = collectionsInScope(raw['collections'], ctx.parent, ctx.role, ctx.playCollections);
  if (action === undefined) {
    const modules = candidates.filter((c) => isAction(ctx, c, collections));
    const unknown = candidates.filter((c) => !isAction(ctx, c, collections));
    if (modules.length > 1) {
      ctx.errors.push(new PlaybookError(`conflicting action statements: ${modules.join(', ')}`, location));
      return undefined;
    }
    if (modules.length === 1) {
      for (const key of unknown) {
        const hint = suggest(key, [...TASK_KEYWORDS, 'with_items', 'with_dict']);
        ctx.errors.push(
          new PlaybookError(`'${key}' is not a valid attribute for a Task${hint ? `. Did you mean '${hint}'?` : ''}`, at(ctx, raw, key)),
        );
      }
      action = modules[0]!;
      actionValue = raw[action];
    } else if (unknown.length === 1) {
      const name = unknown[0]!;
      const hint = suggest(shortModuleName(name), actionNames(ctx)) ?? suggest(name, [...TASK_KEYWORDS]);
      ctx.errors.push(
        new PlaybookError(
          `couldn't resolve module/action '${name}'. This often indicates a misspelling, missing collection, or incorrect module path.${hint ? ` Did you mean '${hint}'?` : ''}`,
          at(ctx, raw, name),
        ),
      );
      return undefined;
    } else if (unknown.length > 1) {
      ctx.errors.push(new PlaybookError(`conflicting action statements: ${unknown.join(', ')}`, location));
      return undefined;
    } else {
      ctx.errors.push(new PlaybookError('no module/action detected in task.', location));
      return undefined;
    }
  } else if (!action.includes('{{') && !isAction(ctx, action, collections)) {
    const hint = suggest(shortModuleName(action), actionNames(ctx));
    ctx.errors.push(new PlaybookError(`couldn't resolve module/action '${action}'.${hint ? ` Did you mean '${hint}'?` : ''}`, location));
    return undefined;
  }
  const short = shortModuleName(action);
  let args: Record<string, unknown>;
  try {
    args = moduleArgs(short, actionValue);
    if (moduleKv) args = { ...args, ...moduleArgs(short, moduleKv) };
  } catch (e) {
    if (!(e instanceof KvSplitError)) throw e;
    const key = [action, 'action', 'local_action'].find((k) => k in raw);
    // `action: name k=v` is split whole by ansible-core, and named whole.
    const written = key !== undefined && key !== action && typeof raw[key] === 'string' ? raw[key] : undefined;
    ctx.errors.push(new PlaybookError(written === undefined ? e.message : new KvSplitError(written.trim()).message, at(ctx, raw, key)));
    return undefined;
  }
  const argTemplates: string[] = [];
  if (keywords['args'] !== undefined) {
    if (keywords['args'] === null) {
      // `args:` alone: no arguments, as in Ansible.
    } else if (isDict(keywords['args'])) args = { ...keywords['args'], ...args };
    else if (isAllTemplate(keywords['args'])) argTemplates.push(keywords['args']);
    else ctx.errors.push(new PlaybookError("the 'args' keyword must be a dictionary", at(ctx, raw, 'args')));
    delete keywords['args'];
  }
  if (isDict(actionArgs)) args = { ...args, ...actionArgs };
  else if (isAllTemplate(actionArgs)) argTemplates.push(actionArgs);
  const rawParams = RAW_PARAM_MODULES.has(short) || COMMAND_MODULES.has(short) || ctx.takesRawParams?.(action, ctx.role, collections) === true;
  const freeForm = args['_raw_params'];
  if (!rawParams && isAllTemplate(freeForm)) {
    argTemplates.push(freeForm);
    delete args['_raw_params'];
  }
  // Words that are not key=value for a module that takes none: Ansible 2.19 fails the task when it
  // runs (a skipped or rescued one passes); the up-front check warns.
  let rawParamsError: string | undefined;
  if (!rawParams && '_raw_params' in args) {
    rawParamsError = `Action '${resolvedActionName(action)}' does not support raw params.`;
    delete args['_raw_params'];
  }
  const includeProblem = argTemplates.length ? undefined : includeOptionsProblem(short, action, args);
  if (includeProblem !== undefined) {
    ctx.errors.push(new PlaybookError(includeProblem, location));
    return undefined;
  }
  // The raw params come first, as ansible-core hands the arguments on.
  if ('_raw_params' in args) args = { _raw_params: args['_raw_params'], ...args };
  const listen = keywords['listen'];
  delete keywords['listen'];
  const locations: Record<string, Location> = {};
  for (const key of Object.keys(raw)) {
    const loc = locationOfValue(raw, key);
    if (loc) locations[key] = loc;
  }
  const moduleValue = action in raw ? raw[action] : undefined;
  for (const key of Object.keys(args)) {
    const loc = (isDict(moduleValue) ? locationOfValue(moduleValue, key) : undefined) ?? (isDict(raw['args']) ? locationOfValue(raw['args'], key) : undefined) ?? locationOfValue(raw, action);
    if (loc) locations[`args.${key}`] = loc;
  }
  const task: Task = {
    kind: 'task',
    id: ctx.nextId(),
    name: typeof keywords['name'] === 'string' ? keywords['name'] : keywords['name'] == null ? undefined : String(keywords['name']),
    action: short,
    ...(action.startsWith('ansible.builtin.') ? { builtin: true } : {}),
    args,
    keywords,
    loopLookup,
    parent: ctx.parent,
    role: ctx.role,
    file: ctx.file,
    location,
    locations,
    listen: listen === undefined ? [] : Array.isArray(listen) ? listen.map(String) : [String(listen)],
    isHandler: ctx.isHandler,
    ...(argTemplates.length ? { argTemplates } : {}),
    ...(rawParamsError !== undefined ? { rawParamsError } : {}),
  };
  return task;
}

/** Block keywords (everything on the block except its three task lists). */
export function blockKeywords(raw: Record<string, unknown>, ctx: NormalizeContext): Record<string, unknown> {
  const keywords: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (key === 'block' || key === 'rescue' || key === 'always') continue;
    if (!BLOCK_KEYWORDS.has(key)) {
      const hint = suggest(key, [...BLOCK_KEYWORDS]);
      ctx.errors.push(new PlaybookError(`'${key}' is not a valid attribute for a Block${hint ? `. Did you mean '${hint}'?` : ''}`, at(ctx, raw, key)));
      continue;
    }
    keywords[key] = value;
  }
  return keywords;
}
