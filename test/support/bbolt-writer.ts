// A test-only bbolt writer: builds database files in bbolt's on-disk format (version 2) from a
// plain object, so the reader's tests can cover single-leaf and multi-level trees, inline
// and page-backed buckets, overflow pages, and files damaged on purpose. It writes one
// committed state (two meta pages, an empty freelist, then the tree), which is all a reader sees.

import { fnv64a } from '../../src/dockerroot/containerd/bbolt.js';

/** A bucket: string or Buffer values are plain keys, nested objects are buckets. */
export interface BoltTree {
  [key: string]: string | Buffer | BoltTree;
}

export interface BoltWriteOptions {
  pageSize?: number;
  /** Elements per leaf or branch page at most; small values force multi-level trees. */
  maxElements?: number;
  /** Buckets without sub-buckets whose page is at most this many bytes are stored inline (bbolt: pageSize / 4). */
  inlineLimit?: number;
  /** Transaction IDs of meta pages 0 and 1 (the higher one is in use). */
  txids?: [number, number];
}

const MAGIC = 0xed0cdaed;
const HEADER = 16;
const ELEMENT = 16;

interface Element {
  key: Buffer;
  value: Buffer;
  flags: number;
}

export function writeBolt(tree: BoltTree, options: BoltWriteOptions = {}): Buffer {
  const writer = new BoltWriter(options.pageSize ?? 4096, Math.max(2, options.maxElements ?? 1000), options.inlineLimit ?? (options.pageSize ?? 4096) / 4);
  const root = writer.tree(writer.elements(tree));
  return writer.finish(root, options.txids ?? [2, 3]);
}

class BoltWriter {
  /** Pages by ID; a page with overflow occupies several IDs and is stored at the first. */
  private readonly pages = new Map<number, Buffer>();
  private nextId = 3;

  constructor(
    private readonly pageSize: number,
    private readonly maxElements: number,
    private readonly inlineLimit: number,
  ) {}

  elements(tree: BoltTree): Element[] {
    const out: Element[] = [];
    for (const [name, value] of Object.entries(tree)) {
      const key = Buffer.from(name, 'utf8');
      if (typeof value === 'string' || Buffer.isBuffer(value)) out.push({ key, value: Buffer.from(value), flags: 0 });
      else out.push({ key, value: this.bucket(value), flags: 1 });
    }
    return out.sort((a, b) => Buffer.compare(a.key, b.key));
  }

  /** A bucket's value in its parent: root page and sequence, plus the inline page when it is small. */
  private bucket(tree: BoltTree): Buffer {
    const elements = this.elements(tree);
    const header = Buffer.alloc(16);
    const leaf = leafPage(elements);
    if (!elements.some((e) => e.flags !== 0) && leaf.length <= this.inlineLimit) return Buffer.concat([header, leaf]);
    header.writeBigUInt64LE(BigInt(this.tree(elements)), 0);
    return header;
  }

  /** Writes a B+tree of leaf and branch pages; returns the root page ID. */
  tree(elements: Element[]): number {
    let level = chunks(elements, this.maxElements).map((chunk) => ({ first: chunk[0]?.key ?? Buffer.alloc(0), id: this.store(leafPage(chunk)) }));
    while (level.length > 1) {
      level = chunks(level, this.maxElements).map((chunk) => ({ first: chunk[0]!.first, id: this.store(branchPage(chunk)) }));
    }
    return level[0]!.id;
  }

  /** Allocates page IDs for a page (with overflow pages when it is larger than one) and stores it. */
  private store(page: Buffer): number {
    const count = Math.ceil(page.length / this.pageSize);
    const id = this.nextId;
    this.nextId += count;
    const sized = Buffer.alloc(count * this.pageSize);
    page.copy(sized);
    sized.writeBigUInt64LE(BigInt(id), 0);
    sized.writeUInt32LE(count - 1, 12);
    this.pages.set(id, sized);
    return id;
  }

  finish(root: number, txids: [number, number]): Buffer {
    const file = Buffer.alloc(this.nextId * this.pageSize);
    for (const meta of [0, 1]) {
      const at = meta * this.pageSize;
      file.writeBigUInt64LE(BigInt(meta), at);
      file.writeUInt16LE(0x04, at + 8);
      const m = at + HEADER;
      file.writeUInt32LE(MAGIC, m);
      file.writeUInt32LE(2, m + 4);
      file.writeUInt32LE(this.pageSize, m + 8);
      file.writeUInt32LE(0, m + 12);
      file.writeBigUInt64LE(BigInt(root), m + 16);
      file.writeBigUInt64LE(0n, m + 24);
      file.writeBigUInt64LE(2n, m + 32); // freelist page
      file.writeBigUInt64LE(BigInt(this.nextId), m + 40);
      file.writeBigUInt64LE(BigInt(txids[meta]!), m + 48);
      file.writeBigUInt64LE(fnv64a(file.subarray(m, m + 56)), m + 56);
    }
    file.writeBigUInt64LE(2n, 2 * this.pageSize);
    file.writeUInt16LE(0x10, 2 * this.pageSize + 8);
    for (const [id, page] of this.pages) page.copy(file, id * this.pageSize);
    return file;
  }
}

/** A leaf page (header with ID 0, elements, then keys and values); `pos` counts from each element. */
export function leafPage(elements: Element[]): Buffer {
  const header = Buffer.alloc(HEADER + elements.length * ELEMENT);
  header.writeUInt16LE(0x02, 8);
  header.writeUInt16LE(elements.length, 10);
  const data: Buffer[] = [];
  let offset = header.length;
  elements.forEach((e, i) => {
    const at = HEADER + i * ELEMENT;
    header.writeUInt32LE(e.flags, at);
    header.writeUInt32LE(offset - at, at + 4);
    header.writeUInt32LE(e.key.length, at + 8);
    header.writeUInt32LE(e.value.length, at + 12);
    data.push(e.key, e.value);
    offset += e.key.length + e.value.length;
  });
  return Buffer.concat([header, ...data]);
}

function branchPage(children: Array<{ first: Buffer; id: number }>): Buffer {
  const header = Buffer.alloc(HEADER + children.length * ELEMENT);
  header.writeUInt16LE(0x01, 8);
  header.writeUInt16LE(children.length, 10);
  let offset = header.length;
  children.forEach((c, i) => {
    const at = HEADER + i * ELEMENT;
    header.writeUInt32LE(offset - at, at);
    header.writeUInt32LE(c.first.length, at + 4);
    header.writeBigUInt64LE(BigInt(c.id), at + 8);
    offset += c.first.length;
  });
  return Buffer.concat([header, ...children.map((c) => c.first)]);
}

function chunks<T>(items: T[], size: number): T[][] {
  if (items.length === 0) return [[]];
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
