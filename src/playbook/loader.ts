/**
 * Loads a playbook into plays, blocks, tasks and roles. Static imports (import_playbook,
 * import_tasks, import_role, roles:) are resolved here; include_* run later. Every problem is
 * collected with its file:line:column, so `validate` can report them all at once.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { suggest } from '../python/suggest.js';
import { isDict, pyStr } from '../python/values.js';
import { TemplateError, templateValue } from '../template/index.js';
import { type Location, PlaybookError, PlaybookErrors } from './errors.js';
import { PLAY_KEYWORDS, ROLE_ENTRY_KEYWORDS } from './keywords.js';
import { checkKeywordTypes } from './schema.js';
import type { Block, Play, Playbook, RoleInstance, Task, TaskNode, VarsPrompt } from './model.js';
import { findMainFile, findRole, loadVarsEntry, roleSearchDescription } from './roles.js';
import { type NormalizeContext, blockKeywords, normalizeTask } from './task.js';
import { loadYamlFile, locationOf, locationOfKey } from './yaml.js';

export interface LoadOptions {
  /** Whether a module has the name, for a task of `role` (a native module, or a file in a library/ folder or collection; short names also in `collections`). */
  isModule(name: string, role: RoleInstance | undefined, collections: readonly string[]): boolean;
  /** Whether that module takes free-form words as its raw params (an action plugin that says so). */
  takesRawParams?(name: string, role: RoleInstance | undefined, collections: readonly string[]): boolean;
  moduleNames(): string[];
  rolesPath?: readonly string[];
  /** The package's own roles/ directory (searched last). */
  bundledRoles?: string;
  /** -e variables: a static import's templated name may use them. */
  extraVars?: Record<string, unknown>;
}

interface LoaderState {
  options: LoadOptions;
  /** Roles import_role loaded while reading the current play. */
  importedRoles: RoleInstance[];
  errors: PlaybookError[];
  nextId: number;
  /** import_playbook chain, to refuse loops. */
  stack: string[];
  /** The `collections:` keyword of the play being read. */
  playCollections: unknown;
  /** The play being read (or run, for files include_* load): its vars template static import names. */
  play?: Play;
}

function ctxFor(state: LoaderState, file: string, role: RoleInstance | undefined, parent: Block | undefined, isHandler: boolean): NormalizeContext {
  return {
    file,
    role,
    parent,
    isHandler,
    isModule: state.options.isModule,
    ...(state.options.takesRawParams ? { takesRawParams: state.options.takesRawParams } : {}),
    playCollections: state.playCollections,
    moduleNames: state.options.moduleNames,
    nextId: () => state.nextId++,
    errors: state.errors,
  };
}

function where(container: unknown, key: string | number | undefined, file: string): Location {
  return (key !== undefined ? locationOfKey(container, key) : locationOf(container)) ?? { file, line: 1, column: 1 };
}

function throwErrors(state: LoaderState): void {
  if (state.errors.length === 0) return;
  const errors = state.errors.splice(0);
  throw errors.length === 1 ? errors[0]! : new PlaybookErrors(errors);
}

/**
 * Loads playbooks, and later the task files and roles that include_tasks/include_role name at
 * run time (task ids keep counting, so play order stays total).
 */
export class PlaybookLoader {
  private readonly state: LoaderState;

  constructor(options: LoadOptions) {
    this.state = { options, errors: [], nextId: 1, stack: [], importedRoles: [], playCollections: undefined };
  }

  loadPlaybook(file: string): Playbook {
    const { playbook } = this.loadPlaybookCollecting(file);
    throwErrors(this.state);
    return playbook;
  }

  /** Loads what can be loaded and hands back the problems instead of throwing (for validate). */
  loadPlaybookCollecting(file: string): { playbook: Playbook; errors: PlaybookError[] } {
    const plays = loadPlaybookFile(path.resolve(file), this.state);
    return { playbook: { file: path.resolve(file), plays }, errors: this.state.errors.splice(0) };
  }

