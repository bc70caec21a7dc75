/** Backups as AnsibleModule.backup_local makes them: `dest.PID.YYYY-MM-DD@HH:MM:SS~`, a preserving copy. */
import type { ModuleContext } from '../types.js';
import { commandError, runScript } from './shell.js';

// Runs on the host, so the PID and the local time in the name are the host's, as with Ansible.
const BACKUP_SCRIPT = 'b="$1.$$.$(date +%Y-%m-%d@%H:%M:%S)~" && cp -p -- "$1" "$b" && printf %s "$b"';

/** Copies `path` next to itself and returns the backup's name. Throws when the copy fails. */
export async function backupFile(ctx: ModuleContext, path: string): Promise<string> {
  const result = await runScript(ctx, BACKUP_SCRIPT, [path]);
  if (result.rc !== 0) throw new Error(`Could not make backup of '${path}': ${commandError(result)}`);
  return result.stdout;
}
