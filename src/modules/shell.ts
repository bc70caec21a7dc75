/** shell: runs a line through /bin/sh (or `executable`); creates/removes make it idempotent. */
import { defineModule } from './define.js';
import { COMMAND_MODULE_FIELDS, runCommand } from './support/command-runner.js';

export default defineModule({
  name: 'shell',
  ...COMMAND_MODULE_FIELDS,
  run: (args, ctx) => runCommand(args, ctx, true),
});
