/**
 * group_by: a controller-side action that names a group for the host (`key`, spaces made dashes)
 * and its `parents` (default all). The engine then adds the host to the group in the run's
 * inventory, as Ansible's strategy does with add_group, and sets `changed` by whether that changed it.
 */
import { defineModule } from './define.js';
import { pyStr } from '../python/values.js';

export default defineModule({
  name: 'group_by',
  controllerOnly: true,
  supportsCheckMode: true,
  refusesAsync: true,
  spec: { options: { key: { type: 'raw' }, parents: { type: 'raw' } } },
  async run(args) {
    if (args.key === undefined || args.key === null) return { changed: false, failed: true, msg: "the 'key' param is required when using group_by" };
    const parents = args.parents === undefined || args.parents === null ? ['all'] : Array.isArray(args.parents) ? args.parents : [args.parents];
    return {
      changed: false,
      add_group: pyStr(args.key).replace(/ /g, '-'),
      parent_groups: parents.map((p) => pyStr(p).replace(/ /g, '-')),
    };
  },
});
