import { StowageError } from '../errors/error.js';

const CAUSES: Record<string, string> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
};

/**
 * The storage is full (ENOSPC) or its quota used up (EDQUOT). The wire sees only the fixed
 * message and the cause (`detail`); `path`, the file that could not be written, is for the
 * server's log, never for the client (no internal path on the wire).
 */
export class StorageFullError extends StowageError {
  constructor(
    readonly path: string,
    readonly errno: string,
  ) {
    super('STORAGE_FULL', "insufficient storage: the registry's storage is full", CAUSES[errno] ?? errno);
  }
}

/** `err` as a StorageFullError when it is ENOSPC or EDQUOT (writing `path`), else unchanged. */
export function storageError(err: unknown, path: string): unknown {
  const code = typeof err === 'object' && err !== null ? (err as NodeJS.ErrnoException).code : undefined;
  return code !== undefined && Object.hasOwn(CAUSES, code) ? new StorageFullError(path, code) : err;
}

export function isStorageFull(err: unknown): err is StorageFullError {
  return err instanceof StorageFullError;
}
