/**
 * authorized_key's planner, pure: an authorized_keys file parsed as ansible.posix's module parses
 * it (a line is a key when one of its words is an SSH key type; the words before it are options,
 * the one after it the key, the rest the comment; anything else is kept as it is), the wanted keys
 * merged in or taken out, and the file written back as that module writes it. The quirks are
 * Ansible's, so that a file Ansible leaves alone is left alone here, and one it rewrites comes out
 * byte for byte the same: entries are keyed by the key (a key listed twice keeps one line, the
 * last; identical lines that are not keys keep one), a key without a comment is written with a
 * trailing space, and options compare as a mapping (their order does not matter).
 */

const KEY_TYPES = new Set([
  'sk-ecdsa-sha2-nistp256@openssh.com',
  'sk-ecdsa-sha2-nistp256-cert-v01@openssh.com',
  'webauthn-sk-ecdsa-sha2-nistp256@openssh.com',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp256-cert-v01@openssh.com',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp384-cert-v01@openssh.com',
  'ecdsa-sha2-nistp521',
  'ecdsa-sha2-nistp521-cert-v01@openssh.com',
  'sk-ssh-ed25519@openssh.com',
  'sk-ssh-ed25519-cert-v01@openssh.com',
  'ssh-ed25519',
  'ssh-ed25519-cert-v01@openssh.com',
  'ssh-dss',
  'ssh-rsa',
  'ssh-xmss@openssh.com',
  'ssh-xmss-cert-v01@openssh.com',
  'rsa-sha2-256',
  'rsa-sha2-512',
  'ssh-rsa-cert-v01@openssh.com',
  'rsa-sha2-256-cert-v01@openssh.com',
  'rsa-sha2-512-cert-v01@openssh.com',
  'ssh-dss-cert-v01@openssh.com',
]);

/** Key options in their order, a flag's value null; a name may repeat. */
export type KeyOptions = readonly (readonly [string, string | null])[];

/** A key of the file (or a wanted one). */
export interface SshKey {
  readonly kind: 'key';
  readonly type: string;
  readonly key: string;
  readonly options: KeyOptions;
  readonly comment: string;
  readonly rank: number;
}

/** A line of the file: a key, or a line kept as it is (a comment, a blank line, anything not a key). */
export type KeyEntry = { readonly kind: 'kept'; readonly line: string; readonly rank: number } | SshKey;

/** Python's str.splitlines: every line boundary Python knows, kept on the line when `keepends`. */
export function pySplitLines(text: string, keepends: boolean): string[] {
  const out: string[] = [];
  const boundary = /\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/g;
  let start = 0;
  for (let m = boundary.exec(text); m; m = boundary.exec(text)) {
    out.push(text.slice(start, keepends ? m.index + m[0].length : m.index));
    start = m.index + m[0].length;
  }
  if (start < text.length) out.push(text.slice(start));
  return out;
}

