import { isStowageError } from '../../errors/error.js';
import type { StorageDriver } from '../../storage/driver.js';
import type { RegistryMetrics } from './metrics.js';

/** The driver's methods timed, as distribution's base driver times them (registry/storage/driver/base: `action` label). */
const ACTIONS: Record<string, string> = {
  getContent: 'GetContent',
  putContent: 'PutContent',
  reader: 'Reader',
  writer: 'Writer',
  stat: 'Stat',
  statFile: 'Stat',
  list: 'List',
  move: 'Move',
  delete: 'Delete',
  touch: 'Touch',
  removeEmptyDirectory: 'Delete',
  walk: 'Walk',
  redirectUrl: 'RedirectURL',
};

/**
 * The driver with every call timed into `registry_storage_action_seconds{driver,action}` and
 * its failures counted by code. A missing path is an answer the registry asks for all the time
 * (does this blob exist?), not a storage error: timed, not counted as an error. `reader` and
 * `writer` are timed to their opening, as distribution's are (the bytes are the request's).
 * A wrapper, not a subclass: any driver, the embedder's too.
 */
export function instrumentDriver(driver: StorageDriver, metrics: RegistryMetrics): StorageDriver {
  const timed = new Map<PropertyKey, (...args: unknown[]) => Promise<unknown>>();
  for (const [method, action] of Object.entries(ACTIONS)) {
    const original = (driver as unknown as Record<string, unknown>)[method];
    if (typeof original !== 'function') continue;
    const labels = { driver: driver.name, action };
    const series = metrics.storageAction.of(labels);
    timed.set(method, async (...args: unknown[]) => {
      const start = performance.now();
      try {
        return await (original as (...a: unknown[]) => Promise<unknown>).apply(driver, args);
      } catch (err) {
        if (!isStowageError(err, 'PATH_NOT_FOUND')) {
          const code = isStowageError(err) ? err.code : ((err as NodeJS.ErrnoException).code ?? 'UNKNOWN');
          metrics.storageErrors.of({ ...labels, code }).inc();
        }
        throw err;
      } finally {
        series.observe((performance.now() - start) / 1000);
      }
    });
  }
  // Everything else is the driver's own, bound once to the driver (its private fields stay
  // reachable); data properties (name, touchCopies) read through. Not a Proxy: its trap ran on
  // every property read of every storage call.
  const wrapped: Record<PropertyKey, unknown> = {};
  for (let proto: object | null = driver; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    for (const key of Reflect.ownKeys(proto)) {
      if (key === 'constructor' || key in wrapped) continue;
      const descriptor = Reflect.getOwnPropertyDescriptor(proto, key);
      if (descriptor && typeof descriptor.value === 'function')
        wrapped[key] = timed.get(key) ?? (descriptor.value as (...a: unknown[]) => unknown).bind(driver);
      else Object.defineProperty(wrapped, key, { get: () => Reflect.get(driver, key), enumerable: true });
    }
  }
  return wrapped as unknown as StorageDriver;
}
