/**
 * runPlaybook: inventory, playbook, plays in order, the recap, Ansible's exit code. The library
 * entry point; the CLI is a thin layer over it. Never prints unless given a reporter.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type AnsibleConfig, loadAnsibleConfig } from '../config/ansible-cfg.js';
import { type Inventory, loadInventory } from '../inventory/index.js';
import { ModuleRegistry } from '../modules/index.js';
import type { Module } from '../modules/types.js';
import type { HostStats, Reporter, RunEvent } from '../output/events.js';
import { PlaybookLoader } from '../playbook/loader.js';
import type { Playbook } from '../playbook/model.js';
import { parseKv } from '../python/kv.js';
import { parseYaml } from '../playbook/yaml.js';
import { type PlaybookError, PlaybookErrors, RunError } from '../playbook/errors.js';
import { validatePlaybook } from '../playbook/validate.js';
import { Templar } from '../template/index.js';
import { isDict, pyStr } from '../python/values.js';
import { BUILTIN_CONNECTIONS, type ConnectionFactory } from '../connection/registry.js';
import { FactCaches } from '../facts/index.js';
import { ansiblePythonCandidates } from '../modules/python/controller.js';
import { ConnectionPool } from './connection-pool.js';
import type { RunContext } from './context.js';
import { PythonModules, resolveModule } from './python-modules.js';
import { PlayRunner } from './play-runner.js';
import { trustLoaded } from '../python/trust.js';
import { RecapCounters } from './recap.js';
import { VariableManager } from './vars.js';

export interface RunPlaybookOptions {
  /** Playbook files, run in order. */
  playbooks: string[];
  /** Inventory sources (-i); default: ansible.cfg's, else implicit localhost. */
  inventory?: string[];
  limit?: string;
  tags?: string[];
  skipTags?: string[];
  /** -e values: `k=v` strings, `@file`, JSON/YAML text, or objects. */
  extraVars?: Array<string | Record<string, unknown>>;
  check?: boolean;
  diff?: boolean;
  forks?: number;
  verbosity?: number;
  startAtTask?: string;
  forceHandlers?: boolean;
  becomePassword?: string;
  /** Connection variables from the command line (ansible_user for -u, ...); they sit below inventory variables, as in Ansible. */
  connectionDefaults?: Record<string, unknown>;
  /** Where relative paths and ansible.cfg are found. */
  cwd?: string;
  reporters?: Reporter[];
  onEvent?: (event: RunEvent) => void;
  /** User modules, added to (or replacing) the built-in ones. */
  modules?: Module[];
  /** User transports by `ansible_connection` name, added to (or replacing) the built-in local, ssh and docker. */
  connections?: Record<string, ConnectionFactory>;
  config?: AnsibleConfig;
  /**
   * Refuse the playbook for what the up-front check finds that Ansible only fails on when the task
   * runs (unknown filters and tests, bad module arguments), as `playbook validate` does. Without it
   * those are warnings and the run goes on.
   */
  strict?: boolean;
}

export interface RunPlaybookResult {
  /** Ansible's: 0 ok, 2 a host failed, 4 a host unreachable. */
  exitCode: number;
  stats: Record<string, HostStats>;
  failedHosts: string[];
  unreachableHosts: string[];
}

/** ansible.cfg's connection settings as the variables they stand in for. */
function configConnectionDefaults(config: AnsibleConfig): Record<string, unknown> {
  const out: Record<string, unknown> = { ansible_timeout: config.timeout };
  if (config.remoteUser !== undefined) out['ansible_user'] = config.remoteUser;
  if (config.privateKeyFile !== undefined) out['ansible_ssh_private_key_file'] = config.privateKeyFile;
  // Only an explicit "off" matters: on is the default, and ssh's own StrictHostKeyChecking may refine it.
  if (!config.hostKeyChecking) out['ansible_host_key_checking'] = false;
  // [privilege_escalation] (or ANSIBLE_BECOME*): below the become keywords and variables, as -b is.
  if (config.become) out['ansible_become'] = true;
  out['ansible_become_user'] = config.becomeUser;
  out['ansible_become_method'] = config.becomeMethod;
  return out;
}

export const PACKAGE_ROLES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'roles');

/** -e values merged in order, as ansible-playbook does. */
export function parseExtraVars(values: Array<string | Record<string, unknown>>, cwd: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const value of values) {
    if (typeof value !== 'string') {
      Object.assign(out, value);
      continue;
    }
    const text = value.trim();
    if (text.startsWith('@')) {
      const file = path.resolve(cwd, text.slice(1));
      const data = parseYaml(readFileSync(file, 'utf8'), file);
      if (!isDict(data)) throw new Error(`Invalid extra vars file ${file}: expected a mapping`);
      Object.assign(out, data);
    } else if (text.startsWith('{') || text.startsWith('---')) {
      const data = parseYaml(text, '<extra vars>');
      if (!isDict(data)) throw new Error('Invalid extra vars: expected a mapping');
      Object.assign(out, data);
    } else {
      Object.assign(out, trustLoaded(parseKv(text)));
    }
  }
  return out;
}

