/** The `version` test: LooseVersion, StrictVersion, SemanticVersion and PEP 440 ordering. */
import { PluginError } from './errors.js';
import { pyCompare } from '../python/values.js';

const OPERATORS: Record<string, (c: number) => boolean> = {
  '==': (c) => c === 0, '=': (c) => c === 0, eq: (c) => c === 0,
  '<': (c) => c < 0, lt: (c) => c < 0,
  '<=': (c) => c <= 0, le: (c) => c <= 0,
  '>': (c) => c > 0, gt: (c) => c > 0,
  '>=': (c) => c >= 0, ge: (c) => c >= 0,
  '!=': (c) => c !== 0, '<>': (c) => c !== 0, ne: (c) => c !== 0,
};

const TYPES = ['loose', 'strict', 'semver', 'semantic', 'pep440'];

export function compareVersions(value: string, version: string, operator: string, type: string): boolean {
  const op = OPERATORS[operator];
  if (!op) throw new PluginError('runtime', `Invalid operator type (${operator})`);
  if (!TYPES.includes(type)) throw new PluginError('runtime', `Invalid version type (${type}). Must be one of ${TYPES.join(', ')}`);
  if (!value) throw new PluginError('runtime', 'Input version value cannot be empty');
  if (!version) throw new PluginError('runtime', 'Version parameter to compare against cannot be empty');
  let c: number;
  try {
    switch (type) {
      case 'loose':
        c = pyCompare(looseParts(value), looseParts(version));
        break;
      case 'strict':
        c = compareKeys(strictKey(value), strictKey(version));
        break;
      case 'semver':
      case 'semantic':
        c = compareSemver(value, version);
        break;
      default:
        c = compareKeys(pep440Key(value), pep440Key(version));
    }
  } catch (e) {
    throw new PluginError('runtime', `Version comparison failed: ${(e as Error).message}`);
  }
  return op(c);
}

function looseParts(v: string): Array<number | string> {
  return v
    .split(/(\d+|[a-z]+|\.)/)
    .filter((x) => x !== '' && x !== '.')
    .map((x) => (/^\d+$/.test(x) ? Number(x) : x));
}

type Key = Array<number | string | Key>;

function compareKeys(a: Key, b: Key): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    let c: number;
    if (Array.isArray(x) && Array.isArray(y)) c = compareKeys(x, y);
    else if (typeof x === 'number' && typeof y === 'number') c = x < y ? -1 : x > y ? 1 : 0;
    else c = String(x) < String(y) ? -1 : String(x) > String(y) ? 1 : 0;
    if (c !== 0) return c;
  }
  return 0;
}

function strictKey(v: string): Key {
  const m = /^(\d+)\.(\d+)(\.(\d+))?([ab](\d+))?$/.exec(v);
  if (!m) throw new Error(`invalid version number '${v}'`);
  const release: Key = [Number(m[1]), Number(m[2]), m[4] ? Number(m[4]) : 0];
  // No prerelease sorts after any prerelease.
  const pre: Key = m[5] ? [0, m[5][0]!, Number(m[6])] : [1];
  return [release, pre];
}

const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

function compareSemver(a: string, b: string): number {
  const pa = SEMVER.exec(a);
  if (!pa) throw new Error(`invalid semantic version '${a}'`);
  const pb = SEMVER.exec(b);
  if (!pb) throw new Error(`invalid semantic version '${b}'`);
  for (let i = 1; i <= 3; i++) {
    const d = Number(pa[i]) - Number(pb[i]);
    if (d !== 0) return Math.sign(d);
  }
  const preA = pa[4];
  const preB = pb[4];
  if (preA === undefined || preB === undefined) return preA === preB ? 0 : preA === undefined ? 1 : -1;
  const xa = preA.split('.');
  const xb = preB.split('.');
  for (let i = 0; i < Math.max(xa.length, xb.length); i++) {
    const x = xa[i];
    const y = xb[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const nx = /^\d+$/.test(x);
    const ny = /^\d+$/.test(y);
    if (nx && ny) {
      const d = Number(x) - Number(y);
      if (d !== 0) return Math.sign(d);
    } else if (nx !== ny) return nx ? -1 : 1;
    else if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

const PEP440 =
  /^\s*v?(?:(\d+)!)?(\d+(?:\.\d+)*)(?:[-_.]?(a|b|c|rc|alpha|beta|pre|preview)[-_.]?(\d+)?)?(?:-(\d+)|[-_.]?(post|rev|r)[-_.]?(\d+)?)?(?:[-_.]?(dev)[-_.]?(\d+)?)?(?:\+([a-z0-9]+(?:[-_.][a-z0-9]+)*))?\s*$/i;

function pep440Key(v: string): Key {
  const m = PEP440.exec(v);
  if (!m) throw new Error(`Invalid version: '${v}'`);
  const epoch = Number(m[1] ?? 0);
  const release = (m[2] ?? '0').split('.').map(Number);
  while (release.length > 1 && release[release.length - 1] === 0) release.pop();
  const preLetter = m[3]?.toLowerCase();
  const preKind = preLetter === undefined ? undefined : { a: 'a', alpha: 'a', b: 'b', beta: 'b', c: 'rc', rc: 'rc', pre: 'rc', preview: 'rc' }[preLetter];
  const post = m[5] !== undefined ? Number(m[5]) : m[6] !== undefined ? Number(m[7] ?? 0) : undefined;
  const dev = m[8] !== undefined ? Number(m[9] ?? 0) : undefined;
  const NEG = -Infinity;
  const POS = Infinity;
  let pre: Key;
  if (preKind === undefined && post === undefined && dev !== undefined) pre = [NEG];
  else if (preKind === undefined) pre = [POS];
  else pre = [{ a: 0, b: 1, rc: 2 }[preKind] ?? 0, Number(m[4] ?? 0)];
  const local: Key = m[10] ? m[10].split(/[-_.]/).map((p) => (/^\d+$/.test(p) ? [1, Number(p)] : [0, p.toLowerCase()])) : [[NEG]];
  return [epoch, release, pre, post === undefined ? NEG : post, dev === undefined ? POS : dev, local];
}
