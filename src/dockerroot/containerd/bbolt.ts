// A read-only reader of bbolt (BoltDB) files: containerd keeps its image names
// (io.containerd.metadata.v1.bolt/meta.db) and the overlayfs snapshotter its snapshot table
// (metadata.db) in this format.
//
// Hand-written because no maintained npm package reads bbolt files, and because the part we
// need is small: two meta pages, branch and leaf pages, inline buckets and overflow pages. The
// layout is bbolt's on-disk format version 2 (etcd-io/bbolt internal/common/page.go, meta.go,
// bucket.go), little-endian as written on every platform containerd runs on. No writes, no
// locks, no freelist: a reader needs none of them.
//
// The file is read whole (it is small: kilobytes to a few megabytes) so that what we walk is one
// snapshot, taken with a single pass of positioned reads, even while containerd commits new
// transactions. bbolt never overwrites pages a committed meta page references until a later
// transaction frees them, so a snapshot of the file read quickly is consistent in practice; a
// torn read shows as a page that fails the checks below, reported as a StowageError, never as a
// hang or a crash. Every offset taken from the file is bounds-checked before use.

import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { StowageError } from '../../errors/error.js';

/** A metadata database larger than this is refused rather than read into memory. */
export const BOLT_FILE_LIMIT = 256 * 1024 * 1024;

const MAGIC = 0xed0cdaed;
const VERSION = 2;
const PAGE_HEADER_SIZE = 16;
const ELEMENT_SIZE = 16; // branch and leaf page elements are both 16 bytes
const BUCKET_HEADER_SIZE = 16; // root pgid + sequence
const META_SIZE = 64;
/** The checksum covers the meta fields before it (Meta.Sum64: Offsetof(checksum) = 56). */
const META_CHECKSUMMED = 56;

const BRANCH_PAGE = 0x01;
const LEAF_PAGE = 0x02;
const META_PAGE = 0x04;
const BUCKET_LEAF_FLAG = 0x01;

/** bbolt trees are a handful of levels deep; anything deeper is a cycle or corruption. */
const MAX_TREE_DEPTH = 64;

interface Meta {
  pageSize: number;
  rootPage: number;
  /** High-water mark: every page in use has a smaller ID. */
  pageCount: number;
  txid: bigint;
}

/** A page's bytes: a file page with its overflow pages, or an inline bucket's page. */
interface PageView {
  bytes: Buffer;
  flags: number;
  count: number;
  /** For messages: `page 12` or `inline page`. */
  label: string;
}

export interface BoltEntry {
  key: Buffer;
  /** The value of a plain key; undefined for a nested bucket. */
  value: Buffer | undefined;
  /** The nested bucket, for a bucket key. */
  bucket: BoltBucket | undefined;
}

export class BoltFile {
  private constructor(
    /** For messages: the file's path. */
    readonly name: string,
    private readonly data: Buffer,
    private readonly meta: Meta,
  ) {}

  /** Reads a bbolt file read-only; the path should already be confined (ConfinedFs.resolve). */
  static async read(path: string, limit = BOLT_FILE_LIMIT): Promise<BoltFile> {
    // O_NONBLOCK: a FIFO in place of meta.db must not hang the open; O_NOFOLLOW: no last-step link.
    const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch((err: unknown) => {
      throw corrupt(path, (err as Error).message);
    });
    try {
      const info = await handle.stat();
      if (!info.isFile()) throw corrupt(path, 'not a regular file');
      if (info.size > limit) throw corrupt(path, `${info.size} bytes, more than the ${limit} a metadata database may have`);
      const data = Buffer.alloc(info.size);
      let filled = 0;
      while (filled < data.length) {
        const { bytesRead } = await handle.read(data, filled, data.length - filled, filled);
        if (bytesRead === 0) break; // truncated while we read: parse() reports what is missing
        filled += bytesRead;
      }
      return BoltFile.parse(data.subarray(0, filled), path);
    } finally {
      await handle.close();
    }
  }

  static parse(data: Buffer, name: string): BoltFile {
    return new BoltFile(name, data, chooseMeta(data, name));
  }

  get pageSize(): number {
    return this.meta.pageSize;
  }

  /** The transaction ID of the meta page in use. */
  get txid(): bigint {
    return this.meta.txid;
  }