export function createModuleRegistry(extra: Module[] = []): ModuleRegistry {
  const registry = new ModuleRegistry();
  for (const m of extra) registry.add(m);
  return registry;
}

export interface LoadedPlaybooks {
  loader: PlaybookLoader;
  playbooks: Playbook[];
  /** Deferred findings (see validatePlaybook) when not strict: to report as warnings before the run. */
  warnings: PlaybookError[];
  /** Where the modules playbook does not carry are found, for the run. */
  pythonModules: PythonModules;
}

/** In the order they appear in the files. */
function byLocation(a: PlaybookError, b: PlaybookError): number {
  const x = a.location;
  const y = b.location;
  if (!x || !y) return x ? 1 : y ? -1 : 0;
  return x.file.localeCompare(y.file) || x.line - y.line || x.column - y.column;
}

/**
 * Loads and checks the playbooks; throws what Ansible would refuse before running (and, when
 * strict, the deferred findings too), returns the rest as warnings.
 */
export function loadPlaybooks(files: string[], modules: ModuleRegistry, config: AnsibleConfig, cwd: string, options: { strict?: boolean; extraVars?: Record<string, unknown> } = {}): LoadedPlaybooks {
  const pythonModules = new PythonModules([...new Set(files.map((f) => path.dirname(path.resolve(cwd, f))))], config);
  const loader = new PlaybookLoader({
    // A file on the controller counts (library/, a collection): looked up on disk, nothing run.
    isModule: (name, role, collections) => resolveModule(modules, pythonModules, name, role, collections) !== undefined,
    takesRawParams: (name, role, collections) => resolveModule(modules, pythonModules, name, role, collections)?.takesRawParams === true,
    moduleNames: () => modules.names(),
    rolesPath: config.rolesPath,
    bundledRoles: PACKAGE_ROLES,
    ...(options.extraVars ? { extraVars: options.extraVars } : {}),
  });
  const templar = new Templar();
  // A filter or test a filter_plugins/ (test_plugins/) file provides is known to the check too.
  templar.setFilterTestFallback(pythonModules.filterTestFallback());
  const errors: PlaybookError[] = [];
  const warnings: PlaybookError[] = [];
  const playbooks = files.map((f) => {
    const { playbook, errors: loadErrors } = loader.loadPlaybookCollecting(path.resolve(cwd, f));
    pythonModules.addRolesOf(playbook);
    const found = validatePlaybook(playbook, { module: (name) => modules.get(name), templar });
    errors.push(...loadErrors, ...found.errors);
    (options.strict ? errors : warnings).push(...found.deferred);
    return playbook;
  });
  errors.sort(byLocation);
  if (errors.length) throw errors.length === 1 ? errors[0]! : new PlaybookErrors(errors);
  return { loader, playbooks, warnings: warnings.sort(byLocation), pythonModules };
}

