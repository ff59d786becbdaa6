import type { Descriptor } from '../oci/descriptor.js';

/**
 * One image in the local store, as `stowage images` and `image inspect` show it. The store's
 * root is an OCI image layout; an image is an image manifest named in its `index.json`.
 */
export interface ImageRecord {
  /** Docker's image ID: the config digest, `sha256:<hex>`. */
  id: string;
  manifest: { digest: string; mediaType: string; size: number };
  config: Descriptor;
  layers: Descriptor[];
  /** Full references, `docker.io/library/alpine:latest`; empty for a dangling image. */
  repoTags: string[];
  /** `docker.io/library/alpine@sha256:…`: the digest each repository served it under (an index's, for a multi-arch pull). */
  repoDigests: string[];
  /** From the image config, when it says. */
  created?: string;
  /** When it entered this store (ISO 8601). */
  pulled: string;
  platform: { os: string; architecture: string; variant?: string };
  /** Bytes of this image's blobs in the store (manifest, config, layers): what it takes on disk, shared blobs included. */
  size: number;
}

/** A line of `rmi` output, as docker prints them. */
export type RemoveEvent = { untagged: string } | { deleted: string };

export interface PruneResult {
  events: RemoveEvent[];
  /** Bytes of blob files (and unpacked layer files) actually removed. */
  reclaimed: number;
}

export interface DiskUsage {
  images: Array<{ image: ImageRecord; sharedSize: number; uniqueSize: number }>;
  /** Every blob file under blobs/, once. */
  totalBlobBytes: number;
  /**
   * Bytes that removing images could free: every blob and every unpacked layer, since nothing
   * runs from the store and so nothing holds an image in use (docker counts images no container
   * uses as reclaimable).
   */
  reclaimable: number;
  unpackedLayers: { count: number; bytes: number };
}

export interface CheckReport {
  /** Blobs whose content does not hash to their name. */
  corrupt: string[];
  /** Blobs referenced by an image but missing. */
  missing: Array<{ image: string; digest: string }>;
  /** Blob files nothing references. */
  unreferenced: string[];
  /** What killed processes left: staging areas, save/load scratch, half-unpacked layers. */
  staleStaging: string[];
  /** What --repair removed. */
  repaired: string[];
}
