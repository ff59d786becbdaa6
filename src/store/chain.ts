import { createHash } from 'node:crypto';
import { Digest } from '../digest/digest.js';
import { StowageError } from '../errors/error.js';

/**
 * Chain IDs (image-spec config.md, "Layer ChainID"): ChainID(L0) = DiffID(L0);
 * ChainID(Ln) = sha256(ChainID(Ln-1) + " " + DiffID(Ln)). They name a stack of layers,
 * so a directory unpacked for one image serves every image that shares its lower layers.
 */
export function chainIds(diffIds: readonly Digest[]): Digest[] {
  const out: Digest[] = [];
  for (const diffId of diffIds) {
    const previous = out[out.length - 1];
    out.push(previous ? Digest.of(`${previous.toString()} ${diffId.toString()}`) : diffId);
  }
  return out;
}

/**
 * An image config's `rootfs.diff_ids`, checked before anything is named after them: an array of
 * digests, one per layer of the manifest. Anything else is refused with one line saying why.
 */
export function validateDiffIds(value: unknown, layerCount: number, config: string): string[] {
  const problem = diffIdsProblem(value, layerCount);
  if (problem !== undefined) {
    throw new StowageError('MANIFEST_INVALID', `image config ${config}: rootfs.diff_ids must list one digest per layer (${layerCount}), but ${problem}`);
  }
  return (value as string[]).slice();
}

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

function diffIdsProblem(value: unknown, layerCount: number): string | undefined {
  if (value === undefined || value === null) return 'it is missing';
  if (!Array.isArray(value)) return `it is ${typeof value === 'object' ? 'an object' : `a ${typeof value}`}, not an array`;
  if (value.length !== layerCount) return `it lists ${value.length}`;
  for (const [i, entry] of value.entries()) {
    if (typeof entry !== 'string' || !Digest.isValid(entry)) return `entry ${i + 1} is not a digest: ${shown(entry)}`;
  }
  return undefined;
}

/** A hostile value, printable on one line. */
function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
