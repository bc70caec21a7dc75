/** validate_argument_spec: the check Ansible inserts before a role with meta/argument_specs.yml. */
import { Undefined, isDict } from '../python/values.js';
import { ArgumentError, type ArgumentSpec, type ArgType, validateArgs } from './args.js';
import { defineModule } from './define.js';

export default defineModule({
  name: 'validate_argument_spec',
  controllerOnly: true,
  supportsCheckMode: true,
  refusesAsync: true,
  spec: { options: { argument_spec: { type: 'dict', required: true }, provided_arguments: { type: 'dict' }, validate_args_context: { type: 'dict' } } },
  async run(args, ctx) {
    const options = args.argument_spec;
    const spec: ArgumentSpec = { options: {} };
    const provided: Record<string, unknown> = {};
    for (const [name, option] of Object.entries(options)) {
      // argument_specs.yml gives each option as a mapping; anything else reads as one without keys.
      const opt: Record<string, unknown> = isDict(option) ? option : {};
      spec.options[name] = {
        ...(opt['type'] ? { type: String(opt['type']) as ArgType } : {}),
        ...(opt['required'] ? { required: true } : {}),
        ...(Array.isArray(opt['choices']) ? { choices: opt['choices'] } : {}),
        ...(opt['elements'] ? { elements: String(opt['elements']) as ArgType } : {}),
      };
      const value = args.provided_arguments !== null ? args.provided_arguments[name] : ctx.variable(name);
      if (value !== undefined && !(value instanceof Undefined)) provided[name] = value;
    }
    try {
      validateArgs('validate_argument_spec', spec, provided);
    } catch (e) {
      if (!(e instanceof ArgumentError)) throw e;
      const context = args.validate_args_context ?? {};
      return {
        changed: false,
        failed: true,
        argument_errors: [e.message],
        argument_spec_data: options,
        validate_args_context: context,
        msg: `Validation of arguments failed:\n${e.message}`,
      };
    }
    return { changed: false, msg: 'The arg spec validation passed', validate_args_context: args.validate_args_context };
  },
});
