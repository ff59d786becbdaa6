import type { CompletedPart } from '@aws-sdk/client-s3';
import { StowageError } from '../../errors/error.js';
import { createLimiter } from '../../transport/limiter.js';
import type { FileWriter } from '../driver.js';
import type { Connection } from './client.js';
import { s3Error } from './errors.js';
import { MAX_PART_SIZE, MAX_PARTS, MIN_PART_SIZE } from './options.js';
import type { ObjectTarget } from './target.js';

/** Parts in flight per writer: enough to fill a link, and `PARALLEL_PARTS × chunksize` of memory at most. */
const PARALLEL_PARTS = 4;

/**
 * A file written to S3. An object cannot be appended to, so:
 * - up to `chunksize` bytes stay in memory and go up in one PutObject at commit or close;
 * - past that, a multipart upload takes `chunksize` parts, several in flight at once, and the
 *   object appears only when the upload is completed (nothing partial is ever visible);
 * - an append (a resumed blob upload, which may land on another replica) starts a new
 *   multipart upload whose first parts are server-side copies of the existing object
 *   (UploadPartCopy: no bytes through this process), or, when that object is under S3's 5 MiB
 *   part minimum, reads it into the buffer.
 * Close and commit are the same on S3: a completed object is durable.
 * Hand-written rather than @aws-sdk/lib-storage's Upload: that takes one stream to one new
 * object, with no server-side copied first parts (the append above) and no way to decide at
 * the end between one PutObject and the multipart upload already under way.
 */
export class S3Writer implements FileWriter {
  private buffered: Buffer[] = [];
  private bufferedBytes = 0;
  private upload?: { id: string; parts: CompletedPart[]; pending: Set<Promise<void>>; failed?: unknown };
  private nextPart = 1;
  private done = false;
  private written = 0;
  /** The existing object's bytes not yet part of the new upload (copied or read at the first write). */
  private prefix: number;

  constructor(
    private readonly connection: () => Promise<Connection>,
    private readonly target: ObjectTarget,
    existing: number,
    private readonly chunkSize: number,
  ) {
    this.prefix = existing;
  }

  get size(): number {
    return this.prefix + this.written;
  }

  async write(source: Uint8Array | AsyncIterable<Uint8Array>): Promise<number> {
    this.checkOpen();
    let count = 0;
    const chunks = source instanceof Uint8Array ? [source] : source;
    for await (const chunk of chunks) {
      if (chunk.length === 0) continue;
      if (this.prefix > 0) await this.carryPrefix();
      // Kept by reference until its part is sent (FileWriter.write: chunks are not reused).
      this.buffered.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
      this.bufferedBytes += chunk.length;
      this.written += chunk.length;
      count += chunk.length;
      while (this.bufferedBytes >= this.chunkSize) await this.sendPart(this.take(this.chunkSize));
    }
    return count;
  }

  async commit(): Promise<void> {
    this.checkOpen();
    this.done = true;
    try {
      await this.finish();
    } catch (err) {
      await this.abort();
      throw s3Error(err, this.target.path);
    }
  }

  async close(): Promise<void> {
    await this.commit();
  }

  async cancel(): Promise<void> {
    this.checkOpen();
    this.done = true;
    await this.abort();
    const { sdk, client } = await this.connection();
    await client.send(new sdk.DeleteObjectCommand({ Bucket: this.target.bucket, Key: this.target.key })).catch(() => undefined);
  }

  private async finish(): Promise<void> {
    const { sdk, client } = await this.connection();
    // Nothing written to an appended object: it is as it was.
    if (!this.upload && this.written === 0 && this.prefix > 0) return;
    if (!this.upload) {
      await client.send(new sdk.PutObjectCommand({ ...this.target.put(), Body: Buffer.concat(this.buffered), ContentLength: this.bufferedBytes }));
      this.buffered = [];
      this.bufferedBytes = 0;
      return;
    }
    if (this.bufferedBytes > 0 || this.upload.parts.length + this.upload.pending.size === 0) await this.sendPart(this.take(this.bufferedBytes));
    await this.settle();
    const parts = [...this.upload.parts].sort((a, b) => (a.PartNumber ?? 0) - (b.PartNumber ?? 0));
    await client.send(
      new sdk.CompleteMultipartUploadCommand({ Bucket: this.target.bucket, Key: this.target.key, UploadId: this.upload.id, MultipartUpload: { Parts: parts } }),
    );
    this.upload = undefined;
  }

