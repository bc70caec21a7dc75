/**
 * INI values: each text goes through Python's ast.literal_eval with the INI plugin's fallback and
 * coercions (the text itself when it is not a literal; tuples and sets become lists, `...` and
 * bytes become text) in the reference venv, and through parseIniValue; the values must be equal,
 * ints and floats told apart (1 is not 1.0).
 */
import { execFileSync } from 'node:child_process';
import { expect, test } from 'vitest';
import { parseIniValue } from '../../src/inventory/ini.js';
import { PyFloat, floatRepr } from '../../src/python/values.js';
import { ansiblePython } from '../support/ansible.js';

const texts = [
  '0', '-0', '00', '007', '1_000', '1__0', '0x1F', '0XfF', '0o17', '0b101', '0b2', '12345678901',
  '1.5', '1.', '.5', '1e3', '1E+3', '1e', '1_0.5e-3', '-0.0', '1e400', '-1e400', '0.1', '3.14159',
  'True', 'true', 'False', 'None', 'none', 'yes',
  '"a"', "'a'", `"a" 'b'`, "r'\\n'", "b'x'", "u'x'", "f'x'", "'''t'''", '"\\x41\\u00e9\\101"', "'\\q'", `"a\\"b"`, "'unterminated",
  '[1, 2,]', '[,]', '[]', '()', '(1)', '(1,)', '1,', '1, 2', '{}', '{1}', '{3, 1, 2}', '{1: 2}', "{'a': [1, {'b': None}]}",
  'set()', 'set([1])', '-(1)', '-(-1)', '+1', '--1', '-True', '1+2', '...',
  'foo', 'foo bar', 'foo.bar', '1 # c', '# c', '', '  5', '\t5', '5  ', '[1, 2] [3]', 'lambda: 1', '{**a}', '[*a]',
  'nan', 'inf', '1/2', 'not True', '2**3', 'x=1', ':', '/usr/bin/python3', '10.0.0.1', '1.2.3', '12.4', '550',
];

const reference = `
import ast, json, sys, warnings

def coerce(v):
    if isinstance(v, (list, tuple, set)):
        return [coerce(x) for x in v]
    if isinstance(v, dict):
        return {str(k): coerce(x) for k, x in v.items()}
    if v is ...:
        return "..."
    if isinstance(v, complex):
        return str(v)
    if isinstance(v, bytes):
        return v.decode("utf-8")
    if isinstance(v, float):
        return {"float": repr(v)}
    return v

out = []
for text in json.load(sys.stdin):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SyntaxWarning)
            value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        value = text
    out.append(coerce(value))
json.dump(out, sys.stdout)
`;

/** Floats as {float: repr}, as the reference writes them. */
function comparable(value: unknown): unknown {
  if (value instanceof PyFloat) return { float: floatRepr(value.value) };
  if (typeof value === 'number' && !Number.isInteger(value)) return { float: floatRepr(value) };
  if (Array.isArray(value)) return value.map(comparable);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, comparable(v)]));
  }
  return value;
}

test('INI values are typed as Python literal_eval types them', () => {
  const expected = JSON.parse(
    execFileSync(ansiblePython(), ['-c', reference], { input: JSON.stringify(texts), encoding: 'utf8' }),
  ) as unknown[];
  const ours = texts.map((text) => comparable(parseIniValue(text)));
  texts.forEach((text, i) => expect(ours[i], JSON.stringify(text)).toEqual(expected[i]));
});
