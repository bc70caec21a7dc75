/**
 * Variables for a host and task, in Ansible's precedence order (role defaults lowest, extra vars
 * highest). Values are templated lazily when a template reads them; `hostvars` is a lazy view of
 * every host's variables, templated in that host's own context.
 */
import path from 'node:path';
import { type Block, type Play, type RoleInstance, type Task, blockChain } from '../playbook/model.js';
import { type BoundTemplar, MISSING, type Templar, type TemplateOptions, type VariableSource } from '../template/index.js';
import { isDict, pyStr } from '../python/values.js';
import { inventoryHostnameShort } from '../inventory/model.js';

/** What the executor needs from an inventory. */
export interface InventoryView {
  hostNames(): string[];
  hasHost(name: string): boolean;
  groupsOf(host: string): string[];
  groupsVar(): Record<string, string[]>;
  varLayers(host: string, playbookDir?: string): Array<{ source: string; vars: Record<string, unknown> }>;
  resolvePattern(pattern: string): string[];
  hasGroup?(name: string): boolean;
  addDynamicGroup?(host: string, group: string, parents: readonly string[]): boolean;
  addDynamicHost?(host: string, groups: readonly string[], hostVars: Record<string, unknown>): boolean;
}

/** Per-host state that outlives a task: facts, set_fact/register values, include_vars. */
export class HostState {
  facts: Record<string, unknown> = {};
  /** set_fact and register: untrusted (never templated again). */
  runtimeVars: Record<string, unknown> = {};
  includeVars: Record<string, unknown> = {};
  /** Per-play vars_files values. */
  varsFiles: Record<string, unknown> = {};
  failed = false;
  unreachable = false;
}

interface Layer {
  vars: Record<string, unknown>;
  trusted: boolean;
  /** The connection's variables a task sees (not in `vars`, nor in hostvars). */
  connection?: boolean;
}

/**
 * The connection variables Ansible adds to a task's variables where none is set (the connection's
 * update_vars): the address, pipelining and timeout under both of their names, the shell and the
 * module compression; a pair set under one name gets it under the other too. (The user is left
 * out: Ansible's comes from the remote_user keyword, which variables do not see.)
 */
function connectionVars(host: string, isSet: (name: string) => boolean, defaults: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const pair = (short: string, ssh: string, value: unknown): void => {
    if (isSet(short) && isSet(ssh)) return;
    if (isSet(short)) out[ssh] = `{{ ${short} }}`;
    else if (isSet(ssh)) out[short] = `{{ ${ssh} }}`;
    else if (value !== undefined && value !== null) out[short] = out[ssh] = value;
  };
  pair('ansible_host', 'ansible_ssh_host', host);
  pair('ansible_pipelining', 'ansible_ssh_pipelining', false);
  pair('ansible_timeout', 'ansible_ssh_timeout', defaults['ansible_timeout'] ?? 10);
  if (!isSet('ansible_shell_executable')) out['ansible_shell_executable'] = '/bin/sh';
  if (!isSet('ansible_module_compression')) out['ansible_module_compression'] = 'ZIP_DEFLATED';
  return out;
}

export interface PlayContext {
  play: Play;
  /** Every host the play's pattern matched, failed ones included (ansible_play_hosts_all). */
  playHostsAll: string[];
  playHosts: string[];
  playBatch: string[];
  checkMode: boolean;
  diffMode: boolean;
  verbosity: number;
  extraVars: Record<string, unknown>;
  promptVars: Record<string, unknown>;
  runTags: string[];
  skipTags: string[];
  limit: string | undefined;
  inventorySources: string[];
  /** How many hosts run at once (ansible_forks). */
  forks: number;
  configFile: string | undefined;
  playbookPython: string | undefined;
}

function roleChain(role: RoleInstance | undefined): RoleInstance[] {
  const chain: RoleInstance[] = [];
  for (let r = role; r; r = r.parentRole) chain.unshift(r);
  return chain;
}

