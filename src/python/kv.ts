/**
 * Ansible's `k=v` argument strings (`copy: src=a dest=b`, `command: ls -l chdir=/tmp`):
 * split on whitespace outside quotes and Jinja blocks, `k=v` words become options, the rest is
 * free-form text kept with its spacing (`_raw_params`).
 */

interface Token {
  text: string;
  start: number;
  end: number;
}

export function splitArgs(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = input.length;
  while (i < n) {
    while (i < n && /\s/.test(input[i]!)) i++;
    if (i >= n) break;
    const start = i;
    let quote: string | undefined;
    let jinja = 0;
    while (i < n) {
      const ch = input[i]!;
      const two = input.slice(i, i + 2);
      if (quote) {
        if (ch === '\\' && i + 1 < n) {
          i += 2;
          continue;
        }
        if (ch === quote) quote = undefined;
        i++;
        continue;
      }
      if (two === '{{' || two === '{%' || two === '{#') {
        jinja++;
        i += 2;
        continue;
      }
      if (jinja > 0 && (two === '}}' || two === '%}' || two === '#}')) {
        jinja--;
        i += 2;
        continue;
      }
      if (jinja === 0 && /\s/.test(ch)) break;
      if (ch === '"' || ch === "'") quote = ch;
      i++;
    }
    tokens.push({ text: input.slice(start, i), start, end: i });
  }
  return tokens;
}

export function unquote(value: string): string {
  if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value[value.length - 1] === value[0]) return value.slice(1, -1);
  return value;
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', v: '\v' };

/** Ansible decodes backslash escapes in k=v words (msg="a\nb" is two lines). */
function decodeEscapes(s: string): string {
  return s.replace(/\\(U[0-9a-fA-F]{8}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|[\\'"abfnrtv])/g, (_m, e: string) => {
    if (e.length > 1) return String.fromCodePoint(parseInt(e.slice(1), 16));
    return ESCAPES[e] ?? e;
  });
}

/**
 * parse_kv: options from `k=v` words; other words become `_raw_params`. With `rawOptions`
 * (command-like modules) only those keys are options and other `k=v` words stay in the command.
 */
export function parseKv(input: string, rawOptions?: ReadonlySet<string>): Record<string, unknown> {
  // Ansible keeps what follows the last word (a block scalar's final newline stays in the command).
  const text = input.trimStart();
  const options: Record<string, unknown> = {};
  const raw: Array<Token & { index: number }> = [];
  const tokens = splitArgs(text);
  for (const [index, token] of tokens.entries()) {
    const decoded = decodeEscapes(token.text);
    let eq = -1;
    for (let p = decoded.indexOf('='); p >= 0; p = decoded.indexOf('=', p + 1)) {
      if (p > 0 && decoded[p - 1] !== '\\') {
        eq = p;
        break;
      }
    }
    if (eq <= 0) {
      raw.push({ ...token, index });
      continue;
    }
    // A key may be a template (`set_fact: "{{ 'x' + item }}={{ item }}"`), when whole.
    const key = decoded.slice(0, eq).trim();
    if ((rawOptions && !rawOptions.has(key)) || !/^(?:[\w.-]|\{\{[^{}=]*\}\})+$/.test(key)) {
      raw.push({ ...token, index });
      continue;
    }
    options[key] = unquote(decoded.slice(eq + 1).trim());
  }
  if (raw.length) {
    // Keep the text between free-form words as written (spacing, newlines), except that a lone
    // backslash ending a line joins it to the next (Ansible's line continuation).
    let params = '';
    let continued: string | undefined;
    raw.forEach((t, i) => {
      const prev = raw[i - 1];
      const next = raw[i + 1];
      if (t.text === '\\' && text.slice(t.end, next ? next.start : text.length).includes('\n')) {
        continued = prev ? text.slice(prev.end, t.start) : '';
        return;
      }
      // Neighbours in the source keep their whitespace; where an option was cut out, one space.
      if (continued !== undefined) params += continued;
      else if (prev && params !== '') params += prev.index === t.index - 1 ? text.slice(prev.end, t.start) : ' ';
      continued = undefined;
      params += t.text;
    });
    const last = raw[raw.length - 1]!;
    if (last.index === tokens.length - 1) params += text.slice(last.end);
    options['_raw_params'] = params;
  }
  return options;
}
