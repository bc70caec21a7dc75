/**
 * Where a module that playbook does not carry lives on the controller, found as Ansible's module
 * loader finds it: a short name (or ansible.legacy.NAME) in the library/ folders, a collection's
 * name (`ns.coll.mod`) as `ansible_collections/ns/coll/plugins/modules/mod.py` under each
 * collections root, with the collection's meta/runtime.yml redirects followed. Only the file system
 * is read: the up-front check uses it and must not start Python.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isDict } from '../../python/values.js';
import { parsePyYaml } from '../../yaml/pyyaml.js';

/** The folders searched, in order. */
export interface ModuleSearchPath {
  /** library/ folders (the playbook's, the roles', ANSIBLE_LIBRARY). */
  readonly libraryDirs: readonly string[];
  /** Folders that hold an `ansible_collections/` folder (collections paths, the controller's site-packages). */
  readonly collectionRoots: readonly string[];
}

export interface FoundModule {
  /** The name the task gave. */
  readonly name: string;
  /** The name it resolved to (a redirect's target, else the name). */
  readonly resolved: string;
  readonly file: string;
}

/** Redirects followed before giving up (Ansible stops at a loop; a chain this long is one). */
const MAX_REDIRECTS = 5;

export function findModuleFile(name: string, search: ModuleSearchPath): FoundModule | undefined {
  let current = name;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const builtin = /^ansible\.builtin\.(\w+)$/.exec(current);
    if (builtin) {
      const file = inAnsibleCore(builtin[1]!, search.collectionRoots);
      return file ? { name, resolved: current, file } : undefined;
    }
    const legacy = /^ansible\.legacy\.(\w+)$/.exec(current);
    const short = legacy ? legacy[1]! : /^\w+$/.test(current) ? current : undefined;
    if (short !== undefined) {
      // ansible.legacy: the library/ folders first, then ansible-core's own modules.
      const file = inLibrary(short, search.libraryDirs) ?? inAnsibleCore(short, search.collectionRoots);
      return file ? { name, resolved: current, file } : undefined;
    }
    const fq = /^(\w+)\.(\w+)\.([\w.]+)$/.exec(current);
    if (!fq) return undefined;
    const [, ns, coll, mod] = fq as unknown as [string, string, string, string];
    const redirect = collectionRedirect(ns, coll, mod, search.collectionRoots);
    if (redirect !== undefined) {
      current = redirect;
      continue;
    }
    const file = inCollection(ns, coll, mod, search.collectionRoots);
    return file ? { name, resolved: current, file } : undefined;
  }
  return undefined;
}

/**
 * Extensions that are never modules: bytecode, and the documentation sidecars (name.yml) Ansible
 * reads for binary modules.
 */
const NOT_MODULES = new Set(['.pyc', '.pyo', '.yml', '.yaml', '.md', '.txt', '.ps1', '.psm1', '.cs']);

/**
 * `name.py`, `name` itself (a binary), or `name.<ext>` (a script such as name.sh: Ansible's loader
 * knows a module by its file name without the extension), in the first folder that has one.
 */
function inLibrary(name: string, dirs: readonly string[]): string | undefined {
  for (const dir of dirs) {
    for (const candidate of [path.join(dir, `${name}.py`), path.join(dir, name)]) if (isFile(candidate)) return candidate;
    const other = scriptModule(dir, name);
    if (other) return other;
  }
  return undefined;
}

function scriptModule(dir: string, name: string): string | undefined {
  let entries: string[];
  try {
    entries = readdirSync(dir).sort();
  } catch {
    return undefined;
  }
  const match = entries.find((e) => path.extname(e) !== '' && e.slice(0, -path.extname(e).length) === name && !NOT_MODULES.has(path.extname(e)));
  return match !== undefined && isFile(path.join(dir, match)) ? path.join(dir, match) : undefined;
}

/**
 * One of ansible-core's own modules (ansible/modules/<name>.py beside the collections, in the
 * controller's site-packages), for the ansible.builtin modules playbook does not carry (cron, git,
 * known_hosts...). Not one that needs its action plugin (add_host, reboot, dnf): the module alone
 * would not do what the task means.
 */
function inAnsibleCore(name: string, roots: readonly string[]): string | undefined {
  for (const root of roots) {
    const file = path.join(root, 'ansible', 'modules', `${name}.py`);
    if (!isFile(file)) continue;
    return isFile(path.join(root, 'ansible', 'plugins', 'action', `${name}.py`)) ? undefined : file;
  }
  return undefined;
}

function collectionDirs(ns: string, coll: string, roots: readonly string[]): string[] {
  return roots.map((r) => path.join(r, 'ansible_collections', ns, coll)).filter((d) => existsSync(d));
}

/** A module of a collection; `mod` may be in a subfolder (`a.b` is plugins/modules/a/b.py). */
function inCollection(ns: string, coll: string, mod: string, roots: readonly string[]): string | undefined {
  const rel = mod.split('.');
  for (const dir of collectionDirs(ns, coll, roots)) {
    const base = path.join(dir, 'plugins', 'modules', ...rel);
    for (const candidate of [`${base}.py`, base]) if (isFile(candidate)) return candidate;
  }
  return undefined;
}

/** plugin_routing.modules.<mod>.redirect of the first installed copy of the collection. */
function collectionRedirect(ns: string, coll: string, mod: string, roots: readonly string[]): string | undefined {
  const [dir] = collectionDirs(ns, coll, roots);
  if (dir === undefined) return undefined;
  const routing = runtimeRouting(path.join(dir, 'meta', 'runtime.yml'));
  const entry = routing?.[mod];
  const redirect = isDict(entry) ? entry['redirect'] : undefined;
  return typeof redirect === 'string' ? redirect : undefined;
}

/** A collection's runtime.yml is large (community.general's: ~200 kB); read it once per run. */
const runtimeCache = new Map<string, Record<string, unknown> | undefined>();

function runtimeRouting(file: string): Record<string, unknown> | undefined {
  if (runtimeCache.has(file)) return runtimeCache.get(file);
  let modules: Record<string, unknown> | undefined;
  try {
    const data = parsePyYaml(readFileSync(file, 'utf8'));
    const routing = isDict(data) ? data['plugin_routing'] : undefined;
    const m = isDict(routing) ? routing['modules'] : undefined;
    modules = isDict(m) ? m : undefined;
  } catch {
    modules = undefined;
  }
  runtimeCache.set(file, modules);
  return modules;
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/**
 * The site-packages (or dist-packages) folders of a Python installation, found from the
 * interpreter's path without running it: `<prefix>/bin/python` has `<prefix>/lib/python3.X/site-packages`
 * (a venv, pyenv, /usr/local), Debian's /usr/bin/python3 has /usr/lib/python3/dist-packages. The
 * `ansible` package installs its collections (community.general, ...) there. Duplicates (two
 * Pythons of one prefix) are left to the caller.
 */
export function sitePackages(python: string, home = os.homedir()): string[] {
  const prefix = path.dirname(path.dirname(python));
  const out: string[] = [];
  // `pip install --user ansible` puts it under ~/.local, whichever Python runs it.
  for (const lib of [path.join(prefix, 'lib'), path.join(prefix, 'local', 'lib'), path.join(home, '.local', 'lib')]) {
    let names: string[];
    try {
      names = readdirSync(lib);
    } catch {
      continue;
    }
    for (const n of names.filter((x) => /^python3(\.\d+)?$/.test(x)).sort().reverse()) {
      for (const sub of ['site-packages', 'dist-packages']) {
        const dir = path.join(lib, n, sub);
        if (existsSync(dir)) out.push(dir);
      }
    }
  }
  return out;
}
