/**
 * An init-script service on a host without systemd: whether /etc/init.d/NAME exists, whether it
 * runs (the script's `status`, or a process matching `pattern` when one is given), and whether it
 * starts at boot (S links in /etc/rc2.d to rc5.d), in one command.
 */
import { defineFact } from './fact.js';

export interface SysvService {
  exists: boolean;
  running: boolean;
  enabled: boolean;
}

/** Arguments: the service, and a process pattern ('' to ask the script's `status`). */
export const sysvService = defineFact({
  name: 'sysv_service',
  command: `if [ -x "/etc/init.d/$1" ]; then echo exists; fi
if [ -n "$2" ]; then
  if pgrep -f -- "$2" >/dev/null 2>&1; then echo running; fi
elif [ -x "/etc/init.d/$1" ] && "/etc/init.d/$1" status >/dev/null 2>&1; then echo running; fi
for d in /etc/rc2.d /etc/rc3.d /etc/rc4.d /etc/rc5.d; do
  for f in "$d"/S??"$1"; do [ -e "$f" ] && { echo enabled; break 2; }; done
done
exit 0`,
  parse(stdout: string, _name: string, _pattern: string): SysvService {
    const words = new Set(stdout.split('\n').map((l) => l.trim()));
    return { exists: words.has('exists'), running: words.has('running'), enabled: words.has('enabled') };
  },
});
