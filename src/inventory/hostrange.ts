/**
 * Host names as inventories write them: `name:port`, `[ipv6]:port`, and ranges that stand for
 * several hosts (`gpu[01:04]`, `node[a:c]`, `web[1:10:2]`, several ranges in one name). The
 * address grammar is Ansible's parse_address (hostnames, IPv4 and IPv6, each allowing ranges).
 */
import { InventoryError } from './errors.js';

const NUMERIC_RANGE = String.raw`\[(?:[0-9]+:[0-9]+)(?::[0-9]+)?\]`;
const HEX_RANGE = String.raw`\[(?:[0-9a-f]+:[0-9a-f]+)(?::[0-9]+)?\]`;
const ALPHANUMERIC_RANGE = String.raw`\[(?:[a-z]:[a-z]|[0-9]+:[0-9]+)(?::[0-9]+)?\]`;
// Python's \w with re.UNICODE.
const WORD = String.raw`[\p{L}\p{N}\p{Mn}\p{Pc}]`;
const LABEL = String.raw`(?:${WORD}|${ALPHANUMERIC_RANGE})(?:${WORD}|-|${ALPHANUMERIC_RANGE})*(?<![_-])`;
const IPV4_PART = String.raw`(?:[01]?[0-9]{1,2}|2[0-4][0-9]|25[0-5]|${NUMERIC_RANGE})`;
const IPV6_PART = String.raw`(?:[0-9a-f]{1,4}|${HEX_RANGE})`;
const IPV4_TAIL = String.raw`(?:${IPV4_PART}\.){3}${IPV4_PART}`;

function ipv6Pattern(): string {
  const p = IPV6_PART;
  const compressed: string[] = [];
  for (let head = 2; head <= 6; head++) compressed.push(`(?:${p}:){${head}}(?::${p}){1,${7 - head}}`);
  const forms = [
    `(?:${p}:){7}${p}`,
    `(?:${p}:){1,6}:`,
    `(?:${p}:)(?::${p}){1,6}`,
    ...compressed,
    `:(?::${p}){1,6}`,
    `${p}?::`,
    `(?:0:){6}${IPV4_TAIL}`,
    `::(?:ffff:)?${IPV4_TAIL}`,
    `(?:0:){5}ffff:${IPV4_TAIL}`,
  ];
  return forms.join('|');
}

const ADDRESS = {
  bracketedHostPort: /^\[(.+)\]:([0-9]+)$/su,
  hostPort: /^((?:[^:[\]]|\[[^\]]*\])*):([0-9]+)$/su,
  ipv4: new RegExp(`^${IPV4_TAIL}$`, 'iu'),
  ipv6: new RegExp(`^(?:${ipv6Pattern()})$`, 'iu'),
  hostname: new RegExp(`^${LABEL}(?:\\.${LABEL})*$`, 'iu'),
};

export function isIpAddress(name: string): boolean {
  return ADDRESS.ipv4.test(name) || ADDRESS.ipv6.test(name);
}

/**
 * Splits `host:port` / `[host]:port` and checks that what is left is a hostname or an IP address
 * (ranges allowed). Returns undefined where Ansible's parse_address raises.
 */
export function parseAddress(address: string, allowRanges: boolean): { host: string; port: number | undefined } | undefined {
  let host = address;
  let port: number | undefined;
  for (const pattern of [ADDRESS.bracketedHostPort, ADDRESS.hostPort]) {
    const m = pattern.exec(host);
    if (m) {
      host = m[1] ?? '';
      port = Number.parseInt(m[2] ?? '', 10);
    }
  }
  if (!(ADDRESS.ipv4.test(host) || ADDRESS.ipv6.test(host) || ADDRESS.hostname.test(host))) return undefined;
  if (!allowRanges && host.includes('[')) return undefined;
  return { host, port };
}

/**
 * What a host key in an inventory stands for: the names (ranges expanded) and the port written
 * after them. A string that is not an address is taken whole, as Ansible does.
 */
export function expandHostPattern(pattern: string): { names: string[]; port: number | undefined } {
  const address = parseAddress(pattern, true);
  const base = address ? address.host : pattern;
  const port = address ? address.port : undefined;
  return { names: base.includes('[') ? expandHostRanges(base) : [base], port };
}

const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** `db[01:03]-x[a:b]` -> db01-xa, db01-xb, db02-xa, ... (first range outermost). */
export function expandHostRanges(name: string): string[] {
  // As Ansible: the text between the first '[' and the first ']' (in whichever order they come).
  const parts = name.replace('[', '|').replace(']', '|').split('|');
  if (parts.length !== 3) throw new InventoryError(`Invalid host range in '${name}'`);
  const [head = '', range = '', tail = ''] = parts;
  const bounds = range.split(':');
  if (bounds.length !== 2 && bounds.length !== 3) throw new InventoryError('host range must be begin:end or begin:end:step');
  const begin = bounds[0] || '0';
  const end = bounds[1] ?? '';
  const step = bounds.length === 3 ? pyInt(bounds[2] ?? '', name) : 1;
  if (!end) throw new InventoryError('host range must specify end value');
  let width = 0;
  if (begin.length > 1 && begin.startsWith('0')) {
    if (begin.length !== end.length) throw new InventoryError('host range must specify equal-length begin and end formats');
    width = begin.length;
  }
  if (step === 0) throw new InventoryError(`host range step must not be zero in '${name}'`);
  const items: string[] = [];
  const beginLetter = LETTERS.indexOf(begin);
  const endLetter = LETTERS.indexOf(end);
  if (beginLetter >= 0 && endLetter >= 0) {
    if (beginLetter > endLetter) throw new InventoryError('host range must have begin <= end');
    // Python's ascii_letters[begin:end + 1:step]: empty for a negative step.
    for (let i = beginLetter; step > 0 && i <= endLetter; i += step) items.push(LETTERS[i] ?? '');
  } else {
    const from = pyInt(begin, name);
    const to = pyInt(end, name) + 1;
    for (let i = from; step > 0 ? i < to : i > to; i += step) items.push(width ? zfill(i, width) : String(i));
  }
  const names: string[] = [];
  for (const item of items) {
    const expanded = head + item + tail;
    if (expanded.includes('[')) names.push(...expandHostRanges(expanded));
    else names.push(expanded);
  }
  return names;
}

function pyInt(text: string, name: string): number {
  const t = text.trim();
  if (!/^[-+]?\d+(?:_\d+)*$/.test(t)) throw new InventoryError(`Invalid host range in '${name}': '${text}' is not a number`);
  return Number.parseInt(t.replaceAll('_', ''), 10);
}

/** Python's str.zfill: pads after the sign. */
function zfill(n: number, width: number): string {
  const sign = n < 0 ? '-' : '';
  return sign + String(Math.abs(n)).padStart(width - sign.length, '0');
}
