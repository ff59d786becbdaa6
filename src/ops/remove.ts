import { isStowageError } from '../errors/error.js';
import type { ImageStore } from '../store/store.js';
import type { RemoveEvent } from '../store/types.js';
import type { ImageRemovedEvent } from './progress.js';

export interface RemoveOptions {
  store: ImageStore;
  /** Remove an image with several names by ID; a name that is not there is not a failure. */
  force?: boolean;
  /** Each name as it is done, before the next is tried. */
  onProgress?: (event: ImageRemovedEvent) => void;
}

export interface RemoveResult {
  removed: Array<{ name: string; events: RemoveEvent[] }>;
  failures: Array<{ name: string; error: unknown }>;
  /** Whether the removal failed as docker counts it: any failure, except, with `force`, names that were not there. */
  failed: boolean;
}

/**
 * `docker rmi NAME...` (cli/command/image/remove.go runRemove): each name in turn, a failure
 * not stopping the next; the failures are returned, not thrown.
 */
export async function remove(names: readonly string[], options: RemoveOptions): Promise<RemoveResult> {
  const force = options.force === true;
  const result: RemoveResult = { removed: [], failures: [], failed: false };
  for (const name of names) {
    try {
      const events = await options.store.remove(name, { force });
      result.removed.push({ name, events });
      options.onProgress?.({ type: 'image-removed', name, events });
    } catch (error) {
      result.failures.push({ name, error });
    }
  }
  const fatal = result.failures.some(({ error }) => !isStowageError(error, 'MANIFEST_UNKNOWN'));
  result.failed = result.failures.length > 0 && (!force || fatal);
  return result;
}