  /** The top-level bucket, whose keys are the database's buckets. */
  root(): BoltBucket {
    return new BoltBucket(this, this.meta.rootPage, undefined, 'root');
  }

  /** A bucket by path from the root (`v1`, `moby`, `images`); undefined when any step is missing. */
  bucketAt(...path: string[]): BoltBucket | undefined {
    let bucket: BoltBucket | undefined = this.root();
    for (const step of path) bucket = bucket?.bucket(step);
    return bucket;
  }

  /** @internal The page `id` with its overflow pages, checked to lie inside the file. */
  page(id: number): PageView {
    const { pageSize, pageCount } = this.meta;
    if (id < 2 || id >= pageCount) throw this.error(`page ${id} is outside the pages in use (2..${pageCount - 1})`);
    const offset = id * pageSize;
    if (offset + PAGE_HEADER_SIZE > this.data.length) throw this.error(`page ${id} lies past the end of the file (truncated?)`);
    const headerId = readU64(this.data, offset, this.name);
    const flags = this.data.readUInt16LE(offset + 8);
    const count = this.data.readUInt16LE(offset + 10);
    const overflow = this.data.readUInt32LE(offset + 12);
    if (headerId !== id) throw this.error(`page ${id} says it is page ${headerId}`);
    const span = (overflow + 1) * pageSize;
    if (offset + span > this.data.length) throw this.error(`page ${id} and its ${overflow} overflow pages run past the end of the file (truncated?)`);
    return { bytes: this.data.subarray(offset, offset + span), flags, count, label: `page ${id}` };
  }

  /** @internal */
  error(reason: string): StowageError {
    return corrupt(this.name, reason);
  }
}

export class BoltBucket {
  constructor(
    private readonly file: BoltFile,
    /** Root page ID; 0 for an inline bucket. */
    private readonly rootPage: number,
    /** The inline page of a bucket stored inside its parent's leaf. */
    private readonly inline: PageView | undefined,
    /** For messages. */
    readonly name: string,
  ) {}

  /** Every key of this bucket, in key order. */
  entries(): BoltEntry[] {
    const out: BoltEntry[] = [];
    const visited = new Set<number>();
    const walk = (page: PageView, depth: number): void => {
      if (depth > MAX_TREE_DEPTH) throw this.file.error(`bucket ${this.name} is more than ${MAX_TREE_DEPTH} levels deep (a cycle?)`);
      if (page.flags === LEAF_PAGE) {
        for (let i = 0; i < page.count; i++) out.push(this.leafEntry(page, i));
        return;
      }
      for (let i = 0; i < page.count; i++) {
        const child = branchChild(page, i, this.file);
        if (visited.has(child)) throw this.file.error(`bucket ${this.name}: page ${child} is reached twice (a cycle?)`);
        visited.add(child);
        walk(this.treePage(child), depth + 1);
      }
    };
    walk(this.top(), 0);
    return out;
  }

  /** The entry for `key`, found by descending the tree; undefined when absent. */
  entry(key: string | Buffer): BoltEntry | undefined {
    const wanted = typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
    let page = this.top();
    for (let depth = 0; page.flags === BRANCH_PAGE; depth++) {
      if (depth > MAX_TREE_DEPTH) throw this.file.error(`bucket ${this.name} is more than ${MAX_TREE_DEPTH} levels deep (a cycle?)`);
      if (page.count === 0) return undefined;
      // A branch element's key is the first key of its child: descend into the last child
      // whose first key is not greater than the one wanted (bbolt cursor.searchBranch).
      let chosen = 0;
      for (let i = 1; i < page.count; i++) {
        if (Buffer.compare(elementKey(page, i, this.file), wanted) <= 0) chosen = i;
        else break;
      }
      page = this.treePage(branchChild(page, chosen, this.file));
    }
    for (let i = 0; i < page.count; i++) {
      const entry = this.leafEntry(page, i);
      if (entry.key.equals(wanted)) return entry;
    }
    return undefined;
  }

  /** A plain value; undefined when absent or when the key is a bucket. */
  get(key: string | Buffer): Buffer | undefined {
    return this.entry(key)?.value;
  }

  /** A plain value as UTF-8 text. */
  getString(key: string | Buffer): string | undefined {
    return this.get(key)?.toString('utf8');
  }

