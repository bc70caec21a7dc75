/**
 * The inventory changes of add_host and group_by results, as Ansible's strategy makes them after
 * the task ran (InventoryManager.add_dynamic_host / add_dynamic_group), with the warnings Ansible
 * gives about the names.
 */
import { invalidGroupNameWarning } from '../inventory/model.js';
import { pythonClass } from '../python/class-name.js';
import { RunError } from '../playbook/errors.js';
import { isDict, pyStr } from '../python/values.js';
import type { RunContext } from './context.js';

/** Ansible's inventory tasks: their results change the inventory (C._ACTION_INVENTORY_TASKS). */
export const INVENTORY_ACTIONS: ReadonlySet<string> = new Set(['add_host', 'group_by']);

/** Whether a result asks for an inventory change (Ansible's strategy looks for these keys). */
export function hasInventoryChange(result: Record<string, unknown>): boolean {
  return 'add_host' in result || 'add_group' in result;
}

export class InventoryChanges {
  /** Ansible's warning about a group name that is not a variable name, given once. */
  private warnedGroupName = false;
  /** Names found to be both a host and a group, warned about once. */
  private readonly warnedSameName = new Set<string>();

  constructor(private readonly runContext: RunContext) {}

  /**
   * The inventory change a result asks for, as InventoryManager.add_dynamic_host (add_host) and
   * add_dynamic_group (group_by) make it; true when the inventory changed. What Ansible's
   * inventory refuses (a host name that is not a string or is empty, an empty group name) ends
   * the run, as it does in Ansible.
   */
  apply(host: string, result: Record<string, unknown>): boolean {
    const vm = this.runContext.vm;
    const inventory = vm.inventory;
    let changed: boolean;
    if ('add_host' in result) {
      if (!inventory.addDynamicHost) return Boolean(result['changed']);
      const info = isDict(result['add_host']) ? result['add_host'] : {};
      const name = info['host_name'];
      if (typeof name !== 'string') throw new RunError(`Invalid host name supplied, expected a string but got ${pythonClass(name)} for ${pyStr(name)}`);
      if (!name) throw new RunError('Invalid empty host name provided:');
      const groups = Array.isArray(info['groups']) ? info['groups'].map((g) => pyStr(g)) : [];
      if (groups.includes('')) throw new RunError('Invalid empty/false group name provided:');
      this.warnAboutGroupNames(groups);
      changed = inventory.addDynamicHost(name, groups, isDict(info['host_vars']) ? info['host_vars'] : {});
      if (changed) this.warnAboutSameNames([name], groups);
    } else {
      if (!inventory.addDynamicGroup) return Boolean(result['changed']);
      const group = pyStr(result['add_group']);
      const parents = Array.isArray(result['parent_groups']) ? result['parent_groups'].map((p) => pyStr(p)) : [];
      this.warnAboutGroupNames([group, ...parents]);
      changed = inventory.addDynamicGroup(host, group, parents);
      if (changed) this.warnAboutSameNames([], [group, ...parents]);
    }
    if (changed) vm.groupsChanged();
    return changed;
  }

  /**
   * Ansible's reconcile_inventory warns (once per name) about a name that is both a host and a
   * group; those the inventory had were warned about when it loaded.
   */
  private warnAboutSameNames(hosts: readonly string[], groups: readonly string[]): void {
    const inventory = this.runContext.vm.inventory;
    const both = [...hosts.filter((h) => inventory.hasGroup?.(h)), ...groups.filter((g) => inventory.hasHost(g))];
    for (const name of both) {
      if (this.warnedSameName.has(name)) continue;
      this.warnedSameName.add(name);
      this.runContext.emit({ type: 'warning', message: `Found both group and host with same name: ${name}` });
    }
  }

  /** Ansible warns (once) when it makes a group whose name is not a variable name. */
  private warnAboutGroupNames(names: readonly string[]): void {
    if (this.warnedGroupName) return;
    const inventory = this.runContext.vm.inventory;
    if (!names.some((n) => !inventory.hasGroup?.(n) && invalidGroupNameWarning(n) !== undefined)) return;
    this.warnedGroupName = true;
    this.runContext.emit({ type: 'warning', message: 'Invalid characters were found in group names but not replaced, use -vvvv to see details' });
  }
}
