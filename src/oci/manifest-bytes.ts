import type { Digest } from '../digest/digest.js';

/** A manifest or index exactly as stored: the bytes are what digests are computed over. */
export interface ManifestBytes {
  bytes: Buffer;
  mediaType: string;
  digest: Digest;
}
