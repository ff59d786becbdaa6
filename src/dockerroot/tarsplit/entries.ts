// The entries of a tar-split file (github.com/vbatts/tar-split, tar/storage/entry.go):
//   {"type":2,"payload":"<base64>","position":N}  raw bytes of the tar (headers, padding, end blocks)
//   {"type":1,"name":"p","name_raw":"<base64>","size":N,"payload":"<base64 crc64>","position":N}
//     a member's content: `size` bytes read from the unpacked layer at path `name` (`name_raw`
//     holds the bytes of a name that is not valid UTF-8, Go's json cannot carry those in a string).
// Go's json.Marshal writes []byte as standard padded base64 and a nil one as null; fields with
// omitempty (name, name_raw, size) are absent when empty.

import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { StowageError } from '../../errors/error.js';
import { splitLines } from './lines.js';

export interface SegmentEntry {
  kind: 'segment';
  /** Bytes of the tar, written as they are. */
  payload: Buffer;
}

export interface FileEntry {
  kind: 'file';
  /** The member's name exactly as in its tar header (raw bytes: it may not be UTF-8). */
  name: Buffer;
  /** Content bytes to read from the layer directory; 0 for everything but regular files. */
  size: number;
  /** CRC-64/ISO of the content, 8 bytes; undefined when size is 0. */
  crc: Buffer | undefined;
}

export type TarSplitEntry = SegmentEntry | FileEntry;

/** Longest line accepted (see splitLines): 64 times what Docker writes. */
const LINE_LIMIT = 64 * 1024 * 1024;
const BLANK_LINE_LIMIT = 1024;
const SEGMENT_TYPE = 2;
const FILE_TYPE = 1;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** The entries of a gzipped tar-split file at `realPath`, streamed. `label` starts every error message. */
export async function* readTarSplitFile(realPath: string, label: string): AsyncGenerator<TarSplitEntry> {
  // O_NONBLOCK: a FIFO planted in a root must not hang the open (and the process with it).
  let handle: FileHandle;
  try {
    handle = await open(realPath, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    throw new StowageError('LAYER_INVALID', `${label}: tar-split ${realPath}: ${(err as Error).message}`);
  }
  let isFile = false;
  try {
    isFile = (await handle.stat()).isFile();
  } finally {
    if (!isFile) await handle.close();
  }
  if (!isFile) throw new StowageError('LAYER_INVALID', `${label}: tar-split ${realPath} is not a regular file`);
  // The stream owns the handle from here (autoClose): ending or destroying it closes the file.
  const stream = handle.createReadStream({ highWaterMark: 256 * 1024 });
  try {
    yield* readTarSplitEntries(stream, label);
  } finally {
    stream.destroy();
  }
}

/** The entries of a gzipped tar-split stream, in order. A damaged stream fails with LAYER_INVALID. */
export async function* readTarSplitEntries(gzipped: Readable, label: string): AsyncGenerator<TarSplitEntry> {
  // pipeline destroys both ends on failure or when iteration stops early (a `return` here).
  const gunzip = pipeline(gzipped, createGunzip(), () => undefined);
  let lineNumber = 0;
  let blank = 0;
  try {
    for await (const line of splitLines(gunzip, LINE_LIMIT, label)) {
      lineNumber++;
      if (isBlank(line)) {
        // tar-split writes none; a stream of them is a decompression bomb spending our CPU.
        if (++blank > BLANK_LINE_LIMIT)
          throw new StowageError('LAYER_INVALID', `${label}: tar-split has more than ${BLANK_LINE_LIMIT} blank lines; not a tar-split file`);
        continue;
      }
      yield parseEntry(line, `${label}: tar-split line ${lineNumber}`);
    }
  } catch (err) {
    if (err instanceof StowageError) throw err;
    throw new StowageError('LAYER_INVALID', `${label}: cannot read tar-split: ${(err as Error).message}`);
  } finally {
    gunzip.destroy();
  }
}

/** One JSON line as an entry; `where` names the line in errors. */
export function parseEntry(line: Buffer, where: string): TarSplitEntry {
  let value: unknown;
  try {
    value = JSON.parse(line.toString('utf8'));
  } catch {
    throw invalid(where, 'not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(where, 'not a JSON object');
  const record = value as Record<string, unknown>;
  if (record.type === SEGMENT_TYPE) {
    return { kind: 'segment', payload: base64Field(record, 'payload', where) ?? Buffer.alloc(0) };
  }
  if (record.type === FILE_TYPE) return parseFileEntry(record, where);
  throw invalid(where, `unknown entry type ${JSON.stringify(record.type)}`);
}

function parseFileEntry(record: Record<string, unknown>, where: string): FileEntry {
  const size = record.size ?? 0;
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
    throw invalid(where, `size ${JSON.stringify(size)} is not a non-negative integer`);
  }
  const raw = base64Field(record, 'name_raw', where);
  const text = record.name ?? '';
  if (typeof text !== 'string') throw invalid(where, 'name is not a string');
  const name = raw !== undefined && raw.length > 0 ? raw : Buffer.from(text, 'utf8');
  const crc = base64Field(record, 'payload', where);
  if (size > 0 && crc?.length !== 8) throw invalid(where, `file ${JSON.stringify(name.toString('utf8'))} has no 8-byte crc64 payload`);
  return { kind: 'file', name, size, crc: size > 0 ? crc : undefined };
}

/** A base64 field as bytes; undefined when absent or null. */
function base64Field(record: Record<string, unknown>, field: string, where: string): Buffer | undefined {
  const value = record[field];
  if (value === undefined || value === null) return undefined;
  // Buffer.from(…, 'base64') skips what it does not understand; tar-split's bytes must be exact.
  if (typeof value !== 'string' || value.length % 4 !== 0 || !BASE64.test(value)) throw invalid(where, `${field} is not base64`);
  return Buffer.from(value, 'base64');
}

function isBlank(line: Buffer): boolean {
  for (const byte of line) if (byte !== 0x20 && byte !== 0x09 && byte !== 0x0d) return false;
  return true;
}

function invalid(where: string, what: string): StowageError {
  return new StowageError('LAYER_INVALID', `${where}: ${what}`);
}
