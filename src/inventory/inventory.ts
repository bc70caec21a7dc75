/**
 * The inventory as the engine sees it: hosts and groups in Ansible's order, the `groups` and
 * `group_names` magic variables, host patterns, and each host's variables as layers in Ansible's
 * precedence (low to high):
 *
 *   1. inventory file: group `all`       2. inventory file: other groups (depth, priority, name)
 *   3. inventory group_vars/all          4. playbook group_vars/all
 *   5. inventory group_vars/<group>      6. playbook group_vars/<group> (groups ordered as in 2)
 *   7. inventory file: the host          8. inventory host_vars/<host>   9. playbook host_vars/<host>
 *
 * Layers merge by replacing top-level keys (Ansible's hash_behaviour=replace). Returned variable
 * objects are shared with the inventory: treat them as read-only.
 */
import { setKey } from '../python/values.js';
import { InventoryError, didYouMean } from './errors.js';
import { LOCALHOST_NAMES, sortGroups, type Group, type Host, type InventoryData, type Vars } from './model.js';
import { formatInventoryJson, graphText, listJson, sortKeysDeep, withoutInternalVars, type VarsLookup } from './output.js';
import { PatternMatcher } from './patterns.js';
import { parseSources } from './sources.js';
import { VarsFileCache, canonicalDir, varsEntryNames, type VarLayer, type VarsKind } from './varsfiles.js';

export interface LoadInventoryOptions {
  /** Base for relative sources and `@file` patterns; defaults to process.cwd(). */
  cwd?: string;
}

export interface ResolvePatternOptions {
  /** `--limit`: only hosts that this pattern also matches (order stays that of `pattern`). */
  limit?: string | readonly string[];
}

/**
 * Reads `-i` sources in order (files, directories, `a,b,` host lists) into one inventory. With no
 * sources there is only the implicit localhost, which `localhost` matches and `all` does not.
 */
export async function loadInventory(sources: string[], options: LoadInventoryOptions = {}): Promise<Inventory> {
  const cwd = options.cwd ?? process.cwd();
  const parsed = await parseSources(sources, cwd);
  const inventory = new Inventory(parsed.data, parsed.sources, parsed.varsDirs.map(canonicalDir), cwd, parsed.warnings);
  inventory.checkVarsFiles();
  return inventory;
}

export class Inventory {
  private readonly varsFiles: VarsFileCache;

  /** @internal Use loadInventory. */
  constructor(
    private readonly data: InventoryData,
    /** Absolute source paths (host lists as given): the `ansible_inventory_sources` variable. */
    readonly sources: readonly string[],
    private readonly varsDirs: readonly string[],
    private readonly cwd: string,
    /** Things Ansible would warn about (skipped keys, odd group names, typos in vars file names). */
    readonly warnings: string[],
  ) {
    this.varsFiles = new VarsFileCache(cwd);
  }

  /** All hosts of the inventory, in the order `ansible all --list-hosts` gives them. */
  hostNames(): string[] {
    return this.data.group('all').allHosts().map((h) => h.name);
  }

  /** All groups, `all` and `ungrouped` included, in declaration order (the order of `groups`). */
  groupNames(): string[] {
    return [...this.data.groups.keys()];
  }

  hasHost(name: string): boolean {
    return this.data.hosts.has(name);
  }

  hasGroup(name: string): boolean {
    return this.data.groups.has(name);
  }

  /** The `group_names` variable: sorted, without `all` (with `ungrouped`, as in Ansible). */
  groupsOf(host: string): string[] {
    return [...this.host(host).groups]
      .map((g) => g.name)
      .filter((name) => name !== 'all')
      .sort();
  }

  /** group_by: puts `host` in `group` (made, with its `parents`, as needed); true when anything changed. */
  addDynamicGroup(host: string, group: string, parents: readonly string[]): boolean {
    return this.data.addDynamicGroup(host, group, parents);
  }

  /**
   * add_host: makes `host` (a member of `all`) as needed, merges `hostVars` into its variables and
   * puts it in `groups` (made as needed); true when anything changed.
   */
  addDynamicHost(host: string, groups: readonly string[], hostVars: Vars): boolean {
    return this.data.addDynamicHost(host, groups, hostVars);
  }

  /** The `groups` variable: every group (all and ungrouped included) with all hosts below it. */
  groupsVar(): Record<string, string[]> {
    const groups: Record<string, string[]> = {};
    for (const [name, group] of this.data.groups) setKey(groups, name, group.allHosts().map((h) => h.name));
    return groups;
  }

