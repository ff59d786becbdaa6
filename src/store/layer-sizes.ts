// Each layer's unpacked size (layer-size.ts), computed once and remembered in images.json
// (`layerSizes`, by the layer blob's digest): while a pull or load streams the blob into the
// store (LayerSizeMeter), else from the blob file the first time a listing needs it (an image
// stored by a version that did not record it). A blob never changes under its digest, so
// neither does its number; a gzip and an uncompressed blob of the same diff ID are the same
// tar, so they get the same number.

import { open } from 'node:fs/promises';
import { Transform, type TransformCallback } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { isStowageError } from '../errors/error.js';
import type { Descriptor } from '../oci/descriptor.js';
import type { StoreLayout } from './layout.js';
import { unpackedSize } from './layer-size.js';
import type { MeterReply, MeterRequest } from './layer-size-worker.js';
import { withStoreLock } from './lock.js';
import { readMetadata, writeMetadata, type StoreMetadata } from './metadata.js';
import { isForeign, missingLayerSizes } from './records.js';
import { decompressLayer } from './unpack/decompress.js';

/** Layer media types are tars, compressed or not (layer.md; Docker's rootfs.diff.tar[.gzip]). */
export function isTarLayer(descriptor: Pick<Descriptor, 'mediaType'>): boolean {
  return /\.tar($|[+.])/.test(descriptor.mediaType);
}

/**
 * A pass-through that measures a layer as it is written: each chunk is also posted to the
 * measuring thread (layer-size-worker.ts: decompressor and tar walker), and the copy waits only
 * when that thread is more than MAX_AHEAD behind, so a slow walker slows the copy instead of
 * buffering without bound. `size` is known after the stream ends, undefined when the measuring
 * failed other than on the tar (the copy was cut short, the thread could not start): the size
 * is then measured from the stored blob at commit. The copy itself never fails for the meter:
 * the digest decides.
 */
export class LayerSizeMeter extends Transform {
  size: number | undefined;
  private readonly job = nextJob++;
  private ahead = 0;
  private waiting: (() => void) | undefined;
  private outcome: ((reply: MeterReply | undefined) => void) | undefined;
  private readonly measured: Promise<MeterReply | undefined>;
  private done = false;
  private slab: Uint8Array<ArrayBuffer> | undefined;
  private filled = 0;

  /** `storedSize`: what a blob that is not a readable tar counts (see measureBlobFile). */
  constructor(private readonly storedSize: number) {
    super({ highWaterMark: 1024 * 1024 });
    this.measured = new Promise((resolve) => {
      this.outcome = resolve;
    });
    const thread = measuringThread();
    if (thread) meters.set(this.job, this);
    else this.finish(undefined);
  }

  /** A reply from the measuring thread (or undefined: the thread is gone). */
  receive(reply: MeterReply | undefined): void {
    if (reply && 'taken' in reply) {
      this.ahead -= reply.taken;
      if (this.ahead <= MAX_AHEAD) this.release();
      return;
    }
    this.finish(reply);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (!this.done) {
      this.batch(chunk);
      this.ahead += chunk.length;
      if (this.ahead > MAX_AHEAD) {
        this.send();
        this.waiting = () => callback(null, chunk);
        return;
      }
    }
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    if (!this.done) {
      this.send();
      this.post({ id: this.job, end: true });
    }
    this.measured.then((reply) => {
      this.size = reply === undefined || 'failed' in reply ? undefined : 'invalid' in reply ? this.storedSize : 'size' in reply ? reply.size : undefined;
      callback();
    }, callback);
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    if (!this.done) this.post({ id: this.job, abort: true });
    this.finish(undefined);
    callback(err);
  }

  /**
   * Copies a chunk into the current slab, posting each full one: a copy and a message per 1 MiB
   * instead of per socket read (copying each 64 KiB chunk into its own buffer cost ~140 ms of
   * main thread per 180 MB). Copied, not shared: the chunk goes on to the file meanwhile.
   */
  private batch(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length) {
      if (!this.slab) this.slab = new Uint8Array(SLAB);
      const n = Math.min(chunk.length - offset, SLAB - this.filled);
      this.slab.set(chunk.subarray(offset, offset + n), this.filled);
      this.filled += n;
      offset += n;
      if (this.filled === SLAB) this.send();
    }
  }

  /** Moves the filled part of the slab to the measuring thread. */
  private send(): void {
    if (!this.slab || this.filled === 0) return;
    const bytes = this.filled === SLAB ? this.slab : this.slab.slice(0, this.filled);
    this.slab = undefined;
    this.filled = 0;
    worker?.postMessage({ id: this.job, chunk: bytes } satisfies MeterRequest, [bytes.buffer]);
  }

  private post(request: MeterRequest): void {
    worker?.postMessage(request);
  }

  private finish(reply: MeterReply | undefined): void {
    if (this.done) return;
    this.done = true;
    meters.delete(this.job);
    if (meters.size === 0) worker?.unref();
    this.outcome?.(reply);
    this.release();
  }

  private release(): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.();
  }
}

