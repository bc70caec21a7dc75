/**
 * uri's body encodings as pure functions: form-urlencoded as Python's urlencode(doseq=True) and
 * json as Python's json.dumps, which is what Ansible sends (expected strings printed by Python 3.11).
 */
import { describe, expect, test } from 'vitest';
import { formUrlencoded, pythonJson } from '../../src/modules/uri.js';

describe('uri bodies', () => {
  test('form-urlencoded: a mapping with list values repeated, and Python quoting', () => {
    expect(formUrlencoded({ a: '1 2', b: ['x', 'y'], c: 'é&=/~!*()' })).toBe('a=1+2&b=x&b=y&c=%C3%A9%26%3D%2F~%21%2A%28%29');
    expect(formUrlencoded([['k', 'v1'], ['k', 'v2']])).toBe('k=v1&k=v2');
    expect(formUrlencoded({ t: true, n: 3 })).toBe('t=True&n=3');
    expect(formUrlencoded('already=encoded')).toBe('already=encoded');
  });

  test('json: Python separators and non-ASCII escaped', () => {
    expect(pythonJson({ a: 1, b: [true, null], s: 'é' })).toBe('{"a": 1, "b": [true, null], "s": "\\u00e9"}');
    expect(pythonJson([])).toBe('[]');
  });
});