  /** The tasks of a file named by include_tasks, as children of `parent` (of `play`'s tasks). */
  loadTasksFile(file: string, role: RoleInstance | undefined, parent: Block | undefined, isHandler: boolean, baseDir: string, play?: Play): TaskNode[] {
    if (play) this.state.play = play;
    const data = loadYamlFile(file);
    const tasks = loadTaskList(data ?? [], file, role, parent, isHandler, this.state, baseDir);
    throwErrors(this.state);
    return tasks;
  }

  /** A role named by include_role: its tasks (dependencies first) inside a block. */
  loadRoleForInclude(entry: Record<string, unknown>, at: Location, baseDir: string, parentRole: RoleInstance | undefined, from: FromFiles, play?: Play): RoleInstance {
    if (play) this.state.play = play;
    const role = loadRole(entry, at, baseDir, parentRole, this.state, from);
    throwErrors(this.state);
    if (!role) throw new PlaybookError(`could not load role '${String(entry['role'] ?? entry['name'])}'`, at);
    role.viaInclude = true;
    return role;
  }

  roleTasks(role: RoleInstance, parent: Block | undefined): TaskNode[] {
    return roleTaskTree(role, parent, this.state);
  }
}

export function loadPlaybook(file: string, options: LoadOptions): Playbook {
  return new PlaybookLoader(options).loadPlaybook(file);
}

function loadPlaybookFile(file: string, state: LoaderState): Play[] {
  if (state.stack.includes(file)) {
    state.errors.push(new PlaybookError(`import_playbook loop: ${[...state.stack, file].join(' -> ')}`));
    return [];
  }
  let data: unknown;
  try {
    data = loadYamlFile(file);
  } catch (e) {
    state.errors.push(e instanceof PlaybookError ? e : new PlaybookError(String(e)));
    return [];
  }
  if (!Array.isArray(data)) {
    state.errors.push(new PlaybookError('A playbook must be a list of plays, got a ' + (isDict(data) ? 'mapping' : typeof data), where(data, undefined, file)));
    return [];
  }
  state.stack.push(file);
  const plays: Play[] = [];
  const baseDir = path.dirname(file);
  for (const [index, entry] of data.entries()) {
    if (!isDict(entry)) {
      state.errors.push(new PlaybookError('A play must be a mapping', where(data, index, file)));
      continue;
    }
    const importKey = ['import_playbook', 'ansible.builtin.import_playbook', 'ansible.legacy.import_playbook'].find((k) => k in entry);
    if (importKey) {
      const target = entry[importKey];
      if (typeof target !== 'string') {
        state.errors.push(new PlaybookError('import_playbook needs a file name', where(entry, importKey, file)));
        continue;
      }
      const imported = loadPlaybookFile(path.resolve(baseDir, target), state);
      const extra: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(entry)) if (k !== importKey) extra[k] = v;
      for (const play of imported) {
        if (isDict(extra['vars'])) play.vars = { ...play.vars, ...extra['vars'] };
        if (extra['tags'] !== undefined) play.keywords['tags'] = [...toList(play.keywords['tags']), ...toList(extra['tags'])];
        if (extra['when'] !== undefined) play.keywords['when'] = [...toList(extra['when']), ...toList(play.keywords['when'])];
      }
      plays.push(...imported);
      continue;
    }
    const play = loadPlay(entry, file, baseDir, state);
    if (play) plays.push(play);
  }
  state.stack.pop();
  return plays;
}

function toList(v: unknown): unknown[] {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v : [v];
}

