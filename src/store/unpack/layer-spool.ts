// A layer inflated once into a file nobody can see, with the offset of each entry's data: export
// reads the headers of every layer before it writes anything (the merged view is decided
// top-down, written bottom-up), and inflating every layer a second time was half its time.

import { randomBytes } from 'node:crypto';
import { open, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { StowageError } from '../../errors/error.js';
import { writeFully } from '../../fs/write-fully.js';
import { fullDiskAt } from '../staging.js';
import { decompressLayer } from './decompress.js';
import { drain, readTarEntries, type TarHeader } from './tar-entries.js';

/** Spool writes of this size: a 100 MB layer is a hundred system calls, not thousands. */
const BLOCK = 1 << 20;
/**
 * Spool reads: zlib's chunk size. Each is a fresh buffer (the tar writer may hold it), and V8
 * frees such memory only when a collection finds its buffer dead: 1 MiB reads let a 50 MB
 * export grow the process by 35 MB before one came, 256 KiB ones by a few.
 */
const READ_BLOCK = 256 * 1024;

export class LayerSpool {
  private constructor(
    private readonly file: FileHandle,
    /** Every header of the layer's tar, in order (their index is the entry's ordinal). */
    readonly headers: TarHeader[],
    private readonly offsets: number[],
  ) {}

  /**
   * Reads the layer once: its tar's headers kept, its uncompressed bytes written to a file in
   * `dir` that is unlinked as soon as it is open (a crash leaves nothing; the space is back when
   * the handle closes).
   */
  static async fill(layer: Readable, dir: string): Promise<LayerSpool> {
    const path = join(dir, `.stowage-export-${process.pid}-${randomBytes(6).toString('hex')}`);
    const file = await open(path, 'wx+', 0o600);
    await unlink(path);
    try {
      const headers: TarHeader[] = [];
      const offsets: number[] = [];
      const writer = new SpoolWriter(file, path);
      for await (const entry of readTarEntries(Readable.from(writer.through(decompressLayer(layer)), { objectMode: false }))) {
        headers.push(entry.header);
        offsets.push(entry.dataOffset);
        await drain(entry);
      }
      await writer.finish();
      return new LayerSpool(file, headers, offsets);
    } catch (err) {
      await file.close().catch(() => undefined);
      throw err;
    }
  }

  /** The data of entry `ordinal` (its header's size in bytes), read back from the spool. */
  data(ordinal: number, reader: SpoolReader): AsyncIterable<Buffer> {
    const offset = this.offsets[ordinal];
    const header = this.headers[ordinal];
    if (offset === undefined || header === undefined) throw new StowageError('LAYER_INVALID', `no entry ${ordinal} in the spooled layer`);
    return reader.range(offset, header.size);
  }

  /** A reader for entries taken in order: one read per block, not one per small file. */
  reader(): SpoolReader {
    return new SpoolReader(this.file);
  }

  close(): Promise<void> {
    return this.file.close();
  }
}

/** Writes the inflated bytes to the spool in blocks, in order, as they pass to the tar reader. */
class SpoolWriter {
  private batch: Buffer[] = [];
  private batched = 0;
  private position = 0;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly file: FileHandle,
    private readonly path: string,
  ) {}

  /** The chunks as they go by; each waits for the block before it to be written (backpressure). */
  async *through(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    for await (const chunk of source) {
      // zlib's chunks are fresh buffers: the tar reader may hold one while it is also batched here.
      this.batch.push(chunk);
      this.batched += chunk.length;
      if (this.batched >= BLOCK) await this.flush();
      yield chunk;
    }
  }

  /**
   * Everything passed on so far, written. Called once the reader is done, which may be before
   * the source ended (it stops at the end-of-archive blocks): every entry's data is in by then.
   */
  async finish(): Promise<void> {
    await this.flush();
  }

  private flush(): Promise<void> {
    const pending = this.batch;
    this.batch = [];
    this.batched = 0;
    this.writing = this.writing.then(() => this.writeAll(pending));
    return this.writing;
  }

  private async writeAll(buffers: Buffer[]): Promise<void> {
    await writeFully(this.file, buffers, this.position, (bytes) => {
      this.position += bytes;
    }).catch((err: unknown) => {
      throw fullDiskAt(err, this.path);
    });
  }
}

/**
 * Ranges of the spool in increasing order through a window of READ_BLOCK: small files next to
 * each other come from one read. Each window is a fresh buffer, so the slices handed out stay
 * valid while the tar writer holds them.
 */
export class SpoolReader {
  private window: Buffer = Buffer.alloc(0);
  private windowStart = 0;

  constructor(private readonly file: FileHandle) {}

  async *range(offset: number, length: number): AsyncGenerator<Buffer> {
    let position = offset;
    const end = offset + length;
    while (position < end) {
      const windowEnd = this.windowStart + this.window.length;
      if (position < this.windowStart || position >= windowEnd) await this.load(position);
      const from = position - this.windowStart;
      const take = Math.min(end - position, this.window.length - from);
      if (take <= 0) throw new StowageError('LAYER_INVALID', `the spooled layer ends at ${position}, before its entry's data (to ${end})`);
      yield this.window.subarray(from, from + take);
      position += take;
    }
  }

  private async load(position: number): Promise<void> {
    const buffer = Buffer.allocUnsafe(READ_BLOCK);
    const { bytesRead } = await this.file.read(buffer, 0, buffer.length, position);
    this.window = buffer.subarray(0, bytesRead);
    this.windowStart = position;
  }
}
