import type { Digest } from '../digest/digest.js';
import { StowageError } from '../errors/error.js';
import type { PlatformSpec } from '../oci/platform.js';
import { formatReference, parseReference, type Reference } from '../reference/reference.js';
import type { ImageStore } from '../store/store.js';
import type { CopyResult } from '../transport/copy.js';
import { RemoteSource } from '../transport/remote.js';
import { copyBetween } from './copy.js';
import type { CopyEvent } from './progress.js';
import { registryClient, withResources, type RegistryAccess } from './resources.js';

export interface PullOptions extends RegistryAccess {
  store: ImageStore;
  /** Which image of a multi-arch index (default: this machine's): a PlatformSpec or `os/arch[/variant]`. */
  platform?: PlatformSpec | string;
  /** Stops the pull (Ctrl-C): nothing is stored, the staging area is removed, pull rejects with the signal's reason. */
  signal?: AbortSignal;
  onProgress?: (event: CopyEvent) => void;
}

export interface PullResult {
  /** What was pulled, normalised: `docker.io/library/alpine:latest`. */
  reference: Reference;
  /** The digest the registry serves the reference under (an index's for a multi-arch image): docker's `Digest:` line. */
  digest: Digest;
  /** `host/repo@digest`, recorded as the image's RepoDigest. */
  repoDigest: string;
  /** The tags the image has now (none for a pull by digest). */
  tags: string[];
  /** The store had this image under these tags already: docker's "Image is up to date". */
  upToDate: boolean;
  /** The copy itself: the stored image's manifest digest, blobs copied and skipped, bytes. */
  copy: CopyResult;
}

/**
 * `docker pull` into the local store: the manifest the reference names (for an index, the
 * image for `platform`), its blobs streamed and verified, then the image tagged, all at once or
 * not at all. A pull that fails or is aborted leaves no image and no staging area.
 */
export async function pull(name: string | Reference, options: PullOptions): Promise<PullResult> {
  const reference = typeof name === 'string' ? parseReference(name) : name;
  // The store keeps images, not indexes: one platform's image is pulled.
  if (options.platform === 'all')
    throw new StowageError('UNSUPPORTED', 'pull stores one image: name a platform, or copy the whole index to a layout with copy(…, { platform: "all" })');
  const { store } = options;
  return withResources(async (scope) => {
    const source = scope.own(new RemoteSource(await registryClient(options, scope), reference));
    const top = await source.getManifest();
    const repoDigest = `${reference.domain}/${reference.path}@${top.digest}`;
    const tags = reference.digest ? [] : [formatReference(reference)];
    const before = await store.list();
    const sink = scope.own(await store.sink({ tags, repoDigests: [repoDigest] }));
    const copied = await copyBetween(source, sink, { platform: options.platform, signal: options.signal, onProgress: options.onProgress });
    const upToDate = before.some((image) => image.manifest.digest === copied.digest.toString() && tags.every((t) => image.repoTags.includes(t)));
    return { reference, digest: top.digest, repoDigest, tags, upToDate, copy: copied };
  });
}
