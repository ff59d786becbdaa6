import { LEFTOVER_AGE_MS, sweepLeftovers } from '../store/leftovers.js';
import { countUploads, purgeUploads } from '../store/purge.js';
import type { RegistryStore } from '../store/registry.js';

/** distribution's storage.maintenance.uploadpurging, resolved: absent when disabled. */
export interface UploadPurging {
  /** Sessions started longer ago than this are abandoned. */
  ageSeconds: number;
  /** How often the purge runs. */
  intervalSeconds: number;
  /** Count and log what would go; delete nothing. */
  dryRun: boolean;
}

/**
 * A session past limits.uploadsessionttl is refused by the server and can never be resumed,
 * so the purge need not wait for uploadpurging's (longer, by default) age to delete it.
 */
export function purgeAge(purging: UploadPurging, ttlMs: number): UploadPurging {
  return { ...purging, ageSeconds: Math.min(purging.ageSeconds, ttlMs / 1000) };
}

export type MaintenanceLog = { info: (o: object, m: string) => void; error: (o: object, m: string) => void };

/**
 * Background maintenance; never keeps the process alive. At start-up, and with every upload
 * purge, what a crash or a full disk left (sweepLeftovers) is removed once older than
 * LEFTOVER_AGE_MS: by age, not all of it before listening, because another `stowage serve` on
 * the same root may be writing right now, and a large root would delay the start. Abandoned
 * uploads are purged shortly after start and then every interval (uploadpurging).
 * Returns what cancels the timers (a run in progress finishes on its own).
 */
export function scheduleMaintenance(log: MaintenanceLog, store: RegistryStore, purging: UploadPurging | undefined): () => void {
  const sweep = (): void => {
    sweepLeftovers(store.driver, new Date(Date.now() - LEFTOVER_AGE_MS)).then(
      (removed) => Object.values(removed).some((n) => n > 0) && log.info(removed, 'removed leftovers of interrupted writes'),
      (err: unknown) => log.error({ err }, 'leftover sweep failed'),
    );
  };
  const first = setImmediate(sweep).unref();
  if (!purging) return () => clearImmediate(first);
  const run = (): void => {
    const olderThan = new Date(Date.now() - purging.ageSeconds * 1000);
    if (purging.dryRun) {
      // uploadpurging.dryrun: report what would go, delete nothing.
      countUploads(store.driver, olderThan).then(
        (stale) => stale > 0 && log.info({ stale }, 'dry run: abandoned uploads that would be purged'),
        (err: unknown) => log.error({ err }, 'upload purge failed'),
      );
      return;
    }
    purgeUploads(store.driver, olderThan).then(
      (removed) => removed > 0 && log.info({ removed }, 'purged abandoned uploads'),
      (err: unknown) => log.error({ err }, 'upload purge failed'),
    );
  };
  const soon = setTimeout(run, 60_000).unref();
  const every = setInterval(() => {
    run();
    sweep();
  }, purging.intervalSeconds * 1000).unref();
  return () => {
    clearImmediate(first);
    clearTimeout(soon);
    clearInterval(every);
  };
}
