/** The user the task runs as (the become user under become). */
import { defineFact } from './fact.js';
import { PRINT_PAIR, factLines } from './lines.js';

export const user = defineFact({
  name: 'user',
  command: `${PRINT_PAIR}
p user_id "$(id -un)"
p user_uid "$(id -u)"
p user_gid "$(id -g)"
p user_dir "$HOME"
exit 0`,
  parse(stdout) {
    const get = factLines(stdout).get;
    return { user_id: get('user_id'), user_uid: Number(get('user_uid')), user_gid: Number(get('user_gid')), user_dir: get('user_dir') };
  },
});
