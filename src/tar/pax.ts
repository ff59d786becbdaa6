// POSIX pax extended header records (pax(1), "pax Extended Header"): `"<len> <key>=<value>\n"`,
// <len> counting the whole record. Values are bytes: SCHILY.xattr.* values are binary (a
// security.capability value has NULs and bytes above 0x7f), so records are split on the byte
// level and only the keys, and the values of the text keywords, are ever decoded.

import { TarFormatError, type Timestamp } from './types.js';

/** The records of one extended header, in order; a later duplicate key wins (as in Go's archive/tar). */
export function parsePaxRecords(data: Buffer): Map<string, Buffer> {
  const records = new Map<string, Buffer>();
  let pos = 0;
  while (pos < data.length) {
    if (data[pos] === 0) break; // NUL padding some writers leave after the last record
    const space = data.indexOf(0x20, pos);
    const digits = space < 0 ? '' : data.toString('latin1', pos, space);
    const length = /^[0-9]{1,10}$/.test(digits) ? Number(digits) : NaN;
    const end = pos + length;
    if (!(length > digits.length + 1) || end > data.length || data[end - 1] !== 0x0a) {
      throw new TarFormatError(`malformed pax record at byte ${pos} of an extended header`);
    }
    const eq = data.indexOf(0x3d, space + 1);
    if (eq < 0 || eq >= end - 1 || eq === space + 1) throw new TarFormatError(`malformed pax record at byte ${pos} of an extended header`);
    const key = data.toString('utf8', space + 1, eq);
    // Copied: the block buffer they came from is reused.
    records.set(key, Buffer.from(data.subarray(eq + 1, end - 1)));
    pos = end;
  }
  return records;
}

/** The records as an extended header's data, keys in the given order. */
export function encodePaxRecords(records: Iterable<[string, Buffer]>): Buffer {
  const parts: Buffer[] = [];
  for (const [key, value] of records) {
    if (key === '' || key.includes('=') || key.includes('\0')) throw new TarFormatError(`invalid pax key ${JSON.stringify(key)}`);
    const body = Buffer.byteLength(key) + value.length + 3; // ' ', '=', '\n'
    let length = body + String(body).length;
    if (String(length).length !== String(body).length) length = body + String(length).length;
    parts.push(Buffer.from(`${length} ${key}=`, 'utf8'), value, Buffer.from('\n'));
  }
  return Buffer.concat(parts);
}

/** A decimal pax number (uid, gid, size): a non-negative safe integer. */
export function parsePaxInteger(key: string, value: Buffer): number {
  const text = value.toString('latin1');
  const n = Number(text);
  if (!/^[0-9]+$/.test(text) || !Number.isSafeInteger(n)) throw new TarFormatError(`invalid pax ${key} ${JSON.stringify(text.slice(0, 40))}`);
  return n;
}

/** A pax time: `[-]seconds[.fraction]`, fraction truncated to nanoseconds (as Go's parsePAXTime). */
export function parsePaxTime(key: string, value: Buffer): Timestamp {
  const text = value.toString('latin1');
  const match = /^(-?)([0-9]+)(?:\.([0-9]*))?$/.exec(text);
  const whole = match === null ? NaN : Number(match[2]);
  if (match === null || !Number.isSafeInteger(whole)) throw new TarFormatError(`invalid pax ${key} ${JSON.stringify(text.slice(0, 40))}`);
  const fraction = Number(((match[3] ?? '') + '000000000').slice(0, 9));
  if (match[1] !== '-') return { seconds: whole, nanoseconds: fraction };
  if (fraction === 0) return { seconds: whole === 0 ? 0 : -whole, nanoseconds: 0 };
  return { seconds: -whole - 1, nanoseconds: 1_000_000_000 - fraction };
}

/** The pax form of a time: seconds, and the fraction without trailing zeros (Go's formatPAXTime). */
export function formatPaxTime(ts: Timestamp): string {
  if (ts.nanoseconds === 0) return String(ts.seconds);
  let seconds = ts.seconds;
  let nanos = ts.nanoseconds;
  let sign = '';
  if (seconds < 0) {
    sign = '-';
    seconds = -(seconds + 1);
    nanos = 1_000_000_000 - nanos;
  }
  return `${sign}${seconds}.${String(nanos).padStart(9, '0')}`.replace(/0+$/, '');
}
