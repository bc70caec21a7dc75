/**
 * A systemd unit as systemctl reports it: whether systemd runs (PID 1, `/run/systemd/system`), the
 * unit's properties (`systemctl show`), and `is-enabled` with its status, in one command.
 */
import { defineFact } from './fact.js';

export interface SystemdUnit {
  /** systemd is the running init system (sd_booted: /run/systemd/system exists). */
  running: boolean;
  /** PID 1's name, for a message when it is not systemd. */
  init: string;
  /** `systemctl show UNIT` as key=value (multi-line Exec* values joined), empty when it failed. */
  status: Record<string, string>;
  showRc: number;
  /** What `show` printed on stderr when it failed (e.g. "System has not been booted with systemd"). */
  showError: string;
  /** `systemctl is-enabled UNIT` (enabled, disabled, static, masked, ...; '' when unknown) and its exit status. */
  isEnabled: string;
  isEnabledRc: number;
  /** How many lines `is-enabled --full` printed: more than one when it lists the unit's symlinks (an indirect unit once enabled). */
  isEnabledLines: number;
  /** `systemctl list-unit-files UNIT` succeeded (Ansible's last resort to find a unit, e.g. in a chroot). */
  listed: boolean;
  /** SYSTEMD_OFFLINE=1 in the task's environment. */
  offline: boolean;
}

const MARK = '@@playbook:';

/** `systemctl show` output as Ansible's systemd module reads it: Exec* values may span lines in {}. */
export function parseSystemctlShow(text: string): Record<string, string> {
  const parsed: Record<string, string> = {};
  let key: string | undefined;
  let multi: string[] = [];
  for (const line of text.split('\n')) {
    if (key === undefined) {
      const eq = line.indexOf('=');
      if (eq < 0) continue;
      const k = line.slice(0, eq);
      const v = line.slice(eq + 1);
      if (k.startsWith('Exec') && v.trimStart().startsWith('{') && !v.trimEnd().endsWith('}')) {
        key = k;
        multi = [v];
        continue;
      }
      parsed[k] = v.trim();
    } else {
      multi.push(line);
      if (line.trimEnd().endsWith('}')) {
        parsed[key] = multi.join('\n').trim();
        key = undefined;
      }
    }
  }
  return parsed;
}

/** Arguments: the unit, and the scope flag ('' for the system, `--user` or `--global`). */
export const systemdUnit = defineFact({
  name: 'systemd_unit',
  command: `printf '${MARK}init=%s\\n' "$(cat /proc/1/comm 2>/dev/null)"
if [ -d /run/systemd/system ]; then echo '${MARK}running=yes'; fi
{ { systemctl $2 show -- "$1"; printf '\\n${MARK}show_rc=%s\\n' "$?" >&3; } 2>&1 1>&3 | sed 's/^/${MARK}show_error=/'; } 3>&1
state=$(systemctl $2 is-enabled --full -- "$1" 2>/dev/null)
printf '${MARK}is_enabled_rc=%s\\n${MARK}is_enabled=%s\\n' "$?" "$(printf '%s\\n' "$state" | sed -n 1p)"
printf '${MARK}is_enabled_lines=%s\\n' "$(printf '%s' "$state" | grep -c '')"
systemctl $2 list-unit-files -- "$1" >/dev/null 2>&1
printf '${MARK}list_rc=%s\\n' "$?"
if [ "$SYSTEMD_OFFLINE" = 1 ]; then echo '${MARK}offline=yes'; fi
exit 0`,
  parse(stdout: string, _unit: string, _scope: string): SystemdUnit {
    const ours = new Map<string, string>();
    const errors: string[] = [];
    const show: string[] = [];
    for (const line of stdout.split('\n')) {
      if (!line.startsWith(MARK)) show.push(line);
      else {
        const eq = line.indexOf('=');
        const key = line.slice(MARK.length, eq);
        if (key === 'show_error') errors.push(line.slice(eq + 1));
        else if (!ours.has(key)) ours.set(key, line.slice(eq + 1));
      }
    }
    const showRc = Number(ours.get('show_rc') ?? 1);
    return {
      running: ours.get('running') === 'yes',
      init: ours.get('init') ?? '',
      status: showRc === 0 ? parseSystemctlShow(show.join('\n')) : {},
      showRc,
      showError: errors.join(' ').trim(),
      isEnabled: (ours.get('is_enabled') ?? '').trim(),
      isEnabledRc: Number(ours.get('is_enabled_rc') ?? 1),
      isEnabledLines: Number(ours.get('is_enabled_lines') ?? 1),
      listed: ours.get('list_rc') === '0',
      offline: ours.get('offline') === 'yes',
    };
  },
});
