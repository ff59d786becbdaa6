import type { StorageDriver } from './driver.js';
import { FilesystemDriver } from './fs/driver.js';
import { MemoryDriver } from './memory/driver.js';

export type { FileInfo, FileWriter, StorageDriver } from './driver.js';
export { checkPath, pathNotFound } from './path.js';
export { FilesystemDriver, MemoryDriver };

export type DriverConfig = { kind: 'filesystem'; rootDirectory: string } | { kind: 'inmemory' };

export function createDriver(config: DriverConfig): StorageDriver {
  switch (config.kind) {
    case 'filesystem':
      return new FilesystemDriver(config.rootDirectory);
    case 'inmemory':
      return new MemoryDriver();
  }
}
