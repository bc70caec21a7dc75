/**
 * A minimal tar writer (POSIX ustar, plus a pax header for names longer than ustar allows): the
 * Docker engine takes tar for build contexts and for copying files into containers, and the few
 * entries we send do not justify a dependency.
 */

export interface TarEntry {
  /** Path inside the archive, relative, with '/' separators; a trailing '/' is not needed for directories. */
  name: string;
  type?: 'file' | 'directory';
  data?: Buffer | string;
  /** Permission bits (default 0o644 for files, 0o755 for directories). */
  mode?: number;
  uid?: number;
  gid?: number;
  uname?: string;
  gname?: string;
  /** Seconds since the epoch (default 0: stable bytes, so a build context hashes the same every time). */
  mtime?: number;
}

const BLOCK = 512;

function octal(value: number, width: number): string {
  const digits = Math.trunc(value).toString(8);
  if (digits.length > width - 1) throw new Error(`tar: value ${value} does not fit in ${width - 1} octal digits`);
  return digits.padStart(width - 1, '0') + '\0';
}

function put(header: Buffer, offset: number, width: number, text: string): void {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length > width) throw new Error(`tar: '${text}' is longer than ${width} bytes`);
  bytes.copy(header, offset);
}

/** Splits a path into ustar's prefix (155 bytes) and name (100 bytes), or undefined when it cannot. */
function splitName(name: string): { prefix: string; name: string } | undefined {
  if (Buffer.byteLength(name) <= 100) return { prefix: '', name };
  for (let i = name.indexOf('/'); i >= 0; i = name.indexOf('/', i + 1)) {
    const prefix = name.slice(0, i);
    const rest = name.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(rest) <= 100 && rest !== '') return { prefix, name: rest };
  }
  return undefined;
}

function header(fields: { name: string; prefix: string; type: string; size: number; mode: number; uid: number; gid: number; uname: string; gname: string; mtime: number }): Buffer {
  const h = Buffer.alloc(BLOCK);
  put(h, 0, 100, fields.name);
  put(h, 100, 8, octal(fields.mode & 0o7777, 8));
  put(h, 108, 8, octal(fields.uid, 8));
  put(h, 116, 8, octal(fields.gid, 8));
  put(h, 124, 12, octal(fields.size, 12));
  put(h, 136, 12, octal(fields.mtime, 12));
  h.fill(' ', 148, 156); // the checksum is computed with its own field as spaces
  put(h, 156, 1, fields.type);
  put(h, 257, 6, 'ustar\0');
  put(h, 263, 2, '00');
  put(h, 265, 32, fields.uname);
  put(h, 297, 32, fields.gname);
  put(h, 345, 155, fields.prefix);
  let sum = 0;
  for (const byte of h) sum += byte;
  put(h, 148, 8, sum.toString(8).padStart(6, '0') + '\0 ');
  return h;
}

function padded(data: Buffer): Buffer[] {
  const rest = data.length % BLOCK;
  return rest === 0 ? [data] : [data, Buffer.alloc(BLOCK - rest)];
}

/** A pax extended header record: "<length> <key>=<value>\n", the length counting itself. */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let len = Buffer.byteLength(body);
  while (String(len).length + Buffer.byteLength(body) !== len) len = String(len).length + Buffer.byteLength(body);
  return `${len}${body}`;
}

/** The archive's bytes: each entry's header and data, then the two zero blocks that end a tar. */
export function createTar(entries: readonly TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    const isDir = entry.type === 'directory';
    const name = entry.name.replace(/^\/+/, '').replace(/\/+$/, '') + (isDir ? '/' : '');
    if (name === '' || name === '/') throw new Error('tar: an entry needs a name');
    const data = isDir ? Buffer.alloc(0) : Buffer.from(entry.data ?? '');
    const common = {
      size: data.length,
      mode: entry.mode ?? (isDir ? 0o755 : 0o644),
      uid: entry.uid ?? 0,
      gid: entry.gid ?? 0,
      uname: entry.uname ?? '',
      gname: entry.gname ?? '',
      mtime: entry.mtime ?? 0,
    };
    let split = splitName(name);
    if (!split) {
      const pax = Buffer.from(paxRecord('path', name), 'utf8');
      parts.push(header({ ...common, name: 'PaxHeader', prefix: '', type: 'x', size: pax.length, mode: 0o644 }), ...padded(pax));
      // Readers without pax support see the last path component, shortened to fit.
      let short = name.split('/').filter(Boolean).pop() ?? 'entry';
      while (Buffer.byteLength(short) > 100) short = short.slice(1);
      split = { prefix: '', name: short };
    }
    parts.push(header({ ...common, ...split, type: isDir ? '5' : '0' }), ...padded(data));
  }
  parts.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(parts);
}
