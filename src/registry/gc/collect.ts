import { StowageError } from '../../errors/error.js';
import type { StorageDriver } from '../../storage/driver.js';
import type { GcOptions, GcReport } from './types.js';

/** One garbage collection over a registry root (being written by the lead; signature is final). */
export async function collectGarbage(_driver: StorageDriver, _options: GcOptions = {}): Promise<GcReport> {
  throw new StowageError('INTERNAL', 'garbage collection is not implemented yet');
}
