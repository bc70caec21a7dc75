/**
 * apt's decisions (Ansible's install() and remove()) on a real reading of a bookworm node: the
 * apt_packages fact's output for labpin (1.0-1 installed, 1.2-1 and 2.0-1 in a local repo), hello
 * (not installed), coreutils, awk (virtual, provided by mawk), and the patterns hel?o and lib*z*.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { parseAptState, parsePolicy } from '../../src/facts/apt.js';
import { aptPrelude, dpkgOptions, lockFailure, packageSplit, parseAptDiff, planInstall, planRemove } from '../../src/modules/support/apt.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const state = parseAptState(readFileSync(path.join(here, '..', 'fixtures', 'apt', 'apt-packages.txt'), 'utf8'), ['labpin', 'hello', 'coreutils', 'awk', 'hel?o', 'lib*z*']);
const present = { state: 'present', onlyUpgrade: false } as const;
const latest = { state: 'latest', onlyUpgrade: false } as const;

describe('the apt_packages fact', () => {
  test('reads dpkg, apt-cache policy, providers and pattern matches', () => {
    expect(state.arch).toBe('amd64');
    expect(state.cacheMtime).toBe(1796319319);
    expect(state.packages['labpin']).toMatchObject({ status: 'installed', installed: '1.0-1', candidate: '2.0-1', versions: [{ version: '2.0-1' }, { version: '1.2-1' }, { version: '1.0-1' }] });
    expect(state.packages['hello']).toMatchObject({ status: '', candidate: '2.10-3' });
    expect(state.packages['hello']?.installed).toBeUndefined();
    expect(state.packages['awk']).toMatchObject({ versions: [], providers: ['mawk'] });
    expect(state.matches['hel?o']).toEqual(['hello']);
    expect(state.matches['lib*z*']?.sort()).toEqual(['libbz2-1.0', 'liblz4-1', 'liblzma5', 'libzstd1']);
  });

  test('a version table row takes the best pin priority of its origins', () => {
    const policy = parsePolicy('x:\n  Installed: (none)\n  Candidate: 1.0\n  Version table:\n     1.0 500\n        990 http://a ./ Packages\n        500 http://b ./ Packages\n');
    expect(policy.get('x')).toEqual({ candidate: '1.0', versions: [{ version: '1.0', priority: 990 }] });
  });
});

describe('install', () => {
  test('a missing package is installed at its candidate; an installed one is left alone', () => {
    expect(planInstall(state, ['hello', 'coreutils'], present).packages).toEqual(['hello=2.10-3']);
    expect(planInstall(state, ['coreutils'], present).packages).toEqual([]);
  });

  test('a virtual package whose lone provider is installed needs nothing', () => {
    expect(planInstall(state, ['awk'], present).packages).toEqual([]);
  });

  test('version pins: a matching installed version stays, another is installed at the best match', () => {
    expect(planInstall(state, ['labpin=1.0*'], present).packages).toEqual([]);
    expect(planInstall(state, ['labpin=1.2*'], present).packages).toEqual(['labpin=1.2-1']);
    expect(planInstall(state, ['labpin>=1.1'], present).packages).toEqual(['labpin=2.0-1']);
    // Ansible's legacy rule: a wildcard that matches the installed version and a newer one runs apt-get with the pattern.
    expect(planInstall(state, ['labpin=1*'], present).packages).toEqual(['labpin=1*']);
  });

  test('latest upgrades to the candidate; only_upgrade skips what is not installed', () => {
    expect(planInstall(state, ['labpin', 'coreutils'], latest).packages).toEqual(['labpin=2.0-1']);
    expect(planInstall(state, ['hello', 'labpin'], { state: 'latest', onlyUpgrade: true }).packages).toEqual(['labpin=2.0-1']);
  });

  test("Ansible's messages for what cannot be installed", () => {
    expect(() => planInstall(state, ['labpin=9*'], present)).toThrow('no available installation candidate for labpin=9*');
    const missing = parseAptState('@@pb:arch\tamd64\n@@pb:policy\n@@pb:policy-end\n', ['nosuchpkg']);
    expect(() => planInstall(missing, ['nosuchpkg'], present)).toThrow("No package matching 'nosuchpkg' is available");
    expect(() => planInstall(missing, ['nosuch*'], present)).toThrow("No package(s) matching 'nosuch*' available");
  });

  test('patterns expand to the packages they match', () => {
    expect(planInstall(state, ['hel?o'], present).packages).toEqual(['hello=2.10-3']);
    expect(planInstall(state, ['lib*z*'], present).names.sort()).toEqual(['libbz2-1.0', 'liblz4-1', 'liblzma5', 'libzstd1']);
  });
});

describe('remove', () => {
  test('removes what is installed (at a matching version), nothing else', () => {
    expect(planRemove(state, ['labpin', 'hello'], false)).toEqual(['labpin']);
    expect(planRemove(state, ['labpin=2*'], false)).toEqual([]);
    expect(planRemove(state, ['labpin=1.0*'], false)).toEqual(['labpin=1.0*']);
  });
});

describe('command pieces', () => {
  test('package specs, dpkg options, lock messages and the diff', () => {
    expect(packageSplit('ray=1.2*')).toEqual({ name: 'ray', cmp: '=', version: '1.2*' });
    expect(packageSplit('ray>=1.2')).toEqual({ name: 'ray', cmp: '>=', version: '1.2' });
    expect(packageSplit('ray')).toEqual({ name: 'ray' });
    expect(dpkgOptions('force-confdef,force-confold')).toEqual(['-o', 'Dpkg::Options::=--force-confdef', '-o', 'Dpkg::Options::=--force-confold']);
    expect(lockFailure('E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 123 (apt-get)\nE: Unable to acquire the dpkg frontend lock')).toBe('Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 123 (apt-get)');
    expect(aptPrelude(5)).toContain('PB_LOCK_TIMEOUT=5');
    const out = 'Reading package lists...\nBuilding dependency tree...\nReading state information...\nThe following NEW packages will be installed:\n  hello\n0 upgraded, 1 newly installed, 0 to remove and 0 not upgraded.\nSetting up hello (2.10-3) ...\n';
    expect(parseAptDiff(out)).toEqual({ prepared: 'The following NEW packages will be installed:\n  hello\n0 upgraded, 1 newly installed, 0 to remove and 0 not upgraded.' });
  });
});
