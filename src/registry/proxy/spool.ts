import { EventEmitter } from 'node:events';
import { mkdtemp, open, rm, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';

const READ_CHUNK = 1024 * 1024;

/**
 * A blob on its way from the upstream, in a local file every client of it reads from: a client
 * that arrives late reads what has arrived, then waits for the rest, so one download serves
 * them all and memory stays flat (nothing is held but one read buffer per client). The file
 * is not the cache: the store gets the bytes through its own verified, durable upload path
 * (fetches.ts); the spool is deleted when the download has ended and its last reader is done.
 */
export class Spool {
  private written = 0;
  private ended = false;
  private failure: Error | undefined;
  private readers = 0;
  private readonly events = new EventEmitter();

  private constructor(
    private readonly dir: string,
    private readonly file: FileHandle,
    readonly size: number,
  ) {
    this.events.setMaxListeners(0);
  }

  static async create(size: number): Promise<Spool> {
    const dir = await mkdtemp(join(tmpdir(), 'stowage-spool-'));
    const file = await open(join(dir, 'data'), 'w+');
    return new Spool(dir, file, size);
  }

  /** Bytes received so far. */
  get received(): number {
    return this.written;
  }

  async append(chunk: Uint8Array): Promise<void> {
    let done = 0;
    while (done < chunk.length) {
      const { bytesWritten } = await this.file.write(chunk, done, chunk.length - done, this.written + done);
      done += bytesWritten;
    }
    this.written += chunk.length;
    this.events.emit('change');
  }

  /** The download is complete and verified (`undefined`) or failed: readers finish or fail. */
  end(failure?: Error): void {
    this.ended = true;
    this.failure = failure;
    this.events.emit('change');
    void this.maybeRemove();
  }

  /**
   * Bytes `start`..`end` (inclusive), as they arrive; fails if the download fails before they
   * do. Undefined once the spool is gone (the download ended and its readers left): the store
   * has the blob by then.
   */
  reader(start = 0, end = this.size - 1): Readable | undefined {
    if (this.readers < 0) return undefined;
    this.readers++;
    const spool = this;
    async function* bytes(): AsyncGenerator<Buffer> {
      let position = start;
      try {
        while (position <= end) {
          if (spool.failure) throw spool.failure;
          if (position < spool.written) {
            const length = Math.min(READ_CHUNK, spool.written - position, end - position + 1);
            const buffer = Buffer.allocUnsafe(length);
            const { bytesRead } = await spool.file.read(buffer, 0, length, position);
            position += bytesRead;
            yield bytesRead === length ? buffer : buffer.subarray(0, bytesRead);
            continue;
          }
          if (spool.ended) throw spool.failure ?? new Error('the upstream sent fewer bytes than it announced');
          await new Promise((resolve) => spool.events.once('change', resolve));
        }
      } finally {
        spool.readers--;
        void spool.maybeRemove();
      }
    }
    return Readable.from(bytes(), { objectMode: false, highWaterMark: READ_CHUNK });
  }

  private async maybeRemove(): Promise<void> {
    if (!this.ended || this.readers > 0) return;
    this.readers = -1; // once
    await this.file.close().catch(() => undefined);
    await rm(this.dir, { recursive: true, force: true }).catch(() => undefined);
  }
}
