import type { FileHandle } from 'node:fs/promises';

/** Bytes written between two background flushes (4 MiB: a push's final PUT measured ~40 % shorter than with 16). */
const FLUSH_EVERY = 4 << 20;

/**
 * Starts an fdatasync in the background every FLUSH_EVERY bytes written, so the disk writes
 * back while the network still delivers. The fsync that makes a blob durable then finds
 * little left to do, instead of the whole blob at the end (~1 s per 200 MB on a 200 MB/s
 * disk), which would otherwise be the last step of every push and pull. At most one runs.
 */
export class BackgroundFlush {
  private unflushed = 0;
  private running: Promise<void> | undefined;
  private failure: unknown;

  constructor(private readonly handle: FileHandle) {}

  /** Counts `bytes` written; starts a flush when enough have accumulated and none is running. */
  wrote(bytes: number): void {
    this.unflushed += bytes;
    if (this.unflushed < FLUSH_EVERY || this.running !== undefined) return;
    this.unflushed = 0;
    this.running = this.handle.datasync().then(
      () => {
        this.running = undefined;
      },
      (err: unknown) => {
        this.failure ??= err;
        this.running = undefined;
      },
    );
  }

  /** Waits for a running flush; rejects with the first flush error, which the final fsync must not hide. */
  async settle(): Promise<void> {
    await this.running;
    if (this.failure !== undefined) throw this.failure;
  }
}
