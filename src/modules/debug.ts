/** debug: prints a message or a variable's value; `verbosity` hides it below that -v level. */
import { Undefined } from '../python/values.js';
import { defineModule } from './define.js';
import type { ModuleResult } from './types.js';

export default defineModule({
  name: 'debug',
  controllerOnly: true,
  supportsCheckMode: true,
  refusesAsync: true,
  spec: { options: { msg: { type: 'raw' }, var: { type: 'str' }, verbosity: { type: 'int', default: 0 } }, mutuallyExclusive: [['msg', 'var']] },
  async run(args, ctx) {
    if (ctx.verbosity < args.verbosity) return { changed: false, skipped: true, skipped_reason: 'Verbosity threshold not met.' };
    const result: ModuleResult = { changed: false, _ansible_verbose_always: true };
    if (args.var !== null) {
      const name = args.var;
      let value: unknown;
      try {
        value = ctx.evaluate(name);
      } catch {
        value = new Undefined(name, '');
      }
      result[name] = value instanceof Undefined ? 'VARIABLE IS NOT DEFINED!' : value;
    } else {
      result.msg = args.msg === null ? 'Hello world!' : args.msg;
    }
    return result;
  },
});
