import { StowageError } from '../../errors/error.js';

/**
 * Collection decides what is in use from modification times, which a driver whose touch is a
 * copy does not keep up to date (StorageDriver.touchCopies): it would delete what a push is
 * about to reference.
 */
export function gcUnsupported(driver: string): StowageError {
  return new StowageError(
    'UNSUPPORTED',
    `garbage collection is not supported on the ${driver} storage driver yet: its evidence of use is modification times, which ${driver} sets only by copying objects`,
  );
}
