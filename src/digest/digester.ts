import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { StowageError } from '../errors/error.js';
import { Digest, type DigestAlgorithm } from './digest.js';

/**
 * A pass-through stream that hashes the bytes as they flow, so a blob is digested while it is
 * written or sent and never held whole in memory.
 *
 * With `expected`, the stream fails at its end with DIGEST_INVALID when the bytes do not match,
 * so a pipeline into a temporary file rejects before anything is committed under the digest.
 * With `expectedSize`, it also fails (SIZE_INVALID) when more or fewer bytes pass.
 */
export class Digester extends Transform {
  readonly algorithm: DigestAlgorithm;
  private readonly hash: Hash;
  private readonly expected: Digest | undefined;
  private readonly expectedSize: number | undefined;
  private readonly onProgress: ((bytes: number) => void) | undefined;
  private bytes = 0;
  private result: Digest | undefined;

  constructor(options: { algorithm?: DigestAlgorithm; expected?: Digest; expectedSize?: number; onProgress?: (bytes: number) => void } = {}) {
    // 1 MiB buffers: the default 16 KiB makes a multi-GB copy pay per-chunk overhead thousands of times more.
    super({ highWaterMark: 1024 * 1024 });
    this.onProgress = options.onProgress;
    this.expected = options.expected;
    this.expectedSize = options.expectedSize;
    this.algorithm = options.expected?.algorithm ?? options.algorithm ?? 'sha256';
    this.hash = createHash(this.algorithm);
  }

  get size(): number {
    return this.bytes;
  }

  /**
   * Whether this stream already checks exactly `digest` and `size`, so a consumer further down
   * need not hash the same bytes again (hashing is the copy path's main CPU cost).
   */
  verifies(digest: Digest, size: number): boolean {
    return this.expected?.equals(digest) === true && this.expectedSize === size;
  }

  /** The digest of everything that passed; only after the stream has ended. */
  digest(): Digest {
    if (!this.result) throw new StowageError('INTERNAL', 'digest requested before the stream ended');
    return this.result;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.expectedSize !== undefined && this.bytes > this.expectedSize) {
      callback(new StowageError('SIZE_INVALID', `content is longer than the expected ${this.expectedSize} bytes`));
      return;
    }
    this.hash.update(chunk);
    this.onProgress?.(this.bytes);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    if (this.expectedSize !== undefined && this.bytes !== this.expectedSize) {
      callback(new StowageError('SIZE_INVALID', `content is ${this.bytes} bytes, expected ${this.expectedSize}`));
      return;
    }
    this.result = Digest.fromHex(this.algorithm, this.hash.digest('hex'));
    if (this.expected && !this.result.equals(this.expected)) {
      callback(
        new StowageError('DIGEST_INVALID', `digest mismatch: expected ${this.expected}, got ${this.result}`, {
          expected: this.expected.toString(),
          actual: this.result.toString(),
        }),
      );
      return;
    }
    callback();
  }
}
