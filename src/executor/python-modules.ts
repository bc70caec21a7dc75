/**
 * Modules playbook does not carry, found where Ansible looks for them: the library/ folder beside
 * each playbook, the library/ folders of the roles (the task's own role and those it came from
 * first, then the other roles loaded), ANSIBLE_LIBRARY / [defaults] library, and the collections
 * (the playbook's collections/ folder, the collections paths, the controller Ansible's
 * site-packages). Native modules are asked first, always; this is the long tail.
 */
import path from 'node:path';
import type { AnsibleConfig } from '../config/ansible-cfg.js';
import type { ModuleRegistry } from '../modules/index.js';
import { ansiblePythonCandidates } from '../modules/python/controller.js';
import { type FoundModule, type ModuleSearchPath, findModuleFile, sitePackages } from '../modules/python/find.js';
import { pythonModule } from '../modules/python/module.js';
import type { Module } from '../modules/types.js';
import { type RoleInstance, type Task, collectionsInScope } from '../playbook/model.js';
import type { PlayContext } from './vars.js';

export class PythonModules {
  /** The roles' folders, in the order they were first seen (Ansible adds a role's library/ when it loads the role). */
  private readonly roles: string[] = [];
  private readonly byFile = new Map<string, Module>();
  /** The file each Module runs: two names of one file (my_mod, ansible.legacy.my_mod) are one module for module_defaults. */
  private readonly fileOf = new WeakMap<Module, string>();
  private readonly collectionsPaths: string[];
  private readonly collectionRoots: string[];

  constructor(
    private readonly playbookDirs: readonly string[],
    private readonly config: AnsibleConfig,
    env: NodeJS.ProcessEnv = process.env,
  ) {
    this.collectionsPaths = [...playbookDirs.map((d) => path.join(d, 'collections')), ...config.collectionsPaths];
    // The `ansible` package installs its collections beside ansible-core; found on disk, no Python run.
    const site = ansiblePythonCandidates(env).filter((p) => path.isAbsolute(p)).flatMap((p) => sitePackages(p));
    this.collectionRoots = [...new Set([...this.collectionsPaths, ...site])];
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
export function resolveModule(modules: ModuleRegistry, python: PythonModules | undefined, name: string, role: RoleInstance | undefined, collections: readonly string[] = []): Module | undefined {
  return modules.get(name) ?? python?.find(name, role, collections);
}

/** The module a task runs on a host of the play: native first, then a file, short names also in the `collections:` in scope. */
export function moduleOfTask(modules: ModuleRegistry, python: PythonModules | undefined, task: Task, pc: PlayContext): Module | undefined {
  return resolveModule(modules, python, task.action, task.role, collectionsInScope(task.keywords['collections'], task.parent, task.role, pc.play.keywords['collections']));
}
