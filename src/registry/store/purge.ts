import { isStowageError } from '../../errors/error.js';
import type { StorageDriver } from '../../storage/driver.js';
import { deleteIfExists } from './links.js';
import { REPOSITORIES } from './paths.js';

/**
 * Deletes upload sessions started before `olderThan` (distribution's
 * storage.maintenance.uploadpurging): clients that die mid-push leave `_uploads/<uuid>` behind.
 * Returns how many were removed. An upload without a readable `startedat` is judged by its
 * directory's modification time.
 */
export async function purgeUploads(driver: StorageDriver, olderThan: Date): Promise<number> {
  let removed = 0;
  for (const path of await staleUploads(driver, olderThan)) if (await deleteIfExists(driver, path)) removed++;
  return removed;
}

/** How many upload sessions purgeUploads would delete (distribution's uploadpurging.dryrun). */
export async function countUploads(driver: StorageDriver, olderThan: Date): Promise<number> {
  return (await staleUploads(driver, olderThan)).length;
}

async function staleUploads(driver: StorageDriver, olderThan: Date): Promise<string[]> {
  const stale: string[] = [];
  try {
    await driver.walk(REPOSITORIES, async (info) => {
      if (!info.isDirectory) return false;
      const base = info.path.slice(info.path.lastIndexOf('/') + 1);
      if (base !== '_uploads') return !base.startsWith('_');
      for (const upload of await driver.list(info.path)) {
        if ((await startedAt(driver, upload)) < olderThan) stale.push(upload);
      }
      return false;
    });
  } catch (err) {
    if (isStowageError(err, 'PATH_NOT_FOUND')) return [];
    throw err;
  }
  return stale;
}

/**
 * Whether an upload session started at `startedAt` is older than `ttlMs` at `now`: expired
 * once `ttlMs` have fully elapsed. A start time that is not a valid date cannot prove the
 * session fresh, so it counts as expired; one in the future (clock skew) does not.
 */
export function isExpired(startedAt: Date, ttlMs: number, now: Date = new Date()): boolean {
  const start = startedAt instanceof Date ? startedAt.getTime() : NaN;
  if (Number.isNaN(start)) return true;
  if (ttlMs === Infinity) return false;
  return now.getTime() - start >= ttlMs;
}

/** When the upload at `upload` (its `_uploads/<uuid>` directory) started, as the purge judges it. */
export async function startedAt(driver: StorageDriver, upload: string): Promise<Date> {
  try {
    const text = (await driver.getContent(`${upload}/startedat`)).toString('utf8').trim();
    const date = new Date(text);
    if (!Number.isNaN(date.getTime())) return date;
  } catch (err) {
    if (!isStowageError(err, 'PATH_NOT_FOUND')) throw err;
  }
  try {
    return (await driver.stat(upload)).modTime;
  } catch {
    return new Date(0);
  }
}
