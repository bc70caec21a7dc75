/**
 * CONTRIBUTING.md's code excerpts are what the code says: each block marked
 * `<!-- excerpt: FILE -->` appears in FILE, its parts (between `// ...` lines) in order.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from 'vitest';
import { ROOT } from './engine/helpers.js';

const guide = readFileSync(path.join(ROOT, 'CONTRIBUTING.md'), 'utf8');
const excerpts = [...guide.matchAll(/<!-- excerpt: (\S+) -->\n```ts\n([\s\S]*?)```/g)].map((m) => ({ file: m[1]!, code: m[2]! }));

test('the guide has excerpts to check', () => {
  expect(excerpts.length).toBeGreaterThanOrEqual(6);
});

test.each(excerpts.map((e, i) => [`${i + 1}: ${e.file}`, e] as const))('excerpt %s is in the file', (_name, { file, code }) => {
  const source = readFileSync(path.join(ROOT, file), 'utf8');
  let from = 0;
  for (const part of code.split(/^\/\/ \.\.\.\n/m).filter((p) => p.trim())) {
    const at = source.indexOf(part, from);
    expect(at, `${file} does not have, after offset ${from}:\n${part}`).toBeGreaterThanOrEqual(0);
    from = at + part.length;
  }
});
