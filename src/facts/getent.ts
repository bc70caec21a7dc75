/** A Name Service Switch database (`getent DATABASE [KEY] [-s SERVICE]`): its lines and exit status. */
import { defineFact } from './fact.js';

export interface GetentOutput {
  /** getent's status: 0 found, 1 bad arguments or unknown database, 2 key not found, 3 no enumeration. */
  rc: number;
  lines: string[];
}

/** Arguments: the database, the key ('' for all), and the service ('' for the configured ones). */
export const getent = defineFact({
  name: 'getent',
  command: `if [ -n "$2" ] && [ -n "$3" ]; then getent "$1" "$2" -s "$3"
elif [ -n "$2" ]; then getent "$1" "$2"
elif [ -n "$3" ]; then getent "$1" -s "$3"
else getent "$1"; fi
printf '\\n@@playbook:rc=%s\\n' "$?"`,
  parse(stdout: string, _database: string, _key: string, _service: string): GetentOutput {
    const at = stdout.lastIndexOf('\n@@playbook:rc=');
    const rc = Number(stdout.slice(at + '\n@@playbook:rc='.length).trim());
    return { rc, lines: stdout.slice(0, at).split('\n').filter((l) => l !== '') };
  },
});
