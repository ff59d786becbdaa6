import { open, type FileHandle } from 'node:fs/promises';

export function isCode(err: unknown, ...codes: string[]): boolean {
  return typeof err === 'object' && err !== null && codes.includes((err as NodeJS.ErrnoException).code ?? '');
}

/**
 * Makes a directory's entries durable. A directory deleted since our rename into it (a
 * concurrent delete of a parent) has nothing left to make durable: the write is ordered before
 * that delete, so ENOENT is success here, not an internal error.
 */
export async function syncDirectory(dir: string): Promise<void> {
  let handle: FileHandle;
  try {
    handle = await open(dir, 'r');
  } catch (err) {
    if (isCode(err, 'ENOENT', 'ENOTDIR')) return;
    throw err;
  }
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
