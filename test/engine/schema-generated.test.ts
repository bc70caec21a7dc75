/** The committed standalone validators must be what the keyword schemas compile to today. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { generateValidators } from '../../scripts/gen-schema-validators.js';

test('schema-validators.generated.ts is up to date with schema-definitions.ts', () => {
  const file = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/playbook/schema-validators.generated.ts');
  // When this fails: node --import tsx scripts/gen-schema-validators.ts
  expect(readFileSync(file, 'utf8') === generateValidators()).toBe(true);
});
