/** Free-form arguments (`shell: cmd`, `copy: src=a dest=b`) split as Ansible's parse_kv splits them. */
import { describe, expect, test } from 'vitest';
import { KvSplitError, parseKv } from '../../src/python/kv.js';

const COMMAND_OPTIONS = new Set(['chdir', 'creates', 'removes', 'executable']);

describe('parseKv', () => {
  test('k=v words become options, the rest stays the command as written', () => {
    expect(parseKv('src=a.txt dest="/tmp/b c"')).toEqual({ src: 'a.txt', dest: '/tmp/b c' });
    expect(parseKv('echo  a=1   "b  c" chdir=/tmp', COMMAND_OPTIONS)).toEqual({ _raw_params: 'echo  a=1   "b  c"', chdir: '/tmp' });
  });

  test('a lone backslash at the end of a line continues it; newlines inside quotes stay', () => {
    const script = 'echo this is a \\\n"multiline echo" \\\n"with a new line\nin quotes" \\\n| sha1sum\necho "second line"\n';
    expect(parseKv(script, COMMAND_OPTIONS)['_raw_params']).toBe('echo this is a "multiline echo" "with a new line\nin quotes" | sha1sum\necho "second line"\n');
  });

  test("a word's first '=' ends its key, inside a template too (ansible-core's parse_kv)", () => {
    // ansible-core's task-args target asserts these keys and values.
    expect(parseKv('a=aval {{ "k=v" }} {{ wtf=oopsquotes }} b=bval')).toEqual({ a: 'aval', '{{ "k': 'v" }}', '{{ wtf': 'oopsquotes }}', b: 'bval' });
    expect(parseKv("{{ 'x' + item }}={{ item }} msg={{ a == b }}")).toEqual({ "{{ 'x' + item }}": '{{ item }}', msg: '{{ a == b }}' });
    // A leading '=' does not count; an escaped one leaves the word free-form, unescaped.
    expect(parseKv('=foo a\\=b c=d')).toEqual({ c: 'd', _raw_params: '=foo a=b' });
    expect(parseKv('x={% if a %}1{% else %}2{% endif %} y="{{ \'c d\' }}"')).toEqual({ x: '{% if a %}1{% else %}2{% endif %}', y: "{{ 'c d' }}" });
  });

  test('words split on spaces and newlines only, runs of spaces kept with the word before', () => {
    expect(parseKv('a=1\tb=2')).toEqual({ a: '1\tb=2' });
    expect(parseKv('  echo hi', COMMAND_OPTIONS)).toEqual({ _raw_params: '  echo hi' });
    expect(parseKv('abc="def ghi"jkl mno')).toEqual({ abc: '"def ghi"jkl', _raw_params: 'mno' });
  });

  test('unbalanced quotes or Jinja blocks are refused', () => {
    expect(() => parseKv('msg="unterminated')).toThrow(KvSplitError);
    expect(() => parseKv('msg={{ x')).toThrow('failed at splitting arguments, either an unbalanced jinja2 block or quotes: msg={{ x');
  });
});
