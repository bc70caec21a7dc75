/**
 * A kernel parameter's running value (`sysctl -e -n NAME`) and a sysctl file (its real path, mode,
 * owner and lines), in one command.
 */
import { defineFact } from './fact.js';

export interface SysctlState {
  /** The running value, or null when sysctl does not know the name. */
  running: string | null;
  /** The file's text, or null when it does not exist. */
  file: string | null;
  /** The path with its links resolved (where Ansible writes: a link stays a link). */
  realPath: string;
  /** The existing file's mode, owner and group (kept when it is rewritten). */
  attributes: { mode: number; owner: string; group: string } | null;
}

const MARK = '@@playbook:';

/** Arguments: the parameter and the file. */
export const sysctlState = defineFact({
  name: 'sysctl_state',
  command: `v=$(LANG=C LC_ALL=C sysctl -e -n -- "$1" 2>/dev/null) && printf '${MARK}running=%s\\n' "$v"
printf '${MARK}real=%s\\n' "$(realpath -m -- "$2" 2>/dev/null || printf %s "$2")"
if [ -f "$2" ]; then printf '${MARK}attributes=%s\\n' "$(stat -L -c '%a %U %G' -- "$2")"; echo '${MARK}file'; cat -- "$2"; fi
exit 0`,
  parse(stdout: string, _name: string, file: string): SysctlState {
    const fileAt = stdout.indexOf(`${MARK}file\n`);
    const head = fileAt < 0 ? stdout : stdout.slice(0, fileAt);
    const running = /^@@playbook:running=(.*)$/m.exec(head);
    const real = /^@@playbook:real=(.*)$/m.exec(head)?.[1];
    const attributes = /^@@playbook:attributes=([0-7]+) (\S+) (\S+)$/m.exec(head);
    return {
      running: running ? (running[1] ?? '') : null,
      file: fileAt < 0 ? null : stdout.slice(fileAt + MARK.length + 5),
      realPath: real || file,
      attributes: attributes ? { mode: parseInt(attributes[1] ?? '644', 8), owner: attributes[2] ?? 'root', group: attributes[3] ?? 'root' } : null,
    };
  },
});
