/**
 * Modules playbook does not carry, found where Ansible looks for them: the library/ folder beside
 * each playbook, the library/ folders of the roles (the task's own role and those it came from
 * first, then the other roles loaded), ANSIBLE_LIBRARY / [defaults] library, and the collections
 * (the playbook's collections/ folder, the collections paths, the controller Ansible's
 * site-packages). Native modules are asked first, always; this is the long tail. One exception, as
 * in Ansible: an action_plugins/ folder's `<name>.py` takes the unqualified name over a module.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { AnsibleConfig } from '../config/ansible-cfg.js';
import type { ModuleRegistry } from '../modules/index.js';
import { ansiblePythonCandidates, controllerAnsibleSync } from '../modules/python/controller.js';
import { installHint, pythonLookup } from '../modules/python/lookup.js';
import type { FilterTestFallback, LookupDef, LookupFallback } from '../template/plugins.js';
import { PythonJinjaPlugins } from './python-jinja-plugins.js';
import { type FoundModule, type ModuleSearchPath, findModuleFile, sitePackages } from '../modules/python/find.js';
import { pythonActionPlugin } from '../modules/python/action.js';
import { pythonModule } from '../modules/python/module.js';
import type { Module } from '../modules/types.js';
import { type Playbook, type RoleInstance, type Task, collectionsInScope } from '../playbook/model.js';
import type { PlayContext } from './vars.js';

export class PythonModules {
  /** The roles' folders, in the order they were first seen (Ansible adds a role's library/ when it loads the role). */
  private readonly roles: string[] = [];
  private readonly byFile = new Map<string, Module>();
  /** The file each Module runs: two names of one file (my_mod, ansible.legacy.my_mod) are one module for module_defaults. */
  private readonly fileOf = new WeakMap<Module, string>();
  private readonly collectionsPaths: string[];
  private readonly collectionRoots: string[];
  private readonly sitePackages: string[];

  constructor(
    private readonly playbookDirs: readonly string[],
    private readonly config: AnsibleConfig,
    env: NodeJS.ProcessEnv = process.env,
  ) {
    this.collectionsPaths = [...playbookDirs.map((d) => path.join(d, 'collections')), ...config.collectionsPaths];
    // The `ansible` package installs its collections beside ansible-core; found on disk, no Python run.
    this.sitePackages = [...new Set(ansiblePythonCandidates(env).filter((p) => path.isAbsolute(p)).flatMap((p) => sitePackages(p)))];
    this.collectionRoots = [...new Set([...this.collectionsPaths, ...this.sitePackages])];
  }

  /** The folders searched for a task of `role` (undefined: a play's own task). */
  searchPath(role: RoleInstance | undefined): ModuleSearchPath {
    const chain: string[] = [];
    for (let r = role; r; r = r.parentRole) chain.push(r.path);
    for (const p of chain) if (!this.roles.includes(p)) this.roles.push(p);
    const roleDirs = [...chain, ...this.roles.filter((p) => !chain.includes(p))];
    return {
      libraryDirs: [...this.playbookDirs.map((d) => path.join(d, 'library')), ...roleDirs.map((r) => path.join(r, 'library')), ...this.config.library],
      collectionRoots: this.collectionRoots,
    };
  }

  /** Action plugins by file; which names each action_plugins/ folder holds (read once). */
  private readonly actions = new Map<string, Module>();
  private readonly actionDirs = new Map<string, Set<string>>();

  /**
   * The action plugin an unqualified (or ansible.legacy.) name runs, when an action_plugins/
   * folder beside a playbook or in a role (the task's own chain first, then the roles loaded) has
   * `<name>.py`: Ansible prefers it to the built-in action and module of that name.
   */
  findAction(name: string, role: RoleInstance | undefined): Module | undefined {
    const m = /^(?:ansible\.legacy\.)?(\w+)$/.exec(name);
    if (!m) return undefined;
    const short = m[1]!;
    const chain: string[] = [];
    for (let r = role; r; r = r.parentRole) chain.push(r.path);
    for (const p of chain) if (!this.roles.includes(p)) this.roles.push(p);
    const dirs = [...this.playbookDirs, ...chain, ...this.roles.filter((p) => !chain.includes(p))].map((d) => path.join(d, 'action_plugins'));
    for (const dir of dirs) {
      let names = this.actionDirs.get(dir);
      if (!names) {
        names = new Set(existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.py')).map((f) => f.slice(0, -3)) : []);
        this.actionDirs.set(dir, names);
      }
      if (!names.has(short)) continue;
      const file = path.join(dir, `${short}.py`);
      let module = this.actions.get(file);
      if (!module) {
        module = pythonActionPlugin(short, file, { collectionsPaths: this.collectionsPaths, cwd: this.playbookDirs[0] ?? process.cwd() });
        this.actions.set(file, module);
        this.fileOf.set(module, file);
      }
      return module;
    }
    return undefined;
  }

  private readonly lookups = new Map<string, LookupDef>();
  /** Per native lookup name, the lookup_plugins/ file's lookup that takes its place (none: undefined), for a count of plugin folders. */
  private readonly lookupShadows = new Map<string, { folders: number; def: LookupDef | undefined }>();

  /**
   * Lookups playbook does not carry, run with ansible-core: an unqualified (ansible.legacy.) name
   * in a lookup_plugins/ folder beside a playbook, in a role loaded so far (Ansible adds every
   * loaded role's plugin folders) or in ANSIBLE_LOOKUP_PLUGINS; an ansible.builtin one from
   * ansible-core's own; `ns.coll.name` from a collection. Found on disk, so that a name nothing
   * provides is "not found" as before.
   */
  lookupFallback(): LookupFallback {
    const pluginDirs = (): string[] => [...this.playbookDirs, ...this.roles];
    const options = { pluginDirs, collectionsPaths: this.collectionsPaths, cwd: this.playbookDirs[0] ?? process.cwd() };
    /** The lookup_plugins/ file an unqualified (ansible.legacy.) name runs, in Ansible's order. */
    const pluginFile = (name: string): string | undefined => {
      const legacy = /^(?:ansible\.legacy\.)?(\w+)$/.exec(name)?.[1];
      if (!legacy) return undefined;
      const dirs = [...pluginDirs().map((d) => path.join(d, 'lookup_plugins')), ...this.config.lookupPlugins];
      return dirs.map((d) => path.join(d, `${legacy}.py`)).find((f) => existsSync(f));
    };
    /** Where the lookup is: its file (a lookup_plugins/ one), '' (ansible-core's or a collection's), undefined (nowhere). */
    const locate = (name: string): string | undefined => {
      const builtin = /^(?:ansible\.(?:legacy|builtin)\.)?(\w+)$/.exec(name)?.[1];
      const file = pluginFile(name);
      if (file) return file;
      if (builtin) {
        const ansible = controllerAnsibleSync();
        return ansible !== undefined && existsSync(path.join(ansible.location, 'plugins', 'lookup', `${builtin}.py`)) ? '' : undefined;
      }
      const parts = name.split('.');
      if (parts.length < 3 || !parts.every((p) => /^\w+$/.test(p))) return undefined;
      const [ns, coll, ...rest] = parts;
      const inCollection = this.collectionRoots.some((root) => existsSync(path.join(root, 'ansible_collections', ns!, coll!, 'plugins', 'lookup', ...rest.slice(0, -1), `${rest[rest.length - 1]!}.py`)));
      return inCollection ? '' : undefined;
    };
    return {
      find: (name) => {
        let def = this.lookups.get(name);
        const file = def ? undefined : locate(name);
        if (file !== undefined) {
          def = pythonLookup(name, file || undefined, options);
          this.lookups.set(name, def);
        }
        return def;
      },
      // Asked at every call of a native lookup, hence remembered per name until a role adds folders.
      shadowing: (name) => {
        const folders = this.playbookDirs.length + this.roles.length;
        const known = this.lookupShadows.get(name);
        if (known?.folders === folders) return known.def;
        const file = pluginFile(name);
        const def = file === undefined ? undefined : pythonLookup(name, file, options);
        this.lookupShadows.set(name, { folders, def });
        return def;
      },
      notFoundHint: () => (controllerAnsibleSync() ? undefined : installHint()),
    };
  }

  /**
   * Adds the roles a loaded playbook brings in (the plays' roles, their dependencies, imported
   * roles): Ansible adds a role's plugin folders when it loads the role, so a role that only
   * carries filter_plugins/ (a dependency without tasks) provides them too.
   */
  addRolesOf(playbook: Playbook): void {
    const visit = (role: RoleInstance): void => {
      for (const dep of role.dependencies) visit(dep);
      if (!this.roles.includes(role.path)) this.roles.push(role.path);
    };
    for (const play of playbook.plays) for (const role of [...play.roles, ...play.importedRoles]) visit(role);
  }

  private jinja: PythonJinjaPlugins | undefined;

  /**
   * Filters and tests playbook does not carry, run with ansible-core (see PythonJinjaPlugins):
   * one finder for the run, shared by the up-front check and the run.
   */
  filterTestFallback(): FilterTestFallback {
    this.jinja ??= new PythonJinjaPlugins({
      pluginDirs: () => [...this.playbookDirs, ...this.roles],
      pluginDirCount: () => this.playbookDirs.length + this.roles.length,
      collectionsPaths: this.collectionsPaths,
      cwd: this.playbookDirs[0] ?? process.cwd(),
      config: this.config,
      collectionRoots: this.collectionRoots,
      sitePackages: this.sitePackages,
    });
    return this.jinja.fallback();
  }

  /** Whether two modules found here run the same file. */
  sameFile(a: Module, b: Module): boolean {
    const file = this.fileOf.get(a);
    return file !== undefined && file === this.fileOf.get(b);
  }

  /** The module a task names, when a file provides it; one Module per file for the run. */
  find(name: string, role: RoleInstance | undefined, collections: readonly string[] = []): Module | undefined {
    const search = this.searchPath(role);
    // A short name not in a library/ folder: in each collection of the task's `collections:` list, as ns.coll.name.
    const inList = (): FoundModule | undefined => {
      if (!/^\w+$/.test(name)) return undefined;
      for (const c of collections.filter((x) => !/^ansible\.(builtin|legacy)$/.test(x))) {
        const f = findModuleFile(`${c}.${name}`, search);
        // The module knows itself by the name the task wrote (its messages say "(ini_file) module").
        if (f) return { ...f, name };
      }
      return undefined;
    };
    const found = findModuleFile(name, search) ?? inList();
    if (!found) return undefined;
    const key = `${found.name}\0${found.file}`;
    let module = this.byFile.get(key);
    if (!module) {
      module = pythonModule(found, { collectionsPaths: this.collectionsPaths, cwd: this.playbookDirs[0] ?? process.cwd() });
      this.byFile.set(key, module);
      this.fileOf.set(module, found.file);
    }
    return module;
  }
}

/** The module a task runs: the native one of that name, else a module file found on the controller. */
export function resolveModule(modules: ModuleRegistry, python: PythonModules | undefined, name: string, role: RoleInstance | undefined, collections: readonly string[] = [], builtin = false): Module | undefined {
  return (builtin ? undefined : python?.findAction(name, role)) ?? modules.get(name) ?? python?.find(name, role, collections);
}

/** The module a task runs on a host of the play: native first, then a file, short names also in the `collections:` in scope. */
export function moduleOfTask(modules: ModuleRegistry, python: PythonModules | undefined, task: Task, pc: PlayContext): Module | undefined {
  return resolveModule(modules, python, task.action, task.role, collectionsInScope(task.keywords['collections'], task.parent, task.role, pc.play.keywords['collections']), task.builtin);
}
