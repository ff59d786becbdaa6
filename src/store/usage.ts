import { sharedSizes, type LayerWeight } from '../catalog/shared-layers.js';
import { Digest } from '../digest/digest.js';
import { layerChain } from './chain.js';
import type { StoreMetadata } from './metadata.js';
import type { ImageRecord } from './types.js';

export interface LayerUsage {
  /** Per image: the unpacked bytes of its layers that another image also has, and the rest. */
  images: Array<{ image: ImageRecord; sharedSize: number; uniqueSize: number }>;
  /** Every layer once, unpacked: `docker system df`'s Images SIZE. */
  layersSize: number;
}

/**
 * `system df` in docker's numbers (moby daemon/images: LayerDiskUsage, and SharedSize in
 * Images): layers are the layer store's, one per chain ID, each counted at its unpacked size;
 * shared as every catalog shares them (catalog/shared-layers.ts); UNIQUE is the image's size
 * less its shared part.
 */
export function layerUsage(metadata: StoreMetadata, records: ImageRecord[]): LayerUsage {
  const chains = new Map<string, string[]>();
  for (const image of records) if (!chains.has(image.id)) chains.set(image.id, chainKeys(metadata, image));
  // The first record of an ID names the layers (as chains holds them); each record weighs them by its own sizes.
  const layersOf = (image: ImageRecord): LayerWeight[] => (chains.get(image.id) ?? []).map((key, i) => ({ key, size: image.layerSizes[i] ?? 0 }));
  const shared = sharedSizes(records, (image) => image.id, layersOf);
  const layerSizes = new Map<string, number>();
  for (const image of records) for (const { key, size } of layersOf(image)) layerSizes.set(key, size);
  let layersSize = 0;
  for (const size of layerSizes.values()) layersSize += size;
  const images = records.map((image, i) => ({ image, sharedSize: shared[i] ?? 0, uniqueSize: image.size - (shared[i] ?? 0) }));
  return { images, layersSize };
}

/**
 * The chain IDs of an image's layers, which name layers in docker's store. An image whose
 * recorded diff IDs are unusable (an older version's images.json) is chained over its blob
 * digests instead: the same stack of blobs is still the same stack of layers.
 */
function chainKeys(metadata: StoreMetadata, image: ImageRecord): string[] {
  const stored = metadata.images[image.manifest.digest];
  const steps = stored ? layerChain(stored) : undefined;
  if (steps) return steps.map((step) => step.chainId.toString());
  let previous: string | undefined;
  return image.layers.map((layer) => {
    previous = previous === undefined ? `blob:${layer.digest}` : Digest.of(`${previous} ${layer.digest}`).toString();
    return previous;
  });
}
