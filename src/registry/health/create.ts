import type { StorageDriver } from '../../storage/driver.js';
import type { HealthCheck } from './check.js';
import { fileCheck } from './file-check.js';
import { httpCheck } from './http-check.js';
import type { HealthSettings } from './settings.js';
import { storageCheck } from './storage-check.js';
import { tcpCheck } from './tcp-check.js';

/**
 * The checks a config asks for, in distribution's order (storage, files, HTTP, TCP). With
 * `readOnly` (storage.maintenance.readonly) the storage check does not write.
 */
export function createHealthChecks(settings: HealthSettings, driver: StorageDriver, options: { readOnly?: boolean } = {}): HealthCheck[] {
  return [
    ...(settings.storageDriver ? [storageCheck(driver, { ...settings.storageDriver, readOnly: options.readOnly === true })] : []),
    ...settings.file.map((entry) => fileCheck(entry)),
    ...settings.http.map((entry) => httpCheck(entry)),
    ...settings.tcp.map((entry) => tcpCheck(entry)),
  ];
}
