import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { noSuchImage } from '../catalog/resolve.js';
import { StowageError } from '../errors/error.js';
import { formatReference, parseReference } from '../reference/reference.js';
import { chainIds, type ImageConfig } from '../oci/config.js';
import { storedDiffIds } from './chain.js';
import { repairStore, scanStore } from './check.js';
import { collectGarbage, listBlobs, treeSize } from './gc.js';
import { StoreLayout } from './layout.js';
import { withStoreLock } from './lock.js';
import { readMetadata, writeMetadata, type StoreMetadata } from './metadata.js';
import { familiar, imageRecords, missingLayerSizes } from './records.js';
import { recoverStore } from './recovery.js';
import { deleteRecord, removeImage } from './removal.js';
import { resolveImage } from './resolve.js';
import type { StoreSink } from './sink.js';
import { StoreSource } from './source.js';
import { createScratch, staleStaging } from './staging.js';
import type { CheckReport, DiskUsage, ImageRecord, PruneResult, RemoveEvent } from './types.js';
import { layerUsage } from './usage.js';

export interface StoreInfo {
  root: string;
  images: number;
  tags: number;
  blobs: number;
  blobBytes: number;
  unpackedLayers: number;
  unpackedBytes: number;
}

/**
 * The local image store: images pulled, tagged, inspected and removed without a daemon, in
 * a root that is an OCI image layout. Reads take no lock (images.json is replaced
 * atomically); every change happens under the store lock.
 */
export class ImageStore {
  readonly layout: StoreLayout;

  private constructor(readonly root: string) {
    this.layout = new StoreLayout(root);
  }

