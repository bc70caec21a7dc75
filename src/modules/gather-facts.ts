/**
 * gather_facts as a task: Ansible's action runs the fact modules (FACTS_MODULES "smart": setup)
 * with the task's other arguments and returns their facts; a module that fails is named in
 * failed_modules. `parallel` only matters with several fact modules (here there is one).
 */
import { ArgumentError } from './args.js';
import { defineModule } from './define.js';
import setup from './setup.js';
import type { ModuleResult } from './types.js';

const SETUP = 'ansible.legacy.setup';

function failedSetup(result: Record<string, unknown>): ModuleResult {
  return {
    ansible_facts: {},
    changed: false,
    failed: true,
    failed_modules: { [SETUP]: result },
    msg: `The following modules failed to execute: ${SETUP}.`,
  };
}

export default defineModule({
  name: 'gather_facts',
  supportsCheckMode: true,
  spec: { options: { parallel: { type: 'raw' } }, freeKeys: true },
  async run(args, ctx) {
    // As the action does: `parallel` is its own, unset (null) arguments are left out.
    const setupArgs = Object.fromEntries(Object.entries(args).filter(([k, v]) => k !== 'parallel' && v !== null && v !== undefined));
    let call;
    try {
      call = setup.bind(setupArgs);
    } catch (e) {
      if (!(e instanceof ArgumentError)) throw e;
      // As Ansible reports a module that refused its arguments: the arguments over setup's defaults.
      const moduleArgs = { fact_path: '/etc/ansible/facts.d', filter: [], gather_subset: ['all'], gather_timeout: 10, ...setupArgs };
      return failedSetup({ exception: '(traceback unavailable)', failed: true, invocation: { module_args: moduleArgs }, msg: e.message.replace('(setup)', `(${SETUP})`) });
    }
    const result = await call.run(ctx);
    if (result.failed) return failedSetup(result);
    return { changed: false, ansible_facts: result['ansible_facts'] ?? {} };
  },
});
