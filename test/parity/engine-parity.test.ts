/**
 * The parity suite: every case of cases/ runs under ansible-playbook (the pinned reference) and
 * under `playbook run`, twice, with the same inventory and arguments; the exit codes, the PLAY
 * RECAP lines and the files left under out/ (paths, types, modes, contents) must be identical.
 * Ansible's runs must also meet each case's own expectations (case.yml), so the corpus stays true.
 * PARITY_CASES=a,b picks cases; vitest runs two cases side by side.
 */
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { ROOT } from '../engine/helpers.js';
import { CASES_DIR, assertCaseExpectations, listCases, loadCase, runAnsible } from './harness.js';

const selected = process.env['PARITY_CASES']?.split(',').map((s) => s.trim()).filter(Boolean);
const cases = (await listCases()).filter((c) => !selected || selected.includes(c));
const ours = [process.execPath, path.join(ROOT, 'bin', 'playbook.js'), 'run'];

describe.concurrent('playbooks give the same result under playbook and ansible-playbook', () => {
  test.each(cases)('%s', { timeout: 300_000 }, async (name) => {
    const dir = path.join(CASES_DIR, name);
    const spec = await loadCase(dir);
    const [reference, engine] = await Promise.all([runAnsible(dir), runAnsible(dir, { command: ours })]);
    // The reference must behave as the case says, or the case itself is wrong.
    assertCaseExpectations(spec, reference.runs, reference.tree);
    const report = (i: number): string => `run ${i + 1}\n--- ansible-playbook\n${reference.runs[i]?.stdout}\n--- playbook\n${engine.runs[i]?.stdout}${engine.runs[i]?.stderr}`;
    reference.runs.forEach((r, i) => {
      expect(engine.runs[i]?.exitCode, `exit code, ${report(i)}`).toBe(r.exitCode);
      expect(engine.runs[i]?.recapLines, `PLAY RECAP, ${report(i)}`).toEqual(r.recapLines);
    });
    expect(engine.tree).toEqual(reference.tree);
  });
});
