import { isStowageError } from '../../errors/error.js';
import type { FileInfo, MoveOptions, StorageDriver } from '../../storage/driver.js';
import { TEMP_PREFIX } from '../../storage/path.js';
import { recordUse } from './use-ledger.js';

/**
 * How old a file's modification time may get before a use sets it again. Every use of a blob
 * or link (a HEAD, a GET, a manifest PUT that references it, a mount) leaves its time within
 * this of the use, at the cost of at most one utimes(2) per file per interval; garbage
 * collection adds it to its grace window (registry/gc/collect.ts explains the protocol).
 */
export const TOUCH_INTERVAL_MS = 10_000;

/** Names garbage collection gives what it is about to delete (see quarantinePath). */
export const QUARANTINE_PREFIX = `${TEMP_PREFIX}gc-`;

/**
 * Where garbage collection moves a file or directory before it deletes it: a hidden sibling
 * with a name derived from the original, so that a reader that misses the original can find it
 * and move it back (rescue). Hidden: list and walk skip it, and distribution ignores files
 * that are not named `data` or `link`.
 */
export function quarantinePath(path: string): string {
  const slash = path.lastIndexOf('/');
  return `${path.slice(0, slash + 1)}${QUARANTINE_PREFIX}${path.slice(slash + 1)}`;
}

/**
 * Moves into and out of quarantine need not survive a power loss: a file back at its name is
 * merely not collected yet, one still aside is found by readers and settled by the next run.
 */
export const NOT_DURABLE: MoveOptions = { durable: false };

/** The original path of a quarantined one. */
export function unquarantinedPath(path: string): string | undefined {
  const slash = path.lastIndexOf('/');
  const base = path.slice(slash + 1);
  return base.startsWith(QUARANTINE_PREFIX) ? `${path.slice(0, slash + 1)}${base.slice(QUARANTINE_PREFIX.length)}` : undefined;
}

/**
 * Moves a quarantined file back to `path`, if garbage collection has not deleted it yet.
 * True when it is back. A copy written to `path` meanwhile is replaced by identical content
 * (blob data and links are named by what they hold).
 */
export async function rescue(driver: StorageDriver, path: string): Promise<boolean> {
  try {
    await driver.move(quarantinePath(path), path, NOT_DURABLE);
    return true;
  } catch (err) {
    if (isStowageError(err, 'PATH_NOT_FOUND')) return false;
    throw err;
  }
}

/**
 * A use of the file at `path`: its info, or undefined when it is not there. Leaves evidence of
 * the use for garbage collection: when its modification time is older than TOUCH_INTERVAL_MS
 * it is set to now; when collection has moved it aside (quarantined) it is moved back first.
 * Once this resolves with info, a collection that began its mark after the use, or within its
 * grace window before it, does not delete the file (collect.ts, "evidence"). A driver whose
 * touch is a copy (S3) keeps its evidence in a database (use-ledger.ts), or gets none: then
 * collection refuses to run there.
 */
export async function useFile(driver: StorageDriver, path: string): Promise<FileInfo | undefined> {
  if (driver.touchCopies) {
    // The use is recorded first, then the file looked for (use-ledger.ts); nothing is ever moved aside there.
    await recordUse(driver, path);
    return statIfExists(driver, path);
  }
  let info = await statIfExists(driver, path);
  if (!info) {
    // Whether this reader or another one (or the collection itself) moves it back, it is then at `path`.
    await rescue(driver, path);
    info = await statIfExists(driver, path);
    if (!info) return undefined;
  }
  if (Date.now() - info.modTime.getTime() < TOUCH_INTERVAL_MS) return info;
  if (await driver.touch(path)) return info;
  // Moved aside between the stat and the touch: bring it back, then the touch.
  await rescue(driver, path);
  return (await driver.touch(path)) ? info : undefined;
}

/** A file's info (a directory's too on a driver without statFile); undefined when absent. */
export async function statIfExists(driver: StorageDriver, path: string): Promise<FileInfo | undefined> {
  if (driver.statFile) return driver.statFile(path);
  try {
    return await driver.stat(path);
  } catch (err) {
    if (isStowageError(err, 'PATH_NOT_FOUND')) return undefined;
    throw err;
  }
}
