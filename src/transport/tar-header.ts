import { StowageError } from '../errors/error.js';

/**
 * Decoding of one tar header block (POSIX pax/ustar, GNU and v7 variants), for tar-index.ts.
 * Only what locating members needs: name, type, size, link name.
 */

export const BLOCK = 512;

export interface TarHeader {
  name: string;
  /** The typeflag character ('0', '\0', '5', 'x', 'L', ...). */
  type: string;
  size: number;
  linkname: string;
}

/** The header at `offset`, or undefined for a zero block (end of archive). */
export function parseTarHeader(block: Buffer, file: string, offset: number): TarHeader | undefined {
  if (block.every((b) => b === 0)) return undefined;
  if (!checksumMatches(block)) {
    throw new StowageError('MANIFEST_INVALID', `${file} is not a tar archive (bad header checksum at offset ${offset})`);
  }
  let name = field(block, 0, 100);
  // POSIX ustar ("ustar\0") splits long names into prefix + name; the GNU magic ("ustar  ")
  // uses those bytes for other fields, so the prefix applies to ustar only.
  if (block.toString('latin1', 257, 263) === 'ustar\0') {
    const prefix = field(block, 345, 155);
    if (prefix !== '') name = `${prefix}/${name}`;
  }
  const type = String.fromCharCode(block[156] ?? 0);
  return { name, type, size: parseSize(block.subarray(124, 136), file, offset), linkname: field(block, 157, 100) };
}

/** Records of a pax extended header: `"<len> <key>=<value>\n"` (POSIX pax, "pax Header Block"). */
export function parsePaxRecords(data: Buffer, file: string): { path?: string; linkpath?: string; size?: number } {
  const out: { path?: string; linkpath?: string; size?: number } = {};
  let pos = 0;
  while (pos < data.length) {
    if (data[pos] === 0) break; // padding some writers leave
    const space = data.indexOf(0x20, pos);
    const length = space < 0 ? NaN : Number(data.toString('latin1', pos, space));
    if (!Number.isSafeInteger(length) || length <= 0 || pos + length > data.length || data[pos + length - 1] !== 0x0a) {
      throw new StowageError('MANIFEST_INVALID', `${file}: malformed pax header record`);
    }
    const record = data.toString('utf8', space + 1, pos + length - 1);
    const eq = record.indexOf('=');
    if (eq < 0) throw new StowageError('MANIFEST_INVALID', `${file}: malformed pax header record`);
    const key = record.slice(0, eq);
    const value = record.slice(eq + 1);
    if (key === 'path') out.path = value;
    else if (key === 'linkpath') out.linkpath = value;
    else if (key === 'size') {
      const size = Number(value);
      if (!/^[0-9]+$/.test(value) || !Number.isSafeInteger(size)) {
        throw new StowageError('MANIFEST_INVALID', `${file}: invalid pax size ${JSON.stringify(value.slice(0, 40))}`);
      }
      out.size = size;
    }
    pos += length;
  }
  return out;
}

/** NUL-terminated (or full-width) string field. */
function field(block: Buffer, start: number, length: number): string {
  const slice = block.subarray(start, start + length);
  const nul = slice.indexOf(0);
  return slice.subarray(0, nul < 0 ? length : nul).toString('utf8');
}

/**
 * The size field: octal digits (NUL/space padded), or GNU base-256 when the high bit of the
 * first byte is set (sizes of 8 GiB and more do not fit 11 octal digits).
 */
function parseSize(raw: Buffer, file: string, offset: number): number {
  const first = raw[0] ?? 0;
  if (first & 0x80) {
    if (first === 0xff) throw new StowageError('MANIFEST_INVALID', `${file}: negative size in the tar header at ${offset}`);
    let value = BigInt(first & 0x7f);
    for (let i = 1; i < raw.length; i++) value = (value << 8n) | BigInt(raw[i] ?? 0);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new StowageError('MANIFEST_INVALID', `${file}: tar member at ${offset} is too large`);
    }
    return Number(value);
  }
  const text = raw.toString('latin1').replace(/[\0 ]+$/, '').replace(/^ +/, '');
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw new StowageError('MANIFEST_INVALID', `${file}: invalid size in the tar header at ${offset}`);
  return parseInt(text, 8);
}

/** The header checksum: the sum of all bytes with the checksum field read as spaces (unsigned; some old writers used signed). */
function checksumMatches(block: Buffer): boolean {
  const stored = parseInt(block.toString('latin1', 148, 156).replace(/[\0 ]+$/, '').trim(), 8);
  if (!Number.isFinite(stored)) return false;
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : (block[i] ?? 0);
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  return stored === unsigned || stored === signed;
}
