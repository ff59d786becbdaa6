import type { ImageStore } from '../store/store.js';
import type { PruneResult } from '../store/types.js';

export interface PruneOptions {
  store: ImageStore;
  /** Every image, not only dangling (untagged) ones. */
  all?: boolean;
  /**
   * `system prune`: also the staging areas and scratch directories killed processes left. (Blobs
   * and unpacked layers no remaining image uses go in both cases.)
   */
  system?: boolean;
}

/** `docker image prune` / `docker system prune` for a store without containers: what was removed, and the bytes freed. */
export async function prune(options: PruneOptions): Promise<PruneResult> {
  return options.store.prune({ all: options.all === true, staging: options.system === true });
}
