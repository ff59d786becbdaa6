// A header to write: a POSIX ustar block when every field fits, preceded by a pax extended header
// ('x') carrying what does not (POSIX.1-2001 pax; Go's archive/tar makes the same choices, and
// GNU tar, bsdtar, docker import and podman import read them):
//  - names and link targets that are not plain ASCII or do not fit (name: 100 bytes, or a
//    155-byte prefix and a 100-byte name split at a '/'; link target: 100);
//  - user and group names that are not plain ASCII or longer than 32 bytes;
//  - uid/gid above 2097151 (7 octal digits), sizes above 8^11-1 (8 GiB - 1);
//  - mtimes before 1970, after 8^11-1 s (year 2242) or with a fraction of a second; atime/ctime;
//  - extended attributes (SCHILY.xattr.<name>, the form GNU tar, bsdtar and Go use).
// The ustar fields then hold a best effort (ASCII-only, truncated, mtime clamped to the field's
// range, ids and sizes 0 as Go writes them) for readers that ignore pax.

import { BLOCK, encodeHeaderBlock, fitsField, octalLimit, typeflagOf, type BlockFields } from './header.js';
import { encodePaxRecords, formatPaxTime } from './pax.js';
import { encodeText } from './text.js';
import { HEADER_ONLY_TYPES, TarFormatError, timestampFromDate, type TarHeader, type TarHeaderInput, type Timestamp } from './types.js';

const ID_LIMIT = octalLimit(8);
const SIZE_LIMIT = octalLimit(12);
const TIME_LIMIT = octalLimit(12);

/** Defaults filled in: a complete header as a reader would return it for these blocks. */
export function completeHeader(input: TarHeaderInput): TarHeader {
  const type = input.type === undefined ? 'file' : input.type;
  const typeflag = input.typeflag ?? (type === null ? '0' : typeflagOf(type));
  return {
    name: input.name,
    type,
    typeflag,
    mode: input.mode ?? (type === 'directory' ? 0o755 : type === 'symlink' ? 0o777 : 0o644),
    uid: input.uid ?? 0,
    gid: input.gid ?? 0,
    uname: input.uname ?? '',
    gname: input.gname ?? '',
    size: type !== null && HEADER_ONLY_TYPES.has(type) ? 0 : (input.size ?? 0),
    mtime: toTimestamp(input.mtime) ?? { seconds: 0, nanoseconds: 0 },
    ...(input.atime !== undefined ? { atime: toTimestamp(input.atime) as Timestamp } : {}),
    ...(input.ctime !== undefined ? { ctime: toTimestamp(input.ctime) as Timestamp } : {}),
    linkname: input.linkname ?? '',
    devmajor: input.devmajor ?? 0,
    devminor: input.devminor ?? 0,
    xattrs: input.xattrs ?? new Map(),
    pax: input.pax ?? new Map(),
  };
}

/** The blocks that introduce an entry: an optional pax header (with its data) and the header block. */
export function encodeHeader(input: TarHeaderInput): Buffer {
  const h = completeHeader(input);
  check(h);
  if (h.type === 'pax-global-header') return encodeExtended('g', globalName(), encodePaxRecords(sorted(h.pax)));

  const records = new Map<string, Buffer>();
  const name = encodeText(h.name);
  let nameField = name;
  let prefixField = Buffer.alloc(0);
  if (!fitsField(h.name, 100)) {
    const split = splitUstarPath(h.name);
    if (split !== null) {
      prefixField = Buffer.from(split.prefix, 'latin1');
      nameField = Buffer.from(split.name, 'latin1');
    } else {
      records.set('path', name);
      nameField = asciiFallback(h.name);
    }
  }
  const linkname = text(records, 'linkpath', h.linkname, 100);
  const uname = text(records, 'uname', h.uname, 32);
  const gname = text(records, 'gname', h.gname, 32);
  const uid = number(records, 'uid', h.uid, ID_LIMIT);
  const gid = number(records, 'gid', h.gid, ID_LIMIT);
  const size = number(records, 'size', h.size, SIZE_LIMIT);
  let mtime = h.mtime.seconds;
  if (h.mtime.nanoseconds !== 0 || mtime < 0 || mtime > TIME_LIMIT) {
    records.set('mtime', Buffer.from(formatPaxTime(h.mtime)));
    mtime = Math.min(Math.max(mtime, 0), TIME_LIMIT);
  }
  if (h.atime !== undefined) records.set('atime', Buffer.from(formatPaxTime(h.atime)));
  if (h.ctime !== undefined) records.set('ctime', Buffer.from(formatPaxTime(h.ctime)));
  for (const [key, value] of h.xattrs) records.set(`SCHILY.xattr.${key}`, value);
  for (const [key, value] of h.pax) if (!records.has(key)) records.set(key, value);

  const fields: BlockFields = {
    name: nameField,
    prefix: prefixField,
    mode: h.mode,
    uid,
    gid,
    size,
    mtime,
    typeflag: h.typeflag,
    linkname,
    uname,
    gname,
    devmajor: h.devmajor,
    devminor: h.devminor,
  };
  const block = encodeHeaderBlock(fields);
  if (records.size === 0) return block;
  return Buffer.concat([encodeExtended('x', paxName(nameField, prefixField), encodePaxRecords(sorted(records))), block]);
}

