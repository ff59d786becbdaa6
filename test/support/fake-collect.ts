/**
 * A stand-in for src/registry/gc/collect.ts in a CLI process (fake-collect-register.ts swaps it
 * in), for tests of what is around the collector: flags → options, progress, report, errors.
 * FAKE_GC_MODE: `report` (default) answers FAKE_GC_REPORT's JSON, `running` throws GC_RUNNING,
 * `fail` throws an unknown error. What it was asked goes to FAKE_GC_OPTIONS (a file), as JSON.
 */
import { writeFileSync } from 'node:fs';
import { StowageError } from '../../src/errors/error.js';
import type { GcOptions, GcReport } from '../../src/registry/gc/types.js';
import type { StorageDriver } from '../../src/storage/driver.js';

export async function collectGarbage(driver: StorageDriver, options: GcOptions = {}): Promise<GcReport> {
  const out = process.env.FAKE_GC_OPTIONS;
  if (out) {
    const { onProgress, signal, ...rest } = options;
    writeFileSync(out, JSON.stringify({ ...rest, driver: driver.name, progress: onProgress !== undefined, signal: signal instanceof AbortSignal }));
  }
  const mode = process.env.FAKE_GC_MODE ?? 'report';
  if (mode === 'running') throw new StowageError('GC_RUNNING', 'the GC lock is held by pid 1');
  if (mode === 'fail') throw new Error('the disk caught fire');
  for (const phase of ['recover', 'mark', 'tags', 'manifests', 'blobs', 'links'] as const) {
    options.onProgress?.({ phase, done: 3, total: 3 });
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  return { ...(JSON.parse(process.env.FAKE_GC_REPORT ?? '{}') as GcReport), dryRun: options.dryRun === true };
}
