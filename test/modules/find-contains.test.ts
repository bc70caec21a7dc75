/** find's `contains`: Python's re, as Ansible's contentfilter applies it. */
import { describe, expect, it } from 'vitest';
import { contentMatches } from '../../src/modules/find.js';

const log = '01/01- OK\n01/02- OK\n01/03- KO\n01/04- OK\n';

describe('find: contains', () => {
  it('read_whole_file: re.search over the text, `$` only at the end (or before a final newline)', () => {
    expect(contentMatches('KO$', log, true)).toBe(false);
    expect(contentMatches('OK$', log, true)).toBe(true);
    expect(contentMatches('(?m)KO$', log, true)).toBe(true);
  });

  it('line by line: re.match, anchored at the start of each line, `$` before its newline', () => {
    expect(contentMatches('KO$', log, false)).toBe(false);
    expect(contentMatches('.*KO$', log, false)).toBe(true);
    expect(contentMatches('01/03', log, false)).toBe(true);
    expect(contentMatches('no such', 'last line without newline', false)).toBe(false);
    expect(contentMatches('last.*newline$', 'x\nlast line without newline', false)).toBe(true);
  });
});