/** `key_options` as the module reads them: split on the commas outside quotes, `name=value` or a flag. */
export function parseKeyOptions(options: string | null): KeyOptions {
  if (!options) return [];
  const parts = options.split(/((?:[^,"']|"[^"]*"|'[^']*')+)/).slice(1, -1);
  const out: [string, string | null][] = [];
  for (const part of parts) {
    const eq = part.indexOf('=');
    if (eq >= 0) out.push([part.slice(0, eq), part.slice(eq + 1)]);
    else if (part !== ',') out.push([part, null]);
  }
  return out;
}

/** One line (or a wanted key): a key entry, a kept line for a comment, or null when no key type is found. */
export function parseKeyLine(raw: string, rank: number): KeyEntry | null {
  const text = raw.replace(/\\#/g, '#');
  // Python's shlex with no quotes, no comments and whitespace_split: words between whitespace.
  const words = text.split(/[ \t\r\n]+/).filter((w) => w !== '');
  if (words[0] === '#') return { kind: 'kept', line: text, rank };
  const at = words.findIndex((w) => KEY_TYPES.has(w));
  // A key type without a key after it is a line Ansible cannot parse (its module stops with a traceback); here it is no key.
  if (at < 0 || at + 1 >= words.length) return null;
  return { kind: 'key', type: words[at]!, key: words[at + 1]!, options: parseKeyOptions(at > 0 ? words.slice(0, at).join(' ') : null), comment: words.slice(at + 2).join(' '), rank };
}

/** The file's entries by their key (a line that is no key is its own key), in the order first seen. */
export function parseKeyFile(content: string): Map<string, KeyEntry> {
  const entries = new Map<string, KeyEntry>();
  pySplitLines(content, true).forEach((line, rank) => {
    const entry = parseKeyLine(line, rank);
    if (entry?.kind === 'key') entries.set(entry.key, entry);
    else if (entry) entries.set(entry.line, entry);
    else entries.set(line, { kind: 'kept', line, rank });
  });
  return entries;
}

function sameOptions(a: KeyOptions, b: KeyOptions): boolean {
  const group = (o: KeyOptions): Map<string, (string | null)[]> => {
    const m = new Map<string, (string | null)[]>();
    for (const [k, v] of o) m.set(k, [...(m.get(k) ?? []), v]);
    return m;
  };
  const ga = group(a);
  const gb = group(b);
  if (ga.size !== gb.size) return false;
  for (const [k, va] of ga) {
    const vb = gb.get(k);
    if (!vb || vb.length !== va.length || va.some((v, i) => v !== vb[i])) return false;
  }
  return true;
}

function sameKey(a: KeyEntry, b: KeyEntry): boolean {
  if (a.kind === 'kept' || b.kind === 'kept') return a.kind === 'kept' && b.kind === 'kept' && a.line === b.line;
  return a.type === b.type && a.key === b.key && a.comment === b.comment && sameOptions(a.options, b.options);
}

/** The file's text from its entries, in rank order (a stable sort: equal ranks keep their order). */
export function serializeKeys(entries: Map<string, KeyEntry>): string {
  return [...entries.values()]
    .sort((a, b) => a.rank - b.rank)
    .map((e) => {
      if (e.kind === 'kept') return e.line;
      const options = e.options.length > 0 ? `${e.options.map(([k, v]) => (v === null ? k : `${k}=${v}`)).join(',')} ` : '';
      return `${options}${e.type} ${e.key} ${e.comment}\n`;
    })
    .join('');
}

export interface WantedKeys {
  /** The key text: one key a line; blank lines and lines starting with # are ignored. */
  key: string;
  state: 'present' | 'absent';
  keyOptions: string | null;
  exclusive: boolean;
  comment: string | null;
}

export type KeyPlan = { error: string } | { changed: boolean; content: string };

/** What the file becomes: the module's enforce_state on the file's current text ('' when absent). */
export function planAuthorizedKeys(wanted: WantedKeys, existing: string): KeyPlan {
  const entries = parseKeyFile(existing);
  const newKeys = pySplitLines(wanted.key, false).filter((l) => l !== '' && !l.startsWith('#'));
  const keep: string[] = [];
  const base = entries.size;
  let changed = false;
  for (const [index, line] of newKeys.entries()) {
    const parsed = parseKeyLine(line, index);
    if (!parsed || parsed.kind === 'kept') return { error: `invalid key specified: ${line}` };
    let entry: SshKey = parsed;
    if (wanted.keyOptions !== null) entry = { ...entry, options: parseKeyOptions(wanted.keyOptions) };
    if (wanted.comment !== null) entry = { ...entry, comment: wanted.comment };
    const current = entries.get(entry.key);
    const matched = current !== undefined && (wanted.state !== 'present' || sameKey(entry, current));
    if (wanted.state === 'present') {
      keep.push(entry.key);
      if (current !== undefined && !matched) {
        entries.delete(entry.key);
        changed = true;
      }
      if (!matched) {
        entries.set(entry.key, { ...entry, rank: base + entry.rank });
        changed = true;
      }
    } else if (matched) {
      entries.delete(entry.key);
      changed = true;
    }
  }
  if (wanted.state === 'present' && wanted.exclusive) {
    for (const k of [...entries.keys()]) {
      if (!keep.includes(k)) {
        entries.delete(k);
        changed = true;
      }
    }
  }
  return { changed, content: changed ? serializeKeys(entries) : existing };
}