function loadPlay(raw: Record<string, unknown>, file: string, baseDir: string, state: LoaderState): Play | undefined {
  state.errors.push(...checkKeywordTypes(raw, 'play', file));
  const keywords: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (!PLAY_KEYWORDS.has(key)) {
      const hint = suggest(key, [...PLAY_KEYWORDS]);
      state.errors.push(new PlaybookError(`'${key}' is not a valid attribute for a Play${hint ? `. Did you mean '${hint}'?` : ''}`, where(raw, key, file)));
      continue;
    }
    keywords[key] = value;
  }
  if (raw['hosts'] === undefined || raw['hosts'] === null || raw['hosts'] === '') {
    state.errors.push(new PlaybookError("the field 'hosts' is required but was not set", where(raw, undefined, file)));
  }
  const vars = raw['vars'] ?? {};
  if (!isDict(vars)) state.errors.push(new PlaybookError("the play's 'vars' must be a mapping", where(raw, 'vars', file)));
  const play: Play = {
    name: raw['name'] == null ? undefined : String(raw['name']),
    hosts: raw['hosts'],
    keywords,
    vars: isDict(vars) ? vars : {},
    varsFiles: toList(raw['vars_files']),
    varsPrompt: loadVarsPrompt(raw['vars_prompt'], file, state),
    roles: [],
    importedRoles: [],
    preTasks: [],
    tasks: [],
    postTasks: [],
    handlers: [],
    file,
    baseDir,
    location: where(raw, undefined, file),
  };
  state.importedRoles = play.importedRoles;
  state.play = play;
  state.playCollections = keywords['collections'];
  play.preTasks = loadTaskList(raw['pre_tasks'], file, undefined, undefined, false, state, baseDir);
  for (const [i, spec] of toList(raw['roles']).entries()) {
    const role = loadRoleEntry(spec, where(raw['roles'], i, file), baseDir, undefined, state);
    if (role) play.roles.push(role);
  }
  play.tasks = loadTaskList(raw['tasks'], file, undefined, undefined, false, state, baseDir);
  play.postTasks = loadTaskList(raw['post_tasks'], file, undefined, undefined, false, state, baseDir);
  play.handlers = loadTaskList(raw['handlers'], file, undefined, undefined, true, state, baseDir);
  return play;
}

function loadVarsPrompt(raw: unknown, file: string, state: LoaderState): VarsPrompt[] {
  const out: VarsPrompt[] = [];
  for (const [i, entry] of toList(raw).entries()) {
    if (!isDict(entry) || typeof entry['name'] !== 'string') {
      state.errors.push(new PlaybookError('each vars_prompt entry needs a name', where(raw, i, file)));
      continue;
    }
    out.push({
      name: entry['name'],
      prompt: String(entry['prompt'] ?? entry['name']),
      default: entry['default'],
      private: entry['private'] === undefined ? true : Boolean(entry['private']),
    });
  }
  return out;
}

/** Loads a list of tasks/blocks; import_tasks and import_role are expanded in place. */
function loadTaskList(
  raw: unknown,
  file: string,
  role: RoleInstance | undefined,
  parent: Block | undefined,
  isHandler: boolean,
  state: LoaderState,
  baseDir: string,
): TaskNode[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    state.errors.push(new PlaybookError('A list of tasks was expected', where(raw, undefined, file)));
    return [];
  }
  const out: TaskNode[] = [];
  for (const entry of raw) {
    if (isDict(entry) && 'block' in entry) {
      state.errors.push(...checkKeywordTypes(entry, 'block', file));
      const ctx = ctxFor(state, file, role, parent, isHandler);
      const block: Block = {
        kind: 'block',
        id: state.nextId++,
        name: entry['name'] == null ? undefined : String(entry['name']),
        block: [],
        rescue: [],
        always: [],
        keywords: blockKeywords(entry, ctx),
        parent,
        role,
        file,
        location: where(entry, undefined, file),
      };
      block.block = loadTaskList(entry['block'], file, role, block, isHandler, state, baseDir);
      block.rescue = loadTaskList(entry['rescue'], file, role, block, isHandler, state, baseDir);
      block.always = loadTaskList(entry['always'], file, role, block, isHandler, state, baseDir);
      out.push(block);
      continue;
    }
    if (isDict(entry)) state.errors.push(...checkKeywordTypes(entry, 'task', file));
    const task = normalizeTask(entry, ctxFor(state, file, role, parent, isHandler));
    if (!task) continue;
    if (task.action === 'import_tasks') {
      out.push(...expandImportTasks(task, role, parent, isHandler, state, baseDir));
    } else if (task.action === 'import_role') {
      const imported = expandImportRole(task, baseDir, role, parent, state);
      if (imported) out.push(imported);
    } else {
      out.push(task);
    }
  }
  return out;
}

