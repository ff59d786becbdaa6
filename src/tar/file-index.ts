import { createReadStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { systemError } from '../errors/errno-words.js';
import { StowageError } from '../errors/error.js';
import { parseTarHeader, parsePaxRecords, BLOCK, type TarHeader } from './file-index-header.js';
import { EXTENDED_HEADER_LIMIT } from './reader.js';

/**
 * Random access into an uncompressed tar file, without extracting it.
 *
 * Written here rather than with tar-stream: tar-stream only parses sequentially, so reading
 * three files of an archive means either streaming through every byte before them or
 * extracting the archive first, which for a multi-GB image doubles the I/O and the disk use.
 * A tar's headers say where every member's bytes are, so one pass over the headers (512 bytes
 * per member, skipping the data) gives an index; a member is then a ranged read of the file.
 *
 * Lookups are by exact normalised name and nothing is ever written, so entry names cannot make
 * us touch anything outside the archive; names that are absolute or contain `..` are still
 * left out of the index, so nothing can be addressed through them.
 */

export interface TarEntry {
  /** Normalised: no leading `./`, no empty or `.` components. */
  name: string;
  type: 'file' | 'symlink' | 'hardlink';
  /** Offset of the member's data in the archive file. */
  offset: number;
  size: number;
  /** Link target, normalised to an archive name (links only). */
  target?: string;
}

/** Links followed in a chain before giving up (a loop, or a hostile archive). */
const LINK_DEPTH_LIMIT = 16;

export class TarIndex {
  readonly file: string;
  private readonly entries: Map<string, TarEntry>;

  private constructor(file: string, entries: Map<string, TarEntry>) {
    this.file = file;
    this.entries = entries;
  }

  /** Scans the archive's headers once. PATH_NOT_FOUND if the file is missing, MANIFEST_INVALID if it is not a tar. */
  static async open(file: string): Promise<TarIndex> {
    let handle: FileHandle;
    try {
      handle = await open(file, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new StowageError('PATH_NOT_FOUND', `${file}: no such file`, err);
      }
      throw err;
    }
    try {
      // read(2) of a directory fails with EISDIR but no path: say which.
      if ((await handle.stat()).isDirectory()) throw systemError('EISDIR', 'open', file);
      return new TarIndex(file, await scan(file, handle));
    } finally {
      await handle.close();
    }
  }

  /** Every indexed member name, in archive order (a later duplicate counts once). */
  names(): string[] {
    return [...this.entries.keys()];
  }

  /** The regular file `name` resolves to (links followed), or undefined. */
  find(name: string): TarEntry | undefined {
    let current = normaliseName(name);
    for (let depth = 0; current !== undefined && depth <= LINK_DEPTH_LIMIT; depth++) {
      const entry = this.entries.get(current);
      if (entry === undefined || entry.type === 'file') return entry;
      current = entry.target;
    }
    return undefined;
  }

  /** A stream of just that member's bytes, or undefined if absent (the caller names the error). */
  open(name: string): Readable | undefined {
    const entry = this.find(name);
    if (entry === undefined) return undefined;
    if (entry.size === 0) return Readable.from([]);
    return createReadStream(this.file, { start: entry.offset, end: entry.offset + entry.size - 1 });
  }

  /** Reads a small member whole; undefined if absent; MANIFEST_TOO_LARGE above `limit` bytes. */
  async read(name: string, limit: number): Promise<Buffer | undefined> {
    const entry = this.find(name);
    if (entry === undefined) return undefined;
    if (entry.size > limit) {
      throw new StowageError('MANIFEST_TOO_LARGE', `${name} in ${this.file} is larger than ${limit} bytes`);
    }
    const handle = await open(this.file, 'r');
    try {
      const buffer = Buffer.alloc(entry.size);
      const { bytesRead } = await handle.read(buffer, 0, entry.size, entry.offset);
      if (bytesRead !== entry.size) throw truncated(this.file);
      return buffer;
    } finally {
      await handle.close();
    }
  }
}

/**
 * Archive names as tar writers produce them (`./a/b`, `a//b`) made comparable; undefined for
 * names that could point outside the archive root (absolute, `..`) or are empty.
 */
export function normaliseName(raw: string): string | undefined {
  if (raw.startsWith('/') || raw.includes('\0')) return undefined;
  const parts: string[] = [];
  for (const part of raw.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') return undefined;
    parts.push(part);
  }
  return parts.length === 0 ? undefined : parts.join('/');
}

/** A symlink target is relative to the link's directory; resolved here to an archive name. */
function resolveSymlink(linkName: string, target: string): string | undefined {
  if (target.startsWith('/')) return undefined;
  const dir = linkName.includes('/') ? linkName.slice(0, linkName.lastIndexOf('/')) : '';
  const parts = dir === '' ? [] : dir.split('/');
  for (const part of target.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      // Climbing above the archive root is refused, not clamped.
      if (parts.pop() === undefined) return undefined;
      continue;
    }
    parts.push(part);
  }
  return parts.length === 0 ? undefined : parts.join('/');
}

