/**
 * apt and dpkg, as the package modules read them: for the packages a task names, what dpkg has
 * (status, version, auto or manual) and what apt offers (candidate and every known version, as
 * `apt-cache policy` ranks them), the providers of a name no package has, the names a wildcard
 * matches, and the age of the package lists; every installed package for package_facts; the
 * sources files for apt_repository. Each in one command.
 */
import { fnmatch } from '../python/fnmatch.js';
import { defineFact } from './fact.js';

const M = '@@pb:';

export interface AptPackage {
  name: string;
  /** dpkg's state of the package (installed, config-files, unpacked, not-installed...); '' when dpkg does not know it. */
  status: string;
  /** The installed version, when dpkg says `installed`. */
  installed?: string;
  /** The version dpkg has on record (also for config-files). */
  dpkgVersion?: string;
  /** Marked as installed automatically (apt-mark showauto). */
  auto: boolean;
  /** apt's candidate (`apt-cache policy`), absent when (none). */
  candidate?: string;
  /** Every version apt knows of, highest first, with the best pin priority of each. */
  versions: { version: string; priority: number }[];
  /** For a name no package has: the packages that provide it (Reverse Provides). */
  providers: string[];
}

export interface AptState {
  /** apt-get is on the host. */
  available: boolean;
  /** dpkg's native architecture. */
  arch: string;
  /** The mtime (seconds) of /var/lib/apt/periodic/update-success-stamp, else of /var/lib/apt/lists; 0 when neither exists. */
  cacheMtime: number;
  /** The host's clock, to judge cache_valid_time as the host sees it. */
  now: number;
  packages: Record<string, AptPackage>;
  /** For each wildcard pattern (`hel?o`): the package names it matches (native names unless the pattern names an architecture). */
  matches: Record<string, string[]>;
}

/** Whether apt's name is a pattern (Ansible's test: any of `*?[]!`). */
export function isNamePattern(name: string): boolean {
  return /[*?[\]!]/.test(name);
}

/** `apt-cache policy` output: each package's candidate and version table. */
export function parsePolicy(text: string): Map<string, { candidate?: string; versions: { version: string; priority: number }[] }> {
  const out = new Map<string, { candidate?: string; versions: { version: string; priority: number }[] }>();
  let current: { candidate?: string; versions: { version: string; priority: number }[] } | undefined;
  let version: { version: string; priority: number } | undefined;
  for (const line of text.split('\n')) {
    if (/^\S.*:$/.test(line)) {
      current = { versions: [] };
      version = undefined;
      out.set(line.slice(0, -1), current);
      continue;
    }
    if (!current) continue;
    const candidate = /^ {2}Candidate: (\S+)$/.exec(line);
    if (candidate) {
      if (candidate[1] !== '(none)') current.candidate = candidate[1]!;
      continue;
    }
    const row = /^ (?:\*\*\*| {3}) (\S+) (-?\d+)$/.exec(line);
    if (row) {
      version = { version: row[1]!, priority: Number(row[2]) };
      current.versions.push(version);
      continue;
    }
    const origin = /^ {8}(-?\d+) /.exec(line);
    if (origin && version) version.priority = Math.max(version.priority, Number(origin[1]));
  }
  return out;
}

const INSTALLED_STATES = new Set(['installed', 'config-files', 'half-installed', 'half-configured', 'unpacked', 'triggers-awaited', 'triggers-pending']);

/** The package has files on the host (installed, or removed with its configuration kept): purge has work to do. */
export function hasFiles(pkg: AptPackage | undefined): boolean {
  return pkg !== undefined && INSTALLED_STATES.has(pkg.status);
}

