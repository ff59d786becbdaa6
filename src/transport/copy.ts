import { pipeline } from 'node:stream';
import { Digest } from '../digest/digest.js';
import { Digester } from '../digest/digester.js';
import { StowageError, isStowageError } from '../errors/error.js';
import type { Descriptor } from '../oci/descriptor.js';
import { parseManifest } from '../oci/manifest.js';
import { hostPlatform, selectPlatform, type PlatformSpec } from '../oci/platform.js';
import { convertManifest, type ManifestFormat } from './convert.js';
import { createLimiter } from './limiter.js';
import type { ImageSink, ImageSource } from './types.js';
import type { ManifestBytes } from '../oci/manifest-bytes.js';

export interface CopyOptions {
  /** Which image of a multi-arch index to copy (default: this machine's); `all` keeps the whole index. */
  platform?: PlatformSpec | 'all';
  /** Blobs transferred at once (default 4). */
  concurrency?: number;
  /** Extra attempts for a blob whose transfer failed for a network reason (default 2). */
  retries?: number;
  progress?: CopyProgress;
  /** Rewrite manifests in these media types (skopeo's --format; convert.ts). Blobs are copied as they are. */
  format?: ManifestFormat;
  /** Stops the copy (Ctrl-C): queued blobs never start, running ones are cut, nothing is committed; rejects with the signal's reason. */
  signal?: AbortSignal;
}

export type BlobOutcome = 'copied' | 'skipped' | 'mounted';

export interface CopyProgress {
  blobStarted?(descriptor: Descriptor): void;
  blobProgress?(descriptor: Descriptor, bytes: number): void;
  blobFinished?(descriptor: Descriptor, outcome: BlobOutcome): void;
  manifestWritten?(manifest: ManifestBytes): void;
}

export interface CopyResult {
  /** The digest of what the destination now names: the index with `all`, else the chosen image. */
  digest: Digest;
  mediaType: string;
  blobs: Record<BlobOutcome, number>;
  bytesCopied: number;
  /** With `format`, when the manifest was rewritten: what the source had, digest and media type. */
  convertedFrom?: { digest: Digest; mediaType: string };
}

/**
 * Copies an image from a source to a sink: blobs first (in parallel, each streamed through a
 * digest-and-size check, skipped when the sink has it, mounted when it can be), then the
 * manifests bottom-up, then commit. A blob that fails verification fails the copy with its
 * digest named, and the sink never shows it (see ImageSink.putBlob).
 */
export async function copyImage(source: ImageSource, sink: ImageSink, options: CopyOptions = {}): Promise<CopyResult> {
  const { signal } = options;
  signal?.throwIfAborted();
  const copier = new Copier(source, sink, options);
  const top = await source.getManifest();
  const parsed = parseManifest(top.bytes, top.mediaType);
  let named = top;
  let written: ManifestBytes;
  const cut = (): void => copier.cut(signal?.reason);
  signal?.addEventListener('abort', cut, { once: true });
  try {
    signal?.throwIfAborted();
    if (parsed.kind === 'index' && options.platform !== 'all') {
      const chosen = selectPlatform(parsed.manifests, options.platform ?? hostPlatform());
      named = await copier.manifest(chosen);
    }
    // The top manifest was parsed above: passed along unless a child of the index was chosen.
    written = await copier.tree(named, true, named === top ? parsed : undefined);
  } catch (err) {
    // Stop what has not started and wait for what has, so the caller closes a quiet sink.
    await copier.abort();
    throw signal?.aborted ? signal.reason : err;
  } finally {
    signal?.removeEventListener('abort', cut);
  }
  // Past this point the image lands whole or not at all (the sink's commit): no more stopping.
  signal?.throwIfAborted();
  await sink.commit();
  return {
    digest: written.digest,
    mediaType: written.mediaType,
    blobs: copier.outcomes,
    bytesCopied: copier.bytesCopied,
    ...(written.digest.equals(named.digest) ? {} : { convertedFrom: { digest: named.digest, mediaType: named.mediaType } }),
  };
}

class Copier {
  readonly outcomes: Record<BlobOutcome, number> = { copied: 0, skipped: 0, mounted: 0 };
  bytesCopied = 0;
  private readonly limit: <T>(task: () => Promise<T>) => Promise<T>;
  /** One transfer per digest, however many images of an index share the blob. */
  private readonly transfers = new Map<string, Promise<void>>();
  /** Streams in flight, cut if the copy is aborted. */
  private readonly streams = new Set<{ destroy(err?: Error): void }>();
  private aborted = false;

  constructor(
    private readonly source: ImageSource,
    private readonly sink: ImageSink,
    private readonly options: CopyOptions,
  ) {
    this.limit = createLimiter(options.concurrency ?? 4);
  }

