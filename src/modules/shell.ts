/** shell: runs a line through /bin/sh (or `executable`); creates/removes make it idempotent. */
import { defineModule } from './define.js';
import { SHELL_MODULE_FIELDS, runCommand } from './support/command-runner.js';

export default defineModule({
  name: 'shell',
  ...SHELL_MODULE_FIELDS,
  run(args, ctx) {
    // command's option only: Ansible's shell action refuses it in these words.
    if (args.expand_argument_vars !== null) return Promise.resolve({ changed: false, failed: true, msg: 'Unsupported parameters for (shell) module: expand_argument_vars' });
    return runCommand({ ...args, expand_argument_vars: true }, ctx, true);
  },
});
