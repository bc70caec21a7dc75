/** The environment a command sees on the host (the login environment plus the task's). */
import { defineFact } from './fact.js';
import { factLines } from './lines.js';

export const env = defineFact({
  name: 'env',
  command: `env | sed 's/^/env_/' | awk -F= '{k=$1; sub(/^[^=]*=/, ""); printf "%s\\t%s\\n", k, $0}'`,
  parse: (stdout) => ({ env: factLines(stdout).withPrefix('env_') }),
  default: { env: {} },
});
