/**
 * The group/host graph as Ansible keeps it (ansible.inventory.data/group/host): groups in the
 * order they were first declared, each with its direct hosts, child and parent groups, a depth
 * (longest path from `all`) and a priority; hosts with their own variables and the set of groups
 * they belong to, ancestors included. Parsers fill it; `reconcile()` applies Ansible's rules at
 * the end (every top-level group under `all`, group-less hosts into `ungrouped`).
 */
import { pyEquals, setKey } from '../python/values.js';
import { InventoryError } from './errors.js';
import { isIpAddress } from './hostrange.js';

export type Vars = Record<string, unknown>;

/** The names Ansible treats as the controller itself (C.LOCALHOST). */
export const LOCALHOST_NAMES: readonly string[] = ['127.0.0.1', 'localhost', '::1'];

export class Group {
  /** Longest distance from `all`: the first key when group variables are layered. */
  depth = 0;
  /** `ansible_group_priority`: the second key (higher wins among groups of equal depth). */
  priority = 1;
  readonly vars: Vars = {};
  /** Direct members, in the order they were added. */
  readonly hosts: Host[] = [];
  readonly childGroups: Group[] = [];
  readonly parentGroups: Group[] = [];

  constructor(readonly name: string) {}

  ancestors(): Set<Group> {
    const seen = new Set<Group>();
    let frontier = [...this.parentGroups];
    while (frontier.length > 0) {
      const next: Group[] = [];
      for (const group of frontier) {
        if (seen.has(group)) continue;
        seen.add(group);
        next.push(...group.parentGroups);
      }
      frontier = next;
    }
    return seen;
  }

  /**
   * This group and its descendants, level by level. Ansible walks each level through a Python set,
   * whose order is arbitrary when two groups of one level both have children; level order and
   * declaration order within a level is what it gives in every other case.
   */
  descendantsWithSelf(): Group[] {
    const ordered: Group[] = [this, ...this.childGroups];
    const seen = new Set<Group>(ordered);
    let level = [...this.childGroups];
    while (level.length > 0) {
      const next: Group[] = [];
      for (const group of level) {
        for (const child of group.childGroups) {
          if (seen.has(child)) continue;
          seen.add(child);
          ordered.push(child);
          next.push(child);
        }
      }
      level = next;
    }
    return ordered;
  }

  /** Every host in this group or below, each once, in the order Ansible lists them. */
  allHosts(): Host[] {
    const hosts: Host[] = [];
    const seen = new Set<Host>();
    for (const group of this.descendantsWithSelf()) {
      for (const host of group.hosts) {
        if (seen.has(host)) continue;
        seen.add(host);
        // The implicit localhost is never part of `all`.
        if (this.name === 'all' && host.implicit) continue;
        hosts.push(host);
      }
    }
    return hosts;
  }

  setVariable(key: string, value: unknown): void {
    if (key === 'ansible_group_priority') {
      const priority = typeof value === 'number' ? value : Number.parseInt(String(value), 10);
      if (!Number.isInteger(priority)) {
        throw new InventoryError(`ansible_group_priority of group '${this.name}' must be an integer, got: ${String(value)}`);
      }
      this.priority = priority;
      return;
    }
    setKey(this.vars, key, value);
  }
}

export class Host {
  readonly vars: Vars = {};
  /** Every group the host is in, ancestors included (`all` too once reconciled). */
  readonly groups = new Set<Group>();
  /** The localhost Ansible makes up when a pattern names it but the inventory does not. */
  implicit = false;

  constructor(readonly name: string) {}

  setVariable(key: string, value: unknown): void {
    setKey(this.vars, key, value);
  }

  /** Joins `group` and, through it, all of its ancestors. */
  joinGroup(group: Group): void {
    for (const ancestor of group.ancestors()) this.groups.add(ancestor);
    this.groups.add(group);
  }
}

/**
 * Ansible keeps group names with characters that are not valid in variable names (TRANSFORM_INVALID_
 * GROUP_CHARS=never) but warns, since `groups.my-group` cannot be written in a template.
 */
export function invalidGroupNameWarning(name: string): string | undefined {
  const invalid = new Set(name.match(/^[^\p{L}\p{Mn}\p{Pc}]|[^\p{L}\p{N}\p{Mn}\p{Pc}]/gu) ?? []);
  if (invalid.size === 0) return undefined;
  const chars = [...invalid].map((c) => `'${c}'`).join(', ');
  return `Invalid characters (${chars}) were found in group name '${name}' and not replaced: it cannot be used as a variable name`;
}

