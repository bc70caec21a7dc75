/**
 * Filters and tests playbook does not carry, found where ansible-core's Jinja2 plugin loader
 * finds them: every .py file of the filter_plugins/ (test_plugins/) folders beside the playbooks
 * and in the roles loaded, of ANSIBLE_FILTER_PLUGINS (ANSIBLE_TEST_PLUGINS), and ansible-core's
 * own; `ns.coll.name` in that collection's plugins/filter (plugins/test). A file provides the
 * names its FilterModule().filters() (TestModule().tests()) maps, whatever the file is called.
 *
 * Only Python knows that map. So the files are first searched as text for the name: when none
 * mentions it, the name is unknown without starting Python (the common case: a typo, no plugin
 * folders). When one does, ansible-core lists the names of the whole folder set, once per set.
 */
import { readFileSync, readdirSync, realpathSync } from 'node:fs';
import path from 'node:path';
import type { AnsibleConfig } from '../config/ansible-cfg.js';
import { controllerAnsibleSync, listJinjaPlugins } from '../modules/python/controller.js';
import { type PythonJinjaOptions, pythonFilter, pythonTest } from '../modules/python/jinja-plugin.js';
import type { FilterDef, FilterTestFallback, TestDef } from '../template/plugins.js';

type Kind = 'filter' | 'test';

export interface JinjaPluginPlaces extends PythonJinjaOptions {
  readonly config: AnsibleConfig;
  /** Folders holding ansible_collections/ (the collections paths, the site-packages of the Pythons that may have ansible). */
  readonly collectionRoots: readonly string[];
  /** How many playbook and role folders there are (it grows as roles load). */
  readonly pluginDirCount: () => number;
  /** site-packages folders where ansible-core itself may be (its own plugins/filter, plugins/test). */
  readonly sitePackages: readonly string[];
}

