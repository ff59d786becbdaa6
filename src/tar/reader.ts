// Reading a tar stream entry by entry. Entries come out one at a time, each with its data as an
// async iterable that pulls from the source as it is consumed: nothing is buffered beyond the
// chunk in hand, and a slow consumer slows the source (backpressure through the async
// iterator). Moving on to the next entry discards what the consumer left of the current one.
//
// Extended headers are folded into the entry they precede, as Go's archive/tar does: pax 'x'
// records override the block's fields (path, linkpath, size, uid, gid, uname, gname, mtime,
// atime, ctime, SCHILY.xattr.*, LIBARCHIVE.xattr.*), GNU 'L'/'K' give long names and link
// targets. A pax global header ('g') is an entry of its own; its records are applied to nothing.

import { BLOCK, decodeHeaderBlock, entryTypeOf, isZeroBlock, type RawHeader } from './header.js';
import { parsePaxInteger, parsePaxRecords, parsePaxTime } from './pax.js';
import { decodeBytes } from './text.js';
import { HEADER_ONLY_TYPES, TarFormatError, type TarHeader } from './types.js';

/** Extended headers are small; a larger one is a broken or hostile archive (Go caps them at 1 MiB too). */
export const EXTENDED_HEADER_LIMIT = 1 << 20;

export interface TarEntry extends AsyncIterable<Buffer> {
  readonly header: TarHeader;
  /** Where the entry's data begins in the archive (bytes from its start): an index for reading it again. */
  readonly dataOffset: number;
}

/** The entries of an uncompressed tar. TarFormatError for a corrupt or truncated archive; the source's own errors pass. */
export async function* readTar(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): AsyncGenerator<TarEntry> {
  const input = new ByteSource(iteratorOf(source));
  try {
    for (;;) {
      const header = await nextHeader(input);
      if (header === null) return;
      const entry = new Entry(header, input);
      yield entry;
      await entry.finish();
    }
  } finally {
    await input.close();
  }
}

async function nextHeader(input: ByteSource): Promise<TarHeader | null> {
  let pax: Map<string, Buffer> | null = null;
  let longName: string | null = null;
  let longLink: string | null = null;
  for (;;) {
    const block = await input.exact(BLOCK);
    // The end: a zero block (the marker is two; GNU tar also stops at the first), or no more data.
    if (block === null || isZeroBlock(block)) return null;
    const raw = decodeHeaderBlock(block);
    if (raw.typeflag === 'x' || raw.typeflag === 'g' || raw.typeflag === 'L' || raw.typeflag === 'K') {
      const data = await extendedData(input, raw);
      // A second 'x' replaces the first, as in Go's archive/tar and GNU tar: one entry holds one header's worth at most.
      if (raw.typeflag === 'x') pax = parsePaxRecords(data);
      else if (raw.typeflag === 'g') return globalHeader(raw, parsePaxRecords(data));
      else if (raw.typeflag === 'L') longName = cString(data);
      else longLink = cString(data);
      continue;
    }
    const header = fromRaw(raw);
    // Go's order (reader.go next()): the pax records, then the GNU long name and link over them.
    if (pax !== null) applyPax(header, pax);
    if (longName !== null) header.name = longName;
    if (longLink !== null) header.linkname = longLink;
    if (header.type !== null && HEADER_ONLY_TYPES.has(header.type)) header.size = 0;
    return header;
  }
}

async function extendedData(input: ByteSource, raw: RawHeader): Promise<Buffer> {
  if (raw.size > EXTENDED_HEADER_LIMIT) throw new TarFormatError(`extended tar header ('${raw.typeflag}') of ${raw.size} bytes`);
  const data = raw.size === 0 ? Buffer.alloc(0) : await input.exact(raw.size);
  if (data === null) throw truncated();
  await input.skip(paddingOf(raw.size));
  return data;
}

function fromRaw(raw: RawHeader): TarHeader {
  const header: TarHeader = {
    name: raw.name,
    type: entryTypeOf(raw.typeflag),
    typeflag: raw.typeflag,
    mode: raw.mode,
    uid: raw.uid,
    gid: raw.gid,
    uname: raw.uname,
    gname: raw.gname,
    size: raw.size,
    mtime: { seconds: raw.mtime, nanoseconds: 0 },
    linkname: raw.linkname,
    devmajor: raw.devmajor,
    devminor: raw.devminor,
    xattrs: new Map(),
    pax: new Map(),
  };
  if (raw.atime !== undefined) header.atime = { seconds: raw.atime, nanoseconds: 0 };
  if (raw.ctime !== undefined) header.ctime = { seconds: raw.ctime, nanoseconds: 0 };
  return header;
}

function globalHeader(raw: RawHeader, records: Map<string, Buffer>): TarHeader {
  return { ...fromRaw(raw), type: 'pax-global-header', size: 0, pax: records };
}

