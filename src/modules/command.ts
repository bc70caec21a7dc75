/** command: runs a program with its arguments, no shell; creates/removes make it idempotent. */
import { defineModule } from './define.js';
import { COMMAND_MODULE_FIELDS, runCommand } from './support/command-runner.js';

export default defineModule({
  name: 'command',
  ...COMMAND_MODULE_FIELDS,
  run: (args, ctx) => runCommand(args, ctx, false),
});
