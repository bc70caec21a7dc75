/** The host's clock: ansible_date_time (the epoch). */
import { defineFact } from './fact.js';

export const date = defineFact({
  name: 'date',
  command: 'date +%s',
  parse: (stdout) => ({ date_time: { epoch: stdout.trim() } }),
  default: { date_time: { epoch: '' } },
});
