/** The source lines under an error's Origin, as Ansible 2.19 draws them (each expectation is what ansible-core 2.19's SourceContext.from_origin gives for the same file). */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { sourceExcerpt } from '../../src/output/source-excerpt.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'excerpt-'));
const write = (name: string, text: string): string => {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
};

describe('sourceExcerpt', () => {
  test('two lines before the target, labelled to the width of its number, then the caret under the column', () => {
    const file = write('pb.yml', '- hosts: localhost\n  gather_facts: false\n  tasks:\n    - command: "false"\n');
    expect(sourceExcerpt(file, 4, 7)).toEqual(['2   gather_facts: false', '3   tasks:', '4     - command: "false"', '        ^ column 7']);
    expect(sourceExcerpt(file, 1, 1)).toEqual(['1 - hosts: localhost', '  ^ column 1']);
  });

  test('line 10 widens the labels of lines 8 and 9; an empty line has no space after its label; tabs become spaces', () => {
    const file = write('wide.yml', 'x\n'.repeat(7) + '\n\ty: 1\n  z: 2\n');
    expect(sourceExcerpt(file, 10, 3)).toEqual([' 8', ' 9  y: 1', '10   z: 2', '     ^ column 3']);
  });

  test('a long line is cut at 120 characters; a column past the cut has no caret, one near the end puts the label before it', () => {
    const file = write('long.yml', `key: ${'v'.repeat(200)}\n`);
    const [line, marker] = sourceExcerpt(file, 1, 200);
    expect(line).toBe(`1 key: ${'v'.repeat(110)}...`);
    expect(line).toHaveLength(120);
    expect(marker).toBeUndefined();
    const near = write('near.yml', `${'k'.repeat(115)}\n`);
    expect(sourceExcerpt(near, 1, 110)).toEqual([`1 ${'k'.repeat(115)}`, `  ${' '.repeat(98)}column 110 ^`]);
  });

  test('what cannot be shown says why', () => {
    expect(sourceExcerpt(path.join(dir, 'missing.yml'), 3, 1)).toEqual(['(source not shown: FileNotFoundError)']);
    expect(sourceExcerpt(write('vault.yml', '$ANSIBLE_VAULT;1.1;AES256\n6162\n'), 2, 1)).toEqual(['(source not shown: content encrypted)']);
    expect(sourceExcerpt(write('short.yml', 'a: 1\n'), 5, 1)).toEqual(['(source not shown: file truncated)']);
    expect(sourceExcerpt(write('any.yml', 'a: 1\n'), 0, 1)).toEqual([]);
    expect(sourceExcerpt(write('nonl.yml', 'a: 1\nb: 2'), 2, 1)).toEqual(['1 a: 1', '2 b: 2', '  ^ column 1']);
  });
});