  /** The host's variables, lowest precedence first (see the top of this file). */
  varLayers(host: string, playbookDir?: string): VarLayer[] {
    const target = this.host(host);
    const all = this.data.group('all');
    const groups = sortGroups([...target.groups].filter((g) => g !== all));
    const playDirs = playbookDir === undefined ? [] : [canonicalDir(playbookDir)];
    const layers: VarLayer[] = [];
    const push = (source: string, vars: Vars): void => {
      if (Object.keys(vars).length > 0) layers.push({ source, vars });
    };
    const files = (dirs: readonly string[], kind: VarsKind, entities: readonly (Group | Host)[]): void => {
      for (const dir of dirs) for (const entity of entities) layers.push(...this.varsFiles.layers(dir, kind, entity.name));
    };
    push('inventory: group all', all.vars);
    for (const group of groups) push(`inventory: group ${group.name}`, group.vars);
    files(this.varsDirs, 'group', [all]);
    files(playDirs, 'group', [all]);
    files(this.varsDirs, 'group', groups);
    files(playDirs, 'group', groups);
    push(`inventory: host ${target.name}`, target.vars);
    files(this.varsDirs, 'host', [target]);
    files(playDirs, 'host', [target]);
    return layers;
  }

  /** The host's variables merged: what a play sees from the inventory. */
  hostVars(host: string, playbookDir?: string): Vars {
    const merged: Vars = {};
    for (const layer of this.varLayers(host, playbookDir)) {
      for (const key of Object.keys(layer.vars)) setKey(merged, key, layer.vars[key]);
    }
    return merged;
  }

  /** A group's own variables: inventory file, then its group_vars files (as --graph --vars shows). */
  groupVars(group: string, playbookDir?: string): Vars {
    const target = this.group(group);
    const merged: Vars = { ...target.vars };
    const dirs = [...this.varsDirs, ...(playbookDir === undefined ? [] : [canonicalDir(playbookDir)])];
    for (const dir of dirs) {
      for (const layer of this.varsFiles.layers(dir, 'group', target.name)) {
        for (const key of Object.keys(layer.vars)) setKey(merged, key, layer.vars[key]);
      }
    }
    return merged;
  }

  /** Host names matched by a `hosts:` pattern, in Ansible's order; [] when nothing matches. */
  resolvePattern(pattern: string | readonly string[], options: ResolvePatternOptions = {}): string[] {
    const matcher = new PatternMatcher(this.data, this.cwd);
    let hosts = matcher.resolve(pattern).hosts;
    if (options.limit !== undefined) {
      const allowed = new Set(new PatternMatcher(this.data, this.cwd).resolve(options.limit).hosts);
      hosts = hosts.filter((h) => allowed.has(h));
    }
    return hosts.map((h) => h.name);
  }

  /** Ansible's warnings for the parts of a pattern that match nothing ("Could not match ..."). */
  patternWarnings(pattern: string | readonly string[]): string[] {
    return new PatternMatcher(this.data, this.cwd).resolve(pattern).unmatched;
  }

  /**
   * What `ansible-inventory --list` prints (keys sorted); print it with formatInventoryJson.
   * ansible-inventory reads group_vars/host_vars of its working directory as "playbook" ones:
   * pass process.cwd() as playbookDir to get exactly that.
   */
  toListJson(playbookDir?: string): unknown {
    return listJson(this.data, this.lookup(playbookDir));
  }

  /** What `ansible-inventory --graph [group] [--vars]` prints. */
  toGraph(group = 'all', withVars = false, playbookDir?: string): string {
    if (!this.data.groups.has(group)) {
      throw new InventoryError(`Pattern must be valid group name when using --graph: '${group}'.${didYouMean(group, this.data.groups.keys())}`);
    }
    return graphText(this.group(group), withVars, this.lookup(playbookDir));
  }

  /** What `ansible-inventory --host <host>` prints (keys sorted). */
  hostJson(host: string, playbookDir?: string): unknown {
    return sortKeysDeep(withoutInternalVars(this.hostVars(host, playbookDir)));
  }

  /** The text of toListJson / hostJson exactly as ansible-inventory prints it. */
  static formatJson(value: unknown): string {
    return formatInventoryJson(value);
  }

  /** @internal Reads every inventory group_vars/host_vars file now, so that errors show at load time. */
  checkVarsFiles(): void {
    const kinds: Array<[VarsKind, Set<string>]> = [
      ['group', new Set(this.data.groups.keys())],
      ['host', new Set(this.data.hosts.keys())],
    ];
    for (const dir of this.varsDirs) {
      for (const [kind, names] of kinds) {
        for (const name of names) this.varsFiles.layers(dir, kind, name);
        for (const entry of varsEntryNames(dir, kind)) {
          if (names.has(entry) || (kind === 'host' && LOCALHOST_NAMES.includes(entry))) continue;
          const hint = didYouMean(entry, names);
          if (hint) this.warnings.push(`${kind}_vars/${entry} in ${dir} matches no ${kind} of the inventory.${hint}`);
        }
      }
    }
  }

  private lookup(playbookDir: string | undefined): VarsLookup {
    return {
      hostVars: (host) => this.hostVars(host.name, playbookDir),
      groupVars: (group) => this.groupVars(group.name, playbookDir),
    };
  }

  private host(name: string): Host {
    const host = this.data.getHost(name);
    if (!host) {
      throw new InventoryError(`Host '${name}' is not in the inventory.${didYouMean(name, this.data.hosts.keys())}`);
    }
    return host;
  }

  private group(name: string): Group {
    const group = this.data.groups.get(name);
    if (!group) throw new InventoryError(`Group '${name}' is not in the inventory.${didYouMean(name, this.data.groups.keys())}`);
    return group;
  }
}
