import { randomUUID, type Hash, createHash } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { Digest, type DigestAlgorithm } from '../../digest/digest.js';
import { Digester } from '../../digest/digester.js';
import { StowageError, isStowageError } from '../../errors/error.js';
import type { StorageDriver } from '../../storage/driver.js';
import { statBlob, type BlobInfo, type RepositoryBlobs } from './blobs.js';
import { deleteIfExists } from './links.js';
import type { KeyedMutex } from './mutex.js';
import { admit, capUpload, type QuotaHook } from './quota-hook.js';
import { isExpired, startedAt } from './purge.js';
import { blobDataPath, uploadDataPath, uploadPath, uploadStartedAtPath } from './paths.js';
import { statIfExists } from './quarantine.js';

export interface UploadStatus {
  uuid: string;
  /** Bytes received so far. */
  size: number;
}

/** A piece of an upload: its bytes and, when the client sent Content-Range, where it claims they go. */
export interface Chunk {
  source: AsyncIterable<Uint8Array>;
  range?: { start: number; end: number };
  /** The declared Content-Length, checked against `range` when both are given. */
  length?: number;
}

/**
 * Running hashes of uploads in progress, so that closing an upload does not re-read it.
 * Node cannot serialise a hash state (distribution stores its own under `hashstates/`), so a
 * state lives in memory; when it is missing or stale (another process, a restart, a failed
 * chunk) the upload is re-hashed from storage at completion instead: slower, never wrong.
 */
export class UploadHashes {
  private readonly states = new Map<string, { hash: Hash; algorithm: DigestAlgorithm; offset: number }>();

  constructor(private readonly capacity = 10_000) {}

  begin(key: string, algorithm: DigestAlgorithm): void {
    if (this.states.size >= this.capacity) {
      const oldest = this.states.keys().next().value;
      if (oldest !== undefined) this.states.delete(oldest);
    }
    this.states.set(key, { hash: createHash(algorithm), algorithm, offset: 0 });
  }

  /** The state if it is exactly at `offset`; otherwise it is stale and dropped. */
  at(key: string, offset: number): { hash: Hash; algorithm: DigestAlgorithm; offset: number } | undefined {
    const state = this.states.get(key);
    if (state && state.offset === offset) return state;
    this.states.delete(key);
    return undefined;
  }

