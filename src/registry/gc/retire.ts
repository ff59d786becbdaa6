import { isStowageError } from '../../errors/error.js';
import type { FileInfo, StorageDriver } from '../../storage/driver.js';
import { deleteIfExists } from '../store/links.js';
import { type UseLedger, useLedgerOf } from '../store/use-ledger.js';
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
  const ledger = useLedgerOf(driver);
  if (ledger) return retireRecorded(driver, ledger, path, cutoff);
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

/**
 * retireFile where uses are rows (store/use-ledger.ts), not file times: judged and deleted
 * holding the path's row, so no use is recorded in between; a use that waited then finds it
 * gone. The time judged is the later of the file's own (its last write) and its last use.
 */
async function retireRecorded(driver: StorageDriver, ledger: UseLedger, path: string, cutoff: number): Promise<RetireResult> {
  return ledger.exclusive<RetireResult>(path, async (lastUse) => {
    const info = await statIfExists(driver, path);
    // Gone: its row, if any, goes with it.
    if (!info) return { removed: true, value: { outcome: 'gone', size: 0 } };
    if (Math.max(info.modTime.getTime(), lastUse ?? 0) >= cutoff) return { removed: false, value: { outcome: 'kept', size: info.size } };
    if (!(await deleteIfExists(driver, path))) return { removed: true, value: { outcome: 'gone', size: 0 } };
    await driver.removeEmptyDirectory(path.slice(0, path.lastIndexOf('/')));
    return { removed: true, value: { outcome: 'removed', size: info.size } };
  });
}

/** When `path` (whose info is `info`) was last written or used, in ms: what a dry run judges by. */
export async function lastUsed(driver: StorageDriver, path: string, info: Pick<FileInfo, 'modTime'>): Promise<number> {
  const ledger = useLedgerOf(driver);
  const use = ledger ? (await ledger.lastUses([path])).get(path) : undefined;
  return Math.max(info.modTime.getTime(), use ?? 0);
}
