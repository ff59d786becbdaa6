import type { StorageDriver } from '../../storage/driver.js';
import { collectGarbage } from './collect.js';
import type { GcOptions, GcReport } from './types.js';

/**
 * What a collection needs from a database shared by several replicas (src/database): a lease,
 * so that one replica at a time collects, and a way to bring a repository's rows back in step
 * with the storage the collector changed directly. The collector itself knows no SQL.
 */
export interface GcCoordinator {
  /** GC_RUNNING when another replica holds it; `signal` aborts if it is lost mid-run. */
  gcLease(): Promise<{ signal: AbortSignal; release(): Promise<void> }>;
  /** Makes one repository's rows what its storage now holds. */
  resync(repository: string): Promise<unknown>;
}

/**
 * One collection under the database's lease. Pushes on the other replicas need no part in it:
 * the collection's protocol (collect.ts) is safe against concurrent clients on any replica.
 * A run that loses its lease stops at its next safe point, as an aborted run does.
 */
export async function collectCoordinated(coordinator: GcCoordinator, driver: StorageDriver, options: GcOptions = {}): Promise<GcReport> {
  const lease = await coordinator.gcLease();
  try {
    const signal = options.signal ? AbortSignal.any([options.signal, lease.signal]) : lease.signal;
    // Each repository's rows follow as soon as the run is done with it, not at the end: the
    // catalog and tag lists stay behind the storage for one repository's sweep at most.
    const onRepositoryChanged = async (repository: string): Promise<void> => {
      await coordinator.resync(repository);
      await options.onRepositoryChanged?.(repository);
    };
    return await collectGarbage(driver, { ...options, signal, onRepositoryChanged });
  } finally {
    await lease.release();
  }
}
