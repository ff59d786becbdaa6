import { StowageError } from '../../errors/error.js';

/**
 * Collection decides what is in use from modification times, which a driver whose touch is a
 * copy does not keep up to date (StorageDriver.touchCopies): it would delete what a push is
 * about to reference. A database keeps the uses instead (store/use-ledger.ts).
 */
export function gcUnsupported(driver: string): StowageError {
  return new StowageError(
    'UNSUPPORTED',
    `garbage collection on the ${driver} storage driver needs a database (database.dsn) to record uses in: ${driver} sets modification times only by copying objects`,
  );
}
