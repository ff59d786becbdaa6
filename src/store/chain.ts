import { Digest } from '../digest/digest.js';
import { chainIds, diffIdsProblem } from '../oci/config.js';

// What is the store's own about chain IDs: its records (images.json) hold diff IDs, checked
// again here because an older Stowage stored them unchecked. The rules are src/oci/config.ts.

/** The diff IDs of a stored image as digests, or undefined when images.json holds something else (an older version recorded them unchecked). */
export function storedDiffIds(image: { diffIds?: unknown; layers: readonly unknown[] }): Digest[] | undefined {
  if (diffIdsProblem(image.diffIds, image.layers.length) !== undefined) return undefined;
  return (image.diffIds as string[]).map((d) => Digest.parse(d));
}

/** One layer of a stored image with the IDs that name its unpacked directory. */
export interface LayerStep<L> {
  layer: L;
  diffId: Digest;
  chainId: Digest;
}

/** The image's layers bottom-up with their diff and chain IDs, or undefined when its diff IDs are not valid (see storedDiffIds). */
export function layerChain<L>(image: { diffIds?: unknown; layers: readonly L[] }): Array<LayerStep<L>> | undefined {
  const diffIds = storedDiffIds(image);
  if (!diffIds) return undefined;
  const chains = chainIds(diffIds);
  // storedDiffIds checked that there is one diff ID per layer.
  return image.layers.map((layer, i) => ({ layer, diffId: diffIds[i] as Digest, chainId: chains[i] as Digest }));
}
