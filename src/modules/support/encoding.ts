/** Text to bytes in the encodings the template module's output_encoding names (Python codec names). */

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

/** str.encode(codec) for the common codecs; unknown codec names are an error. */
export function encodeText(text: string, encoding: string): Buffer {
  const codec = encoding.toLowerCase().replace(/_/g, '-');
  if (['utf-8', 'utf8', 'u8'].includes(codec)) return Buffer.from(text, 'utf8');
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
