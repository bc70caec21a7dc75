/**
 * ansible.builtin.pip's reading of names and its decisions, as pure functions: the name list
 * rebuilt as Ansible rebuilds it (`django>1.1`, `<2` is one requirement), each name parsed as a
 * PEP 508 requirement (extras kept for pip, ignored for matching), whether what pip lists
 * satisfies it (PEP 440, pre-releases allowed), and what must run: nothing, or pip.
 */
import { InvalidRequirement, canonicalizeName, formatRequirement, parseRequirement, satisfies, type Requirement } from './pep440.js';
import { planPackages, type WantedPackage } from './packages.js';

const VERSION_OPERATORS = ['>=', '<=', '>', '<', '==', '!=', '~='];

/** Ansible's _is_package_name: not a bare version specifier. */
function isPackageName(name: string): boolean {
  return !VERSION_OPERATORS.some((op) => name.trimStart().startsWith(op));
}

/** Ansible's _recover_package_name: `['django>1.1', '<2', 'six']` -> `['django>1.1,<2', 'six']`. */
export function recoverPackageNames(names: readonly string[]): string[] {
  const parts = names.flatMap((n) => n.split(','));
  const out: string[] = [];
  let current: string[] = [];
  let inBrackets = false;
  for (const name of parts) {
    if (isPackageName(name) && !inBrackets) {
      if (current.length) out.push(current.join(','));
      current = [];
    }
    if (name.includes('[')) inBrackets = true;
    if (inBrackets && name.includes(']')) inBrackets = false;
    current.push(name);
  }
  out.push(current.join(','));
  return out;
}

export interface PipPackage {
  /** What pip is given (packaging's normal form of a requirement; the text as written otherwise). */
  arg: string;
  /** The canonical project name (PEP 503), or the text when it is not a requirement (a path, a URL). */
  name: string;
  /** Parsed, when the text is a requirement Ansible can match against what is installed. */
  requirement?: Requirement;
}

/** Ansible's Package: the text (with `version` appended as `==version` or ` version`) as a requirement, when it parses. */
export function pipPackage(text: string, version?: string | null): PipPackage {
  let full = text;
  if (version) {
    const v = version.trimStart();
    full = `${text}${/^\d/.test(v) ? '==' : ' '}${v}`;
  }
  try {
    const requirement = parseRequirement(full);
    return { arg: formatRequirement(requirement), name: canonicalizeName(requirement.name), requirement };
  } catch (e) {
    if (e instanceof InvalidRequirement) return { arg: text, name: text };
    throw e;
  }
}

export function hasVersionSpecifier(pkg: PipPackage): boolean {
  return (pkg.requirement?.specifiers.length ?? 0) > 0;
}

/** Installed distributions by canonical name. */
export function canonicalInstalled(installed: ReadonlyMap<string, string>): Map<string, string> {
  return new Map([...installed].map(([n, v]) => [canonicalizeName(n), v]));
}

/**
 * The packages pip would change for `present` or `absent` (empty: nothing to run). A name that is
 * not a plain requirement (a path, a URL) is never known to be installed, as in Ansible.
 */
export function planPip(packages: readonly PipPackage[], installed: ReadonlyMap<string, string>, state: 'present' | 'absent'): PipPackage[] {
  const byRequest = new Map(packages.map((p) => [p.arg, p]));
  const wanted: WantedPackage[] = packages.map((p) => ({ name: p.requirement ? p.name : `\0${p.arg}`, request: p.arg, ...(p.requirement?.specifiers.length ? { spec: p.arg } : {}) }));
  const plan = planPackages(wanted, canonicalInstalled(installed), state, { satisfies: (version, spec) => satisfies(version, byRequest.get(spec)?.requirement?.specifiers ?? []) });
  return [...plan.install, ...plan.remove].map((w) => byRequest.get(w.request)!);
}

/**
 * A requirements file whose every line is a plain requirement (no options, includes, URLs or
 * markers): its packages, to decide without running pip; undefined when pip must read it.
 */
export function simpleRequirements(text: string): PipPackage[] | undefined {
  const out: PipPackage[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (!line) continue;
    if (line.startsWith('-') || line.includes('://') || line.includes('@') || line.includes(';') || line.endsWith('\\')) return undefined;
    const pkg = pipPackage(line);
    if (!pkg.requirement) return undefined;
    out.push(pkg);
  }
  return out;
}

/** Python's shlex-free split Ansible uses for editable's `-e` (extra_args.split(' ')). */
export function editableArgs(extraArgs: string | null): string {
  const list = extraArgs ? extraArgs.split(' ') : [];
  if (!list.includes('-e')) list.push('-e');
  return list.join(' ');
}

/** Ansible's _is_vcs_url. */
export function isVcsUrl(name: string): boolean {
  return /^(svn|git|hg|bzr)\+/.test(name);
}

/** Ansible's _is_venv_command: `pyvenv`, or a command run with `-m venv`. */
export function isVenvCommand(argv: readonly string[]): boolean {
  if (argv[0] === 'pyvenv') return true;
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-m' && argv[i + 1] === 'venv') return true;
    if (a === '-mvenv' || a === '-m=venv') return true;
  }
  return false;
}