/** An import's own keywords (when, tags, vars...) become a block around what it imports. */
function wrapperBlock(task: Task, parent: Block | undefined, role: RoleInstance | undefined, state: LoaderState): Block {
  const keywords: Record<string, unknown> = { ...task.keywords };
  delete keywords['name'];
  return {
    kind: 'block',
    id: state.nextId++,
    name: task.name,
    block: [],
    rescue: [],
    always: [],
    keywords,
    parent,
    role,
    file: task.file,
    location: task.location,
  };
}

/** Where a task file named in a task resolves: the role's tasks/ dir, the including file's dir, the playbook dir. */
export function resolveTaskFile(name: string, task: Task, baseDir: string): string | undefined {
  const candidates = path.isAbsolute(name)
    ? [name]
    : [
        ...(task.role ? [path.join(task.role.path, 'tasks', name)] : []),
        path.join(path.dirname(task.file), name),
        path.join(baseDir, name),
      ];
  return candidates.find((c) => existsSync(c) && statSync(c).isFile());
}

/**
 * The variables a static import's name is templated with while the playbook loads (Ansible's
 * VariableManager.get_vars(play, task), without a host): role defaults, play vars, role vars,
 * block and task vars, role params, extra vars, then the magic variables that need no host.
 */
function parseTimeVars(task: Task, role: RoleInstance | undefined, parent: Block | undefined, state: LoaderState, baseDir: string): Record<string, unknown> {
  const roles: RoleInstance[] = [];
  for (let r = role; r; r = r.parentRole) roles.unshift(r);
  const blocks: Block[] = [];
  for (let b = parent; b; b = b.parent) blocks.unshift(b);
  const vars: Record<string, unknown> = {};
  for (const r of roles) Object.assign(vars, r.defaults);
  if (state.play) Object.assign(vars, state.play.vars);
  for (const r of roles) Object.assign(vars, r.vars);
  for (const b of blocks) if (isDict(b.keywords['vars'])) Object.assign(vars, b.keywords['vars']);
  if (isDict(task.keywords['vars'])) Object.assign(vars, task.keywords['vars']);
  for (const r of roles) Object.assign(vars, r.params);
  Object.assign(vars, state.options.extraVars ?? {});
  vars['playbook_dir'] = state.play?.baseDir ?? baseDir;
  if (state.play) vars['ansible_play_name'] = state.play.name ?? '';
  if (role) Object.assign(vars, { role_name: role.name, role_path: role.path, ansible_role_name: role.name });
  return vars;
}

/**
 * A static import's file or role name: a template is rendered with the variables known while the
 * playbook loads; one that names anything else (facts, inventory variables) is Ansible's error.
 */
function importName(name: string, task: Task, role: RoleInstance | undefined, parent: Block | undefined, state: LoaderState, baseDir: string): string | undefined {
  if (!name.includes('{{') && !name.includes('{%')) return name;
  try {
    const at = task.locations[task.args['file'] !== undefined ? 'args.file' : 'args._raw_params'] ?? task.location;
    return pyStr(templateValue(name, parseTimeVars(task, role, parent, state, baseDir), { file: at.file, line: at.line, column: at.column }));
  } catch (e) {
    const detail = e instanceof TemplateError ? e.detail : e instanceof Error ? e.message : String(e);
    state.errors.push(new PlaybookError(`Error when evaluating variable in import path '${name}': ${detail}`, task.location));
    return undefined;
  }
}

function expandImportTasks(task: Task, role: RoleInstance | undefined, parent: Block | undefined, isHandler: boolean, state: LoaderState, baseDir: string): TaskNode[] {
  const written = task.args['file'] ?? task.args['_raw_params'];
  if (typeof written !== 'string') {
    state.errors.push(new PlaybookError('import_tasks needs a file name', task.location));
    return [];
  }
  const name = importName(written, task, role, parent, state, baseDir);
  if (name === undefined) return [];
  const found = resolveTaskFile(name, task, baseDir);
  if (!found) {
    state.errors.push(new PlaybookError(`Could not find or access '${name}' for import_tasks`, task.location));
    return [];
  }
  let data: unknown;
  try {
    data = loadYamlFile(found);
  } catch (e) {
    state.errors.push(e as PlaybookError);
    return [];
  }
  const block = wrapperBlock(task, parent, role, state);
  block.block = loadTaskList(data ?? [], found, role, block, isHandler, state, baseDir);
  return [block];
}

