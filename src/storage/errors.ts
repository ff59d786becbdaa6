import { errnoWords } from '../errors/errno-words.js';
import { StowageError } from '../errors/error.js';

/** The codes of a full disk. */
const FULL = new Set(['ENOSPC', 'EDQUOT']);

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
    super('STORAGE_FULL', "insufficient storage: the registry's storage is full", errnoWords(errno) ?? errno);
  }
}

/** `err` as a StorageFullError when it is ENOSPC or EDQUOT (writing `path`), else unchanged. */
export function storageError(err: unknown, path: string): unknown {
  const code = typeof err === 'object' && err !== null ? (err as NodeJS.ErrnoException).code : undefined;
  return code !== undefined && FULL.has(code) ? new StorageFullError(path, code) : err;
}

export function isStorageFull(err: unknown): err is StorageFullError {
  return err instanceof StorageFullError;
}