export function parseAptState(stdout: string, names: readonly string[]): AptState {
  const state: AptState = { available: true, arch: '', cacheMtime: 0, now: 0, packages: {}, matches: {} };
  const dpkg = new Map<string, { arch: string; status: string; version: string }[]>();
  const auto = new Set<string>();
  const providers = new Map<string, string[]>();
  const policyLines: string[] = [];
  let inPolicy = false;
  for (const line of stdout.split('\n')) {
    if (line === `${M}policy`) inPolicy = true;
    else if (line === `${M}policy-end`) inPolicy = false;
    else if (inPolicy) policyLines.push(line);
    else if (line.startsWith(M)) {
      const [key, ...fields] = line.slice(M.length).split('\t');
      if (key === 'no-apt') state.available = false;
      else if (key === 'arch') state.arch = fields[0] ?? '';
      else if (key === 'cache') {
        state.cacheMtime = Number(fields[0]) || 0;
        state.now = Number(fields[1]) || 0;
      } else if (key === 'match') {
        const [pattern = '', name = ''] = fields;
        // The host's `case` is a shell pattern; Python's fnmatch decides (a `[^...]` differs).
        if (fnmatch(name, pattern)) (state.matches[pattern] ??= []).push(name);
      } else if (key === 'dpkg') {
        const [name = '', arch = '', status = '', version = ''] = fields;
        const list = dpkg.get(name) ?? [];
        list.push({ arch, status: status.split(' ').pop() ?? '', version });
        dpkg.set(name, list);
      } else if (key === 'auto') auto.add(fields[0] ?? '');
      else if (key === 'provides') {
        const [name = '', provider = ''] = fields;
        const list = providers.get(name) ?? [];
        if (!list.includes(provider)) list.push(provider);
        providers.set(name, list);
      }
    }
  }
  const policy = parsePolicy(policyLines.join('\n'));
  const known = new Set([...names.filter((n) => !isNamePattern(n)), ...Object.values(state.matches).flat(), ...dpkg.keys(), ...policy.keys()]);
  for (const name of known) {
    const records = dpkg.get(name) ?? [];
    // A name without an architecture is the native (or `all`) package.
    const record = records.find((r) => r.arch === state.arch || r.arch === 'all') ?? records[0];
    const p = policy.get(name);
    const pkg: AptPackage = { name, status: record?.status ?? '', auto: auto.has(name), versions: p?.versions ?? [], providers: providers.get(name) ?? [] };
    if (record?.version) pkg.dpkgVersion = record.version;
    if (record?.status === 'installed') pkg.installed = record.version;
    if (p?.candidate) pkg.candidate = p.candidate;
    state.packages[name] = pkg;
  }
  for (const pattern of names.filter(isNamePattern)) state.matches[pattern] ??= [];
  return state;
}

/** Prints the dpkg, apt-mark and apt-cache lines for the packages in "$@" (the release in $rel). */
const REPORT = `report() {
  dpkg-query -W -f='${M}dpkg\\t\${Package}\\t\${Architecture}\\t\${Status}\\t\${Version}\\n' "$@" 2>/dev/null
  apt-mark showauto "$@" 2>/dev/null | sed 's/^/${M}auto\\t/'
  printf '%s\\n' '${M}policy'
  if [ -n "$rel" ]; then apt-cache -o "APT::Default-Release=$rel" policy "$@" 2>/dev/null; else apt-cache policy "$@" 2>/dev/null; fi
  printf '%s\\n' '${M}policy-end'
}`;

/**
 * Arguments: the default release ('' for none), then the package names (without versions) or
 * fnmatch patterns. One command; patterns are matched against `apt-cache pkgnames` on the host.
 */
export const aptPackages = defineFact({
  name: 'apt_packages',
  command: `rel=$1; shift
printf '${M}arch\\t%s\\n' "$(dpkg --print-architecture 2>/dev/null)"
if [ -e /var/lib/apt/periodic/update-success-stamp ]; then t=$(stat -c %Y /var/lib/apt/periodic/update-success-stamp)
elif [ -e /var/lib/apt/lists ]; then t=$(stat -c %Y /var/lib/apt/lists); else t=0; fi
printf '${M}cache\\t%s\\t%s\\n' "$t" "$(date +%s)"
command -v apt-get >/dev/null 2>&1 && command -v apt-cache >/dev/null 2>&1 || { printf '${M}no-apt\\n'; exit 0; }
${REPORT}
set -f
list=
for p in "$@"; do
  case $p in
    *\\**|*\\?*|*\\[*|*\\]*|*!*)
      all=$(apt-cache pkgnames 2>/dev/null)
      for n in $all; do
        case $n in *:*) case $p in *:*) ;; *) continue ;; esac ;; esac
        case $n in $p) printf '${M}match\\t%s\\t%s\\n' "$p" "$n"; list="$list $n" ;; esac
      done ;;
    -*) ;;
    *) list="$list $p" ;;
  esac
done
set -- $list
[ $# -gt 0 ] || exit 0
policy=$(report "$@")
printf '%s\\n' "$policy"
# Names no package has (no version table): who provides them; a lone provider is reported too.
bare=$(printf '%s\\n' "$policy" | awk -v names="$*" 'BEGIN { n = split(names, a, " "); for (i = 1; i <= n; i++) want[a[i]] = 1 }
  /^@@pb:policy$/ { on = 1; next } /^@@pb:policy-end$/ { on = 0 }
  on && /^[^ ].*:$/ { cur = substr($0, 1, length($0) - 1) }
  on && /^ (\\*\\*\\*|   ) [^ ]+ -?[0-9]+$/ { has[cur] = 1 }
  END { for (k in want) if (!(k in has)) print k }')
extra=
for n in $bare; do
  found=$(apt-cache showpkg "$n" 2>/dev/null | awk 'on && NF { print $1 } /^Reverse Provides:/ { on = 1 }' | sort -u)
  for q in $found; do printf '${M}provides\\t%s\\t%s\\n' "$n" "$q"; done
  [ "$(printf '%s\\n' "$found" | grep -c .)" = 1 ] && extra="$extra $found"
done
set -- $extra
[ $# -gt 0 ] && report "$@"
exit 0`,
  parse(stdout: string, _release: string, ...names: string[]): AptState {
    return parseAptState(stdout, names);
  },
});