export async function runPlaybook(options: RunPlaybookOptions): Promise<RunPlaybookResult> {
  const cwd = options.cwd ?? process.cwd();
  const config = options.config ?? loadAnsibleConfig(cwd);
  const emit = (event: RunEvent): void => {
    for (const r of options.reporters ?? []) r.event(event);
    options.onEvent?.(event);
  };
  const modules = createModuleRegistry(options.modules);
  const extraVars = parseExtraVars(options.extraVars ?? [], cwd);
  // The whole playbook is loaded and checked before any host is touched.
  const { loader, playbooks, warnings, pythonModules } = loadPlaybooks(options.playbooks, modules, config, cwd, { strict: options.strict ?? false, extraVars });
  // Ansible fails these only when their task runs (a skipped or rescued one passes): said now, failed then.
  for (const w of warnings) emit({ type: 'warning', message: w.message });
  const sources = options.inventory?.length ? options.inventory : config.inventory;
  const inventory: Inventory = await loadInventory(sources, { cwd });
  for (const message of inventory.warnings) emit({ type: 'warning', message });
  if (options.limit !== undefined) checkLimit(inventory, options.limit, emit);
  const templar = new Templar();
  templar.setLookupFallback(pythonModules.lookupFallback());
  templar.setFilterTestFallback(pythonModules.filterTestFallback());
  const facts = new FactCaches();
  const connections = new ConnectionPool(new Map([...BUILTIN_CONNECTIONS, ...Object.entries(options.connections ?? {})]));
  const stats = new RecapCounters();
  const everFailed = new Set<string>();
  const everUnreachable = new Set<string>();
  const playbookPython = ansiblePythonCandidates()[0];
  try {
    for (const playbook of playbooks) {
      emit({ type: 'playbook_start', file: playbook.file });
      const connectionDefaults = { ...configConnectionDefaults(config), ...options.connectionDefaults };
      const vm = new VariableManager(inventory, templar, path.dirname(playbook.file), connectionDefaults);
      const runContext: RunContext = {
        vm,
        templar,
        modules,
        pythonModules,
        connections,
        facts,
        loader,
        options: {
          forks: options.forks ?? config.forks,
          connectionDefaults,
          ...(options.becomePassword !== undefined ? { becomePassword: options.becomePassword } : {}),
        },
        emit,
      };
      const runner = new PlayRunner(runContext, {
        checkMode: options.check ?? false,
        diffMode: options.diff ?? false,
        verbosity: options.verbosity ?? 0,
        extraVars,
        tags: { only: options.tags ?? [], skip: options.skipTags ?? [] },
        limit: options.limit,
        startAtTask: options.startAtTask,
        inventorySources: [...inventory.sources],
        forceHandlers: options.forceHandlers ?? false,
        configFile: config.file,
        playbookPython,
      });
      for (const play of playbook.plays) {
        // --limit is matched for each play: hosts add_host made may match it.
        const limited = options.limit ? new Set(inventory.resolvePattern(options.limit)) : undefined;
        // hosts: a pattern, or a list of them
        const hostsValue = templar.templateValue(play.hosts, extraVars);
        const pattern = Array.isArray(hostsValue) ? hostsValue.map((h) => pyStr(h)).join(',') : pyStr(hostsValue);
        for (const message of inventory.patternWarnings(pattern)) emit({ type: 'warning', message });
        const hosts = inventory.resolvePattern(pattern).filter((h) => !limited || limited.has(h));
        for (const h of hosts) {
          const st = vm.state(h);
          if (everFailed.has(h)) st.failed = true;
          if (everUnreachable.has(h)) st.unreachable = true;
        }
        const promptVars: Record<string, unknown> = {};
        for (const p of play.varsPrompt) if (!(p.name in extraVars)) promptVars[p.name] = p.default ?? '';
        await runner.runPlay(play, hosts, promptVars);
        for (const [h, st] of vm.hostStates) {
          if (st.failed) everFailed.add(h);
          if (st.unreachable) everUnreachable.add(h);
        }
        if (runner.runAborted) break;
      }
      stats.add(runner.stats);
    }
  } finally {
    await connections.closeAll();
  }
  const statsObject = stats.toRecord();
  emit({ type: 'recap', stats: statsObject });
  const exitCode = everUnreachable.size ? 4 : everFailed.size ? 2 : 0;
  return { exitCode, stats: statsObject, failedHosts: [...everFailed], unreachableHosts: [...everUnreachable] };
}

/**
 * The same run as an async iterator of events, ending with the result:
 * `for await (const e of playbookEvents(opts)) ...`.
 */
export async function* playbookEvents(options: RunPlaybookOptions): AsyncGenerator<RunEvent, RunPlaybookResult, undefined> {
  const queue: RunEvent[] = [];
  let wake: (() => void) | undefined;
  let done = false;
  let failure: unknown;
  let result: RunPlaybookResult | undefined;
  const running = runPlaybook({
    ...options,
    onEvent: (e) => {
      options.onEvent?.(e);
      queue.push(e);
      wake?.();
    },
  }).then(
    (r) => {
      result = r;
    },
    (e: unknown) => {
      failure = e;
    },
  ).finally(() => {
    done = true;
    wake?.();
  });
  for (;;) {
    while (queue.length) yield queue.shift()!;
    if (done) break;
    await new Promise<void>((resolve) => (wake = resolve));
    wake = undefined;
  }
  await running;
  if (failure !== undefined) throw failure;
  return result!;
}

/** Loads and validates playbooks without running them (what `playbook validate` does). */
export function loadPlaybook(file: string, options: { cwd?: string; modules?: Module[]; config?: AnsibleConfig } = {}): Playbook {
  const cwd = options.cwd ?? process.cwd();
  const { playbooks } = loadPlaybooks([file], createModuleRegistry(options.modules), options.config ?? loadAnsibleConfig(cwd), cwd, { strict: true });
  return playbooks[0]!;
}

/**
 * --limit as ansible-playbook checks it before the first play: a warning for each part that
 * matches nothing, and an error (exit 1, nothing run) when it leaves no host of the inventory.
 * An inventory with no hosts at all is not checked (only the implicit localhost is there).
 */
function checkLimit(inventory: Inventory, limit: string, emit: (event: RunEvent) => void): void {
  for (const message of inventory.patternWarnings(limit)) emit({ type: 'warning', message });
  if (inventory.hostNames().length === 0) return;
  if (inventory.resolvePattern('all', { limit }).length === 0) throw new RunError('Specified inventory, host pattern and/or --limit leaves us with no hosts to target.');
}
