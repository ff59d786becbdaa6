import type { Readable } from 'node:stream';
import type { Digest } from '../../digest/digest.js';
import { Spool } from './spool.js';

/** A blob being fetched from an upstream: its size, and its bytes for any client as they arrive. */
export interface Fetch {
  size: number;
  /** Undefined when the fetch has ended and its spool is gone: read the store instead. */
  reader(range?: { start: number; end: number }): Readable | undefined;
  /** Settles when the blob is in the store (or the fetch failed). */
  done: Promise<void>;
}

/** Opens the upstream's stream; `store` consumes the bytes into the store and verifies them. */
export interface FetchWork {
  open(): Promise<{ size: number; stream: Readable }>;
  store(source: AsyncIterable<Uint8Array>, size: number): Promise<void>;
  onError?(err: unknown): void;
}

/**
 * One upstream download per blob, however many clients ask at once (keyed by digest: the
 * bytes are the same whichever repository asks). The download belongs to no client: one that
 * disconnects stops reading, and the others and the store get the rest. The bytes pass once:
 * from the upstream into the spool (what clients read) and into the store's upload path, which
 * hashes them and publishes the blob only when its digest matches and it is durable.
 */
export class BlobFetches {
  private readonly running = new Map<string, Promise<Fetch>>();

  /** The running fetch of this blob, or a new one. Rejects when the upstream cannot be opened. */
  get(digest: Digest, work: FetchWork): Promise<Fetch> {
    const key = digest.toString();
    let fetch = this.running.get(key);
    if (!fetch) {
      fetch = this.start(work);
      this.running.set(key, fetch);
      const forget = (): void => {
        if (this.running.get(key) === fetch) this.running.delete(key);
      };
      fetch.then((f) => f.done.then(forget, forget), forget);
    }
    return fetch;
  }

  /** Blobs being fetched now. */
  get size(): number {
    return this.running.size;
  }

  private async start(work: FetchWork): Promise<Fetch> {
    const { size, stream } = await work.open();
    const spool = await Spool.create(size).catch((err: unknown) => {
      stream.destroy();
      throw err;
    });
    async function* teed(): AsyncGenerator<Uint8Array> {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        await spool.append(chunk);
        yield chunk;
      }
    }
    const done = work.store(teed(), size).then(
      () => spool.end(),
      (err: unknown) => {
        stream.destroy();
        spool.end(err instanceof Error ? err : new Error(String(err)));
        work.onError?.(err);
        throw err;
      },
    );
    done.catch(() => undefined);
    return { size, done, reader: (range) => spool.reader(range?.start, range?.end) };
  }
}