/**
 * ansible_parent_role_names/_paths: the roles whose tasks include_role or import_role brought this
 * one in from, nearest first (IncludeRole.get_include_params, accumulated through nested includes).
 * A role a play lists, or its dependencies, has none: the variables are undefined there. A
 * dependency sees those of the role that depends on it (its blocks are that include's children).
 */
function parentRoleVars(role: RoleInstance): { ansible_parent_role_names: string[]; ansible_parent_role_paths: string[] } | Record<string, never> {
  const parents: RoleInstance[] = [];
  for (let r: RoleInstance | undefined = role; r; r = r.parentRole) {
    if (r.viaInclude && r.parentRole) parents.push(r.parentRole);
  }
  if (!parents.length) return {};
  return { ansible_parent_role_names: parents.map((p) => p.name), ansible_parent_role_paths: parents.map((p) => p.path) };
}

function allRoles(play: Play): RoleInstance[] {
  const out: RoleInstance[] = [];
  const visit = (r: RoleInstance): void => {
    r.dependencies.forEach(visit);
    out.push(r);
  };
  play.roles.forEach(visit);
  play.importedRoles.forEach(visit);
  return out;
}

/** Play.get_name(): its name, else its hosts (a list joined with commas). */
export function playName(play: Play): string {
  if (play.name) return play.name;
  if (Array.isArray(play.hosts)) return play.hosts.map((h) => pyStr(h)).join(',');
  return play.hosts == null ? '' : pyStr(play.hosts);
}

/**
 * The role magic variables, as VariableManager gives them: the play's roles (roles:, then
 * import_role and include_role as they came, duplicates kept), the roles their dependencies
 * bring (each once), and both together (each once; Ansible's order is a set's, ours first seen).
 */
function roleNames(play: Play): Record<string, string[]> {
  const playRoles = [...play.roles, ...play.importedRoles, ...(play.includedRoles ?? [])];
  const dependent = new Set<string>();
  const visit = (r: RoleInstance): void => {
    for (const d of r.dependencies) {
      dependent.add(d.name);
      visit(d);
    }
  };
  playRoles.forEach(visit);
  const playRoleNames = playRoles.map((r) => r.name);
  return {
    ansible_play_role_names: playRoleNames,
    role_names: playRoleNames,
    ansible_dependent_role_names: [...dependent],
    ansible_role_names: [...new Set([...dependent, ...playRoleNames])],
  };
}

function facts(facts: Record<string, unknown>): Record<string, unknown> {
  // Facts are top-level variables by the names modules returned them with (INJECT_FACTS_AS_VARS:
  // setup's ansible_hostname, getent's getent_passwd), and under ansible_facts without the
  // ansible_ prefix (ansible_facts.hostname), as Ansible namespaces them.
  const namespaced: Record<string, unknown> = {};
  // _ansible_facts_gathered (set by gather_facts) is only under ansible_facts, as in Ansible.
  const top: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(facts)) {
    namespaced[k.startsWith('ansible_') ? k.slice('ansible_'.length) : k] = v;
    if (!k.startsWith('_ansible_')) top[k] = v;
  }
  return { ...top, ansible_facts: namespaced };
}

export class VariableManager {
  readonly hostStates = new Map<string, HostState>();
  private readonly inventoryLayerCache = new Map<string, Layer[]>();
  /** `groups`, `group_names` and inventory variables change only by group_by and add_host (which call groupsChanged). */
  private groupsCache: Record<string, string[]> | undefined;
  private readonly groupNamesCache = new Map<string, string[]>();

  /** After group_by or add_host: groups, group_names and inventory variables are read again. */
  groupsChanged(): void {
    this.groupsCache = undefined;
    this.groupNamesCache.clear();
    this.inventoryLayerCache.clear();
  }

