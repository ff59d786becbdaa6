import { isStowageError } from '../../errors/error.js';
import type { StorageDriver } from '../../storage/driver.js';
import { NOT_DURABLE, quarantinePath, rescue, statIfExists } from '../store/quarantine.js';

/** What became of something the collection set out to delete. */
export type Retired =
  /** Deleted. */
  | 'removed'
  /** Used meanwhile (its time is past the cutoff, or a reader moved it back): it stays. */
  | 'kept'
  /** Deleted by someone else (a client's DELETE) before the collection got to it. */
  | 'gone';

/**
 * Deletes the file at `path` unless it was used at or after `cutoff` (ms since the epoch),
 * without a moment in which a use can be lost (collect.ts, "the protocol"):
 *  1. it is moved aside to its quarantine name: from here on a use finds it missing and
 *     moves it back (rescue) before answering;
 *  2. its time is read there: a use that touched it before the move shows (a move keeps the
 *     inode and its time); if it is recent, it is moved back;
 *  3. it is deleted there, unless a reader moved it back since (then the delete finds nothing).
 * Then its directory goes if nothing else is in it. A crash between the steps leaves it in
 * quarantine: readers still find it (they rescue), and the next run moves it back first.
 */
export async function retireFile(driver: StorageDriver, path: string, cutoff: number): Promise<RetireResult> {
  const quarantine = quarantinePath(path);
  try {
    await driver.move(path, quarantine, NOT_DURABLE);
  } catch (err) {
    if (isStowageError(err, 'PATH_NOT_FOUND')) return { outcome: 'gone', size: 0 };
    throw err;
  }
  return settleQuarantined(driver, path, cutoff);
}

/** What became of it, and its size (read in quarantine, so no stat before the move is needed). */
export interface RetireResult {
  outcome: Retired;
  size: number;
}

/** Steps 2 and 3 for a file already in quarantine (this run's, or one an interrupted run left). */
export async function settleQuarantined(driver: StorageDriver, path: string, cutoff: number): Promise<RetireResult> {
  const quarantine = quarantinePath(path);
  const info = await statIfExists(driver, quarantine);
  if (!info) return { outcome: 'kept', size: 0 };
  if (info.modTime.getTime() >= cutoff) {
    await rescue(driver, path);
    return { outcome: 'kept', size: info.size };
  }
  try {
    await driver.delete(quarantine);
  } catch (err) {
    if (isStowageError(err, 'PATH_NOT_FOUND')) return { outcome: 'kept', size: info.size };
    throw err;
  }
  await driver.removeEmptyDirectory(path.slice(0, path.lastIndexOf('/')));
  return { outcome: 'removed', size: info.size };
}
