/**
 * Lookups' failures, in the words ansible-core 2.19 uses (its integration targets assert on them):
 * each message below is the one `ansible-playbook` (ansible 12.3.0) printed for the same call.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { evaluateExpression } from '../../src/index.js';

function failure(expression: string, vars: Record<string, unknown> = {}): string {
  try {
    evaluateExpression(expression, vars);
  } catch (e) {
    return (e as Error).message.replace(/^<expression>:\d+:\d+: /, '');
  }
  throw new Error(`${expression} did not fail`);
}

describe('sequence', () => {
  test.each([
    ["query('sequence', 'start=0 junk=3')", "unrecognized arguments to with_sequence: ['junk']"],
    ["query('sequence', 'foo')", "unrecognized arguments to with_sequence: ['_raw_params']"],
    ["query('sequence', 'start=A end=3')", "Config 'start' for 'sequence' lookup plugin from 'Direct' has an invalid value: Invalid value provided for 'integer': 'A'"],
    ["query('sequence', '1-4/C')", "Config 'stride' for 'sequence' lookup plugin from 'Direct' has an invalid value: Invalid value provided for 'integer': 'C'"],
    ["query('sequence', 'start=1')", 'must specify count or end in with_sequence'],
    ["query('sequence', 'start=1 end=4 count=2')", "can't specify both count and end in with_sequence"],
    ["query('sequence', 'start=4 end=1 stride=2')", 'to count backwards make stride negative'],
    ["query('sequence', 'start=1 end=4 stride=-2')", "to count forward don't make stride negative"],
    ["query('sequence', 'start=1 end=4 format=d')", 'bad formatting string: d'],
    ["query('sequence', 'end=3 format=%d%%')", 'bad formatting string: %d%%'],
  ])('%s', (expression, message) => {
    expect(failure(expression)).toBe(`The lookup plugin 'sequence' failed: ${message}`);
  });

  test('count=0 is an empty sequence whatever the stride; no arguments, no numbers', () => {
    expect(evaluateExpression("query('sequence', 'count=0')")).toEqual([]);
    expect(evaluateExpression("query('sequence', 'count=0 stride=-1')")).toEqual([]);
    expect(evaluateExpression("query('sequence')")).toEqual([]);
    expect(evaluateExpression("query('sequence', count=3, start=10)")).toEqual(['10', '11', '12']);
  });
});

describe('varnames, random_choice, together', () => {
  test('varnames: the variables whose names match any of the patterns', () => {
    const vars = { qz_1: 'hello', qz_2: 'world', qa_1: 'x', qz_: 'y' };
    expect((evaluateExpression("query('varnames', '^qz_.+')", vars) as string[]).sort()).toEqual(['qz_1', 'qz_2']);
    expect((evaluateExpression("query('varnames', '^q.*_\\d')", vars) as string[]).sort()).toEqual(['qa_1', 'qz_1', 'qz_2']);
    expect(failure("query('varnames', True)")).toBe(`The lookup plugin 'varnames' failed: Invalid setting identifier, "True" is not a string, it is a <class 'bool'>`);
    expect(failure("query('varnames', '*')")).toMatch(/^The lookup plugin 'varnames' failed: Unable to use "\*" as a search parameter: nothing to repeat/);
  });

  test('random_choice: one of the terms, none of none', () => {
    expect(['foo', 'bar']).toContain(evaluateExpression("lookup('random_choice', 'foo', 'bar')"));
    expect(evaluateExpression("query('random_choice')")).toEqual([]);
  });

  test('together: needs a list', () => {
    expect(failure("query('together')")).toBe("The lookup plugin 'together' failed: with_together requires at least one element in each list");
    expect(evaluateExpression("query('together', [1, 2], ['a'])")).toEqual([[1, 'a'], [2, null]]);
  });
});

describe('subelements', () => {
  const users = [{ name: 'a', the: { sub: 'x' } }];
  test.each([
    ["query('subelements', [])", 'subelements lookup expects a list of two or three items,'],
    ["query('subelements', 'x', 'k')", 'subelements lookup expects a list of two or three items, first a dict or a list, second a string pointing to the subkey'],
    ["query('subelements', [{'k': 1}], 'k', 'abc')", 'subelements lookup expects a list of two or three items, the optional third item must be a dict with flags skip_missing'],
    ["query('subelements', [1], 'k')", "subelements lookup expects a dictionary, got '1'"],
    ["query('subelements', [{'a': 1}], 'k')", "could not find 'k' key in iterated item '{'a': 1}'"],
    ["query('subelements', users, 'name')", "the key name should point to a list, got 'a'"],
    ["query('subelements', users, 'the.sub.list')", "the key sub should point to a dictionary, got 'x'"],
  ])('%s', (expression, message) => {
    expect(failure(expression, { users })).toBe(`The lookup plugin 'subelements' failed: ${message}`);
  });

  test('skip_missing skips an item without the key, or whose path is not dictionaries', () => {
    const items = [{ id: 1, the: { sub: { list: ['p'] } } }, { id: 2, the: { sub: 'x' } }, { id: 3 }];
    expect(evaluateExpression("query('subelements', items, 'the.sub.list', {'skip_missing': True})", { items })).toEqual([[{ id: 1, the: { sub: {} } }, 'p']]);
  });
});

describe('vars', () => {
  test('a missing variable is undefined (a default takes it); a name that is not a string fails', () => {
    expect(evaluateExpression("lookup('vars', 'nope') | default('x')")).toBe('x');
    expect(failure("lookup('vars', 'nope')")).toBe("No variable named 'nope' was found.");
    expect(failure("lookup('vars', 42)")).toBe("The lookup plugin 'vars' failed: Variable name must be 'str' not 'int'.");
    expect(evaluateExpression("lookup('vars', 'nope', default='d')")).toBe('d');
  });
});

describe('csvfile', () => {
  const searchPath = [path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'lookup')];
  const fails = (expression: string): string => {
    try {
      evaluateExpression(expression, {}, { searchPath });
    } catch (e) {
      return (e as Error).message.replace(/^<expression>:\d+:\d+: /, '');
    }
    throw new Error(`${expression} did not fail`);
  };
  test.each([
    ["lookup('csvfile', file='people.csv')", 'Search key is required but was not found'],
    ["lookup('csvfile', 'file=people.csv, delimiter=, col=1')", 'Search key is required but was not found'],
    ["lookup('csvfile', 'Smith file=people.csv thisarg=1')", "'thisarg' is not a valid option"],
    ["lookup('csvfile', 'Smith', file='nope.csv')", 'expected str, bytes or os.PathLike object, not NoneType'],
    ["lookup('csvfile', 'Smith', file='people.csv', delimiter=',', col=9)", 'list index out of range'],
    ["lookup('csvfile', 'Smith', file='people.csv', delimiter=',,')", '"delimiter" must be a 1-character string'],
    ["lookup('csvfile', 'Smith file=people.csv delimiter=, col=2,')", "Config 'col' for 'csvfile' lookup plugin from 'Direct' has an invalid value: Invalid value provided for 'int': '2,'"],
  ])('%s', (expression, message) => {
    expect(fails(expression)).toBe(`The lookup plugin 'csvfile' failed: ${message}`);
  });
});

describe('password', () => {
  test('with encrypt, the salt is stored after the password and used again: the same hash each run', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pw-'));
    writeFileSync(path.join(dir, 'salted'), 'secret salt=abcdefgh12345678\n');
    // ansible-playbook 2.19 gives this hash for this file.
    expect(evaluateExpression(`lookup('password', '${dir}/salted encrypt=sha256_crypt')`)).toBe('$5$rounds=535000$abcdefgh12345678$8EFtbp0IiKWgdVtXQmO8yI2USWfiJbAF36rO.Iy6UW8');
    expect(evaluateExpression(`lookup('password', '${dir}/salted')`)).toBe('secret');
    const first = evaluateExpression(`lookup('password', '${dir}/new encrypt=md5_crypt')`);
    const stored = readFileSync(path.join(dir, 'new'), 'utf8');
    expect(stored).toMatch(/^[A-Za-z0-9.,:_-]{20} salt=[A-Za-z0-9./]{8}\n$/);
    expect(evaluateExpression(`lookup('password', '${dir}/new encrypt=md5_crypt')`)).toBe(first);
    expect(evaluateExpression(`lookup('password', '${dir}/new')`)).toBe(stored.split(' ')[0]);
  });

  test('a seed gives the same password; bad parameters fail as Ansible words it', () => {
    expect(evaluateExpression("lookup('password', '/dev/null seed=foo length=8 chars=digits')")).toBe('74532397');
    expect(failure("lookup('password', '/dev/null bogus=1')")).toBe("The lookup plugin 'password' failed: Unrecognized parameter(s) given to password lookup: bogus");
  });
});
