/**
 * Python's fnmatch: shell-style wildcards (`*`, `?`, `[seq]`, `[!seq]`) matched against a whole
 * name. Ansible uses it for host patterns, setup's `filter`, find's `patterns` and fileglob.
 */

export interface FnmatchOptions {
  /** OpenSSH's patterns know only `*` and `?`: there, `[` is an ordinary character. */
  classes?: boolean;
  ignoreCase?: boolean;
}

/** fnmatch.translate: the pattern as regular-expression source (not anchored). */
export function fnmatchSource(pattern: string, options: FnmatchOptions = {}): string {
  const classes = options.classes ?? true;
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i] ?? '';
    if (ch === '*') {
      if (!out.endsWith('.*')) out += '.*';
    } else if (ch === '?') out += '.';
    else if (ch === '[' && classes) {
      let j = i + 1;
      if (pattern[j] === '!') j++;
      if (pattern[j] === ']') j++;
      while (j < pattern.length && pattern[j] !== ']') j++;
      if (j >= pattern.length) {
        out += '\\[';
        continue;
      }
      let set = pattern.slice(i + 1, j).replace(/\\/g, '\\\\');
      if (set.startsWith('!')) set = '^' + set.slice(1);
      else if (set.startsWith('^')) set = '\\' + set;
      out += set === '' ? '(?!)' : set === '^' ? '.' : `[${set}]`;
      i = j;
    } else out += ch.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
  }
  return out;
}

/** The pattern as a RegExp matching whole names (`.` matches newlines too, as in Python). */
export function fnmatchRegExp(pattern: string, options: FnmatchOptions = {}): RegExp {
  return new RegExp(`^(?:${fnmatchSource(pattern, options)})$`, options.ignoreCase ? 'si' : 's');
}

/** fnmatch.fnmatchcase(name, pattern). */
export function fnmatch(name: string, pattern: string, options: FnmatchOptions = {}): boolean {
  return fnmatchRegExp(pattern, options).test(name);
}
