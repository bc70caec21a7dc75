/**
 * Verifies the parity corpus itself: every case under cases/ is run with the pinned
 * ansible-playbook (through the harness) and must meet its own case.yml expectations. A later
 * suite runs our engine on the same cases and compares with these results.
 *
 * All runs start when the file is loaded, PARITY_CONCURRENCY (default 2) at a time, in case
 * order; the tests then await their own case in the same order. PARITY_CASES=a,b runs only those.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { CASES_DIR, loadCase, runAnsible, type AnsibleRun, type CaseSpec, type TreeEntry } from './harness.js';

const only = (process.env['PARITY_CASES'] ?? '').split(',').filter(Boolean);
const names = readdirSync(CASES_DIR)
  .filter((n) => existsSync(path.join(CASES_DIR, n, 'case.yml')))
  .filter((n) => only.length === 0 || only.includes(n))
  .sort();

const limit = Math.max(1, Number(process.env['PARITY_CONCURRENCY'] ?? 2));
let active = 0;
const waiting: Array<() => void> = [];
async function withSlot<T>(fn: () => Promise<T>): Promise<T> {
  if (active >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
  active++;
  try {
    return await fn();
  } finally {
    active--;
    waiting.shift()?.();
  }
}

interface Outcome {
  spec: CaseSpec;
  runs: AnsibleRun[];
  tree: TreeEntry[];
  seconds: number;
}

const started = Date.now();
const outcomes = new Map<string, Promise<Outcome>>();
for (const name of names) {
  const dir = path.join(CASES_DIR, name);
  const p = withSlot(async () => {
    const t0 = Date.now();
    const spec = await loadCase(dir);
    const { runs, tree } = await runAnsible(dir);
    return { spec, runs, tree, seconds: (Date.now() - t0) / 1000 };
  });
  p.catch(() => undefined); // reported by the case's test
  outcomes.set(name, p);
}

function describeRuns(runs: AnsibleRun[]): string {
  return runs.map((r, i) => `--- run ${i + 1}: exit ${r.exitCode}\n${r.stdout}\n${r.stderr}`).join('\n');
}

describe('Ansible parity corpus (ansible-playbook meets each case.yml)', () => {
  test('the corpus has cases', () => {
    expect(names.length).toBeGreaterThan(only.length > 0 ? 0 : 50);
  });

  for (const name of names) {
    test(name, async () => {
      const { spec, runs, tree } = await outcomes.get(name)!;
      const exp = spec.expect;
      const ctx = `${name}\n${describeRuns(runs)}`;

      expect(runs.map((r) => r.exitCode), ctx).toEqual(exp.exitCodes);

      if (exp.secondRunChangedZero) {
        const second = runs[1];
        expect(second, `${name}: second_run_changed_zero needs runs >= 2`).toBeDefined();
        expect(Object.keys(second!.recap).length, ctx).toBeGreaterThan(0);
        for (const [host, counts] of Object.entries(second!.recap)) {
          expect(counts.changed, `${name}: ${host} changed on the second run\n${ctx}`).toBe(0);
        }
      }

      exp.recap.forEach((perHost, i) => {
        if (!perHost) return;
        for (const [host, counts] of Object.entries(perHost)) {
          expect(runs[i]?.recap[host], `${name}: run ${i + 1} recap for ${host}\n${ctx}`).toMatchObject(counts);
        }
      });

      if (exp.outNotEmpty) expect(tree.length, `${name}: out/ is empty\n${ctx}`).toBeGreaterThan(0);
      else expect(tree, `${name}: out/ should stay empty`).toEqual([]);

      const byPath = new Map(tree.map((e) => [e.path, e]));
      for (const [p, content] of Object.entries(exp.files)) {
        const entry = byPath.get(p);
        expect(entry?.type, `${name}: out/${p} missing or not a file\n${ctx}`).toBe('file');
        expect(entry?.content, `${name}: out/${p}`).toBe(content);
      }
      for (const p of exp.absent) expect(byPath.has(p), `${name}: out/${p} should not exist`).toBe(false);

      for (const s of exp.stdoutContains) expect(runs[0]?.stdout, `${name}: first run stdout`).toContain(s);
      for (const s of exp.stdoutNotContains) {
        runs.forEach((r, i) => expect(r.stdout, `${name}: run ${i + 1} stdout`).not.toContain(s));
      }
    }, 300_000);
  }

  test('timing', async () => {
    const all = await Promise.allSettled([...outcomes.values()]);
    const done = all.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const sum = done.reduce((a, b) => a + b.seconds, 0);
    const slowest = [...done].sort((a, b) => b.seconds - a.seconds).slice(0, 8);
    console.log(`parity corpus: ${names.length} cases, ${sum.toFixed(0)} s of ansible-playbook, ${((Date.now() - started) / 1000).toFixed(0)} s wall (concurrency ${limit}); slowest: ${slowest.map((o) => `${o.spec.name} ${o.seconds.toFixed(1)}s`).join(', ')}`);
  }, 600_000);
});
