/**
 * add_host: a controller-side action that describes a host for the run's inventory, as Ansible's
 * action plugin does: its name (`name`, else `hostname`, else `host`; `name:port` gives
 * `ansible_ssh_port`), its groups (`groups`, `groupname` or `group`: a list, or names separated by
 * commas) and, from every other argument (`host` and `group` included), its variables. A mapping
 * given as the whole argument (`add_host: "{{ data }}"`) is read under the task's other arguments.
 * The engine then changes the inventory, as Ansible's strategy does with add_host, and sets
 * `changed` by whether that changed it; the task runs once, for the first host (bypassHostLoop).
 */
import { defineModule } from './define.js';
import { parseAddress } from '../inventory/hostrange.js';
import { hasOwn, isDict, setKey, truthy } from '../python/values.js';
import { pythonClass, taggedClassName } from '../python/class-name.js';

/** The arguments that name the host and its groups; every other one is a host variable. */
const SPECIAL_ARGS: ReadonlySet<string> = new Set(['name', 'hostname', 'groupname', 'groups']);

/** args.get(a, args.get(b, ...)): the value of the first key present, even when it is None. */
function firstGiven(args: Record<string, unknown>, keys: readonly string[], otherwise: unknown): unknown {
  for (const key of keys) if (hasOwn(args, key)) return args[key];
  return otherwise;
}

export default defineModule({
  name: 'add_host',
  controllerOnly: true,
  supportsCheckMode: true,
  refusesAsync: true,
  bypassHostLoop: true,
  spec: { options: {}, freeKeys: true },
  async run(given) {
    const { _raw_params: raw = {}, ...rest } = given;
    if (!isDict(raw)) return { changed: false, failed: true, msg: `Invalid raw parameters passed, requires a dictionary/mapping got a  ${pythonClass(raw)}` };
    const args: Record<string, unknown> = { ...raw, ...rest };
    const newName = firstGiven(args, ['name', 'hostname', 'host'], null);
    if (newName === null || newName === undefined) return { changed: false, failed: true, msg: 'name, host or hostname needs to be provided' };
    // A name that is not an address (spaces, ranges) is used as it is, port and all.
    const address = typeof newName === 'string' ? parseAddress(newName, false) : undefined;
    const name = address ? address.host : newName;
    if (address?.port) args['ansible_ssh_port'] = address.port;
    const groups = firstGiven(args, ['groupname', 'groups', 'group'], '');
    const newGroups: string[] = [];
    if (truthy(groups)) {
      let list: unknown[];
      if (Array.isArray(groups)) list = groups;
      else if (typeof groups === 'string') list = groups.split(',');
      else return { changed: false, failed: true, msg: 'Groups must be specified as a list.' };
      for (const group of list) {
        // Python's `group not in new_groups` before `group.strip()`: a name is kept once as written.
        if (typeof group !== 'string') return { changed: false, failed: true, msg: `Task failed: '${taggedClassName(group)}' object has no attribute 'strip'` };
        if (!newGroups.includes(group)) newGroups.push(group.trim());
      }
    }
    const hostVars: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(args)) if (!SPECIAL_ARGS.has(key)) setKey(hostVars, key, value);
    return { changed: false, add_host: { host_name: name, groups: newGroups, host_vars: hostVars } };
  },
});
