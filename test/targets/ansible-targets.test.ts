/**
 * ansible-core's own integration targets as the yardstick: each target runs as ansible-test runs a
 * role target (test/support/ansible-targets.ts), with ansible-playbook on node1 and with playbook
 * on node2 of the same lab, at the same time. A target ansible-playbook passes must pass with
 * playbook too; the failed task of either engine is quoted when it does not.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failedTasks, targetPlaybook, targetsDir } from '../support/ansible-targets.js';
import { ansibleVenv } from '../support/ansible.js';
import { type ModuleLab, startModuleLab } from '../support/module-lab.js';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { FAILING_TARGETS, NOT_RUNNABLE_TARGETS, RUNNABLE_TARGETS } from './targets.js';

let lab: ModuleLab;
/** As ansible-test runs them: the reference's bin/ on PATH (playbook finds there the ansible-core its Python modules need). */
const ANSIBLE_ON_PATH = { PATH: `${path.join(ansibleVenv(), 'bin')}:${process.env['PATH'] ?? '/usr/bin:/bin'}` };

beforeAll(async () => {
  lab = await startModuleLab('targets');
}, 600_000);

afterAll(async () => {
  await lab?.down();
}, 120_000);

describe("ansible-core's integration targets", () => {
  it('every listed target exists in the pinned release', () => {
    for (const target of [...RUNNABLE_TARGETS, ...Object.keys(NOT_RUNNABLE_TARGETS), ...Object.keys(FAILING_TARGETS)]) expect(existsSync(path.join(targetsDir(), target)), target).toBe(true);
  });

  for (const target of RUNNABLE_TARGETS) {
    it(`${target}: passes with playbook as with ansible-playbook`, async () => {
      const [theirs, ours] = await Promise.all([
        lab.runPlaybook(targetPlaybook(lab.work, target, 'node1'), { engine: 'ansible', timeoutMs: 900_000, env: ANSIBLE_ON_PATH }),
        lab.runPlaybook(targetPlaybook(lab.work, target, 'node2'), { timeoutMs: 900_000, env: ANSIBLE_ON_PATH }),
      ]);
      expect(theirs.code, `ansible-playbook no longer passes ${target} on a lab node:\n${failedTasks(theirs)}`).toBe(0);
      expect(ours.code, `playbook fails ${target}:\n${failedTasks(ours)}`).toBe(0);
      expect(ours.recap('node2').failed).toBe(0);
    }, 1_800_000);
  }
});