  constructor(
    readonly inventory: InventoryView,
    readonly templar: Templar,
    readonly playbookDir: string,
    /** ansible.cfg's and the command line's connection settings, as variables (ansible_timeout, ansible_user). */
    private readonly connectionDefaults: Record<string, unknown> = {},
  ) {}

  state(host: string): HostState {
    let s = this.hostStates.get(host);
    if (!s) {
      s = new HostState();
      this.hostStates.set(host, s);
    }
    return s;
  }

  private inventoryLayers(host: string): Layer[] {
    let layers = this.inventoryLayerCache.get(host);
    if (!layers) {
      layers = this.inventory.hasHost(host) ? this.inventory.varLayers(host, this.playbookDir).map((l) => ({ vars: l.vars, trusted: true })) : [];
      this.inventoryLayerCache.set(host, layers);
    }
    return layers;
  }

  /** The layers for `host` running `task` (or the play itself when task is undefined), lowest first. */
  layers(ctx: PlayContext, host: string, task: Task | Block | undefined, locals?: Record<string, unknown>): Layer[] {
    const state = this.state(host);
    const layers: Layer[] = [];
    const trusted = (vars: Record<string, unknown> | undefined): void => {
      if (vars && Object.keys(vars).length) layers.push({ vars, trusted: true });
    };
    const chain = roleChain(task?.role);
    for (const role of allRoles(ctx.play)) trusted(role.defaults);
    for (const role of chain) trusted(role.defaults);
    layers.push(...this.inventoryLayers(host));
    // ansible_facts is defined, empty, before any fact is known (`when: ansible_facts == {}`), as in Ansible.
    layers.push({ vars: facts(state.facts), trusted: false });
    trusted(ctx.play.vars);
    trusted(ctx.promptVars);
    trusted(state.varsFiles);
    for (const role of allRoles(ctx.play)) trusted(role.vars);
    for (const role of chain) trusted(role.vars);
    for (const block of task ? blockChain(task) : []) if (isDict(block.keywords['vars'])) trusted(block.keywords['vars']);
    if (task?.kind === 'task' && isDict(task.keywords['vars'])) trusted(task.keywords['vars']);
    if (task?.kind === 'block' && isDict(task.keywords['vars'])) trusted(task.keywords['vars']);
    trusted(state.includeVars);
    if (Object.keys(state.runtimeVars).length) layers.push({ vars: state.runtimeVars, trusted: false });
    for (const role of chain) trusted(role.params);
    if (task?.kind === 'task') trusted(task.includeVars);
    trusted(ctx.extraVars);
    layers.push({ vars: { ...this.hostMagicVars(ctx, host), ...this.playMagicVars(ctx, task) }, trusted: false });
    if (locals) layers.push({ vars: locals, trusted: false });
    if (task?.kind === 'task') {
      const isSet = (name: string): boolean => layers.some((l) => Object.prototype.hasOwnProperty.call(l.vars, name));
      layers.unshift({ vars: connectionVars(host, isSet, this.connectionDefaults), trusted: true, connection: true });
    }
    return layers;
  }

  /**
   * The layers of `hostvars[host]`: what belongs to the host, not to a play or a task, as
   * Ansible's HostVars gives get_vars(host) without a play: inventory variables, facts,
   * include_vars, set_fact and register, extra vars, and the host's and the run's magic variables.
   * No play vars, vars_files or role defaults and vars, no play magic (ansible_play_hosts, omit).
   */
  private hostLayers(ctx: PlayContext, host: string): Layer[] {
    const state = this.state(host);
    const layers: Layer[] = [...this.inventoryLayers(host), { vars: facts(state.facts), trusted: false }];
    if (Object.keys(state.includeVars).length) layers.push({ vars: state.includeVars, trusted: true });
    if (Object.keys(state.runtimeVars).length) layers.push({ vars: state.runtimeVars, trusted: false });
    if (Object.keys(ctx.extraVars).length) layers.push({ vars: ctx.extraVars, trusted: true });
    layers.push({ vars: this.hostMagicVars(ctx, host), trusted: false });
    return layers;
  }

