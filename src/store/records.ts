import { familiarString, parseReference } from '../reference/reference.js';
import type { StoreMetadata } from './metadata.js';
import type { ImageRecord } from './types.js';

/** The images of images.json as records, newest first (docker orders `images` by creation). */
export function imageRecords(metadata: StoreMetadata): ImageRecord[] {
  const tags = new Map<string, string[]>();
  for (const [ref, digest] of Object.entries(metadata.tags)) tags.set(digest, [...(tags.get(digest) ?? []), ref]);
  return (
    Object.values(metadata.images)
      .map((image): ImageRecord => {
        const { diffIds: _diffIds, ...rest } = image;
        const layerSizes = unpackedLayerSizes(image, metadata);
        return {
          ...rest,
          repoTags: (tags.get(image.manifest.digest) ?? []).sort(),
          size: layerSizes.reduce((sum, size) => sum + size, 0),
          layerSizes,
          contentSize: imageSize(image),
        };
      })
      // ISO 8601 times order as strings; plain comparison, not localeCompare (ICU, slow by 1,000s).
      .sort((a, b) => compareDesc(a.created ?? a.pulled, b.created ?? b.pulled))
  );
}

/**
 * Each layer's unpacked size, bottom first, as docker counts it (layer-size.ts): what docker's
 * `history` shows per layer, and their sum is its `images` SIZE (moby's layer Size() walks the
 * chain, so a layer listed twice counts twice). A layer not measured (a foreign layer the store
 * does not hold, a blob that could not be read) counts its stored size.
 */
function unpackedLayerSizes(image: { layers: Array<{ digest: string; size: number }> }, metadata: Pick<StoreMetadata, 'layerSizes'>): number[] {
  return image.layers.map((layer) => {
    const size = metadata.layerSizes?.[layer.digest];
    return typeof size === 'number' ? size : layer.size;
  });
}

/** Layers of stored images whose unpacked size is not recorded yet, each once (foreign ones are not in the store). */
export function missingLayerSizes(metadata: StoreMetadata): Array<{ digest: string; size: number }> {
  const missing = new Map<string, { digest: string; size: number }>();
  for (const image of Object.values(metadata.images)) {
    for (const layer of image.layers) {
      if (isForeign(layer) || typeof metadata.layerSizes?.[layer.digest] === 'number') continue;
      missing.set(layer.digest, { digest: layer.digest, size: layer.size });
    }
  }
  return [...missing.values()];
}

/** Bytes of an image's blobs as stored (layers compressed, as pulled): manifest, config and each distinct layer once. */
export function imageSize(image: {
  manifest: { digest: string; size: number };
  config: { digest: string; size: number };
  layers: Array<{ digest: string; size: number }>;
}): number {
  const sizes = new Map<string, number>([
    [image.manifest.digest, image.manifest.size],
    [image.config.digest, image.config.size],
  ]);
  for (const layer of image.layers) sizes.set(layer.digest, layer.size);
  let total = 0;
  for (const size of sizes.values()) total += size;
  return total;
}

/**
 * Every blob digest an image needs in the store. Foreign layers (descriptors with `urls`, like
 * Windows base layers) are left out: they are not distributable, the copier skips them and the
 * store never has them (descriptor.md, "urls").
 */
export function imageBlobs(image: { manifest: { digest: string }; config: { digest: string }; layers: Array<{ digest: string; urls?: string[] }> }): string[] {
  return [image.manifest.digest, image.config.digest, ...image.layers.filter((l) => !isForeign(l)).map((l) => l.digest)];
}

/** A layer the image's registry does not serve: it is fetched from its `urls`, or not at all. */
export function isForeign(layer: { urls?: string[] }): boolean {
  return Array.isArray(layer.urls) && layer.urls.length > 0;
}

/** `docker.io/library/alpine:latest` → `alpine:latest`, as docker prints references. */
export function familiar(reference: string): string {
  try {
    return familiarString(parseReference(reference));
  } catch {
    return reference;
  }
}

function compareDesc(a: string, b: string): number {
  return a < b ? 1 : a > b ? -1 : 0;
}
