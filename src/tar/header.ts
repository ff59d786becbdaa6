// One 512-byte tar header block, decoded and encoded (POSIX.1-2001 ustar and pax, GNU, v7). The
// block alone; extended headers (pax 'x'/'g', GNU 'L'/'K') are combined with it by reader.ts.
//
// Numeric fields are octal, or GNU base-256 when the first byte has its high bit set (sizes of
// 8 GiB and more, uids above 2097151, times before 1970 in GNU archives); both are read. The
// checksum is accepted signed or unsigned, as Go's archive/tar and GNU tar accept it (some old
// writers summed signed chars).

import { decodeBytes, isPlainAscii } from './text.js';
import { TarFormatError, type EntryType } from './types.js';

export const BLOCK = 512;

/** The fields of one header block as they are, before extended headers are applied. */
export interface RawHeader {
  name: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  typeflag: string;
  linkname: string;
  uname: string;
  gname: string;
  devmajor: number;
  devminor: number;
  format: 'ustar' | 'gnu' | 'v7';
  /** GNU format only (the bytes ustar uses for the prefix). */
  atime?: number;
  ctime?: number;
}

const TYPES: Record<string, EntryType> = {
  '0': 'file',
  '\0': 'file',
  '1': 'link',
  '2': 'symlink',
  '3': 'character-device',
  '4': 'block-device',
  '5': 'directory',
  '6': 'fifo',
  '7': 'contiguous-file',
  g: 'pax-global-header',
};

const FLAGS: Record<EntryType, string> = {
  file: '0',
  link: '1',
  symlink: '2',
  'character-device': '3',
  'block-device': '4',
  directory: '5',
  fifo: '6',
  'contiguous-file': '7',
  'pax-global-header': 'g',
};

export function entryTypeOf(typeflag: string): EntryType | null {
  return TYPES[typeflag] ?? null;
}

export function typeflagOf(type: EntryType): string {
  return FLAGS[type];
}

export function isZeroBlock(block: Buffer): boolean {
  for (let i = 0; i < BLOCK; i++) if (block[i] !== 0) return false;
  return true;
}

/** Decodes a non-zero header block; TarFormatError if its checksum does not match. */
export function decodeHeaderBlock(block: Buffer): RawHeader {
  if (!checksumMatches(block)) throw new TarFormatError('bad header checksum (not a tar archive, or a corrupt one)');
  const magic = block.toString('latin1', 257, 265);
  const format = magic === 'ustar  \0' ? 'gnu' : magic.startsWith('ustar\0') ? 'ustar' : 'v7';
  let name = text(block, 0, 100);
  // The prefix field exists in POSIX ustar only; GNU keeps atime/ctime (and more) there.
  if (format === 'ustar') {
    const prefix = text(block, 345, 155);
    if (prefix !== '') name = `${prefix}/${name}`;
  }
  const header: RawHeader = {
    name,
    mode: numeric(block, 100, 8, 'mode'),
    uid: numeric(block, 108, 8, 'uid'),
    gid: numeric(block, 116, 8, 'gid'),
    size: numeric(block, 124, 12, 'size'),
    mtime: numeric(block, 136, 12, 'mtime'),
    typeflag: String.fromCharCode(block[156] ?? 0),
    linkname: text(block, 157, 100),
    uname: format === 'v7' ? '' : text(block, 265, 32),
    gname: format === 'v7' ? '' : text(block, 297, 32),
    devmajor: format === 'v7' ? 0 : numeric(block, 329, 8, 'devmajor'),
    devminor: format === 'v7' ? 0 : numeric(block, 337, 8, 'devminor'),
    format,
  };
  if (header.size < 0) throw new TarFormatError('negative size in a tar header');
  if (format === 'gnu') {
    const atime = numeric(block, 345, 12, 'atime');
    const ctime = numeric(block, 357, 12, 'ctime');
    if (atime !== 0) header.atime = atime;
    if (ctime !== 0) header.ctime = ctime;
  }
  return header;
}

/** The fields of a POSIX ustar block to write; strings must already fit (see fitsField). */
export interface BlockFields {
  name: Buffer;
  prefix: Buffer;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  typeflag: string;
  linkname: Buffer;
  uname: Buffer;
  gname: Buffer;
  devmajor: number;
  devminor: number;
  /** 'gnu' writes the GNU magic (for GNU 'L'/'K' members); default ustar. */
  format?: 'ustar' | 'gnu';
}