  /**
   * The names only the connection's variables give `task` on `host` (not set anywhere else): the
   * connection itself is chosen without them, as in Ansible, where they are added after.
   */
  connectionOnlyNames(ctx: PlayContext, host: string, task: Task): Set<string> {
    const layers = this.layers(ctx, host, task);
    return new Set(layers.filter((l) => l.connection).flatMap((l) => Object.keys(l.vars)));
  }

  /** A templar over `host`'s variables for `task` (the play's when undefined), `locals` on top. */
  bind(ctx: PlayContext, host: string, task: Task | Block | undefined, locals?: Record<string, unknown>, options: TemplateOptions = {}): BoundTemplar {
    // Lookups in a task's keywords (include_tasks: "{{ lookup('first_found', ...) }}") search where its files are.
    const searchPath = options.searchPath ?? (task?.kind === 'task' ? taskSearchPath(task, this.playbookDir) : undefined);
    return this.templar.bind(this.source(this.layers(ctx, host, task, locals)), searchPath ? { ...options, searchPath } : options);
  }

  /** The magic variables of the host and the run (hostvars has these too). */
  private hostMagicVars(ctx: PlayContext, host: string): Record<string, unknown> {
    this.groupsCache ??= this.inventory.groupsVar();
    const groups = this.groupsCache;
    let groupNames = this.groupNamesCache.get(host);
    if (!groupNames) {
      groupNames = this.inventory.hasHost(host) ? this.inventory.groupsOf(host) : [];
      this.groupNamesCache.set(host, groupNames);
    }
    return {
      inventory_hostname: host,
      inventory_hostname_short: inventoryHostnameShort(host),
      group_names: groupNames,
      groups,
      // An imported playbook's plays see their own file's directory.
      playbook_dir: ctx.play.baseDir,
      // The command line's options, as Ansible's load_options_vars gives them (ansible_limit only with --limit).
      ansible_check_mode: ctx.checkMode,
      ansible_diff_mode: ctx.diffMode,
      ansible_verbosity: ctx.verbosity,
      ansible_run_tags: ctx.runTags.length ? ctx.runTags : ['all'],
      ansible_skip_tags: ctx.skipTags,
      ...(ctx.limit !== undefined ? { ansible_limit: ctx.limit } : {}),
      ansible_inventory_sources: ctx.inventorySources,
      ansible_version: { full: '2.19.14', major: 2, minor: 19, revision: 14, string: '2.19.14' },
      ansible_forks: ctx.forks,
      ansible_config_file: ctx.configFile ?? null,
      // Ansible's is the Python running ansible-playbook: here the one ansible-playbook on PATH runs with, else python3.
      ...(ctx.playbookPython !== undefined ? { ansible_playbook_python: ctx.playbookPython } : {}),
    };
  }

  /** The magic variables of the play and the task (not in hostvars). */
  private playMagicVars(ctx: PlayContext, task: Task | Block | undefined): Record<string, unknown> {
    const role = task?.role;
    return {
      hostvars: this.hostvarsProxy(ctx),
      play_hosts: ctx.playBatch,
      ansible_play_hosts: ctx.playHosts.filter((h) => !this.state(h).failed && !this.state(h).unreachable),
      ansible_play_hosts_all: ctx.playHostsAll,
      ansible_play_batch: ctx.playBatch.filter((h) => !this.state(h).failed && !this.state(h).unreachable),
      ansible_play_name: playName(ctx.play),
      omit: OMIT,
      // TaskExecutor sets it for every task it runs: where the task's files are looked up.
      ...(task?.kind === 'task' ? { ansible_search_path: taskSearchPath(task, this.playbookDir) } : {}),
      ...(role
        ? {
            role_name: role.name,
            role_path: role.path,
            ansible_role_name: role.name,
            ...parentRoleVars(role),
          }
        : {}),
      ...roleNames(ctx.play),
    };
  }