function expandImportRole(task: Task, baseDir: string, role: RoleInstance | undefined, parent: Block | undefined, state: LoaderState): Block | undefined {
  const written = task.args['name'] ?? task.args['_raw_params'];
  if (typeof written !== 'string') {
    state.errors.push(new PlaybookError('import_role needs a role name', task.location));
    return undefined;
  }
  const name = importName(written, task, role, parent, state, baseDir);
  if (name === undefined) return undefined;
  const spec: Record<string, unknown> = { role: name };
  const loaded = loadRole(spec, task.location, baseDir, role, state, {
    tasksFrom: task.args['tasks_from'] as string | undefined,
    varsFrom: task.args['vars_from'] as string | undefined,
    defaultsFrom: task.args['defaults_from'] as string | undefined,
    handlersFrom: task.args['handlers_from'] as string | undefined,
  });
  if (!loaded) return undefined;
  loaded.viaInclude = true;
  // import_role's vars: stay block vars of the wrapper (below set_fact), unlike include_role's params.
  state.importedRoles.push(loaded);
  const block = wrapperBlock(task, parent, loaded, state);
  block.block = roleTaskTree(loaded, block, state);
  return block;
}

/** A role's tasks with its dependencies' tasks first, each inside a block owned by that role. */
export function roleTaskTree(role: RoleInstance, parent: Block | undefined, state: { nextId: number }): TaskNode[] {
  const out: TaskNode[] = [];
  for (const dep of role.dependencies) out.push(...roleTaskTree(dep, parent, state));
  const block: Block = {
    kind: 'block',
    id: state.nextId++,
    name: undefined,
    block: role.tasks,
    rescue: [],
    always: [],
    keywords: { ...role.keywords },
    parent,
    role,
    file: role.path,
    location: { file: role.path, line: 1, column: 1 },
  };
  for (const node of role.tasks) node.parent = block;
  out.push(block);
  return out;
}

export interface FromFiles {
  tasksFrom?: string | undefined;
  varsFrom?: string | undefined;
  defaultsFrom?: string | undefined;
  handlersFrom?: string | undefined;
}

function loadRoleEntry(spec: unknown, at: Location, baseDir: string, parentRole: RoleInstance | undefined, state: LoaderState): RoleInstance | undefined {
  let entry: Record<string, unknown>;
  if (typeof spec === 'string') entry = { role: spec };
  else if (isDict(spec)) entry = spec;
  else {
    state.errors.push(new PlaybookError('a role must be a name or a mapping with a role key', at));
    return undefined;
  }
  return loadRole(entry, locationOf(spec) ?? at, baseDir, parentRole, state, {});
}

