/**
 * Ansible's `k=v` argument strings (`copy: src=a dest=b`, `command: ls -l chdir=/tmp`), split as
 * ansible-core's parse_kv and split_args split them, quirks included (a task may rely on them):
 * words are split on spaces and newlines and joined again where the split fell inside quotes or a
 * Jinja block; a word's first `=` (not escaped, not its first character) ends its key, wherever it
 * is, even inside a template (`{{ "k=v" }}` gives the key `{{ "k`); other words are free-form text
 * (`_raw_params`) kept with their spacing.
 */

/** The quote a word leaves open, given the one open before it (a quote after a backslash does not count). */
function quoteState(word: string, open: string | undefined): string | undefined {
  let quote = open;
  for (let i = 0; i < word.length; i++) {
    const ch = word[i]!;
    if ((ch !== '"' && ch !== "'") || (i > 0 && word[i - 1] === '\\')) continue;
    if (quote === undefined) quote = ch;
    else if (ch === quote) quote = undefined;
  }
  return quote;
}

function count(word: string, token: string): number {
  return word.split(token).length - 1;
}

/** The nesting of a Jinja block kind after a word: it counts the word's delimiters, not where they are. */
function depthAfter(word: string, depth: number, open: string, close: string): number {
  const opened = count(word, open);
  const closed = count(word, close);
  return opened === closed ? depth : Math.max(0, depth + opened - closed);
}

/** Text whose quotes or Jinja blocks do not close: ansible-core refuses it (AnsibleParserError). */
export class KvSplitError extends Error {
  override name = 'KvSplitError';
  constructor(readonly text: string) {
    super(`failed at splitting arguments, either an unbalanced jinja2 block or quotes: ${text}`);
  }
}

/**
 * split_args: the words of `input`, each with the spaces and newlines that followed it inside it
 * (so that join_args gives the text back). A lone backslash ending a line outside quotes joins the
 * line to the next. Throws KvSplitError when quotes or blocks are left open.
 */
export function splitArgs(input: string): string[] {
  const params: string[] = [];
  const append = (text: string): void => {
    if (params.length === 0) params.push('');
    params[params.length - 1] += text;
  };
  let quote: string | undefined;
  let print = 0;
  let block = 0;
  let comment = 0;
  const lines = input.split('\n');
  lines.forEach((line, lineIndex) => {
    let continued = false;
    line.split(' ').forEach((word, index) => {
      // Runs of spaces: each empty word is one more space after the last word.
      if (word === '' && index !== 0) return append(' ');
      if (word === '\\' && quote === undefined) {
        continued = true;
        return;
      }
      const wasQuoted = quote !== undefined;
      quote = quoteState(word, quote);
      const quoted = quote !== undefined;
      const inBlock = print > 0 || block > 0 || comment > 0;
      let appended = false;
      if (quoted && !wasQuoted && !inBlock) {
        params.push(word);
        appended = true;
      } else if (inBlock || quoted || wasQuoted) {
        append(index === 0 && wasQuoted ? word : `${index > 0 ? ' ' : ''}${word}`);
        appended = true;
      }
      // A word that changes a block's depth starts a new param unless it joined one.
      const depths = [print, block, comment];
      print = depthAfter(word, print, '{{', '}}');
      block = depthAfter(word, block, '{%', '%}');
      comment = depthAfter(word, comment, '{#', '#}');
      if (!appended && (depths[0] !== print || depths[1] !== block || depths[2] !== comment)) {
        params.push(word);
        appended = true;
      }
      if (print === 0 && block === 0 && comment === 0 && !quoted && !appended && word !== '') params.push(word);
    });
    if (lines.length > 1 && lineIndex !== lines.length - 1 && !continued) append('\n');
  });
  if (print > 0 || block > 0 || comment > 0 || quote !== undefined) throw new KvSplitError(input);
  return params;
}

/** join_args: the free-form words back into one text, a space between them except after a newline. */
function joinArgs(words: readonly string[]): string {
  let out = '';
  for (const w of words) out += out === '' || out.endsWith('\n') ? w : ` ${w}`;
  return out;
}

/** One pair of matching quotes around a value is removed (not when the last is escaped). */
export function unquote(value: string): string {
  const quoted = value.length > 1 && (value[0] === '"' || value[0] === "'") && value[value.length - 1] === value[0] && value[value.length - 2] !== '\\';
  return quoted ? value.slice(1, -1) : value;
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
  const options: Record<string, unknown> = {};
  const raw: string[] = [];
  for (const word of splitArgs(input)) {
    const decoded = decodeEscapes(word);
    if (!decoded.includes('=')) {
      raw.push(word);
      continue;
    }
    let eq = -1;
    for (let p = decoded.indexOf('=', 1); p >= 0; p = decoded.indexOf('=', p + 1)) {
      if (decoded[p - 1] !== '\\') {
        eq = p;
        break;
      }
    }
    // Only escaped `=`: a free-form word, unescaped.
    if (eq < 0) {
      raw.push(decoded.replaceAll('\\=', '='));
      continue;
    }
    const key = decoded.slice(0, eq);
    if (rawOptions && !rawOptions.has(key)) raw.push(word);
    else options[key.trim()] = unquote(decoded.slice(eq + 1).trim());
  }
  if (raw.length) options['_raw_params'] = joinArgs(raw);
  return options;
}
