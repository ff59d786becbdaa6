import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { DEFAULT_INTERVAL_MS, DEFAULT_TIMEOUT_MS, type HealthCheck } from './check.js';

export interface FileCheckOptions {
  /** The file whose existence fails the check, as configured (the check's name); relative to the working directory. */
  file: string;
  intervalMs?: number;
}

/**
 * distribution's file check: failing while the file exists, so that an operator takes a node
 * out of a load balancer's rotation by creating it (and puts it back by removing it). No
 * threshold, as in distribution: the file is there or not, there is nothing to smooth.
 */
export function fileCheck(options: FileCheckOptions): HealthCheck {
  const path = resolve(options.file);
  return {
    name: options.file,
    intervalMs: options.intervalMs ?? DEFAULT_INTERVAL_MS,
    threshold: 1,
    timeoutMs: DEFAULT_TIMEOUT_MS,
    run: async () => {
      try {
        await stat(path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
        // Whether it exists cannot be known (EACCES on a parent, a stale NFS handle): not healthy either.
        throw new Error(`cannot tell whether ${path} exists: ${(err as Error).message}`);
      }
      throw new Error(`${path} exists (remove it to put this registry back in rotation)`);
    },
  };
}
