// Names in a tar are bytes. POSIX pax says path/linkpath records are UTF-8, but ustar fields,
// GNU long names and `hdrcharset=BINARY` records hold whatever the writer's filesystem had, and
// Linux names are bytes too. To keep every name a string (what the rest of Stowage and node:fs
// take) without losing bytes, undecodable bytes become lone surrogates U+DC80..U+DCFF (Python's
// "surrogateescape", PEP 383) and go back to the same byte on encoding: decode→encode is the
// identity on any byte string, and valid UTF-8 decodes as usual.

const fatal = new TextDecoder('utf-8', { fatal: true });

/** Lone surrogates only (the `u` flag treats a surrogate pair as one code point). */
const ESCAPED = /[\uDC80-\uDCFF]/u;

/** Bytes to a string, invalid UTF-8 bytes escaped as U+DC80+byte. */
export function decodeBytes(bytes: Uint8Array): string {
  try {
    return fatal.decode(bytes);
  } catch {
    return decodeEscaping(bytes);
  }
}

/** The bytes a string stands for: UTF-8, with escaped bytes restored. */
export function encodeText(text: string): Buffer {
  if (!ESCAPED.test(text)) return Buffer.from(text, 'utf8');
  const parts: Buffer[] = [];
  let run = '';
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    if (code >= 0xdc80 && code <= 0xdcff) {
      if (run !== '') parts.push(Buffer.from(run, 'utf8'));
      run = '';
      parts.push(Buffer.from([code - 0xdc00]));
    } else run += ch;
  }
  if (run !== '') parts.push(Buffer.from(run, 'utf8'));
  return Buffer.concat(parts);
}

/** True when the string holds escaped (non-UTF-8) bytes: such a name cannot be passed to node:fs as a string. */
export function hasEscapedBytes(text: string): boolean {
  return ESCAPED.test(text);
}

/** True when every character is 7-bit ASCII with no NUL (what a ustar string field holds portably). */
export function isPlainAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0 || c > 0x7f) return false;
  }
  return true;
}

function decodeEscaping(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  while (i < bytes.length) {
    const length = sequenceLength(bytes, i);
    if (length === 0) {
      out += String.fromCharCode(0xdc00 + (bytes[i] ?? 0));
      i++;
    } else {
      out += fatal.decode(bytes.subarray(i, i + length));
      i += length;
    }
  }
  return out;
}

/** The length of the valid UTF-8 sequence at `i` (RFC 3629: no overlongs, no surrogates, ≤ U+10FFFF), 0 if invalid. */
function sequenceLength(bytes: Uint8Array, i: number): number {
  const b0 = bytes[i] ?? 0;
  if (b0 < 0x80) return 1;
  let length: number;
  let min: number;
  let max = 0xbf;
  if (b0 >= 0xc2 && b0 <= 0xdf) {
    length = 2;
    min = 0x80;
  } else if (b0 >= 0xe0 && b0 <= 0xef) {
    length = 3;
    min = b0 === 0xe0 ? 0xa0 : 0x80;
    if (b0 === 0xed) max = 0x9f;
  } else if (b0 >= 0xf0 && b0 <= 0xf4) {
    length = 4;
    min = b0 === 0xf0 ? 0x90 : 0x80;
    if (b0 === 0xf4) max = 0x8f;
  } else return 0;
  if (i + length > bytes.length) return 0;
  const b1 = bytes[i + 1] ?? 0;
  if (b1 < min || b1 > max) return 0;
  for (let k = 2; k < length; k++) {
    const b = bytes[i + k] ?? 0;
    if (b < 0x80 || b > 0xbf) return 0;
  }
  return length;
}
