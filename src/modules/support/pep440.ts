/**
 * Python package versions, specifiers and requirements as pip and Ansible's pip module read them
 * (PEP 440 and PEP 508, with the rules of the `packaging` library): `ray[default]==2.53.0`,
 * `vllm>=0.17,<1`, `torch~=2.4`, `numpy==1.26.*`, `vllm==0.17.1` (which a local `0.17.1+lab.1`
 * satisfies). Ansible asks whether an installed version satisfies a requirement with
 * pre-releases allowed; so does satisfies() here.
 */

export interface Pep440Version {
  epoch: number;
  release: number[];
  pre?: [string, number];
  post?: number;
  dev?: number;
  /** Local label segments (`lab.1` -> ['lab', 1]). */
  local?: (string | number)[];
}

const VERSION_RE = new RegExp(
  '^\\s*v?' +
    '(?:(?<epoch>[0-9]+)!)?' +
    '(?<release>[0-9]+(?:\\.[0-9]+)*)' +
    '(?<pre>[-_.]?(?<pre_l>alpha|a|beta|b|preview|pre|c|rc)[-_.]?(?<pre_n>[0-9]+)?)?' +
    '(?<post>(?:-(?<post_n1>[0-9]+))|(?:[-_.]?(?<post_l>post|rev|r)[-_.]?(?<post_n2>[0-9]+)?))?' +
    '(?<dev>[-_.]?(?<dev_l>dev)[-_.]?(?<dev_n>[0-9]+)?)?' +
    '(?:\\+(?<local>[a-z0-9]+(?:[-_.][a-z0-9]+)*))?' +
    '\\s*$',
  'i',
);

export class InvalidVersion extends Error {
  override name = 'InvalidVersion';
}

export function parseVersion(text: string): Pep440Version {
  const m = VERSION_RE.exec(text);
  if (!m?.groups) throw new InvalidVersion(`Invalid version: '${text}'`);
  const g = m.groups;
  const version: Pep440Version = { epoch: g['epoch'] ? Number(g['epoch']) : 0, release: g['release']!.split('.').map(Number) };
  if (g['pre_l']) {
    const letter = g['pre_l'].toLowerCase();
    version.pre = [letter === 'alpha' ? 'a' : letter === 'beta' ? 'b' : ['c', 'pre', 'preview'].includes(letter) ? 'rc' : letter, Number(g['pre_n'] ?? 0)];
  }
  if (g['post']) version.post = Number(g['post_n1'] ?? g['post_n2'] ?? 0);
  if (g['dev']) version.dev = Number(g['dev_n'] ?? 0);
  if (g['local']) version.local = g['local'].toLowerCase().split(/[-_.]/).map((part) => (/^\d+$/.test(part) ? Number(part) : part));
  return version;
}

export function tryParseVersion(text: string): Pep440Version | undefined {
  try {
    return parseVersion(text);
  } catch {
    return undefined;
  }
}

/** The normal form (`1.0.0-RC1` -> `1.0.0rc1`). */
export function formatVersion(v: Pep440Version): string {
  return publicVersion(v) + (v.local ? `+${v.local.join('.')}` : '');
}

/** Without the local label. */
export function publicVersion(v: Pep440Version): string {
  let s = v.epoch ? `${v.epoch}!` : '';
  s += v.release.join('.');
  if (v.pre) s += `${v.pre[0]}${v.pre[1]}`;
  if (v.post !== undefined) s += `.post${v.post}`;
  if (v.dev !== undefined) s += `.dev${v.dev}`;
  return s;
}

const isPrerelease = (v: Pep440Version): boolean => v.pre !== undefined || v.dev !== undefined;
const baseOf = (v: Pep440Version): Pep440Version => ({ epoch: v.epoch, release: v.release });
const publicOf = (v: Pep440Version): Pep440Version => {
  const { local: _local, ...rest } = v;
  return rest;
};

// packaging's sort key: -inf/+inf stand-ins around the real values.
const NEG = Number.NEGATIVE_INFINITY;
const POS = Number.POSITIVE_INFINITY;
type KeyPart = number | string;

function cmpParts(a: readonly KeyPart[], b: readonly KeyPart[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return x < y ? -1 : 1;
    // A string part only ever meets another string (letters) or an infinity.
    if (typeof x === 'number') return x === NEG ? -1 : 1;
    if (typeof y === 'number') return y === NEG ? 1 : -1;
    return x < y ? -1 : 1;
  }
  return 0;
}

