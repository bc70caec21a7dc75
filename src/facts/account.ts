/**
 * A local account as the user module needs it, in one command: its passwd and shadow entries,
 * whether its home exists, its SSH key (path, fingerprint, public key), the host's name and every
 * group (`getent group`: names, gids and members, for the memberships and the groups asked for).
 */
import { defineFact } from './fact.js';

export interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

export interface PasswdEntry {
  name: string;
  /** The shadow entry's password field when passwd says `x` (as Ansible reads it). */
  password: string;
  uid: number;
  gid: number;
  comment: string;
  home: string;
  shell: string;
}

export interface AccountState {
  /** null when the account does not exist. */
  passwd: PasswdEntry | null;
  /** The shadow entry's fields (name, password, lastchg, min, max, warn, inactive, expire, ...), or null. */
  shadow: string[] | null;
  homeExists: boolean;
  /** The SSH key file (the argument, under the home when relative), when the account exists. */
  sshKey: { path: string; exists: boolean; fingerprint: string | null; publicKeyExists: boolean; publicKey: string | null } | null;
  hostname: string;
  groups: GroupEntry[];
}

const M = '@@playbook:';

/**
 * The script body ($1 the account name, $2 the SSH key file, relative to the home or absolute);
 * the user module runs it after its commands to read the result in the same round trip.
 */
export const ACCOUNT_SCRIPT = `printf '${M}hostname=%s\\n' "$(hostname 2>/dev/null || cat /etc/hostname)"
if pw=$(getent passwd "$1"); then
  printf '${M}passwd=%s\\n' "$pw"
  printf '${M}shadow=%s\\n' "$(getent shadow "$1")"
  h=$(printf '%s' "$pw" | cut -d: -f6)
  [ -e "$h" ] && echo '${M}home_exists'
  case "$2" in /*) k=$2 ;; *) k=$h/$2 ;; esac
  printf '${M}key=%s\\n' "$k"
  if [ -e "$k" ]; then echo '${M}key_exists'; printf '${M}fingerprint=%s\\n' "$(ssh-keygen -l -f "$k" 2>/dev/null)"; fi
  if [ -e "$k.pub" ]; then echo '${M}pub_exists'; printf '${M}pub=%s\\n' "$(head -n 1 "$k.pub")"; fi
fi
echo '${M}groups'
getent group`;

export function parseAccount(stdout: string): AccountState {
  const at = stdout.lastIndexOf(`${M}groups\n`);
  const head = at < 0 ? stdout : stdout.slice(0, at);
  const value = (key: string): string | null => {
    const line = head.split('\n').find((l) => l.startsWith(`${M}${key}=`));
    return line === undefined ? null : line.slice(M.length + key.length + 1);
  };
  const flag = (key: string): boolean => head.split('\n').includes(`${M}${key}`);
  const groups = (at < 0 ? '' : stdout.slice(at + M.length + 7))
    .split('\n')
    .filter((l) => l.includes(':'))
    .map((l) => {
      const [name = '', , gid = '', members = ''] = l.split(':');
      return { name, gid: Number(gid), members: members.split(',').filter(Boolean) };
    });
  const pw = value('passwd');
  const shadowLine = value('shadow');
  const shadow = shadowLine ? shadowLine.split(':') : null;
  let passwd: PasswdEntry | null = null;
  if (pw !== null) {
    const [name = '', password = '', uid = '', gid = '', comment = '', home = '', shell = ''] = pw.split(':');
    passwd = { name, password: password.length <= 1 ? (shadow?.[1] ?? '') : password, uid: Number(uid), gid: Number(gid), comment, home, shell };
  }
  const key = value('key');
  return {
    passwd,
    shadow,
    homeExists: flag('home_exists'),
    sshKey: key === null ? null : { path: key, exists: flag('key_exists'), fingerprint: value('fingerprint'), publicKeyExists: flag('pub_exists'), publicKey: value('pub') },
    hostname: value('hostname') ?? '',
    groups,
  };
}

/** Arguments: the account name and the SSH key file. */
export const account = defineFact({
  name: 'account',
  command: `${ACCOUNT_SCRIPT}
exit 0`,
  parse: (stdout: string, _name: string, _sshKeyFile: string): AccountState => parseAccount(stdout),
});
