/**
 * The layer order of src/ (.dependency-cruiser.cjs): every import runs downward and no import
 * cycle exists. The fixture proves the rules bite: an upward import and a cycle are reported.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ICruiseResult, type IFlattenedRuleSet, type IViolation, cruise } from 'dependency-cruiser';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const config = createRequire(import.meta.url)(path.join(root, '.dependency-cruiser.cjs')) as IFlattenedRuleSet;

async function violations(baseDir: string): Promise<IViolation[]> {
  const reporting = await cruise(['src'], {
    baseDir,
    ruleSet: { forbidden: config.forbidden ?? [] },
    validate: true,
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
  });
  const output = reporting.output as ICruiseResult;
  return output.summary.violations;
}

const describeViolation = (v: IViolation): string => `${v.rule.name}: ${v.from} -> ${v.to}${v.cycle ? ` (cycle: ${v.cycle.map((c) => c.name).join(' -> ')})` : ''}`;

describe('layers', () => {
  it('src/ imports only downward and has no cycle', async () => {
    const found = await violations(root);
    expect(found.map(describeViolation)).toEqual([]);
  }, 60_000);

  it('reports an upward import and a cycle (the fixture has one of each)', async () => {
    const found = (await violations(path.join(root, 'test', 'layers', 'fixture'))).map(describeViolation);
    expect(found).toContain('layer-python: src/python/value.ts -> src/executor/runner.ts');
    expect(found.some((v) => v.startsWith('no-cycles: src/facts/a.ts -> src/facts/b.ts'))).toBe(true);
  }, 60_000);
});
