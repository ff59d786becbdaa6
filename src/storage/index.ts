import { FilesystemDriver } from './fs/driver.js';
import { MemoryDriver } from './memory/driver.js';

export type { FileInfo, FileWriter, PutOptions, StorageDriver } from './driver.js';
export { defineDriver, type DriverDefinition, type DriverKey, type DriverKeys, type DriverKeyValues } from './definition.js';
export { createDriver, describeDriver, DRIVER_NAMES, DRIVERS, openDriver, type DriverConfig } from './drivers.js';
export { checkPath, pathNotFound } from './path.js';
export { FilesystemDriver, MemoryDriver };
