import type { Readable } from 'node:stream';
import { StowageError } from '../errors/error.js';
import type { Descriptor } from '../oci/descriptor.js';
import { parseImageConfig, validateDiffIds, type ImageConfig } from '../oci/config.js';
import { parseManifest } from '../oci/manifest.js';
import type { ImageSink } from '../transport/types.js';
import type { ManifestBytes } from '../oci/manifest-bytes.js';
import type { StoreLayout } from './layout.js';
import { isTarLayer, LayerSizeMeter, measureLayers } from './layer-sizes.js';
import { collectGarbage } from './gc.js';
import { withStoreLock } from './lock.js';
import { readMetadata, writeMetadata, type StoreMetadata, type StoredImage } from './metadata.js';
import { fullDiskAt, Staging } from './staging.js';

export interface StoreSinkOptions {
  /** Full references to point at the image (`docker.io/library/alpine:latest`). */
  tags: string[];
  /** `repo@digest` the image was served under (the index's digest for a multi-arch pull). */
  repoDigests: string[];
}

/**
 * The local store as a copy destination (pull, load): blobs go to a private staging area and
 * only `commit` makes the image visible, by moving them into blobs/ and recording it in
 * images.json under the store lock. The store holds images: a whole index is refused.
 */
export class StoreSink implements ImageSink {
  readonly name: string;
  private top: ManifestBytes | undefined;
  /** Unpacked sizes of the layers this sink wrote, by blob digest (recorded at commit). */
  private readonly layerSizes: Record<string, number> = {};

  private constructor(
    private readonly layout: StoreLayout,
    private readonly staging: Staging,
    private readonly options: StoreSinkOptions,
  ) {
    this.name = `store:${layout.root}`;
  }

  static async create(layout: StoreLayout, options: StoreSinkOptions): Promise<StoreSink> {
    return new StoreSink(layout, await Staging.create(layout), options);
  }

  hasBlob(descriptor: Descriptor): Promise<boolean> {
    return this.staging.hold(descriptor.digest, descriptor.size);
  }

  async putBlob(descriptor: Descriptor, stream: Readable): Promise<void> {
    // A layer is measured as it streams in (layer-sizes.ts), so `images` never reads it again.
    const meter = isTarLayer(descriptor) ? new LayerSizeMeter(descriptor.size) : undefined;
    await this.staging.write(descriptor.digest, descriptor.size, stream, meter ? [meter] : []);
    if (meter?.size !== undefined) this.layerSizes[descriptor.digest] = meter.size;
  }

  async putManifest(manifest: ManifestBytes, options: { top: boolean }): Promise<void> {
    await this.staging.writeBytes(manifest.digest, manifest.bytes);
    if (options.top) this.top = manifest;
  }

  async commit(): Promise<void> {
    const top = this.top;
    if (!top) throw new StowageError('INTERNAL', 'no image was written');
    const parsed = parseManifest(top.bytes, top.mediaType);
    if (parsed.kind !== 'manifest' || !parsed.config) {
      throw new StowageError('UNSUPPORTED', 'the local store keeps images, not indexes: choose one platform (--platform) instead of --all');
    }
    const config = parseConfig(await this.staging.readBytes(parsed.config.digest), parsed.config.digest);
    // Unpacked layers are named after these: a path here would be a path on disk (chain.ts).
    const diffIds = validateDiffIds(config.rootfs?.diff_ids, parsed.layers.length, parsed.config.digest);
    const image: StoredImage = {
      id: parsed.config.digest,
      manifest: { digest: top.digest.toString(), mediaType: top.mediaType, size: top.bytes.length },
      config: parsed.config,
      layers: parsed.layers,
      diffIds,
      repoDigests: [],
      ...(text(config.created) ? { created: text(config.created) } : {}),
      pulled: new Date().toISOString(),
      platform: {
        os: text(config.os) ?? 'unknown',
        architecture: text(config.architecture) ?? 'unknown',
        ...(text(config.variant) ? { variant: text(config.variant) } : {}),
      },
    };
    const layerSizes = await measureLayers(this.layout, parsed.layers, this.layerSizes);
    await withStoreLock(this.layout, async () => {
      const before = await readMetadata(this.layout);
      const metadata = structuredClone(before);
      try {
        await this.staging.commit();
        const previous = metadata.images[image.manifest.digest];
        image.repoDigests = [...new Set([...(previous?.repoDigests ?? []), ...this.options.repoDigests])];
        metadata.layerSizes = { ...metadata.layerSizes, ...layerSizes };
        metadata.images[image.manifest.digest] = image;
        for (const tag of this.options.tags) metadata.tags[tag] = image.manifest.digest;
        await writeMetadata(this.layout, metadata).catch((err: unknown) => {
          throw fullDiskAt(err, this.layout.imagesJson);
        });
      } catch (err) {
        await this.rollBack(before);
        throw err;
      }
    });
  }

  /**
   * A commit that failed (a full disk) leaves no image and nothing unreferenced: images.json back
   * as it was if it was replaced (index.json is written after it), then every blob it does not
   * name goes, which is what this commit had moved into blobs/ (recovery.ts says why that is safe
   * under the lock). If even the old images.json cannot be written back, the new one stands: its
   * blobs are all in place, so the image is whole and stays.
   */
  private async rollBack(before: StoreMetadata): Promise<void> {
    const now = await readMetadata(this.layout).catch(() => undefined);
    if (now !== undefined && JSON.stringify(now) !== JSON.stringify(before)) await writeMetadata(this.layout, before).catch(() => undefined);
    const standing = await readMetadata(this.layout).catch(() => undefined);
    if (standing !== undefined) await collectGarbage(this.layout, standing).catch(() => undefined);
  }

  async close(): Promise<void> {
    await this.staging.discard();
  }
}

/** A non-empty string field, else undefined. */
function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** As the config says: nothing in it is trusted to have the type the spec gives it (text(), validateDiffIds check each field used). */
function parseConfig(bytes: Buffer, digest: string): ImageConfig {
  const config = parseImageConfig(bytes, `image config ${digest}`, 'MANIFEST_INVALID');
  if (config.rootfs !== undefined && (typeof config.rootfs !== 'object' || config.rootfs === null)) {
    throw new StowageError('MANIFEST_INVALID', `image config ${digest}: rootfs is not an object`);
  }
  return config;
}
