/** A kernel parameter's running value (`sysctl -e -n NAME`) and a sysctl file's lines, in one command. */
import { defineFact } from './fact.js';

export interface SysctlState {
  /** The running value, or null when sysctl does not know the name. */
  running: string | null;
  /** The file's text, or null when it does not exist. */
  file: string | null;
}

const MARK = '@@playbook:';

/** Arguments: the parameter and the file. */
export const sysctlState = defineFact({
  name: 'sysctl_state',
  command: `v=$(LANG=C LC_ALL=C sysctl -e -n -- "$1" 2>/dev/null) && printf '${MARK}running=%s\\n' "$v"
if [ -f "$2" ]; then echo '${MARK}file'; cat -- "$2"; fi
exit 0`,
  parse(stdout: string, _name: string, _file: string): SysctlState {
    const fileAt = stdout.indexOf(`${MARK}file\n`);
    const head = fileAt < 0 ? stdout : stdout.slice(0, fileAt);
    const running = /^@@playbook:running=(.*)$/m.exec(head);
    return { running: running ? (running[1] ?? '') : null, file: fileAt < 0 ? null : stdout.slice(fileAt + MARK.length + 5) };
  },
});
