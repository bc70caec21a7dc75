/** debug: prints a message or a variable's value; `verbosity` hides it below that -v level. */
import { Undefined } from '../python/values.js';
import { TemplateError } from '../template/index.js';
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
      // Ansible 2.19: what is undefined is shown as a numbered placeholder with a warning; any
      // other error in the expression (a filter's, a syntax error) fails the task.
      const name = args.var;
      let value: unknown;
      let undefinedMessage: string | undefined;
      try {
        value = ctx.evaluate(name);
        if (value instanceof Undefined) undefinedMessage = value.message || `'${value.name}' is undefined`;
      } catch (e) {
        if (!(e instanceof TemplateError)) throw e;
        const detail = e.kind === 'syntax' ? `Syntax error in expression: ${e.detail}` : e.detail;
        if (e.kind !== 'undefined') return { changed: false, failed: true, msg: `Task failed: Error while resolving \`var\` expression: ${detail}` };
        undefinedMessage = e.detail;
      }
      if (undefinedMessage !== undefined) {
        result[name] = `<< error 1 - ${undefinedMessage} >>`;
        result['warnings'] = [`Encountered 1 template error.\nerror 1 - ${undefinedMessage}`];
      } else {
        result[name] = value;
      }
    } else {
      result.msg = args.msg === null ? 'Hello world!' : args.msg;
    }
    return result;
  },
});
