import type { Descriptor } from '../oci/descriptor.js';
import type { RemoveEvent } from '../store/types.js';
import type { BlobOutcome, CopyProgress } from '../transport/copy.js';
import type { ManifestBytes } from '../oci/manifest-bytes.js';

/**
 * What the operations report while they run, as one typed union: `stowage` draws progress bars
 * and prints docker's lines from it (src/cli/progress.ts); a program logs or meters it. Each
 * operation's `onProgress` takes the part of the union it emits.
 */
export type ProgressEvent = CopyEvent | ImageLoadedEvent | ImageRemovedEvent;

/** One image moving from a source to a sink (pull, push, copy, save, load). */
export type CopyEvent =
  /** Both ends are open; the first blob is about to move. */
  | { type: 'copy-started'; source: string; destination: string }
  | { type: 'blob-started'; descriptor: Descriptor }
  /** `bytes` of the blob so far. */
  | { type: 'blob-progress'; descriptor: Descriptor; bytes: number }
  /** Copied, skipped (the destination had it) or mounted (from another repository of the same registry). */
  | { type: 'blob-finished'; descriptor: Descriptor; outcome: BlobOutcome }
  /** Written to the destination: children of an index first, the one the name points at last. */
  | { type: 'manifest-written'; manifest: ManifestBytes };

/** load: an image of the archive is in the store, under these names (docker's `Loaded image:` lines). */
export interface ImageLoadedEvent {
  type: 'image-loaded';
  /** The image ID, `sha256:…` of the config. */
  id: string;
  /** Full references; empty when the archive named the image nowhere. */
  tags: string[];
}

/** remove: one name done, with docker's `Untagged:` / `Deleted:` steps in order. */
export interface ImageRemovedEvent {
  type: 'image-removed';
  name: string;
  events: RemoveEvent[];
}

/** copyImage's callbacks (transport/copy.ts) as events for `listener`. */
export function copyProgress(listener: ((event: CopyEvent) => void) | undefined): CopyProgress | undefined {
  if (!listener) return undefined;
  return {
    blobStarted: (descriptor) => listener({ type: 'blob-started', descriptor }),
    blobProgress: (descriptor, bytes) => listener({ type: 'blob-progress', descriptor, bytes }),
    blobFinished: (descriptor, outcome) => listener({ type: 'blob-finished', descriptor, outcome }),
    manifestWritten: (manifest) => listener({ type: 'manifest-written', manifest }),
  };
}
