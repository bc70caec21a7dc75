/**
 * Text to bytes and back in Python's codecs (template's output_encoding, replace's encoding). UTF-8
 * is read with surrogateescape, as Ansible's to_text(errors='surrogate_or_strict') does: a byte that
 * is not valid UTF-8 becomes a lone surrogate (U+DC80 + byte) and is written back as that byte.
 */

import { TextDecoder } from 'node:util';

// cp1252 differs from latin1 only in 0x80-0x9f.
const CP1252_HIGH = '\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178';

export class EncodingError extends Error {
  override name = 'EncodingError';
}

function singleByte(text: string, codec: string, byteOf: (code: number) => number | undefined): Buffer {
  const out = Buffer.alloc(text.length);
  for (let i = 0; i < text.length; i++) {
    const b = byteOf(text.charCodeAt(i));
    if (b === undefined) throw new EncodingError(`'${codec}' codec can't encode character '\\u${text.charCodeAt(i).toString(16).padStart(4, '0')}' in position ${i}`);
    out[i] = b;
  }
  return out;
}

const UTF8 = ['utf-8', 'utf8', 'u8'];

/** UTF-8 with surrogateescape: lone surrogates U+DC80..U+DCFF are the bytes 0x80..0xff. */
function utf8Encode(text: string): Buffer {
  if (!/[\udc80-\udcff]/.test(text)) return Buffer.from(text, 'utf8');
  const parts: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const paired = c >= 0xdc00 && c <= 0xdfff && i > 0 && text.charCodeAt(i - 1) >= 0xd800 && text.charCodeAt(i - 1) <= 0xdbff;
    if (c >= 0xdc80 && c <= 0xdcff && !paired) {
      parts.push(Buffer.from(text.slice(start, i), 'utf8'), Buffer.from([c - 0xdc00]));
      start = i + 1;
    }
  }
  parts.push(Buffer.from(text.slice(start), 'utf8'));
  return Buffer.concat(parts);
}

/** The length of the valid UTF-8 sequence at `i`, or 0 (Python's strict decoder's rules). */
function utf8Sequence(bytes: Buffer, i: number): number {
  const b = bytes[i]!;
  if (b < 0x80) return 1;
  const cont = (k: number, lo = 0x80, hi = 0xbf): boolean => i + k < bytes.length && bytes[i + k]! >= lo && bytes[i + k]! <= hi;
  if (b >= 0xc2 && b <= 0xdf) return cont(1) ? 2 : 0;
  if (b === 0xe0) return cont(1, 0xa0) && cont(2) ? 3 : 0;
  if (b === 0xed) return cont(1, 0x80, 0x9f) && cont(2) ? 3 : 0;
  if (b >= 0xe1 && b <= 0xef) return cont(1) && cont(2) ? 3 : 0;
  if (b === 0xf0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  if (b >= 0xf1 && b <= 0xf3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (b === 0xf4) return cont(1, 0x80, 0x8f) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}

/**
 * bytes.decode(codec, errors='surrogateescape') for UTF-8 (errors='strict' when `strict`, as
 * Python's open() reads text); other codecs through TextDecoder (strict).
 */
export function decodeText(data: Buffer, encoding: string, strict = false): string {
  const codec = encoding.toLowerCase().replace(/_/g, '-');
  if (UTF8.includes(codec) && !strict) {
    let out = '';
    let start = 0;
    for (let i = 0; i < data.length; ) {
      const n = utf8Sequence(data, i);
      if (n > 0) {
        i += n;
        continue;
      }
      out += data.subarray(start, i).toString('utf8') + String.fromCharCode(0xdc00 + data[i]!);
      start = ++i;
    }
    return out + data.subarray(start).toString('utf8');
  }
  if (['latin-1', 'latin1', 'iso-8859-1', 'iso8859-1', 'l1'].includes(codec)) return data.toString('latin1');
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(codec, { fatal: true });
  } catch {
    throw new EncodingError(`unknown encoding: ${encoding}`);
  }
  try {
    return decoder.decode(data);
  } catch {
    throw new EncodingError(`'${encoding}' codec can't decode the file's bytes`);
  }
}

/** str.encode(codec) for the common codecs; unknown codec names are an error. */
export function encodeText(text: string, encoding: string): Buffer {
  const codec = encoding.toLowerCase().replace(/_/g, '-');
  if (UTF8.includes(codec)) return utf8Encode(text);
  if (['utf-16-le', 'utf-16le'].includes(codec)) return Buffer.from(text, 'utf16le');
  if (['utf-16', 'utf16'].includes(codec)) return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
  if (['ascii', 'us-ascii'].includes(codec)) return singleByte(text, 'ascii', (c) => (c < 0x80 ? c : undefined));
  if (['latin-1', 'latin1', 'iso-8859-1', 'iso8859-1', 'l1'].includes(codec)) return singleByte(text, 'latin-1', (c) => (c < 0x100 ? c : undefined));
  if (['cp1252', 'windows-1252'].includes(codec)) {
    return singleByte(text, 'charmap', (c) => {
      const high = CP1252_HIGH.indexOf(String.fromCharCode(c));
      if (high >= 0 && !'\u0081\u008d\u008f\u0090\u009d'.includes(String.fromCharCode(c))) return 0x80 + high;
      return c < 0x80 || (c >= 0xa0 && c < 0x100) ? c : undefined;
    });
  }
  throw new EncodingError(`unknown encoding: ${encoding}`);
}
