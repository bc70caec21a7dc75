/**
 * What `ansible-inventory` prints: `--list` (groups with their direct hosts and children, then
 * `_meta.hostvars` with each host's merged variables), `--graph [group] [--vars]` and `--host`.
 * Ansible prints JSON with sorted keys, an indent of 4 and non-ASCII text as is;
 * `formatInventoryJson` does the same, floats included (1.0 stays 1.0).
 */
import { pyJsonDumps } from '../python/serialize.js';
import { isDict, pyStr, setKey } from '../python/values.js';
import { compareText, type Group, type Host, type InventoryData, type Vars } from './model.js';

/** Variables ansible-inventory never prints (Ansible's INTERNAL_STATIC_VARS). */
const INTERNAL_VARS = new Set([
  'ansible_async_path',
  'ansible_collection_name',
  'ansible_config_file',
  'ansible_dependent_role_names',
  'ansible_diff_mode',
  'ansible_facts',
  'ansible_forks',
  'ansible_inventory_sources',
  'ansible_limit',
  'ansible_play_batch',
  'ansible_play_hosts',
  'ansible_play_hosts_all',
  'ansible_play_role_names',
  'ansible_playbook_python',
  'ansible_role_name',
  'ansible_role_names',
  'ansible_run_tags',
  'ansible_skip_tags',
  'ansible_verbosity',
  'ansible_version',
  'inventory_dir',
  'inventory_file',
  'inventory_hostname',
  'inventory_hostname_short',
  'groups',
  'group_names',
  'hostvars',
  'playbook_dir',
  'play_hosts',
  'role_name',
  'role_names',
  'role_path',
  'role_uuid',
]);

export interface VarsLookup {
  hostVars(host: Host): Vars;
  groupVars(group: Group): Vars;
}

export function withoutInternalVars(vars: Vars): Vars {
  const out: Vars = {};
  for (const key of Object.keys(vars)) if (!INTERNAL_VARS.has(key)) setKey(out, key, vars[key]);
  return out;
}

/** `ansible-inventory --list`. */
export function listJson(data: InventoryData, lookup: VarsLookup): Vars {
  const all = data.group('all');
  const available = all.allHosts();
  const availableNames = new Set(available.map((h) => h.name));
  const results: Vars = {};
  const seen = new Set<string>();
  const format = (group: Group): void => {
    const entry: Vars = {};
    setKey(results, group.name, entry);
    if (group.name !== 'all') {
      const hosts = group.hosts.filter((h) => availableNames.has(h.name)).map((h) => h.name);
      if (hosts.length > 0) entry['hosts'] = hosts;
    }
    const children: string[] = [];
    for (const child of group.childGroups) {
      children.push(child.name);
      if (!seen.has(child.name)) {
        format(child);
        seen.add(child.name);
      }
    }
    if (children.length > 0) entry['children'] = children;
    if (Object.keys(entry).length === 0) delete results[group.name];
  };
  format(all);
  const hostvars: Vars = {};
  for (const host of available) {
    const vars = withoutInternalVars(lookup.hostVars(host));
    if (Object.keys(vars).length > 0) setKey(hostvars, host.name, vars);
  }
  setKey(results, '_meta', { hostvars, profile: 'inventory_legacy' });
  return sortKeysDeep(results) as Vars;
}

/** `ansible-inventory --graph [group] [--vars]`. */
export function graphText(start: Group, withVars: boolean, lookup: VarsLookup): string {
  const lines: string[] = [];
  const indent = (text: string, depth: number): string => (depth ? '  |'.repeat(depth) + '--' + text : text);
  const showVars = (vars: Vars, depth: number): void => {
    for (const key of Object.keys(vars).sort(compareText)) lines.push(indent(`{${key} = ${pyStr(vars[key])}}`, depth));
  };
  const walk = (group: Group, depth: number): void => {
    lines.push(indent(`@${group.name}:`, depth));
    for (const child of group.childGroups) walk(child, depth + 1);
    if (group.name !== 'all') {
      for (const host of group.hosts) {
        lines.push(indent(host.name, depth + 1));
        if (withVars) showVars(withoutInternalVars(lookup.hostVars(host)), depth + 2);
      }
    }
    if (withVars) showVars(groupVarsForDisplay(group, lookup), depth + 1);
  };
  walk(start, 0);
  return lines.join('\n');
}

function groupVarsForDisplay(group: Group, lookup: VarsLookup): Vars {
  const vars = { ...lookup.groupVars(group) };
  if (group.priority !== 1) vars['ansible_group_priority'] = group.priority;
  return withoutInternalVars(vars);
}

/** The text ansible-inventory prints for a --list or --host result. */
export function formatInventoryJson(value: unknown): string {
  return pyJsonDumps(value, { indent: 4, sortKeys: true, ensureAscii: false });
}

/** json.dumps(sort_keys=True) order, for callers that print with JSON.stringify. */
export function sortKeysDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeysDeep);
  if (!isDict(value)) return value;
  const out: Vars = {};
  for (const key of Object.keys(value).sort(compareText)) setKey(out, key, sortKeysDeep(value[key]));
  return out;
}
