import { randomBytes } from 'node:crypto';
import { isStowageError } from '../../errors/error.js';
import type { StorageDriver } from '../../storage/driver.js';
import { USAGE_DIR } from '../store/paths.js';
import { DEFAULT_INTERVAL_MS, errorText, type HealthCheck } from './check.js';

/**
 * Where the probe writes: beside Stowage's other bookkeeping under `repositories/_stowage/`,
 * which distribution's catalog walk (and Stowage's) skips. One file per check, named at random,
 * so that replicas sharing a bucket never read each other's probe.
 */
export const PROBE_DIR = `${USAGE_DIR}/health`;

/**
 * A run's deadline: at most the interval (a run still going when the next is due has failed),
 * and at most 10s, far longer than three small operations take on a healthy disk or object store
 * (an fsync behind a busy disk, S3's retries under throttling), so a hung backend is reported
 * within 10s whatever the interval.
 */
const MAX_TIMEOUT_MS = 10_000;

export interface StorageCheckOptions {
  intervalMs?: number;
  threshold?: number;
  timeoutMs?: number;
  /**
   * The registry is read-only (storage.maintenance.readonly), often on a read-only mount: the
   * check only asks the backend for its root, as distribution's does, instead of writing.
   */
  readOnly?: boolean;
}

/**
 * distribution's storage driver check (`storagedriver_<driver>`), which only Stats `/`: a
 * backend that answers but can no longer be written (a disk remounted read-only after errors,
 * a full disk, a bucket whose policy lost PutObject) passes it while every push fails. This
 * one writes a small file, reads it back and deletes it. As in distribution, a root that does
 * not exist yet is not a failure: the probe creates its parents as a push would.
 */
export function storageCheck(driver: StorageDriver, options: StorageCheckOptions = {}): HealthCheck {
  const intervalMs = options.intervalMs ?? DEFAULT_INTERVAL_MS;
  const path = `${PROBE_DIR}/${randomBytes(8).toString('hex')}`;
  return {
    name: `storagedriver_${driver.name}`,
    intervalMs,
    threshold: options.threshold ?? 1,
    timeoutMs: options.timeoutMs ?? Math.min(intervalMs, MAX_TIMEOUT_MS),
    run: options.readOnly ? () => statRoot(driver) : () => probe(driver, path),
  };
}

async function statRoot(driver: StorageDriver): Promise<void> {
  try {
    await driver.stat('/');
  } catch (err) {
    // The backend answered; the root is simply not there yet (distribution's reading too).
    if (isStowageError(err, 'PATH_NOT_FOUND')) return;
    throw new Error(`storage does not answer: ${errorText(err)}`);
  }
}

async function probe(driver: StorageDriver, path: string): Promise<void> {
  // Different bytes every run: a backend serving a stale copy of the last probe is caught too.
  const content = Buffer.from(`stowage health probe ${new Date().toISOString()} ${randomBytes(8).toString('hex')}\n`);
  await step('storage cannot be written', () => driver.putContent(path, content));
  const back = await step('storage cannot be read back', () => driver.getContent(path));
  if (!back.equals(content)) throw new Error(`storage returned other bytes than were written (${back.length} bytes read, ${content.length} written)`);
  await step('storage cannot delete', () => driver.delete(path));
}

/** Runs one operation of the probe; its failure names the operation (`storage cannot be written: EROFS: ...`). */
async function step<T>(failure: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw new Error(`${failure}: ${errorText(err)}`);
  }
}