export function compareVersions(a: Pep440Version, b: Pep440Version): number {
  if (a.epoch !== b.epoch) return a.epoch < b.epoch ? -1 : 1;
  const trim = (r: number[]): number[] => {
    const out = [...r];
    while (out.length > 1 && out[out.length - 1] === 0) out.pop();
    return out;
  };
  const release = cmpParts(trim(a.release), trim(b.release));
  if (release !== 0) return release;
  const pre = (v: Pep440Version): KeyPart[] => (v.pre ? [v.pre[0], v.pre[1]] : v.post === undefined && v.dev !== undefined ? [NEG] : [POS]);
  const rest = (v: Pep440Version): KeyPart[][] => [pre(v), [v.post ?? NEG], [v.dev ?? POS]];
  const [ap, bp] = [rest(a), rest(b)];
  for (let i = 0; i < ap.length; i++) {
    const c = cmpParts(ap[i]!, bp[i]!);
    if (c !== 0) return c;
  }
  // Local labels: none sorts first; numeric segments after alphanumeric ones, then by value.
  if (!a.local && !b.local) return 0;
  if (!a.local) return -1;
  if (!b.local) return 1;
  for (let i = 0; i < Math.max(a.local.length, b.local.length); i++) {
    const x = a.local[i];
    const y = b.local[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return x < y ? -1 : 1;
    if (typeof x === 'number') return 1;
    if (typeof y === 'number') return -1;
    return x < y ? -1 : 1;
  }
  return 0;
}

export const SPEC_OPERATORS = ['===', '~=', '==', '!=', '<=', '>=', '<', '>'] as const;
export type SpecOperator = (typeof SPEC_OPERATORS)[number];

export interface Specifier {
  operator: SpecOperator;
  version: string;
}

export class InvalidSpecifier extends Error {
  override name = 'InvalidSpecifier';
}

const SPEC_RE = new RegExp(`^\\s*(${SPEC_OPERATORS.join('|')})\\s*([^,;\\s)]+)\\s*$`);

export function parseSpecifier(text: string): Specifier {
  const m = SPEC_RE.exec(text);
  if (!m) throw new InvalidSpecifier(`Invalid specifier: '${text}'`);
  const operator = m[1] as SpecOperator;
  const version = m[2]!;
  if (operator !== '===') {
    const wildcard = version.endsWith('.*');
    if (wildcard && operator !== '==' && operator !== '!=') throw new InvalidSpecifier(`Invalid specifier: '${text}'`);
    const parsed = tryParseVersion(wildcard ? version.slice(0, -2) : version);
    if (!parsed || (wildcard && parsed.local)) throw new InvalidSpecifier(`Invalid specifier: '${text}'`);
    if (parsed.local && operator !== '==' && operator !== '!=') throw new InvalidSpecifier(`Invalid specifier: '${text}'`);
    if (operator === '~=' && parsed.release.length < 2) throw new InvalidSpecifier(`Invalid specifier: '${text}'`);
  }
  return { operator, version };
}

/** A comma-separated specifier set (`>=2.0,<3`); empty accepts every version. */
export function parseSpecifierSet(text: string): Specifier[] {
  return text.trim() === '' ? [] : text.split(',').map((s) => parseSpecifier(s));
}

/** packaging's _version_split: epoch, then release parts with `1rc1` split into `1`, `rc1`. */
function versionSplit(version: string): string[] {
  const bang = version.lastIndexOf('!');
  const result = [bang >= 0 ? version.slice(0, bang) || '0' : '0'];
  for (const item of (bang >= 0 ? version.slice(bang + 1) : version).split('.')) {
    const m = /^([0-9]+)((?:a|b|c|rc)[0-9]+)$/.exec(item);
    if (m) result.push(m[1]!, m[2]!);
    else result.push(item);
  }
  return result;
}

function equalsWildcard(prospective: Pep440Version, prefix: string): boolean {
  const parsedPrefix = tryParseVersion(prefix);
  const spec = versionSplit(parsedPrefix ? formatVersion(parsedPrefix) : prefix);
  const candidate = versionSplit(publicVersion(prospective));
  // Pad the candidate's release with zeros to the prefix's length (`1` is `1.0.*`).
  const digits = (parts: string[]): number => {
    let n = 0;
    while (n < parts.length && /^\d+$/.test(parts[n]!)) n++;
    return n;
  };
  const cd = digits(candidate);
  const sd = digits(spec);
  const padded = [...candidate.slice(0, cd), ...Array<string>(Math.max(0, sd - cd)).fill('0'), ...candidate.slice(cd)];
  const shortened = padded.slice(0, spec.length);
  return shortened.length === spec.length && shortened.every((p, i) => p === spec[i]);
}

function matchOne(v: Pep440Version, raw: string, spec: Specifier): boolean {
  const { operator, version } = spec;
  switch (operator) {
    case '===':
      return raw.trim().toLowerCase() === version.toLowerCase();
    case '==':
    case '!=': {
      let equal: boolean;
      if (version.endsWith('.*')) equal = equalsWildcard(v, version.slice(0, -2));
      else {
        const target = parseVersion(version);
        equal = compareVersions(target.local ? v : publicOf(v), target) === 0;
      }
      return operator === '==' ? equal : !equal;
    }
    case '~=': {
      const target = parseVersion(version);
      // ~=2.2.1 is >=2.2.1, ==2.2.*: the prefix drops the last release part (and any suffix).
      const parts = versionSplit(version).filter((p) => !['dev', 'a', 'b', 'rc', 'post'].some((s) => p.startsWith(s)));
      const prefix = `${parts[0]}!${parts.slice(1, -1).join('.')}`;
      return compareVersions(publicOf(v), target) >= 0 && equalsWildcard(v, prefix);
    }
    case '<=':
      return compareVersions(publicOf(v), parseVersion(version)) <= 0;
    case '>=':
      return compareVersions(publicOf(v), parseVersion(version)) >= 0;
    case '<': {
      const target = parseVersion(version);
      if (compareVersions(v, target) >= 0) return false;
      // <3.0 excludes 3.0's own pre-releases unless the specifier is one.
      return !(!isPrerelease(target) && isPrerelease(v) && compareVersions(baseOf(v), baseOf(target)) === 0);
    }
    case '>': {
      const target = parseVersion(version);
      if (compareVersions(v, target) <= 0) return false;
      // >3.0 excludes 3.0's post-releases (unless the specifier is one) and 3.0's local versions.
      if (target.post === undefined && v.post !== undefined && compareVersions(baseOf(v), baseOf(target)) === 0) return false;
      return !(v.local && compareVersions(baseOf(v), baseOf(target)) === 0);
    }
  }
}

/** Whether `version` satisfies every specifier (pre-releases allowed, as Ansible asks). */
export function satisfies(version: string, specifiers: readonly Specifier[]): boolean {
  if (specifiers.length === 0) return true;
  if (specifiers.every((s) => s.operator === '===')) return specifiers.every((s) => matchOne({ epoch: 0, release: [0] }, version, s));
  const v = tryParseVersion(version);
  if (!v) return false;
  return specifiers.every((s) => matchOne(v, version, s));
}

/** PEP 503's normal form of a project name: runs of `-_.` as `-`, lower case. */
export function canonicalizeName(name: string): string {
  return name.replace(/[-_.]+/g, '-').toLowerCase();
}

export interface Requirement {
  name: string;
  extras: string[];
  specifiers: Specifier[];
  url?: string;
  marker?: string;
}

export class InvalidRequirement extends Error {
  override name = 'InvalidRequirement';
}

const NAME = '[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?';
const REQUIREMENT_RE = new RegExp(`^\\s*(${NAME})\\s*(?:\\[([^\\]]*)\\])?\\s*(.*?)\\s*$`);

/** A PEP 508 requirement line (`name[extras] specifiers ; marker` or `name @ url`). */
export function parseRequirement(text: string): Requirement {
  const m = REQUIREMENT_RE.exec(text);
  if (!m) throw new InvalidRequirement(`Invalid requirement: '${text}'`);
  const name = m[1]!;
  const extras = (m[2] ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  if (extras.some((e) => !new RegExp(`^${NAME}$`).test(e))) throw new InvalidRequirement(`Invalid requirement: '${text}'`);
  let rest = m[3] ?? '';
  const requirement: Requirement = { name, extras, specifiers: [] };
  if (rest.startsWith('@')) {
    const urlAndMarker = /^@\s*(\S+)(?:\s+;\s*(.*))?$/.exec(rest);
    if (!urlAndMarker) throw new InvalidRequirement(`Invalid requirement: '${text}'`);
    requirement.url = urlAndMarker[1]!;
    if (urlAndMarker[2]) requirement.marker = urlAndMarker[2].trim();
    return requirement;
  }
  const semicolon = rest.indexOf(';');
  if (semicolon >= 0) {
    const marker = rest.slice(semicolon + 1).trim();
    if (!marker) throw new InvalidRequirement(`Invalid requirement: '${text}'`);
    requirement.marker = marker;
    rest = rest.slice(0, semicolon).trim();
  }
  if (rest.startsWith('(') && rest.endsWith(')')) rest = rest.slice(1, -1);
  try {
    requirement.specifiers = parseSpecifierSet(rest);
  } catch {
    throw new InvalidRequirement(`Invalid requirement: '${text}'`);
  }
  return requirement;
}

/** As packaging prints it: extras sorted, specifiers sorted and joined with commas, no spaces. */
export function formatRequirement(r: Requirement): string {
  let s = r.name;
  if (r.extras.length) s += `[${[...r.extras].sort().join(',')}]`;
  if (r.specifiers.length) s += r.specifiers.map((sp) => `${sp.operator}${sp.version}`).sort().join(',');
  if (r.url) s += `@ ${r.url}${r.marker ? ' ' : ''}`;
  if (r.marker) s += `; ${r.marker}`;
  return s;
}
