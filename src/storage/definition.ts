import type { z } from 'zod';
import type { StorageDriver } from './driver.js';

/**
 * One key of a driver's section in a config file (`storage.<driver>.<key>`): one Stowage reads
 * (`value`: its schema; `env`: whether its REGISTRY_* variable is taken as text or read as
 * YAML), or one of distribution's it ignores harmlessly (`ignored`: the warning's reason).
 * The config's strict key table (src/config/keys.ts) is built from these.
 */
export type DriverKey = { value: z.ZodType; env: 'text' | 'yaml' } | { ignored: string };
export type DriverKeys = Readonly<Record<string, DriverKey>>;

/** The parsed values of a section with these keys: the implemented ones, all optional. */
export type DriverKeyValues<K extends DriverKeys> = {
  -readonly [P in keyof K as K[P] extends { value: z.ZodType } ? P : never]?: K[P] extends { value: infer S extends z.ZodType } ? z.output<S> : never;
};

/**
 * A storage driver as the factory knows it: its name, its config keys, how its typed options
 * follow from them, and how it opens. Each driver declares one (beside its code) and the
 * factory lists it once (drivers.ts); nothing else names drivers.
 */
export interface DriverDefinition<Name extends string = string, Options extends object = object, Keys extends DriverKeys = DriverKeys> {
  /** Its key under `storage:` in a config file, distribution's driver name (`filesystem`, `inmemory`). */
  readonly name: Name;
  /**
   * The keys its section may hold. Absent: the driver takes no keys and accepts any value, as
   * distribution's inmemory driver ignores the parameters it is given.
   */
  readonly keys?: Keys;
  /** The typed options, from the section's values (already checked against `keys`). */
  options(values: DriverKeyValues<Keys>): Options;
  /** The driver over what exists (nothing is created yet). */
  create(options: Options): StorageDriver;
  /** Creates what the driver needs before a server uses it (the filesystem driver's root directory). */
  prepare?(options: Options): Promise<void>;
  /** For the start-up line: `filesystem at /srv/registry`. */
  describe(options: Options): string;
}

/** Declares a driver, inferring its option and key types (as `satisfies` would, with inference). */
export function defineDriver<Name extends string, Options extends object, Keys extends DriverKeys = Record<never, DriverKey>>(
  definition: DriverDefinition<Name, Options, Keys>,
): DriverDefinition<Name, Options, Keys> {
  return definition;
}
