import { StowageError } from '../errors/error.js';
import type { DriverDefinition } from './definition.js';
import type { StorageDriver } from './driver.js';
import { filesystemDriver } from './fs/definition.js';
import { memoryDriver } from './memory/definition.js';
import { s3Driver } from './s3/definition.js';

/**
 * Every storage driver, registered once: the config file's `storage.<name>` keys, `stowage
 * serve`'s start-up line and the factory below all come from this list. A new driver is a
 * folder with its definition (definition.ts) and one entry here.
 */
export const DRIVERS = [filesystemDriver, memoryDriver, s3Driver] as const;

type Registered = (typeof DRIVERS)[number];
type OptionsOf<D> = D extends DriverDefinition<string, infer O> ? O : never;

/** A driver by name with its options: `{ kind: 'filesystem', rootDirectory: '/srv/registry' }`, `{ kind: 'inmemory' }`, `{ kind: 's3', bucket, ... }`. */
export type DriverConfig = { [D in Registered as D['name']]: { kind: D['name'] } & OptionsOf<D> }[Registered['name']];

/** The names of the registered drivers, in registration order. */
export const DRIVER_NAMES: readonly string[] = DRIVERS.map((driver) => driver.name);

function definitionOf(kind: string): DriverDefinition<string, object> {
  const found = DRIVERS.find((driver) => driver.name === kind) as DriverDefinition<string, object> | undefined;
  if (!found) throw new StowageError('CONFIG_INVALID', `no storage driver named "${String(kind).slice(0, 40)}" (there are ${DRIVER_NAMES.join(', ')})`);
  return found;
}

/** The driver a config names, over what exists. */
export function createDriver(config: DriverConfig): StorageDriver {
  const { kind, ...options } = config;
  return definitionOf(kind).create(options);
}

/** The driver a config names, after creating what it needs (the filesystem driver's root). */
export async function openDriver(config: DriverConfig): Promise<StorageDriver> {
  const { kind, ...options } = config;
  const definition = definitionOf(kind);
  await definition.prepare?.(options);
  return definition.create(options);
}

/** One line for logs: `filesystem at /srv/registry`, `in memory (lost on exit)`. */
export function describeDriver(config: DriverConfig): string {
  const { kind, ...options } = config;
  return definitionOf(kind).describe(options);
}
