import { constants } from 'node:fs';
import { access, mkdir } from 'node:fs/promises';
import { StowageError } from '../errors/error.js';
import type { StoreLayout } from './layout.js';

/**
 * Runs `work` holding the store's lock, so two processes never interleave changes to
 * images.json, index.json or blobs/. proper-lockfile's lock is a directory created
 * atomically and refreshed while held; a lock left by a killed process goes stale and is
 * taken over. Held only for commits and deletions: downloads run outside it (staging.ts).
 */
export async function withStoreLock<T>(layout: StoreLayout, work: () => Promise<T>): Promise<T> {
  await mkdir(layout.stateDir, { recursive: true });
  // proper-lockfile retries every error for a minute, a read-only or unwritable root included: fail on it at once.
  await access(layout.stateDir, constants.W_OK);
  let release: () => Promise<void>;
  // Loaded on the first change only: reads take no lock and should not pay for it at start-up.
  const { default: lockfile } = await import('proper-lockfile');
  try {
    release = await lockfile.lock(layout.lockFile, {
      realpath: false,
      stale: 15_000,
      update: 5_000,
      retries: { retries: 600, minTimeout: 20, maxTimeout: 200 },
    });
  } catch (err) {
    throw new StowageError('INTERNAL', `cannot lock the store at ${layout.root}: ${(err as Error).message}`, err);
  }
  try {
    return await work();
  } finally {
    await release().catch(() => undefined);
  }
}
