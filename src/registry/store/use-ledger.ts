import type { StorageDriver } from '../../storage/driver.js';

/**
 * Where uses of blobs and links are recorded when the storage cannot keep them itself: on an
 * object store a file's time is its last write, and setting it is a copy of the object
 * (StorageDriver.touchCopies). With a database (src/database/uses.ts) the evidence garbage
 * collection needs (gc/collect.ts, "evidence") is a row per path instead, and the collection's
 * move into quarantine is replaced by a lock on that row:
 *  - a use, or a write, records the path first (waiting while a collection holds it), then
 *    looks at or writes the storage;
 *  - a collection judges and deletes a path while holding its row.
 * So a use either comes before the judgement, which then sees it and keeps the path, or after
 * the delete, and finds the path gone (and the client uploads it again). Nothing is told
 * "present" and then deleted.
 */
export interface UseLedger {
  /** Records a use of `path` now: at most once per TOUCH_INTERVAL_MS per path per process (uses.ts). */
  record(path: string): Promise<void>;
  /** The latest recorded use of each path that has one, in ms since the epoch. */
  lastUses(paths: readonly string[]): Promise<Map<string, number>>;
  /**
   * Runs `judge` holding `path`'s row, with its latest recorded use: no use of the path is
   * recorded meanwhile. When `judge` says it removed the path, the row goes too.
   */
  exclusive<T>(path: string, judge: (lastUse: number | undefined) => Promise<{ removed: boolean; value: T }>): Promise<T>;
  /** Drops rows of uses older than `before` (ms): no collection from now on can be kept by them. */
  prune(before: number): Promise<void>;
}

const ledgers = new WeakMap<StorageDriver, UseLedger>();

/** Makes `ledger` the record of uses of `driver`'s files, for the store and the collector that use this driver object. */
export function attachUseLedger(driver: StorageDriver, ledger: UseLedger): void {
  ledgers.set(driver, ledger);
}

export function useLedgerOf(driver: StorageDriver): UseLedger | undefined {
  return ledgers.get(driver);
}

/** A use or a write of `path` about to happen: recorded first when the driver has a ledger. */
export async function recordUse(driver: StorageDriver, path: string): Promise<void> {
  await ledgers.get(driver)?.record(path);
}
