/**
 * The host's names as the hostname module reads them, in one command: whether systemd runs (its
 * canary directories, as Ansible checks), hostnamectl's transient and static names with their
 * status, /etc/hostname, `hostname`, the fully qualified name, the distribution and whether
 * /etc/hostname is a mount point (Docker bind-mounts it: it can be written, not replaced).
 */
import { PRINT_PAIR, factLines } from './lines.js';
import { defineFact } from './fact.js';

export interface HostnameState {
  systemd: boolean;
  /** `hostnamectl --transient status` / `--static status`: status and output (stderr with it, lines joined); null without hostnamectl. */
  transient: { rc: number; out: string } | null;
  static: { rc: number; out: string } | null;
  /** /etc/hostname's content, trimmed ('' when it is not a file). */
  file: string;
  /** `hostname`. */
  current: string;
  /** `hostname -f`, or the name when that fails or takes more than 3 s (a name no resolver knows). */
  fqdn: string;
  /** /etc/os-release's ID and ID_LIKE. */
  distribution: string;
  hostnameMounted: boolean;
}

/** Prints the state (also run by the module after a change, to report the names). */
export const HOSTNAME_SCRIPT = `${PRINT_PAIR}
for d in /run/systemd/system/ /dev/.run/systemd/ /dev/.systemd/; do [ -d "$d" ] && p systemd 1; done
if command -v hostnamectl >/dev/null 2>&1; then
  for k in transient static; do
    out=$(hostnamectl --$k status 2>&1); rc=$?
    p "$k" "$rc"; p "$k.out" "$(printf '%s' "$out" | tr '\\n' ' ')"
  done
fi
[ -f /etc/hostname ] && p file "$(cat /etc/hostname)"
p current "$(hostname 2>/dev/null || cat /proc/sys/kernel/hostname)"
p fqdn "$(timeout 3 hostname -f 2>/dev/null || hostname 2>/dev/null)"
p distribution "$(. /etc/os-release 2>/dev/null; echo "$ID $ID_LIKE")"
grep -q ' /etc/hostname ' /proc/self/mountinfo 2>/dev/null && p mounted 1
exit 0`;

export function parseHostname(stdout: string): HostnameState {
  const f = factLines(stdout);
  const status = (k: string): HostnameState['transient'] => (f.get(k) === '' ? null : { rc: Number(f.get(k)), out: f.get(`${k}.out`).trim() });
  return {
    systemd: f.get('systemd') === '1',
    transient: status('transient'),
    static: status('static'),
    file: f.get('file').trim(),
    current: f.get('current').trim(),
    fqdn: f.get('fqdn').trim(),
    distribution: f.get('distribution').trim(),
    hostnameMounted: f.get('mounted') === '1',
  };
}

export const hostnameState = defineFact({
  name: 'hostname_state',
  command: HOSTNAME_SCRIPT,
  parse: (stdout: string): HostnameState => parseHostname(stdout),
});