  /** The existing object becomes the upload's first parts, before any new byte. */
  private async carryPrefix(): Promise<void> {
    const existing = this.prefix;
    this.prefix = 0;
    this.written += existing;
    const { sdk, client } = await this.connection();
    if (existing < MIN_PART_SIZE) {
      // Too small to be a part of its own: its bytes join the buffer (at most 5 MiB read).
      const got = await client.send(new sdk.GetObjectCommand({ Bucket: this.target.bucket, Key: this.target.key }));
      const bytes = Buffer.from(await (got.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
      if (bytes.length !== existing) throw new StowageError('INTERNAL', `${this.target.path} changed while it was appended to`);
      this.buffered.unshift(bytes);
      this.bufferedBytes += bytes.length;
      return;
    }
    const upload = await this.begin();
    const source = `${this.target.bucket}/${encodeURIComponent(this.target.key).replace(/%2F/g, '/')}`;
    const limit = createLimiter(PARALLEL_PARTS);
    const copies: Promise<void>[] = [];
    for (let start = 0; start < existing; start += MAX_PART_SIZE) {
      const end = Math.min(existing, start + MAX_PART_SIZE) - 1;
      const number = this.nextPart++;
      copies.push(
        limit(async () => {
          const copied = await client.send(
            new sdk.UploadPartCopyCommand({
              Bucket: this.target.bucket,
              Key: this.target.key,
              UploadId: upload.id,
              PartNumber: number,
              CopySource: source,
              CopySourceRange: `bytes=${start}-${end}`,
            }),
          );
          upload.parts.push({ PartNumber: number, ETag: copied.CopyPartResult?.ETag });
        }),
      );
    }
    await Promise.all(copies);
  }

  private async begin(): Promise<NonNullable<S3Writer['upload']>> {
    if (this.upload) return this.upload;
    const { sdk, client } = await this.connection();
    const created = await client.send(new sdk.CreateMultipartUploadCommand(this.target.put()));
    if (!created.UploadId) throw new StowageError('INTERNAL', `S3 gave no upload id for ${this.target.path}`);
    this.upload = { id: created.UploadId, parts: [], pending: new Set() };
    return this.upload;
  }

  /** Uploads one part; waits only while PARALLEL_PARTS are already in flight. */
  private async sendPart(body: Buffer): Promise<void> {
    const upload = await this.begin();
    if (upload.failed) throw upload.failed;
    const number = this.nextPart++;
    if (number > MAX_PARTS)
      throw new StowageError('SIZE_INVALID', `${this.target.path} needs more than ${MAX_PARTS} parts of ${this.chunkSize} bytes: raise storage.s3.chunksize`);
    while (upload.pending.size >= PARALLEL_PARTS) await Promise.race(upload.pending);
    if (upload.failed) throw upload.failed;
    const { sdk, client } = await this.connection();
    const sent: Promise<void> = client
      .send(
        new sdk.UploadPartCommand({
          Bucket: this.target.bucket,
          Key: this.target.key,
          UploadId: upload.id,
          PartNumber: number,
          Body: body,
          ContentLength: body.length,
        }),
      )
      .then(
        (result) => void upload.parts.push({ PartNumber: number, ETag: result.ETag }),
        (err: unknown) => void (upload.failed ??= s3Error(err, this.target.path)),
      )
      .finally(() => upload.pending.delete(sent));
    upload.pending.add(sent);
  }

  private async settle(): Promise<void> {
    const upload = this.upload;
    if (!upload) return;
    while (upload.pending.size > 0) await Promise.race(upload.pending);
    if (upload.failed) throw upload.failed;
  }

  private async abort(): Promise<void> {
    const upload = this.upload;
    if (!upload) return;
    this.upload = undefined;
    await Promise.allSettled(upload.pending);
    const { sdk, client } = await this.connection();
    await client.send(new sdk.AbortMultipartUploadCommand({ Bucket: this.target.bucket, Key: this.target.key, UploadId: upload.id })).catch(() => undefined);
  }

  private take(bytes: number): Buffer {
    const all = Buffer.concat(this.buffered, this.bufferedBytes);
    this.buffered = bytes < all.length ? [all.subarray(bytes)] : [];
    this.bufferedBytes = all.length - bytes;
    return all.subarray(0, bytes);
  }

  private checkOpen(): void {
    if (this.done) throw new StowageError('INTERNAL', `writer for ${this.target.path} is closed`);
  }
}
