import { z } from 'zod';
import { StowageError } from '../errors/error.js';
import type { DriverDefinition, DriverKey } from '../storage/definition.js';
import { DRIVERS, type DriverConfig } from '../storage/drivers.js';
import { refuse, section, text, warn, yaml, type Key, type KeyTable } from './key-table.js';

/** distribution's drivers Stowage has not (yet) registered: naming one is refused, not ignored. */
const DISTRIBUTION_DRIVERS = ['s3', 'azure', 'gcs', 'swift', 'oss'];

/** `a`, `a and b`, `a, b and c`. */
function listed(names: readonly string[]): string {
  return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

function row(key: DriverKey): Key {
  if ('ignored' in key) return warn(key.ignored);
  return key.env === 'text' ? text(key.value) : yaml(key.value);
}

/** A driver's rows: a section of its keys, or (a driver that takes none) any value. */
function driverRows(driver: DriverDefinition<string, object>): Key {
  if (!driver.keys) return yaml(z.unknown());
  const rows: Record<string, Key> = {};
  for (const [name, key] of Object.entries(driver.keys)) rows[name] = row(key);
  return section(rows);
}

/** `storage.<name>` for every registered driver (src/storage/drivers.ts), in its order. */
export const DRIVER_KEYS: KeyTable = Object.fromEntries(DRIVERS.map((driver) => [driver.name, driverRows(driver as DriverDefinition<string, object>)]));

/** `storage.<name>` for distribution's drivers that are not registered: refused, naming those that are. */
export function unregisteredDriverKeys(): KeyTable {
  const registered = DRIVERS.map((driver) => driver.name as string);
  const refused = refuse(`only the ${listed(registered)} drivers are implemented so far`);
  return Object.fromEntries(DISTRIBUTION_DRIVERS.filter((name) => !registered.includes(name)).map((name) => [name, refused]));
}

/**
 * The one driver a `storage` section names, with its options; undefined when it names none.
 * Exactly one: distribution refuses a config with two, and so does Stowage.
 */
export function namedDriver(storage: Readonly<Record<string, unknown>>): DriverConfig | undefined {
  const given = DRIVERS.filter((driver) => storage[driver.name] !== undefined);
  if (given.length > 1) {
    const names = given.map((driver) => driver.name);
    throw new StowageError('CONFIG_INVALID', `storage: configure one driver, not ${names.length === 2 ? 'both' : 'all of'} ${listed(names)}`);
  }
  const driver = given[0] as DriverDefinition<string, object> | undefined;
  if (!driver) return undefined;
  const value = storage[driver.name];
  // A driver without keys accepts any value (distribution's inmemory ignores its parameters).
  const values = driver.keys && value !== null && typeof value === 'object' ? value : {};
  return { kind: driver.name, ...driver.options(values) } as DriverConfig;
}
