import type { CatalogInfo, ImageCatalog, InfoDescription } from '../catalog/catalog.js';
import type { ImageConfig } from '../oci/config.js';
import type { ImageSource } from '../transport/types.js';
import { inspectStoreImage } from './inspect.js';
import type { ImageStore } from './store.js';
import type { DiskUsage, ImageRecord } from './types.js';

/** What `stowage info` reports; the field names are those of `--format json` and templates. */
export interface StoreInfoValues {
  StowageRootDir: string;
  Layout: string;
  /** Stowage's own record of images and tags, beside the OCI layout. */
  ImagesJson: string;
  UnpackedLayersDir: string;
  Images: number;
  Tags: number;
  Blobs: number;
  BlobBytes: number;
  UnpackedLayers: number;
  UnpackedBytes: number;
}

export const LAYOUT = 'OCI image layout (oci-layout, index.json, blobs/<algorithm>/<hex>)';

/** `stowage info`'s lines, in docker info's shape: "Key: value", details one space in. */
export const STORE_INFO: InfoDescription = {
  type: 'stowage.StoreInfo',
  fields: [
    { name: 'StowageRootDir', label: 'Stowage Root Dir', kind: 'string' },
    { name: 'Layout', label: 'Layout', kind: 'string', indent: 1 },
    { name: 'ImagesJson', label: 'Images Record', kind: 'string', indent: 1 },
    { name: 'UnpackedLayersDir', label: 'Unpacked Layers Dir', kind: 'string', indent: 1 },
    { name: 'Images', label: 'Images', kind: 'count' },
    { name: 'Tags', label: 'Tags', kind: 'count', indent: 1 },
    { name: 'Blobs', label: 'Blobs', kind: 'count' },
    { name: 'BlobBytes', label: 'Size', kind: 'bytes', indent: 1 },
    { name: 'UnpackedLayers', label: 'Unpacked Layers', kind: 'count' },
    { name: 'UnpackedBytes', label: 'Size', kind: 'bytes', indent: 1 },
  ],
};

/** The local store as an ImageCatalog: what `images`, `image inspect`, `system df` and `info` read. */
export class StoreCatalog implements ImageCatalog<ImageRecord> {
  constructor(readonly store: ImageStore) {}

  list(): Promise<ImageRecord[]> {
    return this.store.list();
  }

  resolve(name: string): Promise<ImageRecord> {
    return this.store.resolve(name);
  }

  config(image: ImageRecord): Promise<ImageConfig> {
    return this.store.readConfig(image);
  }

  async source(image: ImageRecord): Promise<ImageSource> {
    return this.store.source(image);
  }

  inspect(image: ImageRecord): Promise<Record<string, unknown>> {
    return inspectStoreImage(this.store, image);
  }

  /** Nothing runs from the store: no containers, no volumes, and every image reclaimable. */
  diskUsage(): Promise<DiskUsage> {
    return this.store.diskUsage();
  }

  async info(): Promise<CatalogInfo<StoreInfoValues>> {
    const facts = await this.store.info();
    const values: StoreInfoValues = {
      StowageRootDir: facts.root,
      Layout: LAYOUT,
      ImagesJson: this.store.layout.imagesJson,
      UnpackedLayersDir: this.store.layout.layersDir,
      Images: facts.images,
      Tags: facts.tags,
      Blobs: facts.blobs,
      BlobBytes: facts.blobBytes,
      UnpackedLayers: facts.unpackedLayers,
      UnpackedBytes: facts.unpackedBytes,
    };
    return { description: STORE_INFO, values };
  }
}
