import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../fs/durable.js';
import type { Descriptor } from '../oci/descriptor.js';
import { StowageError } from '../errors/error.js';
import type { StoreLayout } from './layout.js';

/** An image as images.json keeps it; `repoTags` and `size` are derived when read. */
export interface StoredImage {
  id: string;
  manifest: { digest: string; mediaType: string; size: number };
  config: Descriptor;
  layers: Descriptor[];
  /** The config's rootfs.diff_ids, kept to name unpacked layers by chain ID without reading configs. */
  diffIds: string[];
  repoDigests: string[];
  created?: string;
  pulled: string;
  platform: { os: string; architecture: string; variant?: string };
}

/** images.json: the store's single source of truth. */
export interface StoreMetadata {
  version: 1;
  /** By manifest digest. */
  images: Record<string, StoredImage>;
  /** Full reference (`docker.io/library/alpine:latest`) → manifest digest. */
  tags: Record<string, string>;
  /**
   * Layer blob digest → the layer's unpacked size, as docker counts it (layer-size.ts): what
   * `images`, `history` and `system df` show. Absent in stores written before it was kept;
   * filled in as listings need it (layer-sizes.ts).
   */
  layerSizes?: Record<string, number>;
}

export function emptyMetadata(): StoreMetadata {
  return { version: 1, images: {}, tags: {} };
}

export async function readMetadata(layout: StoreLayout): Promise<StoreMetadata> {
  let text: string;
  try {
    text = await readFile(layout.imagesJson, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return emptyMetadata();
    throw err;
  }
  try {
    const value = JSON.parse(text) as StoreMetadata;
    if (value.version !== 1 || typeof value.images !== 'object' || typeof value.tags !== 'object') throw new Error('unknown shape');
    return value;
  } catch {
    throw new StowageError('CONFIG_INVALID', `${layout.imagesJson} is damaged; run stowage system check --repair`);
  }
}

/**
 * Writes images.json, then regenerates index.json from it (each atomically). Only under the
 * store lock. If the process dies between the two, index.json is merely stale: images.json
 * is the truth and the next write (or system check --repair) rewrites index.json.
 */
export async function writeMetadata(layout: StoreLayout, metadata: StoreMetadata): Promise<void> {
  if (metadata.layerSizes) metadata.layerSizes = usedLayerSizes(metadata);
  await writeFileAtomic(layout.imagesJson, Buffer.from(JSON.stringify(metadata)));
  await writeFileAtomic(layout.indexJson, Buffer.from(JSON.stringify(ociIndex(metadata), null, 2)));
}

/** The recorded layer sizes of layers some image still has: a removed image's go with it. */
function usedLayerSizes(metadata: StoreMetadata): Record<string, number> {
  const used: Record<string, number> = {};
  for (const image of Object.values(metadata.images)) {
    for (const layer of image.layers) {
      const size = metadata.layerSizes?.[layer.digest];
      if (typeof size === 'number') used[layer.digest] = size;
    }
  }
  return used;
}

/**
 * index.json as image-layout.md defines it: one entry per tag, named by
 * `org.opencontainers.image.ref.name` (so `skopeo copy oci:ROOT:docker.io/library/alpine:latest`
 * works), and one unnamed entry per untagged image so OCI tools see it too.
 */
export function ociIndex(metadata: StoreMetadata): object {
  const manifests: object[] = [];
  const tagged = new Set<string>();
  for (const [ref, digest] of Object.entries(metadata.tags).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const image = metadata.images[digest];
    if (!image) continue;
    tagged.add(digest);
    manifests.push({ ...image.manifest, annotations: { 'org.opencontainers.image.ref.name': ref } });
  }
  for (const image of Object.values(metadata.images)) if (!tagged.has(image.manifest.digest)) manifests.push({ ...image.manifest });
  return { schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests };
}