  /** A VariableSource over layers: the highest layer that has a name wins. */
  source(layers: Layer[]): VariableSource {
    return {
      get: (name) => {
        for (let i = layers.length - 1; i >= 0; i--) {
          const layer = layers[i]!;
          if (Object.prototype.hasOwnProperty.call(layer.vars, name)) return layer.vars[name];
        }
        if (name === 'vars') return this.varsProxy(layers);
        return MISSING;
      },
      keys: () => {
        const names = new Set<string>();
        for (const layer of layers) for (const k of Object.keys(layer.vars)) names.add(k);
        return names;
      },
      isTrusted: (name) => {
        for (let i = layers.length - 1; i >= 0; i--) {
          const layer = layers[i]!;
          if (Object.prototype.hasOwnProperty.call(layer.vars, name)) return layer.trusted;
        }
        // `vars` templates each value when read: never walked whole (hostvars in it has vars again, without end).
        return name !== 'vars';
      },
    };
  }

  /** `vars`: every variable of the current host, lazily templated. */
  private varsProxy(layers: Layer[]): Record<string, unknown> {
    const source = this.source(layers.filter((l) => !l.connection));
    const bound = this.templar.bind(source, { keepPythonTypes: true });
    return lazyDict(() => [...source.keys()], (name) => bound.lazyVariable(name));
  }

  /** `hostvars`: a mapping from each inventory host to its variables (see hostLayers). */
  hostvarsProxy(ctx: PlayContext): Record<string, unknown> {
    const perHost = new Map<string, Record<string, unknown>>();
    return lazyDict(
      () => this.inventory.hostNames(),
      (host) => {
        if (!this.inventory.hasHost(host)) return MISSING;
        let view = perHost.get(host);
        if (!view) {
          const source = this.source(this.hostLayers(ctx, host));
          const bound = this.templar.bind(source, { keepPythonTypes: true });
          // Without `hostvars` itself, as Ansible's HostVarsVars (get_vars with include_hostvars=False):
          // so the whole of a host's variables can be shown.
          view = lazyDict(() => [...source.keys()].filter((k) => k !== 'hostvars'), (name) => (name === 'hostvars' ? MISSING : bound.lazyVariable(name)));
          perHost.set(host, view);
        }
        return view;
      },
    );
  }
}

/** Ansible's omit placeholder: an argument whose value is this is dropped. */
export const OMIT = '__omit_place_holder__playbook';

/**
 * A plain-looking dict whose values are computed on first read. It passes the template sandbox
 * (own data properties, plain prototype) while computing only what a template touches.
 */
export function lazyDict(keys: () => string[], get: (key: string) => unknown): Record<string, unknown> {
  const cache = new Map<string, unknown>();
  const value = (key: string): unknown => {
    if (!cache.has(key)) cache.set(key, get(key));
    return cache.get(key);
  };
  const has = (key: string): boolean => keys().includes(key) && value(key) !== MISSING;
  return new Proxy({} as Record<string, unknown>, {
    get: (_t, key) => (typeof key === 'string' && has(key) ? value(key) : undefined),
    has: (_t, key) => typeof key === 'string' && has(key),
    ownKeys: () => keys().filter((k) => value(k) !== MISSING),
    getOwnPropertyDescriptor: (_t, key) =>
      typeof key === 'string' && has(key) ? { value: value(key), enumerable: true, configurable: true, writable: false } : undefined,
  });
}

/** Directories for a task's relative files: its role's (and the roles that pulled it in), its file's folder, the playbook's. */
export function taskSearchPath(task: Task, playbookDir: string): string[] {
  const dirs: string[] = [];
  for (let r = task.role; r; r = r.parentRole) dirs.push(r.path);
  dirs.push(path.dirname(task.file), playbookDir);
  return [...new Set(dirs)];
}