/** Groups sorted as Ansible layers their variables: depth, then priority, then name. */
export function sortGroups(groups: Iterable<Group>): Group[] {
  return [...groups].sort((a, b) => a.depth - b.depth || a.priority - b.priority || compareText(a.name, b.name));
}

/** Python's string order (code points), not the locale's. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export class InventoryData {
  readonly groups = new Map<string, Group>();
  readonly hosts = new Map<string, Host>();
  /** The source being parsed: becomes `inventory_file` of the hosts it declares first. */
  currentSource: { file: string | null; dir: string | null } | undefined;
  private implicitLocalhost: Host | undefined;

  constructor() {
    this.addGroup('all');
    this.addGroup('ungrouped');
    this.addChild('all', 'ungrouped');
  }

  group(name: string): Group {
    const group = this.groups.get(name);
    if (!group) throw new InventoryError(`${name} is not a known group`);
    return group;
  }

  addGroup(name: string): Group {
    if (!name) throw new InventoryError(`Invalid empty/false group name provided: ${name}`);
    let group = this.groups.get(name);
    if (!group) {
      group = new Group(name);
      this.groups.set(name, group);
    }
    return group;
  }

  /** Adds the host on first sight (with its port), and puts it in `groupName` if given. */
  addHost(name: string, groupName?: string, port?: number): Host {
    if (!name) throw new InventoryError('Invalid empty host name provided');
    const group = groupName === undefined ? undefined : this.groups.get(groupName);
    if (groupName !== undefined && !group) throw new InventoryError(`Could not find group ${groupName} in inventory`);
    let host = this.hosts.get(name);
    if (!host) {
      host = new Host(name);
      // As Ansible: the port of a later declaration of the same host is ignored.
      if (port !== undefined) host.setVariable('ansible_port', port);
      host.setVariable('inventory_file', this.currentSource?.file ?? null);
      host.setVariable('inventory_dir', this.currentSource?.dir ?? null);
      this.hosts.set(name, host);
    }
    if (group) addHostToGroup(group, host);
    return host;
  }

  setVariable(entity: string, key: string, value: unknown): void {
    const target = this.groups.get(entity) ?? this.hosts.get(entity);
    if (!target) throw new InventoryError(`Could not identify group or host named ${entity}`);
    target.setVariable(key, value);
  }

  /** Makes `child` (a group, or else a host) a member of `parent`. */
  addChild(parentName: string, childName: string): void {
    const parent = this.group(parentName);
    const childGroup = this.groups.get(childName);
    if (childGroup) {
      addChildGroup(parent, childGroup);
      return;
    }
    const host = this.hosts.get(childName);
    if (!host) throw new InventoryError(`${childName} is not a known host nor group`);
    addHostToGroup(parent, host);
  }

  /**
   * InventoryManager.add_dynamic_group (group_by): the group and its parents are made as needed,
   * the group becomes a child of each parent and the host joins it. True when anything changed.
   */
  addDynamicGroup(hostName: string, groupName: string, parentNames: readonly string[]): boolean {
    const host = this.getHost(hostName);
    if (!host) throw new InventoryError(`${hostName} cannot be matched in inventory`);
    let changed = false;
    const group = this.addGroup(groupName);
    for (const name of parentNames) {
      if (!this.groups.has(name)) {
        this.addGroup(name);
        changed = true;
      }
    }
    for (const name of parentNames) {
      const parent = this.group(name);
      if (!parent.childGroups.includes(group)) {
        addChildGroup(parent, group);
        changed = true;
      }
    }
    if (!group.hosts.includes(host)) {
      addHostToGroup(group, host);
      changed = true;
    }
    if (changed) this.reconcile();
    return changed;
  }

  /**
   * InventoryManager.add_dynamic_host (add_host): a new host is made a member of `all`; its
   * variables are merged with `hostVars` (top-level keys replaced) when that changes any of them
   * (compared as Python compares, `inventory_hostname` and `group_names` included); it joins each
   * group, made as needed. True when anything changed.
   */
  addDynamicHost(hostName: string, groupNames: readonly string[], hostVars: Vars): boolean {
    let changed = false;
    let host = this.hosts.get(hostName);
    if (!host) {
      host = this.addHost(hostName, 'all');
      changed = true;
    }
    const current: Vars = { ...host.vars, ...magicHostVars(host) };
    if (Object.entries(hostVars).some(([key, value]) => !Object.prototype.hasOwnProperty.call(current, key) || !pyEquals(current[key], value))) {
      for (const [key, value] of Object.entries(hostVars)) setKey(host.vars, key, value);
      changed = true;
    }
    for (const name of groupNames) {
      if (!this.groups.has(name)) {
        this.addGroup(name);
        changed = true;
      }
      const group = this.group(name);
      if (!group.hosts.includes(host)) {
        addHostToGroup(group, host);
        changed = true;
      }
    }
    if (changed) this.reconcile();
    return changed;
  }

  /** Ansible's reconcile_inventory: run once after all sources are parsed. */
  reconcile(): void {
    const all = this.group('all');
    const ungrouped = this.group('ungrouped');
    for (const group of this.groups.values()) {
      if (group !== all && group.ancestors().size === 0) addChildGroup(all, group);
    }
    for (const host of this.hosts.values()) {
      if (host.groups.has(ungrouped)) {
        const others = [...host.groups].filter((g) => g !== all && g !== ungrouped);
        if (others.length > 0) removeHostFromGroup(ungrouped, host);
      } else if (!host.implicit && [...host.groups].every((g) => g === all)) {
        addHostToGroup(ungrouped, host);
      }
    }
  }

  /** A real host, or the implicit localhost for one of the localhost names. */
  getHost(name: string): Host | undefined {
    const host = this.hosts.get(name);
    if (host || !LOCALHOST_NAMES.includes(name)) return host;
    if (!this.implicitLocalhost) {
      const localhost = new Host(name);
      localhost.implicit = true;
      localhost.setVariable('ansible_python_interpreter', controllerPython());
      localhost.setVariable('ansible_connection', 'local');
      this.implicitLocalhost = localhost;
    }
    return this.implicitLocalhost;
  }
}

