/** assert: every condition in `that` must hold, else the task fails with fail_msg. */
import { BrokenConditionalError } from '../template/errors.js';
import { defineModule } from './define.js';
import type { ModuleResult } from './types.js';

/** A deprecation as Ansible's result carries it (shown as a [DEPRECATION WARNING] line). */
function deprecation(msg: string): Record<string, unknown> {
  return { collection_name: 'ansible.builtin', deprecator: { resolved_name: 'ansible.builtin', type: null }, msg, version: '2.23' };
}

export default defineModule({
  name: 'assert',
  controllerOnly: true,
  supportsCheckMode: true,
  refusesAsync: true,
  // Ansible's assert evaluates each condition as written (see ModuleContext.evaluateConditional).
  conditionArgs: ['that'],
  spec: {
    options: {
      // Ansible's _check_type_list_strict: one string is one condition, never split at commas.
      // `that:` with no value is there: evaluated, it fails as an empty conditional.
      that: { type: 'raw', required: true, nullIsGiven: true },
      fail_msg: { type: 'raw', aliases: ['msg'] },
      success_msg: { type: 'raw' },
      quiet: { type: 'bool', default: false },
    },
  },
  async run(args, ctx) {
    const deprecations: string[] = [];
    const withDeprecations = (result: ModuleResult): ModuleResult => (deprecations.length ? { ...result, deprecations: deprecations.map(deprecation) } : result);
    for (const condition of Array.isArray(args.that) ? args.that : [args.that]) {
      let ok: boolean;
      try {
        ok = ctx.evaluateConditional(condition, (msg) => deprecations.push(msg));
      } catch (e) {
        if (e instanceof BrokenConditionalError) return withDeprecations({ changed: false, failed: true, msg: `Task failed: ${e.message}` });
        throw e;
      }
      if (!ok) {
        return withDeprecations({ changed: false, failed: true, assertion: condition, evaluated_to: false, msg: args.fail_msg === null ? 'Assertion failed' : args.fail_msg });
      }
    }
    const result: ModuleResult = { changed: false, msg: args.success_msg === null ? 'All assertions passed' : args.success_msg };
    if (!args.quiet) result['_ansible_verbose_always'] = true;
    return withDeprecations(result);
  },
});
