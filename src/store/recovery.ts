import { rm } from 'node:fs/promises';
import { collectGarbage } from './gc.js';
import type { StoreLayout } from './layout.js';
import { withStoreLock } from './lock.js';
import { readMetadata, writeMetadata } from './metadata.js';
import { staleStaging } from './staging.js';

/**
 * Undoing what a killed process left, at the start of every store verb (ImageStore.open), so a
 * pull killed at any moment (SIGKILL, the OOM killer, a second Ctrl-C) leaves nothing that
 * `system check` reports once any verb has run again.
 *
 * What a pull does (staging.ts, sink.ts): every blob goes to its own staging area
 * `stowage/staging/<pid>-<random>/` first; the commit, under the store lock, renames the staged
 * blobs into blobs/, then writes images.json (the truth), then index.json. Killed anywhere before
 * the end, it leaves:
 *   - its staging area, whose pid no longer runs (always: it is removed only after the commit);
 *   - if killed inside the commit, blobs in blobs/ that images.json does not name (unreferenced),
 *     and maybe an index.json older than images.json;
 *   - if killed holding the lock, the lock, until it goes stale (15 s; lock.ts).
 * It never leaves an image: images.json is replaced atomically, and only once every blob is in.
 *
 * So a stale staging area is the mark of a killed operation, and cheap to look for (three
 * readdirs and a kill(pid, 0) per entry): a start with none costs no lock. With one, under the
 * lock: the stale areas (found again, under the lock) are removed, every blob and unpacked layer
 * no image names is collected (what the killed commit had moved in), and index.json is written
 * again from images.json. Collecting under the lock takes nothing from an operation still
 * running: its new blobs are in its own staging area until it commits under this same lock, and
 * the blobs it reuses are hard-linked there, so deleting their names in blobs/ leaves it its copy
 * (gc.ts relies on the same for rmi).
 *
 * Why not make moving the blobs and writing images.json one step: renaming many files cannot be
 * atomic together with a file write. Some window always remains; this makes the window harmless.
 *
 * A staging area of a process in another pid namespace (a store shared between containers) looks
 * stale when it is not: as for `system check --repair`, one store belongs to one pid namespace.
 */
export async function recoverStore(layout: StoreLayout): Promise<string[]> {
  if ((await staleStaging(layout)).length === 0) return [];
  try {
    return await withStoreLock(layout, async () => {
      const stale = await staleStaging(layout);
      if (stale.length === 0) return [];
      for (const dir of stale) await rm(dir, { recursive: true, force: true });
      const metadata = await readMetadata(layout);
      await collectGarbage(layout, metadata);
      await writeMetadata(layout, metadata);
      return stale;
    });
  } catch (err) {
    // A store this user may read but not change (another user's, a read-only mount): reading goes
    // on, and the owner's next verb recovers it.
    if (['EACCES', 'EPERM', 'EROFS'].includes((err as NodeJS.ErrnoException).code ?? '')) return [];
    throw err;
  }
}