async function scan(file: string, handle: FileHandle): Promise<Map<string, TarEntry>> {
  const { size: fileSize } = await handle.stat();
  const entries = new Map<string, TarEntry>();
  const block = Buffer.alloc(BLOCK);
  // Overrides for the next member, from a pax `x` header or GNU `L`/`K` headers.
  let pending: { path?: string; linkpath?: string; size?: number } = {};
  let offset = 0;

  while (offset + BLOCK <= fileSize) {
    const { bytesRead } = await handle.read(block, 0, BLOCK, offset);
    if (bytesRead !== BLOCK) throw truncated(file);
    const header = parseTarHeader(block, file, offset);
    if (header === undefined) return entries; // a zero block: the end-of-archive marker
    const extended = header.type === 'x' || header.type === 'g' || header.type === 'L' || header.type === 'K';
    // A pax size overrides the next member's own header, not that of an extended header between.
    const size = extended ? header.size : (pending.size ?? header.size);
    const dataOffset = offset + BLOCK;
    const next = dataOffset + Math.ceil(size / BLOCK) * BLOCK;
    if (dataOffset + size > fileSize) throw truncated(file);

    if (extended) {
      const data = await readExtended(handle, file, dataOffset, size);
      if (header.type === 'x') pending = { ...pending, ...parsePaxRecords(data, file) };
      // A global (`g`) header's path or size would name every later member alike; like Go's
      // archive/tar and GNU tar we do not apply them, but it must still parse.
      else if (header.type === 'g') parsePaxRecords(data, file);
      else if (header.type === 'L') pending.path = cString(data);
      else pending.linkpath = cString(data);
    } else {
      record(entries, header, pending, dataOffset, size);
      pending = {};
    }
    offset = next;
  }
  // Ended without the zero blocks: every member read is complete, so it is usable (GNU tar agrees).
  return entries;
}

function record(entries: Map<string, TarEntry>, header: TarHeader, pending: { path?: string; linkpath?: string }, offset: number, size: number): void {
  const name = normaliseName(pending.path ?? header.name);
  if (name === undefined) return;
  const linkpath = pending.linkpath ?? header.linkname;
  // '0', NUL (pre-POSIX) and '7' (contiguous) are regular files.
  if (header.type === '0' || header.type === '\0' || header.type === '7') {
    entries.set(name, { name, type: 'file', offset, size });
  } else if (header.type === '1') {
    const target = normaliseName(linkpath);
    if (target !== undefined) entries.set(name, { name, type: 'hardlink', offset, size: 0, target });
    else entries.delete(name);
  } else if (header.type === '2') {
    const target = resolveSymlink(name, linkpath);
    if (target !== undefined) entries.set(name, { name, type: 'symlink', offset, size: 0, target });
    else entries.delete(name);
  } else {
    // A directory or device replacing an earlier member of the same name hides it, as on extraction.
    entries.delete(name);
  }
}

async function readExtended(handle: FileHandle, file: string, offset: number, size: number): Promise<Buffer> {
  if (size > EXTENDED_HEADER_LIMIT) {
    throw new StowageError('MANIFEST_INVALID', `${file}: extended tar header at ${offset - BLOCK} is ${size} bytes`);
  }
  const data = Buffer.alloc(size);
  const { bytesRead } = await handle.read(data, 0, size, offset);
  if (bytesRead !== size) throw truncated(file);
  return data;
}

function cString(data: Buffer): string {
  const nul = data.indexOf(0);
  return data.subarray(0, nul < 0 ? data.length : nul).toString('utf8');
}

function truncated(file: string): StowageError {
  return new StowageError('MANIFEST_INVALID', `${file}: the tar archive is truncated`);
}
