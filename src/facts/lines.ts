/**
 * The setup facts' commands print `key<TAB>value` lines (one program per line, no parsing on the
 * host); this reads them back. The first value of a key wins.
 */

/** Prints one `key<TAB>value` line: `p key "$(command)"`. Defined at the top of each setup fact. */
export const PRINT_PAIR = `p() { printf '%s\\t%s\\n' "$1" "$2"; }`;

export interface FactLines {
  /** The first value of a key; '' when absent. */
  get(key: string): string;
  /** Every value of a repeated key (mount, gpu, ...), in order. */
  all(key: string): string[];
  /** Keys with a prefix (env_HOME -> HOME), first value each. */
  withPrefix(prefix: string): Record<string, string>;
}

export function factLines(output: string): FactLines {
  const first = new Map<string, string>();
  const every = new Map<string, string[]>();
  for (const line of output.split('\n')) {
    const tab = line.indexOf('\t');
    if (tab < 0) continue;
    const key = line.slice(0, tab);
    const value = line.slice(tab + 1);
    if (!first.has(key)) first.set(key, value);
    const list = every.get(key);
    if (list) list.push(value);
    else every.set(key, [value]);
  }
  return {
    get: (key) => first.get(key) ?? '',
    all: (key) => every.get(key) ?? [],
    withPrefix(prefix) {
      const out: Record<string, string> = {};
      for (const [k, v] of first) if (k.startsWith(prefix)) out[k.slice(prefix.length)] = v;
      return out;
    },
  };
}
