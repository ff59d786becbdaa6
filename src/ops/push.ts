import type { Digest } from '../digest/digest.js';
import { parseReference, type Reference } from '../reference/reference.js';
import type { ImageStore } from '../store/store.js';
import type { CopyResult } from '../transport/copy.js';
import { RemoteSink } from '../transport/remote.js';
import { copyBetween } from './copy.js';
import type { CopyEvent } from './progress.js';
import { registryClient, withResources, type RegistryAccess } from './resources.js';

export interface PushOptions extends RegistryAccess {
  store: ImageStore;
  /** Stops the push: the registry is left without the manifest (blobs already sent stay, as with docker). */
  signal?: AbortSignal;
  onProgress?: (event: CopyEvent) => void;
}

export interface PushResult {
  /** Where it went, normalised: `host/repo:tag`. */
  reference: Reference;
  /** The manifest digest the registry now serves the reference under. */
  digest: Digest;
  /** The stored manifest's size in bytes (docker's `size:`). */
  size: number;
  copy: CopyResult;
}

/** `docker push` of an image in the local store, found by the name it is pushed as: blobs the registry has are skipped, ones it holds in another repository mounted. */
export async function push(name: string, options: PushOptions): Promise<PushResult> {
  const reference = parseReference(name);
  const image = await options.store.resolve(name);
  return withResources(async (scope) => {
    const sink = scope.own(new RemoteSink(await registryClient(options, scope), reference));
    const source = scope.own(options.store.source(image));
    const copied = await copyBetween(source, sink, { signal: options.signal, onProgress: options.onProgress });
    return { reference, digest: copied.digest, size: image.manifest.size, copy: copied };
  });
}