  /** A nested bucket; undefined when absent or when the key holds a plain value. */
  bucket(key: string | Buffer): BoltBucket | undefined {
    return this.entry(key)?.bucket;
  }

  /** The nested buckets by name (UTF-8). */
  buckets(): Array<[string, BoltBucket]> {
    return this.entries().flatMap((e) => (e.bucket ? [[e.key.toString('utf8'), e.bucket] as [string, BoltBucket]] : []));
  }

  /** The plain keys and values, as UTF-8 text (a labels bucket). */
  strings(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const e of this.entries()) if (e.value !== undefined) out[e.key.toString('utf8')] = e.value.toString('utf8');
    return out;
  }

  private top(): PageView {
    return this.inline ?? this.treePage(this.rootPage);
  }

  /** A page of this bucket's tree, which must be a branch or a leaf page. */
  private treePage(id: number): PageView {
    const page = this.file.page(id);
    if (page.flags !== BRANCH_PAGE && page.flags !== LEAF_PAGE) {
      throw this.file.error(`bucket ${this.name}: page ${id} is not a branch or leaf page (flags 0x${page.flags.toString(16)})`);
    }
    checkElements(page, this.file);
    return page;
  }

  private leafEntry(page: PageView, index: number): BoltEntry {
    const at = PAGE_HEADER_SIZE + index * ELEMENT_SIZE;
    const flags = page.bytes.readUInt32LE(at);
    const pos = page.bytes.readUInt32LE(at + 4);
    const ksize = page.bytes.readUInt32LE(at + 8);
    const vsize = page.bytes.readUInt32LE(at + 12);
    const start = at + pos;
    if (start + ksize + vsize > page.bytes.length) {
      throw this.file.error(`bucket ${this.name}: ${page.label} element ${index} points past the page`);
    }
    const key = page.bytes.subarray(start, start + ksize);
    const value = page.bytes.subarray(start + ksize, start + ksize + vsize);
    if ((flags & BUCKET_LEAF_FLAG) === 0) return { key, value, bucket: undefined };
    return { key, value: undefined, bucket: this.nested(key, value) };
  }

  /** bucket.go openBucket: a bucket value is its header; root page 0 means an inline page follows. */
  private nested(key: Buffer, value: Buffer): BoltBucket {
    const name = `${this.name}/${printable(key)}`;
    if (value.length < BUCKET_HEADER_SIZE) throw this.file.error(`bucket ${name}: its header is ${value.length} bytes, not ${BUCKET_HEADER_SIZE}`);
    const root = readU64(value, 0, this.file.name);
    if (root !== 0) return new BoltBucket(this.file, root, undefined, name);
    const bytes = value.subarray(BUCKET_HEADER_SIZE);
    if (bytes.length < PAGE_HEADER_SIZE) throw this.file.error(`bucket ${name}: its inline page is ${bytes.length} bytes`);
    const page: PageView = { bytes, flags: bytes.readUInt16LE(8), count: bytes.readUInt16LE(10), label: 'inline page' };
    if (page.flags !== LEAF_PAGE) throw this.file.error(`bucket ${name}: its inline page is not a leaf page (flags 0x${page.flags.toString(16)})`);
    checkElements(page, this.file);
    return new BoltBucket(this.file, 0, page, name);
  }
}

/** Reads the meta pages and returns the one in use: valid, with the higher transaction ID (db.go meta()). */
function chooseMeta(data: Buffer, name: string): Meta {
  if (data.length < PAGE_HEADER_SIZE + META_SIZE) throw corrupt(name, `${data.length} bytes is too short for a bbolt database`);
  const first = readMeta(data, 0, name);
  const pageSize = first.meta?.pageSize ?? findSecondMetaPageSize(data, name);
  if (pageSize === undefined) throw corrupt(name, `not a usable bbolt database: ${first.problem ?? 'no valid meta page'}`);
  const second = readMeta(data, pageSize, name);
  const candidates = [first.meta, second.meta].filter((m): m is Meta => m !== undefined && m.pageSize === pageSize);
  if (candidates.length === 0)
    throw corrupt(name, `both meta pages are invalid: ${first.problem ?? 'page 0 unusable'}; ${second.problem ?? 'page 1 unusable'}`);
  const meta = candidates.reduce((a, b) => (b.txid > a.txid ? b : a));
  if (meta.pageCount * pageSize > data.length) {
    throw corrupt(name, `the meta page says ${meta.pageCount} pages of ${pageSize} bytes, but the file has ${data.length} bytes (truncated?)`);
  }
  if (meta.rootPage < 2 || meta.rootPage >= meta.pageCount) throw corrupt(name, `the root bucket's page ${meta.rootPage} is outside the pages in use`);
  return meta;
}

