/** Free-form arguments (`shell: cmd`, `copy: src=a dest=b`) split as Ansible's parse_kv splits them. */
import { describe, expect, test } from 'vitest';
import { parseKv } from '../../src/python/kv.js';

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
});