export interface DpkgPackage {
  name: string;
  version: string;
  arch: string;
  /** Section (`utils`), as Ansible's package_facts calls it: category. */
  category: string;
  /** The Origin of the repository the installed version comes from ('' when none lists it). */
  origin: string;
}

/** Every installed package, keyed as apt names them (`libc6`, `libc6:i386` for a foreign architecture). */
export function parseDpkgList(stdout: string): { arch: string; packages: DpkgPackage[] } {
  let arch = '';
  const origins = new Map<string, string>();
  const rows: string[][] = [];
  for (const line of stdout.split('\n')) {
    if (!line.startsWith(M)) continue;
    const [key, ...fields] = line.slice(M.length).split('\t');
    if (key === 'arch') arch = fields[0] ?? '';
    else if (key === 'pkg') rows.push(fields);
    else if (key === 'origin') {
      const [name = '', version = '', pkgArch = '', origin = ''] = fields;
      const id = `${name}\t${version}\t${pkgArch}`;
      if (!origins.has(id)) origins.set(id, origin);
    }
  }
  const packages: DpkgPackage[] = [];
  for (const [name = '', pkgArch = '', status = '', version = '', section = ''] of rows) {
    if (status.split(' ').pop() !== 'installed') continue;
    const key = pkgArch === arch || pkgArch === 'all' || arch === '' ? name : `${name}:${pkgArch}`;
    packages.push({ name: key, version, arch: pkgArch, category: section, origin: origins.get(`${name}\t${version}\t${pkgArch}`) ?? '' });
  }
  return { arch, packages };
}

/**
 * Installed packages with the origin of their version: the Origin of the first repository (in
 * apt's lists) that has that version, as python-apt's first origin.
 */
export const dpkgPackages = defineFact({
  name: 'dpkg_packages',
  command: `command -v dpkg-query >/dev/null 2>&1 || exit 1
printf '${M}arch\\t%s\\n' "$(dpkg --print-architecture 2>/dev/null)"
dpkg-query -W -f='${M}pkg\\t\${Package}\\t\${Architecture}\\t\${Status}\\t\${Version}\\t\${Section}\\n' || exit 1
for r in /var/lib/apt/lists/*_Release /var/lib/apt/lists/*_InRelease; do
  [ -f "$r" ] || continue
  origin=$(sed -n 's/^Origin: //p' "$r" | head -n 1)
  base=\${r%_Release}; base=\${base%_InRelease}
  for p in "$base"_*Packages; do
    [ -f "$p" ] || continue
    awk -v o="$origin" '/^Package: / { n = $2 } /^Version: / { v = $2 } /^Architecture: / { a = $2 } /^$/ { if (n != "") print "${M}origin\\t" n "\\t" v "\\t" a "\\t" o; n = "" } END { if (n != "") print "${M}origin\\t" n "\\t" v "\\t" a "\\t" o }' "$p"
  done
done
exit 0`,
  parse(stdout: string) {
    return parseDpkgList(stdout);
  },
});

export interface AptSourcesFile {
  path: string;
  /** The file's text. */
  content: string;
  /** For a symlink: where it points (Ansible writes the target). */
  linkTarget?: string;
}

export interface AptSources {
  /** apt's sources.list and sources.list.d, as apt-config says (defaults when it cannot). */
  sourcelist: string;
  sourceparts: string;
  files: AptSourcesFile[];
  /** apt-get is there to update the cache. */
  aptGet: boolean;
}

