/**
 * The version rules the package modules plan with: Debian's (apt: `pkg>=1.2`, `latest`, a .deb
 * against the installed version) and PEP 440's (pip: `ray[default]==2.53.0`, `~=`, wildcards,
 * local labels). Each table was checked against the real tools; where they are on this machine
 * (`dpkg --compare-versions`, Python's `packaging`), the tests ask them again.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { compareDebianVersions, parseDebianVersion } from '../../src/modules/support/debian-version.js';
import { canonicalizeName, compareVersions, formatRequirement, formatVersion, parseRequirement, parseSpecifierSet, parseVersion, satisfies } from '../../src/modules/support/pep440.js';

const sign = (n: number): number => (n < 0 ? -1 : n > 0 ? 1 : 0);

// [a, b, dpkg's answer: -1 lt, 0 eq, 1 gt]
const DEBIAN: [string, string, number][] = [
  ['1.0', '1.0', 0],
  ['1.0', '1.0-0', 0],
  ['1.0-1', '1.0-2', -1],
  ['1.0~rc1', '1.0', -1],
  ['1.0~rc1', '1.0~rc1~1', 1],
  ['1.0', '1.0+b1', -1],
  ['1.0a', '1.0', 1],
  ['1.0a', '1.0+', -1],
  ['1:0.1', '2.0', 1],
  ['0:2.0', '2.0', 0],
  ['2.10-3', '2.9-1', 1],
  ['2.10-3', '2.10-3+deb12u1', -1],
  ['1.6-2.1+deb12u3', '1.6-2.1', 1],
  ['1.002', '1.2', 0],
  ['1.2.3', '1.2.3.0', -1],
  ['9.1-1', '9.1-1ubuntu1', -1],
  ['1.0-1~bpo12+1', '1.0-1', -1],
  ['2.0-1', '10.0-1', -1],
  ['1.0.dfsg', '1.0', 1],
  ['~~', '~', -1],
  ['~', '', -1],
  ['a', '+', -1],
  ['1.6.18-1+deb12u1', '1.6.18-1', 1],
  ['2:1.0', '1:9.9', 1],
];

describe('Debian versions', () => {
  test('epoch, upstream and revision', () => {
    expect(parseDebianVersion('1:2.10-3+deb12u1')).toEqual({ epoch: 1, upstream: '2.10', revision: '3+deb12u1' });
    expect(parseDebianVersion('1.0-rc1-2')).toEqual({ epoch: 0, upstream: '1.0-rc1', revision: '2' });
    expect(parseDebianVersion('2.10')).toEqual({ epoch: 0, upstream: '2.10', revision: '' });
  });

  test.each(DEBIAN)('%s against %s', (a, b, expected) => {
    expect(sign(compareDebianVersions(a, b))).toBe(expected);
    expect(sign(compareDebianVersions(b, a))).toBe(0 - expected || 0);
  });

  test.skipIf(!existsSync('/usr/bin/dpkg'))('dpkg --compare-versions agrees', () => {
    const more = ['0', '0.1', '1.0~beta', '1.0~~', '1.0+dfsg-1', '1.0-1.1', '1.0-1a', '1:1', '3.0-1~bpo11+1', 'a1', '1a', '1.0.0', '1.00', '1.0a~1'];
    const pairs: [string, string][] = [...DEBIAN.filter(([a, b]) => a && b).map(([a, b]) => [a, b] as [string, string])];
    for (const a of more) for (const b of more) pairs.push([a, b]);
    for (const [a, b] of pairs) {
      const lt = spawnSync('dpkg', ['--compare-versions', a, 'lt', b]).status === 0;
      const gt = spawnSync('dpkg', ['--compare-versions', a, 'gt', b]).status === 0;
      expect(sign(compareDebianVersions(a, b)), `${a} vs ${b}`).toBe(lt ? -1 : gt ? 1 : 0);
    }
  });
});

// [version, specifiers, satisfied (pre-releases allowed, as Ansible's pip module asks)]
const PEP440: [string, string, boolean][] = [
  ['2.53.0', '==2.53.0', true],
  ['2.53.0', '==2.53', true],
  ['2.53.1', '==2.53.0', false],
  ['0.17.1+lab.1', '==0.17.1', true],
  ['0.17.1+lab.1', '==0.17.1+lab.1', true],
  ['0.17.1+lab.1', '==0.17.1+lab.2', false],
  ['0.17.1', '==0.17.1+lab.1', false],
  ['2.53.0', '>=2.0,<3', true],
  ['3.0', '>=2.0,<3', false],
  ['3.0rc1', '<3', false],
  ['3.0rc1', '<3.0rc2', true],
  ['2.9', '<3', true],
  ['3.0.post1', '>3', false],
  ['3.0.1', '>3', true],
  ['3.0+local', '>3', false],
  ['3.0.post2', '>3.0.post1', true],
  ['2.2.5', '~=2.2.1', true],
  ['2.3', '~=2.2.1', false],
  ['2.3', '~=2.2', true],
  ['3.0', '~=2.2', false],
  ['2.2.0', '~=2.2.1', false],
  ['1.26.4', '==1.26.*', true],
  ['1.27.0', '==1.26.*', false],
  ['1.26', '==1.26.0.*', true],
  ['1.26.4', '!=1.26.*', false],
  ['1.27', '!=1.26.*', true],
  ['2.0', '!=2.0.0', false],
  ['1.0.dev1', '>=1.0.dev0', true],
  ['1.0a1', '>=1.0', false],
  ['1.0a1', '<=1.0', true],
  ['1!1.0', '>=2.0', true],
  ['foobar', '===foobar', true],
  ['1.0', '===1.0.0', false],
  ['1.0', '', true],
  ['1.0.0-RC1', '==1.0.0rc1', true],
  ['1.0.post1', '==1.0', false],
  ['1.0', '<=1.0,>=1.0', true],
  ['v1.0', '==1.0', true],
];

describe('PEP 440', () => {
  test('versions normalise and order as packaging orders them', () => {
    expect(formatVersion(parseVersion('1.0.0-RC1'))).toBe('1.0.0rc1');
    expect(formatVersion(parseVersion('v2.0-1'))).toBe('2.0.post1');
    expect(formatVersion(parseVersion('1.0.DEV2+Ubuntu-1'))).toBe('1.0.dev2+ubuntu.1');
    const ordered = ['1.0.dev0', '1.0a1.dev1', '1.0a1', '1.0b2', '1.0rc1', '1.0', '1.0+abc', '1.0+abc.5', '1.0+5', '1.0.post1.dev1', '1.0.post1', '1.1', '2!0.1'];
    for (let i = 0; i < ordered.length - 1; i++) expect(compareVersions(parseVersion(ordered[i]!), parseVersion(ordered[i + 1]!)), `${ordered[i]} < ${ordered[i + 1]}`).toBe(-1);
    expect(compareVersions(parseVersion('1.0'), parseVersion('1.0.0'))).toBe(0);
  });

  test.each(PEP440)('%s satisfies %j: %s', (version, spec, expected) => {
    expect(satisfies(version, parseSpecifierSet(spec))).toBe(expected);
  });

  test('requirements: name, extras, specifiers, markers and URLs, printed as packaging prints them', () => {
    expect(parseRequirement('ray[default]==2.53.0')).toEqual({ name: 'ray', extras: ['default'], specifiers: [{ operator: '==', version: '2.53.0' }] });
    expect(formatRequirement(parseRequirement('Django >1.11.1, <1.11.3'))).toBe('Django<1.11.3,>1.11.1');
    expect(formatRequirement(parseRequirement('ray[serve, default] (>=2.0)'))).toBe('ray[default,serve]>=2.0');
    expect(formatRequirement(parseRequirement('pkg @ https://example.com/pkg.whl ; python_version >= "3.8"'))).toBe('pkg@ https://example.com/pkg.whl ; python_version >= "3.8"');
    expect(parseRequirement('numpy; sys_platform == "linux"').marker).toBe('sys_platform == "linux"');
    for (const bad of ['git+https://github.com/x/y.git', './local/dir', 'ray==', 'ray[default', 'ray>=1.0.*', 'ray~=1']) expect(() => parseRequirement(bad), bad).toThrow(/Invalid requirement/);
    expect(canonicalizeName('Typing_Extensions')).toBe('typing-extensions');
    expect(canonicalizeName('zope.interface')).toBe('zope-interface');
  });

  const python = path.join(homedir(), '.cache', 'playbook-engine', 'ansible-12.3.0', 'bin', 'python');
  const hasPackaging = existsSync(python) && spawnSync(python, ['-c', 'import packaging.specifiers']).status === 0;
  test.skipIf(!hasPackaging)("Python's packaging agrees", () => {
    const script = `import json, sys
from packaging.specifiers import SpecifierSet
from packaging.requirements import Requirement
cases = json.load(sys.stdin)
print(json.dumps([SpecifierSet(s).contains(v, prereleases=True) for v, s in cases["specs"]] + [str(Requirement(r)) for r in cases["reqs"]]))`;
    const reqs = ['Django >1.11.1, <1.11.3', 'ray[serve, default] (>=2.0)', 'vllm==0.17.1', 'a.b_c[x]~=1.4'];
    const out = execFileSync(python, ['-c', script], { input: JSON.stringify({ specs: PEP440.map(([v, s]) => [v, s]), reqs }), encoding: 'utf8' });
    const answers = JSON.parse(out) as unknown[];
    PEP440.forEach(([v, s], i) => expect(satisfies(v, parseSpecifierSet(s)), `${v} ${s}`).toBe(answers[i]));
    reqs.forEach((r, i) => expect(formatRequirement(parseRequirement(r))).toBe(answers[PEP440.length + i]));
  });
});