/** Zero bytes that pad `size` bytes of data to the block boundary. */
export function padding(size: number): Buffer {
  const rest = size % BLOCK;
  return rest === 0 ? Buffer.alloc(0) : Buffer.alloc(BLOCK - rest);
}

/** The end-of-archive marker: two zero blocks (what Go and docker export write). */
export const END_OF_ARCHIVE = Buffer.alloc(2 * BLOCK);

/** An extended-header member: its block, its data, the padding. */
export function encodeExtended(typeflag: 'x' | 'g' | 'L' | 'K', name: Buffer, data: Buffer): Buffer {
  const block = encodeHeaderBlock({
    name,
    prefix: Buffer.alloc(0),
    mode: 0o644,
    uid: 0,
    gid: 0,
    size: data.length,
    mtime: 0,
    typeflag,
    linkname: Buffer.alloc(0),
    uname: Buffer.alloc(0),
    gname: Buffer.alloc(0),
    devmajor: 0,
    devminor: 0,
    format: typeflag === 'L' || typeflag === 'K' ? 'gnu' : 'ustar',
  });
  return Buffer.concat([block, data, padding(data.length)]);
}

function check(h: TarHeader): void {
  if (h.name === '' && h.type !== 'pax-global-header') throw new TarFormatError('a tar entry needs a name');
  if (h.typeflag.length !== 1 || h.typeflag.charCodeAt(0) > 0xff) throw new TarFormatError(`invalid type flag ${JSON.stringify(h.typeflag)}`);
  for (const [field, value] of [
    ['uid', h.uid],
    ['gid', h.gid],
    ['size', h.size],
    ['mode', h.mode],
    ['devmajor', h.devmajor],
    ['devminor', h.devminor],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < 0) throw new TarFormatError(`tar header ${field} ${value} is not a non-negative integer`);
  }
  for (const ts of [h.mtime, h.atime, h.ctime]) {
    if (ts !== undefined && (!Number.isSafeInteger(ts.seconds) || !Number.isInteger(ts.nanoseconds) || ts.nanoseconds < 0 || ts.nanoseconds > 999_999_999)) {
      throw new TarFormatError('invalid time in a tar header');
    }
  }
  for (const [field, value] of [
    ['name', h.name],
    ['linkname', h.linkname],
    ['uname', h.uname],
    ['gname', h.gname],
  ] as const) {
    if (value.includes('\0')) throw new TarFormatError(`tar header ${field} contains a NUL byte`);
  }
}

function text(records: Map<string, Buffer>, key: string, value: string, width: number): Buffer {
  if (fitsField(value, width)) return Buffer.from(value, 'latin1');
  records.set(key, encodeText(value));
  return asciiFallback(value).subarray(0, width);
}

function number(records: Map<string, Buffer>, key: string, value: number, limit: number): number {
  if (value <= limit) return value;
  records.set(key, Buffer.from(String(value)));
  return 0;
}

/** Go's splitUSTARPath: a '/' that leaves at most 155 bytes before it and 1..100 after it. */
function splitUstarPath(name: string): { prefix: string; name: string } | null {
  if (name.length <= 100 || !fitsField(name, name.length)) return null;
  let length = name.length;
  if (length > 156) length = 156;
  else if (name[length - 1] === '/') length--;
  const i = name.lastIndexOf('/', length - 1);
  const suffix = name.length - i - 1;
  if (i <= 0 || suffix > 100 || suffix === 0 || i > 155) return null;
  return { prefix: name.slice(0, i), name: name.slice(i + 1) };
}

/** What a pax-ignorant reader sees in a field pax overrides: the ASCII characters only. */
function asciiFallback(value: string): Buffer {
  return Buffer.from(value.replace(/[^\x01-\x7f]/g, ''), 'latin1');
}

/** `<dir>/PaxHeaders.0/<base>` like Go's writer, cut to the name field. */
function paxName(nameField: Buffer, prefixField: Buffer): Buffer {
  const full = prefixField.length > 0 ? `${prefixField.toString('latin1')}/${nameField.toString('latin1')}` : nameField.toString('latin1');
  const trimmed = full.replace(/\/+$/, '');
  const slash = trimmed.lastIndexOf('/');
  const dir = slash < 0 ? '' : `${trimmed.slice(0, slash)}/`;
  const base = slash < 0 ? trimmed : trimmed.slice(slash + 1);
  return Buffer.from(`${dir}PaxHeaders.0/${base}`.slice(0, 100), 'latin1');
}

function globalName(): Buffer {
  return Buffer.from('GlobalHead.0.0', 'latin1');
}

function sorted(records: Map<string, Buffer>): Array<[string, Buffer]> {
  return [...records].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function toTimestamp(value: Timestamp | Date | undefined): Timestamp | undefined {
  if (value === undefined) return undefined;
  return value instanceof Date ? timestampFromDate(value) : value;
}