export function parseAptSources(stdout: string): AptSources {
  const out: AptSources = { sourcelist: '/etc/apt/sources.list', sourceparts: '/etc/apt/sources.list.d', files: [], aptGet: false };
  let file: AptSourcesFile | undefined;
  let body: string[] = [];
  for (const line of stdout.split('\n')) {
    if (line.startsWith(M)) {
      const [key, ...fields] = line.slice(M.length).split('\t');
      if (key === 'sourcelist') out.sourcelist = fields[0] || out.sourcelist;
      else if (key === 'sourceparts') out.sourceparts = (fields[0] || out.sourceparts).replace(/\/+$/, '');
      else if (key === 'apt-get') out.aptGet = true;
      else if (key === 'file') {
        file = { path: fields[0] ?? '', content: '' };
        if (fields[1]) file.linkTarget = fields[1];
        body = [];
      } else if (key === 'end' && file) {
        file.content = Buffer.from(body.join(''), 'base64').toString('utf8');
        out.files.push(file);
        file = undefined;
      }
    } else if (file) body.push(line.trim());
  }
  return out;
}

/** The sources files apt reads: sources.list and sources.list.d/*.list, each with its text (base64 on the wire). */
export const aptSources = defineFact({
  name: 'apt_sources',
  command: `list=/etc/apt/sources.list; parts=/etc/apt/sources.list.d
if command -v apt-config >/dev/null 2>&1; then
  eval "$(apt-config shell list Dir::Etc::sourcelist/f parts Dir::Etc::sourceparts/d 2>/dev/null)"
fi
parts=\${parts%/}
command -v apt-get >/dev/null 2>&1 && printf '${M}apt-get\\n'
printf '${M}sourcelist\\t%s\\n${M}sourceparts\\t%s\\n' "$list" "$parts"
for f in "$list" "$parts"/*.list; do
  [ -f "$f" ] || continue
  target=; [ -L "$f" ] && target=$(readlink "$f")
  printf '${M}file\\t%s\\t%s\\n' "$f" "$target"
  base64 < "$f" || exit 1
  printf '${M}end\\n'
done
exit 0`,
  parse(stdout: string): AptSources {
    return parseAptSources(stdout);
  },
});

export interface DebFile {
  path: string;
  /** The file exists and dpkg-deb could read its control fields. */
  readable: boolean;
  /** What dpkg-deb said when it could not. */
  error: string;
  fields: Record<string, string>;
  /** The installed version of the package the file holds (dpkg `installed` state only). */
  installed?: string;
}

export function parseDebFiles(stdout: string): DebFile[] {
  const files: DebFile[] = [];
  let current: DebFile | undefined;
  let lastField: string | undefined;
  for (const line of stdout.split('\n')) {
    if (line.startsWith(M)) {
      const [key, ...fields] = line.slice(M.length).split('\t');
      if (key === 'deb') {
        current = { path: fields[0] ?? '', readable: false, error: '', fields: {} };
        files.push(current);
      } else if (key === 'ok' && current) current.readable = true;
      else if (key === 'error' && current) current.error += (current.error ? '\n' : '') + fields.join('\t');
      else if (key === 'installed' && current && fields[0]?.split(' ').pop() === 'installed') current.installed = fields[1] ?? '';
      lastField = undefined;
      continue;
    }
    if (!current) continue;
    const m = /^([A-Za-z0-9-]+): ?(.*)$/.exec(line);
    if (m) {
      lastField = m[1]!;
      current.fields[lastField] = m[2]!;
    } else if (lastField && /^\s/.test(line)) current.fields[lastField] += `\n${line}`;
  }
  return files;
}

/** .deb files on the host: their control fields (dpkg-deb -f) and the installed version of the package each holds. */
export const debFiles = defineFact({
  name: 'deb_files',
  command: `for f in "$@"; do
  printf '${M}deb\\t%s\\n' "$f"
  err=$(dpkg-deb -f "$f" 2>&1 >/dev/null) || { printf '%s\\n' "$err" | sed 's/^/${M}error\\t/'; continue; }
  printf '${M}ok\\n'
  dpkg-deb -f "$f"
  pkg=$(dpkg-deb -f "$f" Package) arch=$(dpkg-deb -f "$f" Architecture)
  if [ "$arch" = all ] || [ "$arch" = "$(dpkg --print-architecture)" ]; then q=$pkg; else q=$pkg:$arch; fi
  dpkg-query -W -f='${M}installed\\t\${Status}\\t\${Version}\\n' "$q" 2>/dev/null
done
exit 0`,
  parse(stdout: string, ..._paths: string[]): DebFile[] {
    return parseDebFiles(stdout);
  },
});
