/**
 * What pip has installed, for the pip module: which pip a task means (an executable, a
 * virtualenv's, or the system Python's `-m pip`), whether the virtualenv exists, and the
 * distributions that pip lists (name and version), with the requirements file's text when one
 * is named. One command.
 */
import { quote } from '../python/shlex.js';
import { defineFact } from './fact.js';

const M = '@@pb:';

export interface PipState {
  /** The pip command (argv); empty when none was found. */
  pip: string[];
  /** For a virtualenv: whether it exists (bin/activate). */
  venvExists: boolean;
  /** The host's python3, for a virtualenv's `-p`. */
  python: string;
  /** The host's PATH, for messages. */
  path: string;
  /** The virtualenv command's program, resolved on PATH ('' when not found). */
  venvCommand: string;
  /** Installed distributions as pip lists them (name as pip prints it -> version); undefined when pip could not list. */
  installed?: Map<string, string>;
  /** What the listing printed on failure. */
  listError: string;
  /** The listing command, as Ansible reports it in check mode. */
  listCommand: string;
  /** The requirements file's text; undefined when not asked for or missing. */
  requirements?: string;
}

export function parsePipList(text: string): Map<string, string> | undefined {
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) {
    try {
      const rows = JSON.parse(trimmed) as { name?: unknown; version?: unknown }[];
      return new Map(rows.filter((r) => typeof r.name === 'string' && typeof r.version === 'string').map((r) => [r.name as string, r.version as string]));
    } catch {
      return undefined;
    }
  }
  // pip freeze: name==version lines (editable and URL installs are left out, as Ansible leaves them).
  const out = new Map<string, string>();
  for (const line of trimmed.split('\n')) {
    const m = /^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)$/.exec(line.trim());
    if (m) out.set(m[1]!, m[2]!);
  }
  return out;
}

export function parsePipState(stdout: string): PipState {
  const state: PipState = { pip: [], venvExists: false, python: '', path: '', venvCommand: '', listError: '', listCommand: '' };
  const sections = new Map<string, string[]>();
  let section: string[] | undefined;
  let listRc = 1;
  for (const line of stdout.split('\n')) {
    if (line.startsWith(M)) {
      const [key = '', ...fields] = line.slice(M.length).split('\t');
      section = undefined;
      if (key === 'pip') state.pip = fields.filter(Boolean);
      else if (key === 'venv') state.venvExists = fields[0] === 'yes';
      else if (key === 'python') state.python = fields[0] ?? '';
      else if (key === 'path') state.path = fields[0] ?? '';
      else if (key === 'venvcmd') state.venvCommand = fields[0] ?? '';
      else if (key === 'list-cmd') state.listCommand = fields.join(' ');
      else if (key === 'list-rc') listRc = Number(fields[0]);
      else if (key === 'list' || key === 'list-err' || key === 'requirements') sections.set(key, (section = []));
    } else section?.push(line);
  }
  const listed = (sections.get('list') ?? []).join('\n');
  if (listRc === 0) {
    const installed = parsePipList(listed);
    if (installed) state.installed = installed;
  }
  if (!state.installed) state.listError = [listed, ...(sections.get('list-err') ?? [])].join('\n').trim();
  const requirements = sections.get('requirements');
  if (requirements) state.requirements = Buffer.from(requirements.join(''), 'base64').toString('utf8');
  return state;
}

/**
 * Arguments: how pip is found (`executable` with a path or name, `virtualenv` with its
 * directory, or `default`), the directory to run in, the requirements file ('' for none) and the
 * virtualenv command's program (for a virtualenv that must be made).
 */
/**
 * pip list --format=json from importlib.metadata: the distributions on the interpreter's path (not
 * the working directory), the first of each name, as pip lists them.
 */
const LIST_SCRIPT = [
  'import sys, json, re',
  "sys.path = [p for p in sys.path if p not in ('', '.')]",
  'from importlib import metadata',
  'seen, out = set(), []',
  'for d in metadata.distributions():',
  "    name = d.metadata['Name']",
  "    key = re.sub(r'[-_.]+', '-', name or '').lower()",
  '    if name and key not in seen:',
  '        seen.add(key)',
  "        out.append({'name': name, 'version': d.version})",
  'print(json.dumps(out))',
].join('\n');

export const pipPackages = defineFact({
  name: 'pip_packages',
  command: `LIST_SCRIPT=${quote(LIST_SCRIPT)}
kind=$1 target=$2 req=$3 venvcmd=$4
cd "$5" 2>/dev/null || cd /tmp
export LANG=C LC_ALL=C LC_MESSAGES=C
py=$(command -v python3 || command -v python)
printf '${M}python\\t%s\\n${M}path\\t%s\\n' "$py" "$PATH"
[ -n "$venvcmd" ] && printf '${M}venvcmd\\t%s\\n' "$(command -v "$venvcmd")"
set --
case $kind in
  executable)
    case $target in */*) set -- "$target" ;; *) p=$(command -v "$target") && set -- "$p" ;; esac ;;
  virtualenv)
    if [ -e "$target/bin/activate" ]; then
      printf '${M}venv\\tyes\\n'
      for b in pip3 pip; do if [ -f "$target/bin/$b" ] && [ -x "$target/bin/$b" ]; then set -- "$target/bin/$b"; break; fi; done
    else printf '${M}venv\\tno\\n'; fi ;;
  *)
    if [ -n "$py" ] && "$py" -c 'import importlib.util, sys; sys.exit(importlib.util.find_spec("pip") is None)' 2>/dev/null; then set -- "$py" -m pip
    elif p=$(command -v pip3); then set -- "$p"; fi ;;
esac
printf '${M}pip'; for a in "$@"; do printf '\\t%s' "$a"; done; printf '\\n'
if [ $# -gt 0 ]; then
  err=$(mktemp)
  printf '${M}list-cmd\\t%s list --format=json\\n${M}list\\n' "$*"
  # What pip would list, read by pip's own Python without starting pip (ten times quicker):
  # the interpreter of \`python -m pip\`, or of the pip script's #! line.
  lister=
  if [ "$2" = -m ] && [ "$3" = pip ]; then lister=$1
  else first=$(head -n 1 "$1" 2>/dev/null); case $first in '#!/'*) lister=\${first#??};; esac; fi
  case $lister in *' '*) lister= ;; esac
  case \${lister##*/} in python*) ;; *) lister= ;; esac
  if [ -n "$lister" ] && "$lister" -c "$LIST_SCRIPT" 2>"$err"; then rc=0; else
  [ -n "$lister" ] && printf '\\n${M}list\\n'
  "$@" list --format=json 2>"$err"; rc=$?; fi
  if [ $rc -ne 0 ]; then printf '${M}list-cmd\\t%s freeze\\n${M}list\\n' "$*"; "$@" freeze 2>"$err"; rc=$?; fi
  printf '\\n${M}list-rc\\t%s\\n${M}list-err\\n' "$rc"; cat "$err"; rm -f "$err"
fi
if [ -n "$req" ] && [ -f "$req" ]; then printf '${M}requirements\\n'; base64 < "$req"; fi
exit 0`,
  parse(stdout: string, _kind: string, _target: string, _requirements: string, _venvCommand: string, _chdir: string): PipState {
    return parsePipState(stdout);
  },
});
