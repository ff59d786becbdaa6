import { syncDirectory as sync } from '../../fs/durable.js';

export function isCode(err: unknown, ...codes: string[]): boolean {
  return typeof err === 'object' && err !== null && codes.includes((err as NodeJS.ErrnoException).code ?? '');
}

/**
 * Makes a directory's entries durable. A directory deleted since our rename into it (a
 * concurrent delete of a parent) has nothing left to make durable: the write is ordered before
 * that delete, so ENOENT is success here, not an internal error.
 */
export function syncDirectory(dir: string): Promise<void> {
  return sync(dir, { ignoreMissing: true });
}