  drop(key: string): void {
    this.states.delete(key);
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Upload sessions of one repository (distribution spec, "Pushing blobs"). Bytes go to
 * `_uploads/<uuid>/data`; on completion the digest is checked, the file fsync'ed, and only then
 * renamed to its content address: no reader ever sees an unverified or torn blob.
 */
export class RepositoryUploads {
  constructor(
    private readonly driver: StorageDriver,
    private readonly name: string,
    private readonly blobs: RepositoryBlobs,
    private readonly hashes: UploadHashes,
    private readonly mutex: KeyedMutex,
    private readonly quota?: QuotaHook,
  ) {}

  async start(algorithm: DigestAlgorithm = 'sha256'): Promise<UploadStatus> {
    const uuid = randomUUID();
    // RFC 3339, as distribution writes `startedat`; used to expire abandoned uploads.
    await this.driver.putContent(uploadStartedAtPath(this.name, uuid), Buffer.from(new Date().toISOString())).catch(async (err: unknown) => {
      // Not even `startedat` fits: no session, and no empty directory left for the purge.
      await deleteIfExists(this.driver, uploadPath(this.name, uuid)).catch(() => undefined);
      throw err;
    });
    this.hashes.begin(this.key(uuid), algorithm);
    return { uuid, size: 0 };
  }

  async status(uuid: string): Promise<UploadStatus> {
    await this.checkExists(uuid);
    return { uuid, size: await this.dataSize(uuid) };
  }

  async append(uuid: string, chunk: Chunk): Promise<UploadStatus> {
    return this.mutex.run(this.key(uuid), async () => {
      await this.checkExists(uuid);
      const size = await this.write(uuid, chunk, false);
      return { uuid, size };
    });
  }

  /** Closes the session: the final chunk if any, digest check, durable move, repository link. */
  async complete(uuid: string, digest: Digest, chunk?: Chunk): Promise<BlobInfo> {
    return this.mutex.run(this.key(uuid), async () => {
      await this.checkExists(uuid);
      const size = await this.write(uuid, chunk, true, digest);
      try {
        const actual = await this.digestOf(uuid, digest.algorithm, size);
        if (!actual.equals(digest)) {
          throw new StowageError('DIGEST_INVALID', `digest mismatch: expected ${digest}, got ${actual}`, {
            expected: digest.toString(),
            actual: actual.toString(),
          });
        }
        // Within the quota, or refused before anything is kept under the digest (quota-hook.ts).
        await admit(this.quota, this.name, [{ digest, size, link: 'layer' }], async () => {
          await this.publish(uuid, digest);
          await this.blobs.link(digest);
        });
      } catch (err) {
        // As distribution does: a failed completion ends the session, so nothing lingers.
        await this.remove(uuid);
        throw err;
      }
      await this.remove(uuid);
      return { digest, size };
    });
  }

  async cancel(uuid: string): Promise<void> {
    await this.mutex.run(this.key(uuid), async () => {
      await this.checkExists(uuid);
      await this.remove(uuid);
    });
  }

  /**
   * Refuses a session started `ttlMs` or more ago as BLOB_UPLOAD_UNKNOWN (unknown sessions too),
   * deleting it on the way: a client coming back to an abandoned session must start over, and
   * its bytes need not wait for the next purge. Age is judged as purgeUploads judges it.
   */
  async refuseExpired(uuid: string, ttlMs: number, now: Date = new Date()): Promise<void> {
    await this.mutex.run(this.key(uuid), async () => {
      await this.checkExists(uuid);
      if (!isExpired(await startedAt(this.driver, uploadPath(this.name, uuid)), ttlMs, now)) return;
      await this.remove(uuid);
      throw unknownUpload(uuid, 'it expired');
    });
  }

  /** Appends a chunk (if any) and, with `durable`, fsyncs the data. Returns the new size. `digest`: the blob's, when the client named it. */
  private async write(uuid: string, chunk: Chunk | undefined, durable: boolean, digest?: Digest): Promise<number> {
    const key = this.key(uuid);
    const size = await this.dataSize(uuid);
    // distribution's order (PatchBlobData): the offset first (416), then the length (400).
    const range = chunk?.range;
    if (range && (range.start !== size || range.end < range.start)) {
      throw new StowageError('RANGE_INVALID', `chunk range ${range.start}-${range.end} does not continue the upload at offset ${size}`, {
        offset: size,
      });
    }
    if (range && chunk?.length !== undefined && chunk.length !== range.end - range.start + 1) {
      throw new StowageError('SIZE_INVALID', `Content-Length ${chunk.length} does not match Content-Range ${range.start}-${range.end}`);
    }
    if (!chunk && !durable) return size;
    const state = this.hashes.at(key, size);
    try {
      const writer = await this.driver.writer(uploadDataPath(this.name, uuid), true);
      let written = 0;
      try {
        const source = chunk && (await capUpload(this.quota, this.name, size, chunk.source, digest));
        if (source) written = await writer.write(state ? hashing(source, state.hash) : source);
      } catch (err) {
        this.hashes.drop(key);
        await writer.close().catch(() => undefined);
        throw err;
      }
      if (state) state.offset += written;
      await (durable ? writer.commit() : writer.close());
      return size + written;
    } catch (err) {
      // A full disk ends the session and deletes its file (BLOB_UPLOAD_UNKNOWN from then on):
      // clients restart a failed blob upload from POST anyway, and the space this session
      // held is what their retry needs once space is freed.
      // Over quota likewise: the session could never complete.
      if (isStowageError(err, 'STORAGE_FULL') || isStowageError(err, 'DENIED')) await this.remove(uuid).catch(() => undefined);
      throw err;
    }
  }

  private async digestOf(uuid: string, algorithm: DigestAlgorithm, size: number): Promise<Digest> {
    const state = this.hashes.at(this.key(uuid), size);
    if (state && state.algorithm === algorithm) return Digest.fromHex(algorithm, state.hash.digest('hex'));
    const digester = new Digester({ algorithm });
    const source = await this.driver.reader(uploadDataPath(this.name, uuid));
    await pipeline(source, digester, async (passed) => {
      for await (const _ of passed) void _;
    });
    return digester.digest();
  }

  /**
   * Moves verified, fsync'ed data to its content address, unless an identical blob is there
   * already. Either way the blob's time is now or within TOUCH_INTERVAL_MS of it, which is what
   * keeps it from a garbage collection running now (collect.ts): the existing one is used
   * (statBlob), the new one touched before its rename (the last write may be long ago), unless
   * the move itself sets the time (an object store's copy): a touch there is a copy of the whole blob.
   */
  private async publish(uuid: string, digest: Digest): Promise<void> {
    try {
      await statBlob(this.driver, digest);
      return;
    } catch (err) {
      if (!isStowageError(err, 'BLOB_UNKNOWN')) throw err;
    }
    if (this.driver.movesKeepTime) await this.driver.touch(uploadDataPath(this.name, uuid));
    await this.driver.move(uploadDataPath(this.name, uuid), blobDataPath(digest));
  }

  private async remove(uuid: string): Promise<void> {
    this.hashes.drop(this.key(uuid));
    await deleteIfExists(this.driver, uploadPath(this.name, uuid));
  }

  private async checkExists(uuid: string): Promise<void> {
    const unknown = unknownUpload(uuid);
    if (!UUID.test(uuid)) throw unknown;
    if (!(await statIfExists(this.driver, uploadStartedAtPath(this.name, uuid)))) throw unknown;
  }

  private async dataSize(uuid: string): Promise<number> {
    return (await statIfExists(this.driver, uploadDataPath(this.name, uuid)))?.size ?? 0;
  }

  private key(uuid: string): string {
    return `${this.name}\u0000${uuid}`;
  }
}

function unknownUpload(uuid: string, why?: string): StowageError {
  return new StowageError('BLOB_UPLOAD_UNKNOWN', `blob upload unknown: ${uuid.slice(0, 80)}${why ? ` (${why})` : ''}`);
}

async function* hashing(source: AsyncIterable<Uint8Array>, hash: Hash): AsyncIterable<Uint8Array> {
  for await (const chunk of source) {
    hash.update(chunk);
    yield chunk;
  }
}