const SLAB = 1024 * 1024;
/** How far the copy may run ahead of the measuring thread (its PassThrough holds 4 MiB more). */
const MAX_AHEAD = 16 * 1024 * 1024;
let nextJob = 0;
const meters = new Map<number, LayerSizeMeter>();
let worker: Worker | undefined;
let workerFailed = false;

/**
 * The one measuring thread of this process, started on first use and kept only while a meter
 * waits on it (unref'd otherwise, so it never holds the process open). Next to this module:
 * dist/src/store/layer-size-worker.js, or in the bundle dist/bundle/layer-size-worker.mjs.
 */
function measuringThread(): Worker | undefined {
  if (workerFailed) return undefined;
  if (!worker) {
    const bundled = import.meta.url.endsWith('.mjs');
    try {
      worker = new Worker(new URL(bundled ? './layer-size-worker.mjs' : './layer-size-worker.js', import.meta.url));
    } catch {
      workerFailed = true;
      return undefined;
    }
    const lost = (): void => {
      workerFailed = true;
      worker = undefined;
      for (const meter of [...meters.values()]) meter.receive(undefined);
    };
    worker.on('message', (reply: MeterReply) => meters.get(reply.id)?.receive(reply));
    worker.on('error', lost);
    worker.on('exit', lost);
  }
  worker.ref();
  return worker;
}

/**
 * A layer blob's unpacked size from its file, or undefined when it cannot be known now (the file
 * is gone, or reading it failed). A blob that is not a readable tar never becomes one: it is
 * counted at its stored size, the nearest to what it takes, and remembered like any other.
 */
export async function measureBlobFile(path: string, storedSize: number): Promise<number | undefined> {
  // Opened first: the tar reader reports a failing source as LAYER_INVALID, and a missing file
  // must not be remembered as a layer that is not a tar.
  const handle = await open(path).catch(() => undefined);
  if (!handle) return undefined;
  try {
    return await unpackedSize(decompressLayer(handle.createReadStream()));
  } catch (err) {
    if (isStowageError(err, 'LAYER_INVALID')) return storedSize;
    return undefined;
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/**
 * The metadata with every layer's size known that can be: the missing ones are measured from
 * the blob files (outside the lock: it reads whole layers) and recorded under the lock for next
 * time. A store this process may not write still gets its numbers, just not remembered.
 */
export async function fillLayerSizes(layout: StoreLayout, metadata: StoreMetadata): Promise<StoreMetadata> {
  const found: Record<string, number> = {};
  for (const layer of missingLayerSizes(metadata)) {
    const size = await measureBlobFile(layout.blob(layer.digest), layer.size);
    if (size !== undefined) found[layer.digest] = size;
  }
  if (Object.keys(found).length === 0) return metadata;
  await withStoreLock(layout, async () => {
    const current = await readMetadata(layout);
    current.layerSizes = { ...current.layerSizes, ...found };
    await writeMetadata(layout, current);
  }).catch(() => undefined);
  return { ...metadata, layerSizes: { ...metadata.layerSizes, ...found } };
}

/**
 * At commit: the unpacked size of each of the image's layers not known yet, from what the sink
 * measured while writing, else from the store's blob (a layer the store already had, from a
 * version that did not record sizes). Outside the lock; a blob gone meanwhile is left to the
 * next listing.
 */
export async function measureLayers(layout: StoreLayout, layers: readonly Descriptor[], written: Record<string, number>): Promise<Record<string, number>> {
  const known = (await readMetadata(layout)).layerSizes ?? {};
  const out: Record<string, number> = {};
  for (const layer of layers) {
    if (out[layer.digest] !== undefined || typeof known[layer.digest] === 'number') continue;
    const size = written[layer.digest] ?? (isForeign(layer) ? undefined : await measureBlobFile(layout.blob(layer.digest), layer.size));
    if (size !== undefined) out[layer.digest] = size;
  }
  return out;
}