function loadRole(
  entry: Record<string, unknown>,
  at: Location,
  baseDir: string,
  parentRole: RoleInstance | undefined,
  state: LoaderState,
  from: FromFiles,
): RoleInstance | undefined {
  const name = entry['role'] ?? entry['name'];
  if (typeof name !== 'string') {
    state.errors.push(new PlaybookError("role definitions must contain a role name ('role: x')", at));
    return undefined;
  }
  const { rolesPath = [], bundledRoles } = state.options;
  const rolePath = findRole(name, parentRole ? path.dirname(parentRole.path) : baseDir, rolesPath, bundledRoles) ?? findRole(name, baseDir, rolesPath, bundledRoles);
  if (!rolePath) {
    state.errors.push(
      new PlaybookError(`the role '${name}' was not found in ${roleSearchDescription(baseDir, rolesPath, bundledRoles)}`, at),
    );
    return undefined;
  }
  if (state.stack.filter((s) => s === `role:${rolePath}`).length > 3) {
    state.errors.push(new PlaybookError(`role dependency loop involving '${name}'`, at));
    return undefined;
  }
  const keywords: Record<string, unknown> = {};
  const params: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(entry)) {
    if (k === 'role' || k === 'name') continue;
    if (k === 'vars' && isDict(v)) Object.assign(params, v);
    else if (ROLE_ENTRY_KEYWORDS.has(k)) keywords[k] = v;
    else params[k] = v;
  }
  const role: RoleInstance = {
    name: path.basename(rolePath),
    path: rolePath,
    params,
    defaults: {},
    vars: {},
    tasks: [],
    handlers: [],
    dependencies: [],
    keywords,
    allowDuplicates: false,
    parentRole,
  };
  try {
    role.defaults = loadVarsEntry(path.join(rolePath, 'defaults'), from.defaultsFrom ?? 'main');
    role.vars = loadVarsEntry(path.join(rolePath, 'vars'), from.varsFrom ?? 'main');
  } catch (e) {
    state.errors.push(e as PlaybookError);
  }
  state.stack.push(`role:${rolePath}`);
  const metaFile = findMainFile(path.join(rolePath, 'meta'));
  let argumentSpecs: unknown;
  if (metaFile) {
    try {
      const meta = loadYamlFile(metaFile);
      if (isDict(meta)) {
        role.allowDuplicates = Boolean(meta['allow_duplicates']);
        argumentSpecs = meta['argument_specs'];
        for (const [i, dep] of toList(meta['dependencies']).entries()) {
          const loaded = loadRoleEntry(dep, where(meta['dependencies'], i, metaFile), baseDir, role, state);
          if (loaded) role.dependencies.push(loaded);
        }
      }
    } catch (e) {
      state.errors.push(e as PlaybookError);
    }
  }
  const specFile = findMainFile(path.join(rolePath, 'meta'), 'argument_specs');
  if (specFile) {
    try {
      const specs = loadYamlFile(specFile);
      if (isDict(specs)) argumentSpecs = specs['argument_specs'];
    } catch (e) {
      state.errors.push(e as PlaybookError);
    }
  }
  const entryPoint = from.tasksFrom ?? 'main';
  const tasksFile = findMainFile(path.join(rolePath, 'tasks'), entryPoint.replace(/\.ya?ml$/, ''));
  const tasks: TaskNode[] = [];
  if (isDict(argumentSpecs) && isDict(argumentSpecs[entryPoint.replace(/\.ya?ml$/, '')])) {
    tasks.push(argumentSpecTask(role, argumentSpecs[entryPoint.replace(/\.ya?ml$/, '')] as Record<string, unknown>, entryPoint, state));
  }
  if (tasksFile) {
    try {
      tasks.push(...loadTaskList(loadYamlFile(tasksFile) ?? [], tasksFile, role, undefined, false, state, baseDir));
    } catch (e) {
      state.errors.push(e as PlaybookError);
    }
  } else if (from.tasksFrom) {
    state.errors.push(new PlaybookError(`Could not find specified file in role: tasks/${from.tasksFrom}`, at));
  }
  role.tasks = tasks;
  const handlersFile = findMainFile(path.join(rolePath, 'handlers'), (from.handlersFrom ?? 'main').replace(/\.ya?ml$/, ''));
  if (handlersFile) {
    try {
      role.handlers = loadTaskList(loadYamlFile(handlersFile) ?? [], handlersFile, role, undefined, true, state, baseDir);
    } catch (e) {
      state.errors.push(e as PlaybookError);
    }
  }
  state.stack.pop();
  return role;
}

/** Ansible inserts a task that validates the role's arguments against meta/argument_specs. */
function argumentSpecTask(role: RoleInstance, spec: Record<string, unknown>, entryPoint: string, state: LoaderState): Task {
  const short = typeof spec['short_description'] === 'string' ? ` - ${spec['short_description']}` : '';
  return {
    kind: 'task',
    id: state.nextId++,
    name: `Validating arguments against arg spec '${entryPoint.replace(/\.ya?ml$/, '')}'${short}`,
    action: 'validate_argument_spec',
    args: { argument_spec: spec['options'] ?? {}, validate_args_context: { name: role.name, type: 'role', path: role.path, argument_spec_name: entryPoint } },
    keywords: { tags: ['always'] },
    loopLookup: undefined,
    parent: undefined,
    role,
    file: path.join(role.path, 'meta', 'argument_specs.yml'),
    location: { file: path.join(role.path, 'meta'), line: 1, column: 1 },
    locations: {},
    listen: [],
    isHandler: false,
  };
}