function pyFiles(dir: string): string[] {
  try {
    return readdirSync(dir).filter((f) => f.endsWith('.py') && f !== '__init__.py').sort().map((f) => path.join(dir, f));
  } catch {
    return [];
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export class PythonJinjaPlugins {
  private readonly texts = new Map<string, string>();
  private readonly dirFiles = new Map<string, string[]>();
  /** The names ansible-core lists for a folder set (its key: kind and folders), with their files. */
  private readonly listed = new Map<string, Map<string, string | null>>();
  /** Per name, the plugin file's definition that shadows playbook's own (null: none), for a count of plugin folders. */
  private readonly shadowing = new Map<string, { folders: number; shadowed: boolean }>();
  private readonly filters = new Map<string, FilterDef>();
  private readonly tests = new Map<string, TestDef>();

  constructor(private readonly places: JinjaPluginPlaces) {}

  fallback(): FilterTestFallback {
    return {
      findFilter: (name) => this.find(this.filters, 'filter', name, pythonFilter),
      findTest: (name) => this.find(this.tests, 'test', name, pythonTest),
      shadowingFilter: (name) => this.shadow(this.filters, 'filter', name, pythonFilter),
      shadowingTest: (name) => this.shadow(this.tests, 'test', name, pythonTest),
    };
  }

  /**
   * The plugin file's filter (test) of an unqualified name playbook also has natively: Ansible
   * looks in the playbook's and roles' folders before its own and Jinja's, so theirs wins. Asked
   * at every call of a native one, hence remembered per name until a role adds folders.
   */
  private shadow<D>(defs: Map<string, D>, kind: Kind, name: string, make: (name: string, file: string, options: PythonJinjaOptions) => D): D | undefined {
    const folders = this.places.pluginDirCount();
    const key = `${kind}\0${name}`;
    const known = this.shadowing.get(key);
    if (known?.folders === folders) return known.shadowed ? defs.get(name) : undefined;
    let def: D | undefined;
    const short = /^(?:ansible\.legacy\.)?(\w+)$/.exec(name)?.[1];
    const file = short === undefined ? undefined : this.mentioning(this.legacyDirs(kind).flatMap((d) => this.files(d)), short);
    if (file !== undefined && short !== undefined) {
      const listed = this.listing(kind);
      const from = listed?.get(short);
      // Only a file of the folders counts: ansible-core's own are what playbook carries natively.
      // Without ansible-core, which names a file provides is unknown: playbook's own stays.
      // ansible-core names the file by its real path (a role may be a symlink).
      if (from && this.legacyDirs(kind).some((d) => from.startsWith(realDir(d) + path.sep))) {
        def = defs.get(name) ?? make(name, from, this.places);
        defs.set(name, def);
      }
    }
    this.shadowing.set(key, { folders, shadowed: def !== undefined });
    return def;
  }

  /** What ansible-core lists for the current folders (once per set); undefined without ansible-core. */
  private listing(kind: Kind): Map<string, string | null> | undefined {
    const ansible = controllerAnsibleSync();
    if (!ansible) return undefined;
    const folders = this.places.pluginDirs();
    const key = `${kind}\0${folders.join('\0')}`;
    let names = this.listed.get(key);
    if (!names) {
      names = listJinjaPlugins(ansible, { kind, plugin_dirs: [...folders], collections_paths: [...this.places.collectionsPaths] }, this.places.cwd);
      this.listed.set(key, names);
    }
    return names;
  }

  private files(dir: string): string[] {
    let files = this.dirFiles.get(dir);
    if (!files) {
      files = pyFiles(dir);
      this.dirFiles.set(dir, files);
    }
    return files;
  }

  /** The first file that mentions `word` as a word (a name a filters() map may hold). */
  private mentioning(files: readonly string[], word: string): string | undefined {
    const re = new RegExp(`(?<![\\w.])${escapeRegExp(word)}(?!\\w)`);
    return files.find((f) => {
      let text = this.texts.get(f);
      if (text === undefined) {
        try {
          text = readFileSync(f, 'utf8');
        } catch {
          text = '';
        }
        this.texts.set(f, text);
      }
      return re.test(text);
    });
  }

  /** The folders ansible-core loads non-collection filters (tests) from, in its order. */
  private legacyDirs(kind: Kind): string[] {
    const sub = kind === 'filter' ? 'filter_plugins' : 'test_plugins';
    const configured = kind === 'filter' ? this.places.config.filterPlugins : this.places.config.testPlugins;
    return [...this.places.pluginDirs().map((d) => path.join(d, sub)), ...configured];
  }

  private builtinDirs(kind: Kind): string[] {
    return this.places.sitePackages.map((s) => path.join(s, 'ansible', 'plugins', kind));
  }

  /**
   * The file that provides `name` (for a collection's, the first that mentions it), undefined
   * when none does. ansible-core is asked only when a file mentions the name.
   */
  private locate(kind: Kind, name: string): string | undefined {
    const legacy = /^(?:ansible\.legacy\.)?(\w+)$/.exec(name)?.[1];
    const builtin = /^ansible\.builtin\.(\w+)$/.exec(name)?.[1];
    if (legacy !== undefined || builtin !== undefined) {
      const short = (legacy ?? builtin)!;
      const dirs = legacy !== undefined ? [...this.legacyDirs(kind), ...this.builtinDirs(kind)] : this.builtinDirs(kind);
      const file = this.mentioning(dirs.flatMap((d) => this.files(d)), short);
      if (file === undefined) return undefined;
      const names = this.listing(kind);
      // Without ansible-core the name is taken as the file's: calling it says what to install.
      if (!names) return file;
      const from = names.get(legacy ?? `ansible.builtin.${short}`);
      return from === undefined ? undefined : (from ?? file);
    }
    // ns.coll.name: a file of the collection's plugins/<kind>, or its routing (meta/runtime.yml), names it.
    const parts = name.split('.');
    if (parts.length < 3 || !parts.every((p) => /^\w+$/.test(p))) return undefined;
    const [ns, coll, ...rest] = parts;
    for (const root of this.places.collectionRoots) {
      const base = path.join(root, 'ansible_collections', ns!, coll!);
      const candidates = [...this.files(path.join(base, 'plugins', kind, ...rest.slice(0, -1))), path.join(base, 'meta', 'runtime.yml')];
      const file = this.mentioning(candidates, rest[rest.length - 1]!);
      if (file !== undefined) return file;
    }
    return undefined;
  }

  /** One definition per name for the run. */
  private find<D>(defs: Map<string, D>, kind: Kind, name: string, make: (name: string, file: string, options: PythonJinjaOptions) => D): D | undefined {
    let def = defs.get(name);
    if (def) return def;
    const file = this.locate(kind, name);
    if (file === undefined) return undefined;
    def = make(name, file, this.places);
    defs.set(name, def);
    return def;
  }
}

/** A folder's real path (symlinks resolved), or the path itself when it cannot be had. */
function realDir(dir: string): string {
  try {
    return realpathSync(dir);
  } catch {
    return dir;
  }
}