/** db.go getPageSizeFromSecondMeta: when page 0 is damaged, look for page 1 at each possible page size. */
function findSecondMetaPageSize(data: Buffer, name: string): number | undefined {
  for (let shift = 0; shift <= 14; shift++) {
    const offset = 1024 << shift;
    if (offset + PAGE_HEADER_SIZE + META_SIZE > data.length) break;
    const { meta } = readMeta(data, offset, name);
    if (meta !== undefined && meta.pageSize === offset) return meta.pageSize;
  }
  return undefined;
}

function readMeta(data: Buffer, offset: number, name: string): { meta?: Meta; problem?: string } {
  const at = offset + PAGE_HEADER_SIZE;
  if (at + META_SIZE > data.length) return { problem: `meta page at offset ${offset} is past the end of the file` };
  if ((data.readUInt16LE(offset + 8) & META_PAGE) === 0) return { problem: `page at offset ${offset} is not a meta page` };
  if (data.readUInt32LE(at) !== MAGIC) return { problem: `bad magic at offset ${offset} (not a bbolt file)` };
  const version = data.readUInt32LE(at + 4);
  if (version !== VERSION) return { problem: `meta page at offset ${offset} has format version ${version}, not ${VERSION}` };
  const stored = data.readBigUInt64LE(at + META_CHECKSUMMED);
  if (fnv64a(data.subarray(at, at + META_CHECKSUMMED)) !== stored) return { problem: `meta page at offset ${offset} fails its checksum` };
  const pageSize = data.readUInt32LE(at + 8);
  if (pageSize < 512 || pageSize > 1 << 24 || (pageSize & (pageSize - 1)) !== 0) return { problem: `meta page at offset ${offset} has page size ${pageSize}` };
  return {
    meta: {
      pageSize,
      rootPage: readU64(data, at + 16, name),
      pageCount: readU64(data, at + 40, name),
      txid: data.readBigUInt64LE(at + 48),
    },
  };
}

/** Checks that a page's element array fits inside it, before any element is read. */
function checkElements(page: PageView, file: BoltFile): void {
  if (PAGE_HEADER_SIZE + page.count * ELEMENT_SIZE > page.bytes.length) {
    throw file.error(`${page.label} claims ${page.count} elements, more than fit in its ${page.bytes.length} bytes`);
  }
}

function branchChild(page: PageView, index: number, file: BoltFile): number {
  return readU64(page.bytes, PAGE_HEADER_SIZE + index * ELEMENT_SIZE + 8, file.name);
}

function elementKey(page: PageView, index: number, file: BoltFile): Buffer {
  const at = PAGE_HEADER_SIZE + index * ELEMENT_SIZE;
  const pos = page.bytes.readUInt32LE(at);
  const ksize = page.bytes.readUInt32LE(at + 4);
  if (at + pos + ksize > page.bytes.length) throw file.error(`${page.label} element ${index} points past the page`);
  return page.bytes.subarray(at + pos, at + pos + ksize);
}

/** A uint64 that must fit a JS number exactly (page IDs, offsets). */
function readU64(buffer: Buffer, offset: number, name: string): number {
  const value = buffer.readBigUInt64LE(offset);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw corrupt(name, `value ${value} at offset ${offset} is out of range`);
  return Number(value);
}

const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const U64 = (1n << 64n) - 1n;

/** FNV-1a, 64-bit (Go hash/fnv New64a), as bbolt checksums its meta pages. */
export function fnv64a(bytes: Uint8Array): bigint {
  let hash = FNV_OFFSET;
  for (const byte of bytes) hash = ((hash ^ BigInt(byte)) * FNV_PRIME) & U64;
  return hash;
}

function printable(key: Buffer): string {
  const text = key.toString('utf8');
  return /^[\x20-\x7e]*$/.test(text) ? text : `0x${key.toString('hex')}`;
}

function corrupt(name: string, reason: string): StowageError {
  return new StowageError('PATH_INVALID', `${name}: ${reason}`);
}
