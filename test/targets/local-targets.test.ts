/**
 * ansible-core's integration targets for the engine's own features (keywords, filters, tests,
 * lookups, modules written in Python), on the controller as ansible-test runs them there: each
 * target runs with ansible-playbook and with playbook at once, two targets at a time. A target
 * ansible-playbook passes must pass with playbook too; the failed tasks are quoted when not.
 * PLAYBOOK_TARGETS=a,b runs only those.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import PQueue from 'p-queue';
import { afterAll, describe, expect, it } from 'vitest';
import { failedTasks, runLocalTarget, targetsDir } from '../support/ansible-targets.js';
import { LOCAL_FAILING_TARGETS, LOCAL_NOT_RUNNABLE_TARGETS, LOCAL_RUNNABLE_TARGETS } from './targets.js';

const work = mkdtempSync(path.join(os.tmpdir(), 'local-targets-'));
const queue = new PQueue({ concurrency: 2 });
const only = process.env['PLAYBOOK_TARGETS']?.split(',');

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("ansible-core's integration targets on the controller", () => {
  it('every listed target exists in the pinned release, and is listed once', () => {
    const listed = [...LOCAL_RUNNABLE_TARGETS, ...Object.keys(LOCAL_NOT_RUNNABLE_TARGETS), ...Object.keys(LOCAL_FAILING_TARGETS)];
    for (const target of listed) expect(existsSync(path.join(targetsDir(), target)), target).toBe(true);
    expect(new Set(listed).size).toBe(listed.length);
  });

  for (const target of LOCAL_RUNNABLE_TARGETS.filter((t) => !only || only.includes(t))) {
    it.concurrent(`${target}: passes with playbook as with ansible-playbook`, async () => {
      const [theirs, ours] = await queue.add(() => Promise.all([runLocalTarget(target, 'ansible', work), runLocalTarget(target, 'playbook', work)]), { throwOnTimeout: true });
      expect(theirs.code, `ansible-playbook no longer passes ${target} here:\n${failedTasks(theirs)}`).toBe(0);
      expect(ours.code, `playbook fails ${target}:\n${failedTasks(ours)}`).toBe(0);
      expect(ours.stdout).toMatch(/^testhost\s+: ok=\d+ .*failed=0 /m);
    }, 1_800_000);
  }
});
