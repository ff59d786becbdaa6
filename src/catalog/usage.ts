import type { CatalogImage } from './catalog.js';

/**
 * `docker system df` in numbers, for any catalog (moby daemon/disk_usage.go and the CLI's
 * formatter/disk_usage.go): images with the layers they share, containers' writable layers,
 * volumes; plus what a store holds beyond docker's four kinds (the local store's unpacked
 * layers and its blobs as stored). A catalog with no containers or volumes leaves them out.
 */
export interface CatalogUsage<I extends CatalogImage = CatalogImage> {
  images: Array<ImageUsage<I>>;
  /** Every layer the listed images use, once: docker's Images SIZE (LayersSize). */
  layersSize: number;
  containers?: ContainerUsage[];
  volumes?: VolumeUsage[];
  /** Layers unpacked into directories (the local store's `image unpack`). */
  unpackedLayers?: { count: number; bytes: number };
  /** The blob files held, each once (layers compressed, as pulled): Docker 29's CONTENT SIZE. */
  blobCount?: number;
  totalBlobBytes?: number;
}

export interface ImageUsage<I extends CatalogImage = CatalogImage> {
  image: I;
  /** The layers' bytes another listed image also stands on, and the rest. */
  sharedSize: number;
  uniqueSize: number;
  /** The bytes counted for it, where they differ from `image.size` (walked with --exact). */
  size?: number;
  /** Containers created from it (none in a store that runs nothing). */
  containers?: number;
}

export interface ContainerUsage {
  container: CatalogContainer;
  /** Its writable layer's bytes. */
  sizeRw: number;
  /** The named volumes it mounts. */
  volumes: number;
}

export interface VolumeUsage {
  name: string;
  directory: string;
  size: number;
  /** Containers that mount it. */
  links: number;
}

export interface UsageOptions {
  /** Walk layer directories instead of trusting the sizes the store recorded (--exact). */
  exact?: boolean;
}

/** A container as `docker ps -a` and `system df -v` show it. */
export interface CatalogContainer {
  id: string;
  /** Image ID it was created from, when known (containers/<id>/config.v2.json). */
  image: string | undefined;
  /** Name without the leading slash, when known. */
  name: string | undefined;
  /** From containers/<id>/config.v2.json when present (docker ps's columns). */
  imageName?: string;
  created?: string;
  command?: string;
  /** docker's status word: created, running, paused, restarting, exited, dead. */
  state?: string;
  /** docker's STATUS column as `docker ps -a` prints it, e.g. "Exited (0) 2 hours ago" needs a clock: kept raw here. */
  exitCode?: number;
  startedAt?: string;
  finishedAt?: string;
  /** Names of the named volumes it mounts. */
  volumes?: string[];
}
