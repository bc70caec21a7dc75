/**
 * The shared planners, as pure functions: packages (apt, pip) and services (systemd_service,
 * service) decide as Ansible's modules decide; a plan runs in one script that stops at the first
 * failing step and says which one failed.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import { type WantedPackage, isEmptyPackagePlan, planPackages } from '../../src/modules/support/packages.js';
import { planScript } from '../../src/modules/support/plan.js';
import { planService } from '../../src/modules/support/services.js';

const pkg = (name: string, spec?: string): WantedPackage => ({ name, request: spec ? `${name}${spec}` : name, ...(spec !== undefined ? { spec } : {}) });
const exact = { satisfies: (version: string, spec: string) => spec === `==${version}` };

describe('packages', () => {
  const installed = new Map([['ray', '2.52.0'], ['numpy', '1.26.4']]);

  test('present installs what is missing or at a version the spec refuses, and nothing else', () => {
    const plan = planPackages([pkg('ray', '==2.53.0'), pkg('numpy'), pkg('vllm')], installed, 'present', exact);
    expect(plan.install.map((p) => p.request)).toEqual(['ray==2.53.0', 'vllm']);
    expect(plan.upgrade).toEqual([]);
    expect(isEmptyPackagePlan(planPackages([pkg('ray', '==2.52.0'), pkg('numpy')], installed, 'present', exact))).toBe(true);
  });

  test('absent removes what is installed (with a version, only that version)', () => {
    const plan = planPackages([pkg('ray', '==2.53.0'), pkg('numpy'), pkg('vllm')], installed, 'absent', exact);
    expect(plan.remove.map((p) => p.name)).toEqual(['numpy']);
  });

  test('latest installs what is missing and upgrades what the manager says is upgradable', () => {
    const plan = planPackages([pkg('ray'), pkg('numpy'), pkg('vllm')], installed, 'latest', { ...exact, upgradable: (p, _version, state) => state === 'latest' && p.name === 'ray' });
    expect(plan.install.map((p) => p.name)).toEqual(['vllm']);
    expect(plan.upgrade.map((p) => p.name)).toEqual(['ray']);
    // A manager that cannot say before trying (pip) gets every installed package as a candidate.
    expect(planPackages([pkg('ray'), pkg('numpy')], installed, 'latest', exact).upgrade.map((p) => p.name)).toEqual(['ray', 'numpy']);
  });
});

describe('services', () => {
  const running = { running: true, enabled: true, masked: false };
  const stopped = { running: false, enabled: false, masked: false };

  test('started and stopped act only when the unit is not already so', () => {
    expect(planService(running, { state: 'started' })).toEqual([]);
    expect(planService(stopped, { state: 'started' })).toEqual(['start']);
    expect(planService(stopped, { state: 'stopped' })).toEqual([]);
    expect(planService(running, { state: 'stopped' })).toEqual(['stop']);
    expect(planService({ ...stopped, deactivating: true }, { state: 'stopped' })).toEqual(['stop']);
  });

  test('restarted and reloaded always act: a stopped unit is started', () => {
    expect(planService(running, { state: 'restarted' })).toEqual(['restart']);
    expect(planService(stopped, { state: 'restarted' })).toEqual(['start']);
    expect(planService(running, { state: 'reloaded' })).toEqual(['reload']);
    expect(planService(stopped, { state: 'reloaded' })).toEqual(['start']);
  });

  test('mask, then enable, then the state, each only when it differs', () => {
    expect(planService({ running: false, enabled: false, masked: true }, { masked: false, enabled: true, state: 'started' })).toEqual(['unmask', 'enable', 'start']);
    expect(planService(running, { masked: false, enabled: true, state: 'started' })).toEqual([]);
    expect(planService(running, { enabled: false, state: null })).toEqual(['disable']);
  });
});

describe('a plan as one script', () => {
  const run = (script: string): { rc: number | null; stdout: string; stderr: string } => {
    const r = spawnSync('/bin/sh', ['-c', script], { encoding: 'utf8' });
    return { rc: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  test('the steps run in order, their arguments quoted', () => {
    const { script } = planScript({ steps: [{ summary: 'say a', argv: ['printf', '%s|', "it's $HOME"] }, { summary: 'say b', argv: ['printf', '%s|', 'b'] }] });
    expect(execFileSync('/bin/sh', ['-c', script], { encoding: 'utf8' })).toBe("it's $HOME|b|");
  });

  test('the first failing step stops the script and is named with its status and stderr', () => {
    const plan = { steps: [{ summary: 'pass', argv: ['true'] }, { summary: 'fail', argv: ['sh', '-c', 'echo oops >&2; exit 7'] }, { summary: 'never', argv: ['touch', '/nonexistent/never'] }] };
    const { script, failed } = planScript(plan, 'N0NCE');
    const r = run(script);
    expect(r.rc).toBe(7);
    expect(failed(r.stderr)).toEqual({ index: 1, rc: 7, stderr: 'oops\n' });
    expect(failed('oops\n')).toBeUndefined();
  });
});