  /**
   * Opens (creating if needed) the store at `root`, first undoing what a killed process left
   * (recovery.ts: costs a few readdirs when there is nothing to undo).
   */
  static async open(root: string): Promise<ImageStore> {
    const store = new ImageStore(root);
    await mkdir(store.layout.stateDir, { recursive: true });
    await writeFile(store.layout.ociLayout, '{"imageLayoutVersion":"1.0.0"}', { flag: 'wx' }).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err;
    });
    await recoverStore(store.layout);
    return store;
  }

  private metadata(): Promise<StoreMetadata> {
    return readMetadata(this.layout);
  }

  /** For listings: the metadata with every layer's unpacked size (measured once if missing, layer-sizes.ts). */
  private async sized(): Promise<StoreMetadata> {
    const metadata = await this.metadata();
    if (missingLayerSizes(metadata).length === 0) return metadata;
    const { fillLayerSizes } = await import('./layer-sizes.js');
    return fillLayerSizes(this.layout, metadata);
  }

  async list(): Promise<ImageRecord[]> {
    return imageRecords(await this.sized());
  }

  async resolve(nameOrId: string): Promise<ImageRecord> {
    const metadata = await this.sized();
    const { image } = resolveImage(metadata, nameOrId);
    const record = imageRecords(metadata).find((r) => r.manifest.digest === image.manifest.digest);
    if (!record) throw noSuchImage(nameOrId);
    return record;
  }

  /** `tag SOURCE TARGET`: TARGET must be a tag reference (`latest` when none is given). */
  async tag(source: string, target: string): Promise<void> {
    const reference = parseReference(target);
    if (reference.digest) throw new StowageError('REFERENCE_INVALID', `refusing to create a tag with a digest reference: ${target}`);
    await withStoreLock(this.layout, async () => {
      const metadata = await this.metadata();
      const { image } = resolveImage(metadata, source);
      metadata.tags[formatReference(reference)] = image.manifest.digest;
      await writeMetadata(this.layout, metadata);
    });
  }

  /** `rmi`: untag, delete when nothing names the image any more, free what no other image uses. */
  async remove(nameOrId: string, options: { force?: boolean } = {}): Promise<RemoveEvent[]> {
    return withStoreLock(this.layout, async () => {
      const metadata = await this.metadata();
      const events = removeImage(metadata, nameOrId, options.force ?? false);
      await writeMetadata(this.layout, metadata);
      const collected = await collectGarbage(this.layout, metadata);
      return [...events, ...collected.blobs.filter((d) => !events.some((e) => 'deleted' in e && e.deleted === d)).map((d) => ({ deleted: d }))];
    });
  }

  /** `image prune`: dangling images, or with `all` every image; then unreferenced blobs and layers. */
  async prune(options: { all?: boolean; staging?: boolean } = {}): Promise<PruneResult> {
    return withStoreLock(this.layout, async () => {
      const metadata = await this.metadata();
      const tagged = new Set(Object.values(metadata.tags));
      const events: RemoveEvent[] = [];
      for (const image of Object.values(metadata.images)) {
        if (!options.all && tagged.has(image.manifest.digest)) continue;
        for (const [tag, digest] of Object.entries(metadata.tags)) {
          if (digest === image.manifest.digest) {
            delete metadata.tags[tag];
            events.push({ untagged: familiar(tag) });
          }
        }
        events.push(...deleteRecord(metadata, image));
      }
      await writeMetadata(this.layout, metadata);
      const collected = await collectGarbage(this.layout, metadata);
      let reclaimed = collected.reclaimed;
      if (options.staging) {
        for (const dir of await staleStaging(this.layout)) {
          reclaimed += await treeSize(dir);
          await rm(dir, { recursive: true, force: true });
        }
      }
      // An image's ID is its config's digest: report it once, not again as a freed blob.
      const reported = new Set(events.flatMap((e) => ('deleted' in e ? [e.deleted] : [])));
      return { events: [...events, ...collected.blobs.filter((d) => !reported.has(d)).map((d) => ({ deleted: d }))], reclaimed };
    });
  }

  /** `system df`: docker's numbers per image and in all; nothing runs, so everything is reclaimable. */
  async diskUsage(): Promise<DiskUsage> {
    const metadata = await this.sized();
    const blobs = await listBlobs(this.layout);
    const { images, layersSize } = layerUsage(metadata, imageRecords(metadata));
    const totalBlobBytes = blobs.reduce((sum, b) => sum + b.size, 0);
    const layers = await this.unpackedSummary();
    return { images, layersSize, totalBlobBytes, blobCount: blobs.length, reclaimable: totalBlobBytes + layers.bytes, unpackedLayers: layers };
  }

  /**
   * `system check`: the hashing runs without the lock (it can take minutes, and a pull's commit
   * must not wait for it); only `repair` takes the lock, to verify each finding again and act.
   */
  async check(options: { repair?: boolean } = {}): Promise<CheckReport> {
    const scanned = await scanStore(this.layout);
    if (!options.repair) return scanned;
    return withStoreLock(this.layout, async () => {
      const { report, metadata } = await repairStore(this.layout, scanned);
      await writeMetadata(this.layout, metadata);
      // Images dropped for a broken blob leave their other blobs unreferenced: free them too.
      const collected = await collectGarbage(this.layout, metadata);
      for (const digest of collected.blobs) report.repaired.push(`removed blob ${digest} (no image uses it any more)`);
      return report;
    });
  }

  async info(): Promise<StoreInfo> {
    const metadata = await this.metadata();
    const blobs = await listBlobs(this.layout);
    const layers = await this.unpackedSummary();
    return {
      root: this.root,
      images: Object.keys(metadata.images).length,
      tags: Object.keys(metadata.tags).length,
      blobs: blobs.length,
      blobBytes: blobs.reduce((sum, b) => sum + b.size, 0),
      unpackedLayers: layers.count,
      unpackedBytes: layers.bytes,
    };
  }

  async readConfig(image: ImageRecord): Promise<ImageConfig> {
    const bytes = await readFile(this.layout.blob(image.config.digest)).catch(() => {
      throw new StowageError('BLOB_UNKNOWN', `config ${image.config.digest} is missing from the store; run stowage system check`);
    });
    return JSON.parse(bytes.toString('utf8')) as ImageConfig;
  }

  blobPath(digest: string): string {
    return this.layout.blob(digest);
  }

  /**
   * Where each layer of the image is (or would be) unpacked, by chain ID. None for an image whose
   * recorded diff IDs are not digests (an older version's images.json): they name no directory.
   */
  async unpackedLayers(image: ImageRecord): Promise<Array<{ chainId: string; path: string; exists: boolean }>> {
    const metadata = await this.metadata();
    const stored = metadata.images[image.manifest.digest];
    const diffIds = stored ? storedDiffIds(stored) : undefined;
    return Promise.all(
      chainIds(diffIds ?? []).map(async (chainId) => {
        const path = this.layout.layer(chainId);
        const exists = await stat(path).then(
          () => true,
          () => false,
        );
        return { chainId: chainId.toString(), path, exists };
      }),
    );
  }

  /**
   * A fresh scratch directory under the root (`stowage/tmp/<pid>-<random>`), for a save to stdout
   * or a load from stdin: the caller removes it; one a killed process left, `system prune` does.
   */
  scratch(): Promise<string> {
    return createScratch(this.layout);
  }

  /** Unpacks the image's layers into shared chain-ID directories (see unpack-layers.ts). */
  async unpack(image: ImageRecord): Promise<Array<{ chainId: string; path: string; created: boolean }>> {
    // Loaded only here: listing images must not pay for the tar machinery at start-up.
    const { unpackImage } = await import('./unpack-layers.js');
    return unpackImage(this.layout, image);
  }

  /** The image's layer blobs as streams, bottom first, for export. */
  layerStreams(image: ImageRecord): Array<() => Promise<import('node:stream').Readable>> {
    return image.layers.map((layer) => async () => this.source(image).getBlob(layer));
  }

  /** A destination for pull and load. */
  async sink(options: { tags: string[]; repoDigests: string[] }): Promise<StoreSink> {
    // Loaded when writing only: it brings manifest validation (zod), which listing never needs.
    const { StoreSink } = await import('./sink.js');
    return StoreSink.create(this.layout, options);
  }

  /** An image as a source for push and save. */
  source(image: ImageRecord): StoreSource {
    return new StoreSource(this.layout, image);
  }

  private async unpackedSummary(): Promise<{ count: number; bytes: number }> {
    const names = (await readdir(this.layout.layersDir).catch(() => [] as string[])).filter((n) => !n.startsWith('.'));
    let bytes = 0;
    for (const name of names) bytes += await treeSize(join(this.layout.layersDir, name));
    return { count: names.length, bytes };
  }
}
