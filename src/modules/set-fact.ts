/** set_fact: the task's key/value pairs become host variables (facts). */
import { defineModule } from './define.js';

export default defineModule({
  name: 'set_fact',
  controllerOnly: true,
  supportsCheckMode: true,
  refusesAsync: true,
  spec: { options: { cacheable: { type: 'bool', default: false } }, freeKeys: true },
  async run(args) {
    const facts: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(args)) if (k !== 'cacheable') facts[k] = v;
    if (Object.keys(facts).length === 0) return { changed: false, failed: true, msg: 'No key/value pairs provided, at least one is required for this action to succeed' };
    return { changed: false, ansible_facts: facts };
  },
});