/** `inventory_hostname_short`: the name up to its first dot, an IP address whole (Host.get_magic_vars). */
export function inventoryHostnameShort(name: string): string {
  return isIpAddress(name) ? name : name.split('.')[0]!;
}

/** What Host.get_magic_vars adds to a host's own variables. */
function magicHostVars(host: Host): Vars {
  return {
    inventory_hostname: host.name,
    inventory_hostname_short: inventoryHostnameShort(host.name),
    group_names: [...host.groups].map((g) => g.name).filter((n) => n !== 'all').sort(compareText),
  };
}

function addHostToGroup(group: Group, host: Host): void {
  if (group.hosts.includes(host)) return;
  group.hosts.push(host);
  host.joinGroup(group);
}

function removeHostFromGroup(group: Group, host: Host): void {
  const index = group.hosts.indexOf(host);
  if (index < 0) return;
  group.hosts.splice(index, 1);
  host.groups.delete(group);
  // Ancestors reached only through this group go too, except `all`.
  for (const ancestor of group.ancestors()) {
    if (ancestor.name === 'all') continue;
    const stillReached = [...host.groups].some((g) => g.ancestors().has(ancestor));
    if (!stillReached) host.groups.delete(ancestor);
  }
}

function addChildGroup(parent: Group, child: Group): void {
  if (parent === child) throw new InventoryError(`can't add group ${child.name} to itself`);
  if (parent.childGroups.includes(child)) return;
  const parentAncestors = parent.ancestors();
  if (parentAncestors.has(child)) {
    throw new InventoryError(`Adding group '${child.name}' as child to '${parent.name}' creates a recursive dependency loop.`);
  }
  parent.childGroups.push(child);
  deepen(child, parent.depth + 1);
  if (!child.parentGroups.some((g) => g.name === parent.name)) {
    child.parentGroups.push(parent);
    for (const host of child.allHosts()) {
      host.groups.add(parent);
      for (const ancestor of parentAncestors) host.groups.add(ancestor);
    }
  }
}

/** Raises the depth of a group and of everything below it to at least `depth`. */
function deepen(group: Group, depth: number): void {
  if (group.depth >= depth) return;
  group.depth = depth;
  for (const child of group.childGroups) deepen(child, depth + 1);
}

/**
 * Ansible gives the implicit localhost its own interpreter (sys.executable). The engine has no
 * Python of its own, so it names the system one.
 */
function controllerPython(): string {
  return '/usr/bin/python3';
}
