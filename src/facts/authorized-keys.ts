/**
 * A user's authorized_keys file as ansible.posix.authorized_key finds it: the user's passwd entry
 * (through NSS, as Python's pwd), the file (the given path, else ~user/.ssh/authorized_keys), where
 * it leads when links are followed, and its text when it is a regular file (or a link to one).
 */
import { defineFact } from './fact.js';
import { PRINT_PAIR, factLines } from './lines.js';

export interface AuthorizedKeysFile {
  /** The user's passwd entry, or null when NSS does not know the user. */
  user: { name: string; uid: number; gid: number; home: string } | null;
  /** The file: the path given, or the user's default; '' when neither is known. */
  keyfile: string;
  /** The file with every link resolved (realpath), for `follow`. */
  realpath: string;
  /** Whether the file's directory exists. */
  dirExists: boolean;
  /** The file's text, or null when it is not a regular file. */
  content: string | null;
  /** With a path given: what AnsibleModule.add_path_info says of it (lstat), or null when it does not exist. */
  pathInfo: PathInfo | null;
}

/** AnsibleModule.add_path_info's fields. */
export interface PathInfo {
  uid: number;
  gid: number;
  owner: string;
  group: string;
  mode: string;
  state: 'link' | 'directory' | 'hard' | 'file';
  size: number;
}

/** Prints a path's lstat as parsePathInfo reads it (uid, gid, raw mode, links, size, owner, group); nothing when absent. */
export const PATH_INFO_FORMAT = '%u:%g:%f:%h:%s:%U:%G';

/** `stat -c PATH_INFO_FORMAT` output as add_path_info's fields; an unknown owner is its number, as Python's. */
export function parsePathInfo(line: string): PathInfo | null {
  const f = line.trim().split(':');
  if (f.length < 7) return null;
  const [uid, gid, rawMode, links, size, owner, group] = f as [string, string, string, string, string, string, string];
  const mode = parseInt(rawMode, 16);
  const type = mode & 0o170000;
  const state = type === 0o120000 ? 'link' : type === 0o040000 ? 'directory' : Number(links) > 1 ? 'hard' : 'file';
  return { uid: Number(uid), gid: Number(gid), owner: owner === 'UNKNOWN' ? uid : owner, group: group === 'UNKNOWN' ? gid : group, mode: `0${(mode & 0o7777).toString(8).padStart(3, '0')}`, state, size: Number(size) };
}

const CONTENT = '@@playbook:authorized_keys_content\n';

/** Arguments: the user, and the path ('' for the user's default). */
export const authorizedKeys = defineFact({
  name: 'authorized_keys',
  command: `${PRINT_PAIR}
pw=$(getent passwd "$1") && p passwd "$pw"
if [ -n "$2" ]; then f=$2
elif [ -n "$pw" ]; then
  home=$(printf '%s\\n' "$pw" | cut -d: -f6)
  case $home in */) f="\${home}.ssh/authorized_keys" ;; *) f="$home/.ssh/authorized_keys" ;; esac
else f=; fi
p keyfile "$f"
if [ -n "$f" ]; then
  p realpath "$(realpath -m -- "$f" 2>/dev/null || printf '%s' "$f")"
  [ -d "$(dirname -- "$f")" ] && p dir yes
  [ -n "$2" ] && st=$(stat -c '${PATH_INFO_FORMAT}' -- "$2" 2>/dev/null) && p stat "$st"
  if [ -f "$f" ]; then printf '${CONTENT}'; cat -- "$f"; fi
fi
exit 0`,
  parse(stdout: string, _user: string, _path: string): AuthorizedKeysFile {
    const at = stdout.indexOf(CONTENT);
    const head = factLines(at < 0 ? stdout : stdout.slice(0, at));
    const pw = head.get('passwd').split(':');
    return {
      user: pw.length >= 7 ? { name: pw[0]!, uid: Number(pw[2]), gid: Number(pw[3]), home: pw[5]! } : null,
      keyfile: head.get('keyfile'),
      realpath: head.get('realpath') || head.get('keyfile'),
      dirExists: head.get('dir') === 'yes',
      content: at < 0 ? null : stdout.slice(at + CONTENT.length),
      pathInfo: parsePathInfo(head.get('stat')),
    };
  },
});
