import { createHash } from 'node:crypto';

/**
 * Chain IDs (image-spec config.md, "Layer ChainID"): ChainID(L0) = DiffID(L0);
 * ChainID(Ln) = sha256(ChainID(Ln-1) + " " + DiffID(Ln)). They name a stack of layers,
 * so a directory unpacked for one image serves every image that shares its lower layers.
 */
export function chainIds(diffIds: string[]): string[] {
  const out: string[] = [];
  for (const diffId of diffIds) {
    const previous = out[out.length - 1];
    out.push(previous ? `sha256:${createHash('sha256').update(`${previous} ${diffId}`).digest('hex')}` : diffId);
  }
  return out;
}