  /** A child manifest, checked against the digest its parent gave. */
  async manifest(descriptor: Descriptor): Promise<ManifestBytes> {
    const expected = Digest.parse(descriptor.digest);
    const manifest = await this.source.getManifest(expected);
    if (!manifest.digest.equals(expected)) {
      throw new StowageError('DIGEST_INVALID', `manifest ${expected} from ${this.source.name} has digest ${manifest.digest}`);
    }
    return manifest;
  }

  /** Everything a manifest reaches, then the manifest itself (converted with `format`); returns what was written. `parsed`: the manifest, when the caller parsed it already. */
  async tree(manifest: ManifestBytes, top: boolean, parsed = parseManifest(manifest.bytes, manifest.mediaType)): Promise<ManifestBytes> {
    const children = new Map<string, ManifestBytes>();
    if (parsed.kind === 'index') {
      await Promise.all(
        parsed.manifests.map(async (child) => {
          children.set(child.digest, await this.tree(await this.manifest(child), false));
        }),
      );
    } else {
      // Foreign layers (with `urls`) are not distributable: the destination fetches them itself.
      const blobs = [...(parsed.config ? [parsed.config] : []), ...parsed.layers.filter((l) => !l.urls?.length)];
      await Promise.all(blobs.map((blob) => this.blob(blob)));
    }
    const written = this.options.format ? convertManifest(manifest, this.options.format, children, parsed) : manifest;
    await this.sink.putManifest(written, { top });
    this.options.progress?.manifestWritten?.(written);
    return written;
  }

  blob(descriptor: Descriptor): Promise<void> {
    let transfer = this.transfers.get(descriptor.digest);
    if (!transfer) {
      transfer = this.limit(() => (this.aborted ? Promise.reject(new StowageError('INTERNAL', 'copy aborted')) : this.transfer(descriptor)));
      this.transfers.set(descriptor.digest, transfer);
    }
    return transfer;
  }

  /** Queued transfers never start, running ones are cut. */
  cut(reason?: unknown): void {
    this.aborted = true;
    const err = reason instanceof Error ? reason : new StowageError('INTERNAL', 'copy aborted');
    for (const stream of this.streams) stream.destroy(err);
  }

  /** After a failure: what runs is cut, and all transfers are awaited. */
  async abort(): Promise<void> {
    this.cut();
    await Promise.allSettled(this.transfers.values());
  }

  private async transfer(descriptor: Descriptor): Promise<void> {
    const progress = this.options.progress;
    progress?.blobStarted?.(descriptor);
    const outcome = await this.transferOnce(descriptor).catch((err: unknown) => {
      throw blobError(descriptor, err);
    });
    this.outcomes[outcome]++;
    progress?.blobFinished?.(descriptor, outcome);
  }

  private async transferOnce(descriptor: Descriptor): Promise<BlobOutcome> {
    if (await this.sink.hasBlob(descriptor)) return 'skipped';
    const origin = this.source.origin;
    if (origin && this.sink.mountBlob && (await this.sink.mountBlob(descriptor, origin))) return 'mounted';
    const retries = this.options.retries ?? 2;
    for (let attempt = 0; ; attempt++) {
      try {
        await this.stream(descriptor);
        this.bytesCopied += descriptor.size;
        return 'copied';
      } catch (err) {
        // Only network trouble is worth another try: a wrong digest or a refusal would repeat.
        if (attempt >= retries || isStowageError(err) || this.aborted) throw err;
      }
    }
  }

  private async stream(descriptor: Descriptor): Promise<void> {
    const input = await this.source.getBlob(descriptor);
    if (this.aborted) {
      // Cut while the request was on its way: the stream was in no set to be cut with the others.
      input.destroy();
      throw new StowageError('INTERNAL', 'copy aborted');
    }
    const verifier = new Digester({
      expected: Digest.parse(descriptor.digest),
      expectedSize: descriptor.size,
      onProgress: (bytes) => this.options.progress?.blobProgress?.(descriptor, bytes),
    });
    // pipeline() carries a source failure into the verifier, so the sink's read fails too.
    const verified = pipeline(input, verifier, () => undefined);
    this.streams.add(verified);
    try {
      await this.sink.putBlob(descriptor, verified);
    } catch (err) {
      // A sink that failed before reading (a refused POST) must not leave the source open.
      verified.destroy();
      input.destroy();
      throw err;
    } finally {
      this.streams.delete(verified);
    }
  }
}

function blobError(descriptor: Descriptor, err: unknown): Error {
  const message = `blob ${descriptor.digest}: ${err instanceof Error ? err.message : String(err)}`;
  if (isStowageError(err)) return new StowageError(err.code, message, err.detail);
  return new StowageError('INTERNAL', message);
}
