import type { StorageDriver } from '../../storage/driver.js';
import { fileExists } from './links.js';
import { usageChangedPath } from './paths.js';

/**
 * The write side of the usage bookkeeping (src/registry/usage/usage-index.ts): whoever adds or
 * removes a layer or revision link of a repository marks the repository changed, so that
 * `registry du` rescans only what changed instead of touching 10,000 repositories.
 *
 * The marker is made before the link changes (a crash between leaves a marker: the repository
 * is rescanned for nothing) and made again after (a `registry du` that claimed the first marker
 * while the link was changing may have scanned before the change; the second marker makes the
 * next run see it). Making a marker that is already there is one stat, so a push pays two
 * stats per link, and a durable write only after a `registry du` took the marker.
 */
export async function changingUsage<T>(driver: StorageDriver, name: string, change: () => Promise<T>): Promise<T> {
  await markUsageChanged(driver, name);
  const result = await change();
  // The change is made: failing it now would report an error for what happened. The first marker covers it unless just claimed.
  await markUsageChanged(driver, name).catch(() => undefined);
  return result;
}

/** Marks a repository changed (the garbage collector calls it, as invalidateUsage, for every repository it changed). */
export async function markUsageChanged(driver: StorageDriver, name: string): Promise<void> {
  const marker = usageChangedPath(name);
  if (await fileExists(driver, marker)) return;
  await driver.putContent(marker, Buffer.from(name, 'utf8'));
}