/** One header block. A number too large for its octal field is written base-256 (as GNU tar and Go do). */
export function encodeHeaderBlock(fields: BlockFields): Buffer {
  const block = Buffer.alloc(BLOCK);
  fields.name.copy(block, 0, 0, 100);
  writeNumber(block, 100, 8, fields.mode);
  writeNumber(block, 108, 8, fields.uid);
  writeNumber(block, 116, 8, fields.gid);
  writeNumber(block, 124, 12, fields.size);
  writeNumber(block, 136, 12, fields.mtime);
  block.write(fields.typeflag, 156, 1, 'latin1');
  fields.linkname.copy(block, 157, 0, 100);
  block.write(fields.format === 'gnu' ? 'ustar  \0' : 'ustar\u000000', 257, 8, 'latin1');
  fields.uname.copy(block, 265, 0, 32);
  fields.gname.copy(block, 297, 0, 32);
  writeNumber(block, 329, 8, fields.devmajor);
  writeNumber(block, 337, 8, fields.devminor);
  if (fields.format !== 'gnu') fields.prefix.copy(block, 345, 0, 155);
  writeChecksum(block);
  return block;
}

/** The largest value a numeric field holds in octal: `width - 1` digits and a NUL. */
export function octalLimit(width: number): number {
  return 8 ** (width - 1) - 1;
}

/** A string field that holds `text` exactly: plain ASCII (what every reader decodes alike) and short enough. */
export function fitsField(value: string, width: number): boolean {
  return value.length <= width && isPlainAscii(value);
}

/** Go's formatOctal: zero-padded octal and a NUL; base-256 past that (negative values too). */
function writeNumber(block: Buffer, offset: number, width: number, value: number): void {
  if (!Number.isSafeInteger(value)) throw new TarFormatError(`tar header number ${value} is not an integer`);
  if (value >= 0 && value <= octalLimit(width)) {
    block.write(`${value.toString(8).padStart(width - 1, '0')}\0`, offset, width, 'latin1');
    return;
  }
  // Base-256: big-endian two's complement, the first byte's high bit set as the marker.
  let v = BigInt(value);
  const limit = 1n << BigInt(8 * width - 2);
  if (v >= limit || v < -limit) throw new TarFormatError(`tar header number ${value} does not fit ${width} bytes`);
  for (let i = width - 1; i >= 0; i--) {
    block[offset + i] = Number(v & 0xffn);
    v >>= 8n;
  }
  block[offset] = (block[offset] ?? 0) | 0x80;
}

function writeChecksum(block: Buffer): void {
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += block[i] ?? 0;
  // Six digits, NUL, space: what GNU tar and Go write.
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'latin1');
}

/** A NUL-terminated (or full-width) string field, bytes kept (text.ts). */
function text(block: Buffer, start: number, length: number): string {
  const slice = block.subarray(start, start + length);
  const nul = slice.indexOf(0);
  return decodeBytes(nul < 0 ? slice : slice.subarray(0, nul));
}

/** Octal (spaces and NULs around it ignored) or base-256 (Go's parseNumeric). */
function numeric(block: Buffer, start: number, length: number, field: string): number {
  const first = block[start] ?? 0;
  if (first & 0x80) {
    const negative = (first & 0x40) !== 0;
    let value = 0n;
    for (let i = 0; i < length; i++) {
      let byte = block[start + i] ?? 0;
      if (negative) byte ^= 0xff;
      if (i === 0) byte &= 0x7f;
      value = (value << 8n) | BigInt(byte);
    }
    if (negative) value = -value - 1n;
    if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < -BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new TarFormatError(`tar header ${field} does not fit a safe integer`);
    }
    return Number(value);
  }
  const raw = block.toString('latin1', start, start + length).replace(/^[ \0]+|[ \0]+$/g, '');
  if (raw === '') return 0;
  if (!/^[0-7]+$/.test(raw)) throw new TarFormatError(`invalid ${field} field in a tar header`);
  return parseInt(raw, 8);
}

function checksumMatches(block: Buffer): boolean {
  const raw = block.toString('latin1', 148, 156).replace(/^[ \0]+|[ \0]+$/g, '');
  if (!/^[0-7]+$/.test(raw)) return false;
  const stored = parseInt(raw, 8);
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : (block[i] ?? 0);
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  return stored === unsigned || stored === signed;
}
