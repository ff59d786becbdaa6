import type { CatalogUsage } from '../catalog/usage.js';
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
  /**
   * docker's SIZE: the sum of the layers' unpacked sizes (`layerSizes`), the same whether the
   * layers were pulled compressed or loaded uncompressed.
   */
  size: number;
  /** Each layer's unpacked size, bottom first (docker history's SIZE). */
  layerSizes: number[];
  /** Bytes of this image's blobs as stored (manifest, config, layers as pulled): Docker 29's CONTENT SIZE. */
  contentSize: number;
}

/** A line of `rmi` output, as docker prints them. */
export type RemoveEvent = { untagged: string } | { deleted: string };

export interface PruneResult {
  events: RemoveEvent[];
  /** Bytes of blob files (and unpacked layer files) actually removed. */
  reclaimed: number;
}

/** `system df` of the local store: docker's numbers, and its unpacked layers and blobs as stored. */
export interface DiskUsage extends CatalogUsage<ImageRecord> {
  /** Per image, in docker's unpacked numbers: layers other images share, and the rest. */
  images: Array<{ image: ImageRecord; sharedSize: number; uniqueSize: number }>;
  /** Every blob file under blobs/, once: the content the store holds. */
  totalBlobBytes: number;
  blobCount: number;
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
