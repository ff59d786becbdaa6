/**
 * One error type for the whole project: a code that names the fact, created where the
 * fact is known, and turned into wire output (registry server) or a CLI line in one place.
 *
 * The registry codes are those of the OCI distribution spec (spec.md, "Error Codes") plus the
 * Docker-era ones distribution still sends; the rest are internal and never reach the wire as-is.
 */
export type RegistryErrorCode =
  | 'BLOB_UNKNOWN'
  | 'BLOB_UPLOAD_INVALID'
  | 'BLOB_UPLOAD_UNKNOWN'
  | 'DIGEST_INVALID'
  | 'MANIFEST_BLOB_UNKNOWN'
  | 'MANIFEST_INVALID'
  | 'MANIFEST_UNKNOWN'
  | 'NAME_INVALID'
  | 'NAME_UNKNOWN'
  | 'SIZE_INVALID'
  | 'UNAUTHORIZED'
  | 'DENIED'
  | 'UNSUPPORTED'
  | 'TOOMANYREQUESTS'
  // Docker-era codes (docker/api.md) that distribution still sends.
  | 'TAG_INVALID'
  | 'PAGINATION_NUMBER_INVALID'
  | 'RANGE_INVALID';

export type InternalErrorCode =
  | 'PATH_NOT_FOUND'
  | 'PATH_INVALID'
  // A directory move onto a destination that already holds something (a concurrent writer got there first).
  | 'PATH_EXISTS'
  // The storage has no space (ENOSPC) or the quota is used up (EDQUOT): 507 on the wire.
  | 'STORAGE_FULL'
  | 'REFERENCE_INVALID'
  | 'MANIFEST_TOO_LARGE'
  | 'CONFIG_INVALID'
  | 'LAYER_INVALID'
  // Another garbage collection holds the root's GC lock: 409 on the wire.
  | 'GC_RUNNING'
  // A request body of Stowage's own API (the admin API) that is not what it takes: 400 on the wire.
  | 'REQUEST_INVALID'
  // A pull-through cache's upstream failed (5xx, timeout, unreachable) and nothing was cached: 502 on the wire.
  | 'UPSTREAM_UNAVAILABLE'
  | 'INTERNAL';

export type ErrorCode = RegistryErrorCode | InternalErrorCode;

export class StowageError extends Error {
  readonly code: ErrorCode;
  readonly detail: unknown;

  constructor(code: ErrorCode, message: string, detail?: unknown) {
    super(message);
    this.name = 'StowageError';
    this.code = code;
    this.detail = detail;
  }
}

export function isStowageError(err: unknown, code?: ErrorCode): err is StowageError {
  return err instanceof StowageError && (code === undefined || err.code === code);
}
