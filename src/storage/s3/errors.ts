import { StowageError } from '../../errors/error.js';
import { StorageFullError } from '../errors.js';
import { pathNotFound } from '../path.js';

interface SdkError {
  name?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: unknown;
}

function sdk(err: unknown): SdkError {
  return typeof err === 'object' && err !== null ? (err as SdkError) : {};
}

export function statusOf(err: unknown): number | undefined {
  return sdk(err).$metadata?.httpStatusCode;
}

/** A missing key: GET's NoSuchKey, HEAD's bare 404. */
export function isNotFound(err: unknown): boolean {
  const { name } = sdk(err);
  return name === 'NoSuchKey' || name === 'NotFound' || statusOf(err) === 404;
}

/** S3 asking us to slow down: SlowDown (503), 503 ServiceUnavailable, 429. */
function isThrottled(err: unknown): boolean {
  const { name } = sdk(err);
  const status = statusOf(err);
  return name === 'SlowDown' || name === 'ThrottlingException' || name === 'RequestLimitExceeded' || status === 503 || status === 429;
}

/** RGW's QuotaExceeded (a user or bucket quota), AWS's EntityTooLarge never reaches here. */
function isFull(err: unknown): boolean {
  return sdk(err).name === 'QuotaExceeded';
}

/**
 * An SDK error as Stowage's: a missing key is PATH_NOT_FOUND; throttling that outlasted the
 * SDK's retries (with backoff, `maxattempts`) is TOOMANYREQUESTS, which the wire answers 429
 * with Retry-After (distribution turned SlowDown into 500, distribution#769); a quota is
 * STORAGE_FULL (507). Anything else stays as it is (a 500 with nothing of it on the wire).
 */
export function s3Error(err: unknown, path: string): unknown {
  if (err instanceof StowageError) return err;
  if (isNotFound(err)) return pathNotFound(path);
  if (isThrottled(err)) {
    return new StowageError('TOOMANYREQUESTS', 'the storage backend is throttling requests (S3 SlowDown): retry later', {
      backend: sdk(err).name ?? String(statusOf(err)),
    });
  }
  if (isFull(err)) return new StorageFullError(path, 'EDQUOT');
  return err;
}