const SCHILY_XATTR = 'SCHILY.xattr.';
const LIBARCHIVE_XATTR = 'LIBARCHIVE.xattr.';

/** Go's mergePAX, plus the xattr keywords of GNU tar/star (SCHILY) and bsdtar (LIBARCHIVE: URL-encoded name, base64 value). */
function applyPax(header: TarHeader, records: Map<string, Buffer>): void {
  for (const [key, value] of records) {
    switch (key) {
      case 'path':
        header.name = decodeBytes(value);
        break;
      case 'linkpath':
        header.linkname = decodeBytes(value);
        break;
      case 'uname':
        header.uname = decodeBytes(value);
        break;
      case 'gname':
        header.gname = decodeBytes(value);
        break;
      case 'uid':
      case 'gid':
      case 'size':
        header[key] = parsePaxInteger(key, value);
        break;
      case 'mtime':
      case 'atime':
      case 'ctime':
        header[key] = parsePaxTime(key, value);
        break;
      default:
        if (key.startsWith(SCHILY_XATTR) && key.length > SCHILY_XATTR.length) header.xattrs.set(key.slice(SCHILY_XATTR.length), value);
        else if (key.startsWith(LIBARCHIVE_XATTR) && key.length > LIBARCHIVE_XATTR.length) {
          header.xattrs.set(decodeURIComponentSafe(key.slice(LIBARCHIVE_XATTR.length)), Buffer.from(value.toString('latin1'), 'base64'));
        } else header.pax.set(key, value);
    }
  }
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new TarFormatError(`invalid LIBARCHIVE.xattr name ${JSON.stringify(text.slice(0, 40))}`);
  }
}

function cString(data: Buffer): string {
  const nul = data.indexOf(0);
  return decodeBytes(nul < 0 ? data : data.subarray(0, nul));
}

function iteratorOf(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): AsyncIterator<Uint8Array> | Iterator<Uint8Array> {
  return Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : source[Symbol.iterator]();
}

function paddingOf(size: number): number {
  const rest = size % BLOCK;
  return rest === 0 ? 0 : BLOCK - rest;
}

function truncated(): TarFormatError {
  return new TarFormatError('the tar archive is truncated');
}

class Entry implements TarEntry {
  private remaining: number;
  private reading = false;
  private finished = false;
  readonly dataOffset: number;

  constructor(
    readonly header: TarHeader,
    private readonly input: ByteSource,
  ) {
    this.remaining = header.size;
    this.dataOffset = input.position;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Buffer> {
    if (this.reading || this.finished) throw new Error('tar entry data read twice, or after the next entry');
    this.reading = true;
    try {
      while (this.remaining > 0) {
        const chunk = await this.input.upTo(this.remaining);
        if (chunk === null) throw truncated();
        this.remaining -= chunk.length;
        yield chunk;
      }
    } finally {
      this.reading = false;
    }
  }

  /** Discards the rest of the data and the padding. */
  async finish(): Promise<void> {
    this.finished = true;
    await this.input.skip(this.remaining + paddingOf(this.header.size));
    this.remaining = 0;
  }
}

/** Byte-level reads over an async iterator of chunks, holding at most one chunk. */
class ByteSource {
  private pending: Buffer = Buffer.alloc(0);
  private ended = false;
  /** Bytes handed out so far. */
  position = 0;

  constructor(private readonly iterator: AsyncIterator<Uint8Array> | Iterator<Uint8Array>) {}

  private async fill(): Promise<boolean> {
    while (this.pending.length === 0) {
      if (this.ended) return false;
      const next = await this.iterator.next();
      if (next.done === true) {
        this.ended = true;
        return false;
      }
      const value = next.value;
      this.pending = Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    }
    return true;
  }

  /** Up to `max` bytes (at least one), or null at the end. The bytes are the source's: not copied. */
  async upTo(max: number): Promise<Buffer | null> {
    if (!(await this.fill())) return null;
    const chunk = this.pending.subarray(0, max);
    this.pending = this.pending.subarray(chunk.length);
    this.position += chunk.length;
    return chunk;
  }

  /** Exactly `n` bytes; null if the stream ends before the first; TarFormatError if it ends inside. */
  async exact(n: number): Promise<Buffer | null> {
    const first = await this.upTo(n);
    if (first === null) return null;
    if (first.length === n) return first;
    const parts = [first];
    let have = first.length;
    while (have < n) {
      const more = await this.upTo(n - have);
      if (more === null) throw truncated();
      parts.push(more);
      have += more.length;
    }
    return Buffer.concat(parts, n);
  }

  async skip(n: number): Promise<void> {
    let left = n;
    while (left > 0) {
      const chunk = await this.upTo(left);
      if (chunk === null) throw truncated();
      left -= chunk.length;
    }
  }

  async close(): Promise<void> {
    if (!this.ended) {
      this.ended = true;
      await this.iterator.return?.();
    }
  }
}
