/** assert: every condition in `that` must hold, else the task fails with fail_msg. */
import { pyStr } from '../python/values.js';
import { defineModule } from './define.js';
import type { ModuleResult } from './types.js';

export default defineModule({
  name: 'assert',
  controllerOnly: true,
  supportsCheckMode: true,
  refusesAsync: true,
  spec: {
    options: {
      // Ansible's _check_type_list_strict: one string is one condition, never split at commas.
      that: { type: 'raw', required: true },
      fail_msg: { type: 'raw', aliases: ['msg'] },
      success_msg: { type: 'raw' },
      quiet: { type: 'bool', default: false },
    },
  },
  async run(args, ctx) {
    for (const condition of Array.isArray(args.that) ? args.that : [args.that]) {
      let ok: boolean;
      if (typeof condition === 'boolean') ok = condition;
      else {
        const text = pyStr(condition).trim().replace(/^\{\{([\s\S]*)\}\}$/, '$1');
        const value = ctx.evaluate(text);
        ok = typeof value === 'string' ? !['false', 'no', 'off', '0', ''].includes(value.toLowerCase()) : Boolean(value) && !(Array.isArray(value) && value.length === 0);
      }
      if (!ok) {
        return { changed: false, failed: true, assertion: condition, evaluated_to: false, msg: args.fail_msg === null ? 'Assertion failed' : args.fail_msg };
      }
    }
    const result: ModuleResult = { changed: false, msg: args.success_msg === null ? 'All assertions passed' : args.success_msg };
    if (!args.quiet) result['_ansible_verbose_always'] = true;
    return result;
  },
});
