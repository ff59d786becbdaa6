import type { CatalogContainer } from '../catalog/usage.js';
import type { ImageConfig } from '../oci/config.js';
import type { ImageSource } from '../transport/types.js';

/**
 * What Stowage knows of a Docker Engine's store, whatever wrote it: a graph driver
 * (overlay2, vfs, aufs), the containerd image store, or the pre-1.10 graph. Each reader
 * (graphdriver/, containerd/, legacy/) loads a root into a DockerRootView; the `stowage
 * docker` verbs and the `docker-root:` transport work on this view only.
 *
 * Everything is read-only: a view is a snapshot of files that the daemon may change while
 * we read, so a file that vanished is a `problem`, not an exception.
 */

export type StoreKind = 'overlay2' | 'vfs' | 'aufs' | 'containerd' | 'legacy-graph' | (string & {});

/** One layer of the store (a layerdb entry, a containerd snapshot, a legacy graph image). */
export interface DockerLayer {
  /** sha256:… of the uncompressed tar (the config's rootfs.diff_ids entry); '' where the store does not record it (legacy graphs, until export computes it). */
  diffId: string;
  /** sha256:… chain ID (image-spec), or for legacy stores the layer's own random ID. */
  chainId: string;
  /** The driver's directory name (overlay2/vfs cache ID, snapshot ID, aufs/graph ID). */
  cacheId: string | undefined;
  /** Absolute path of the layer's own files (overlay2/<id>/diff, vfs/dir/<id>, snapshots/<n>/fs). */
  directory: string | undefined;
  /** Every path under the root that belongs to this layer (for `locate` and `df`). */
  paths: string[];
  /** Bytes of the layer's files as the store records them (layerdb `size`), if recorded. */
  size: number | undefined;
  /** Chain ID of the parent layer. */
  parent: string | undefined;
  /** tar-split.json.gz (or legacy tar-data.json.gz): lets the exact tar be rebuilt. */
  tarSplit: string | undefined;
}

/** An image as `docker images` lists it. */
export interface DockerImage {
  /**
   * What docker shows as IMAGE ID, full: sha256:<hex>. Config digest for graph drivers, the
   * target digest for the containerd store, docker 1.9's bare 64-hex ID for legacy graphs.
   */
  id: string;
  /** Familiar names, as docker prints them: `alpine:latest`, `localhost:5000/a/b:1`. */
  repoTags: string[];
  /** Familiar `name@sha256:…` (the registry digests this image was pulled or pushed as). */
  repoDigests: string[];
  /** The config blob exactly as stored (its sha256 is the config digest). */
  configBytes: Buffer;
  /** The parsed config (image-spec config JSON). */
  config: ImageConfig;
  /** Bottom layer first, one per config rootfs.diff_ids entry. */
  layers: DockerLayer[];
  /** Local parent image ID (imagedb metadata `parent`, legacy `parent`), if any. */
  parent: string | undefined;
  /** RFC 3339 time of the last tag (imagedb metadata `lastUpdated`), if recorded. */
  lastTagTime: string | undefined;
  /**
   * Bytes as `docker images` shows them, when the store says it another way than the sum of
   * its layers' recorded sizes (containerd: snapshots, or compressed blobs when not unpacked).
   */
  size?: number;
  /** Files describing this image (imagedb content/metadata, containerd blobs). */
  paths: string[];
  /**
   * containerd store only: the manifest or index the name points to (docker 29 shows its
   * digest as the IMAGE ID) and the platform manifest chosen from it.
   */
  target?: { digest: string; mediaType: string; size: number };
  manifestDigest?: string;
}

/** A container's writable layer (layerdb/mounts, or a containerd active snapshot), and what `docker ps` shows of it. */
export interface DockerContainer extends CatalogContainer {
  /** The driver directory holding its writable layer (overlay2/<mount-id>). */
  mountId: string | undefined;
  /** `-init` layer directory ID, if any. */
  initId: string | undefined;
  /** Chain ID of the image's top layer it sits on. */
  parent: string | undefined;
  /** Absolute path of the writable layer's files. */
  directory: string | undefined;
  /**
   * For drivers whose layers are full copies (vfs): the directory the writable layer is
   * compared with to find what the container changed (its init layer's).
   */
  diffBase?: string;
  paths: string[];
}

export interface DockerVolume {
  name: string;
  directory: string;
}

export interface DockerRootView {
  /** The Docker root as given (absolute). */
  root: string;
  /** overlay2, vfs, aufs, containerd (image store), legacy-graph. */
  kind: StoreKind;
  /** What `docker info` would print as Storage Driver (containerd store: "overlayfs"). */
  driver: string;
  images: DockerImage[];
  /** Every layer known to the store, including ones no image references any more. */
  layers: DockerLayer[];
  containers: DockerContainer[];
  volumes: DockerVolume[];
  /** One readable line each: a vanished layer, an unreadable file, a link outside the root. */
  problems: string[];
  /**
   * The image as an ImageSource: a synthesised manifest and the layers rebuilt byte-exact
   * (graph drivers), or the stored manifest and blobs (containerd).
   */
  openSource(image: DockerImage): Promise<ImageSource>;
}
