import type { ErrorCode } from '../../errors/error.js';
import { StowageError } from '../../errors/error.js';
import { AuthError } from './auth/errors.js';

/**
 * The one place where an error becomes a status and a wire code (distribution spec,
 * "Error Codes"; docker/api.md for the Docker-era codes distribution still sends).
 */
const WIRE: Partial<Record<ErrorCode, { status: number; code?: string }>> = {
  BLOB_UNKNOWN: { status: 404 },
  BLOB_UPLOAD_INVALID: { status: 400 },
  BLOB_UPLOAD_UNKNOWN: { status: 404 },
  DIGEST_INVALID: { status: 400 },
  MANIFEST_BLOB_UNKNOWN: { status: 400 },
  MANIFEST_INVALID: { status: 400 },
  MANIFEST_UNKNOWN: { status: 404 },
  NAME_INVALID: { status: 400 },
  NAME_UNKNOWN: { status: 404 },
  SIZE_INVALID: { status: 400 },
  UNAUTHORIZED: { status: 401 },
  DENIED: { status: 403 },
  UNSUPPORTED: { status: 405 },
  TOOMANYREQUESTS: { status: 429 },
  TAG_INVALID: { status: 400 },
  PAGINATION_NUMBER_INVALID: { status: 400 },
  RANGE_INVALID: { status: 416 },
  // The spec asks for 413 on an oversized manifest; its code list has nothing closer than this.
  MANIFEST_TOO_LARGE: { status: 413, code: 'MANIFEST_INVALID' },
  REFERENCE_INVALID: { status: 400, code: 'NAME_INVALID' },
  PATH_INVALID: { status: 400, code: 'NAME_INVALID' },
  // 507 Insufficient Storage (RFC 4918 §11.5): the cause is the server's, and temporary. The
  // spec's code list is for 4xx; distribution answers a full disk with UNKNOWN and the cause
  // in `detail` (as 500), so clients that match on codes see the same code from both.
  STORAGE_FULL: { status: 507, code: 'UNKNOWN' },
  // Stowage's admin API (no spec): a second collection while one holds the lock.
  GC_RUNNING: { status: 409, code: 'UNSUPPORTED' },
  // Stowage's admin API: a body it cannot read. UNSUPPORTED, as clientErrorWire's other 400s.
  REQUEST_INVALID: { status: 400, code: 'UNSUPPORTED' },
  UPSTREAM_UNAVAILABLE: { status: 502, code: 'UNKNOWN' },
};

export interface WireError {
  status: number;
  body: { errors: Array<{ code: string; message: string; detail?: unknown }> };
  /** Headers the error needs: the `WWW-Authenticate` challenge of a 401 (token.md). */
  headers?: Record<string, string>;
}

/**
 * Seconds a client refused with 429 is asked to wait (RFC 9110 §10.2.3). Upload slots free up
 * as uploads finish, which takes seconds, not milliseconds; the client half honours it.
 */
export const RETRY_AFTER_SECONDS = 5;

/** Unknown errors become a bare 500: never a stack trace or an internal path on the wire. */
export function toWireError(err: unknown): WireError {
  const known = err instanceof StowageError ? WIRE[err.code] : undefined;
  if (!(err instanceof StowageError) || !known) {
    const framework = frameworkClientError(err);
    if (framework) return framework;
    return { status: 500, body: { errors: [{ code: 'UNKNOWN', message: 'internal server error' }] } };
  }
  const entry: { code: string; message: string; detail?: unknown } = { code: known.code ?? err.code, message: err.message };
  if (err.detail !== undefined) entry.detail = err.detail;
  const wire: WireError = { status: known.status, body: { errors: [entry] } };
  if (err instanceof AuthError && err.challenge) wire.headers = { 'WWW-Authenticate': err.challenge };
  if (err.code === 'TOOMANYREQUESTS') wire.headers = { 'Retry-After': String(RETRY_AFTER_SECONDS) };
  return wire;
}

/**
 * A 4xx fastify raises before any handler runs: a Content-Type header that is no media type
 * at all (`Content-Type: foo`, or empty) on a request that may carry a body is
 * FST_ERR_CTP_INVALID_MEDIA_TYPE, 415. The client's fault, so its status, not a 500; with a
 * fixed message (fastify's own are generic, but nothing of the framework goes on the wire).
 */
function frameworkClientError(err: unknown): WireError | undefined {
  if (!(err instanceof Error)) return undefined;
  const { code, statusCode } = err as { code?: unknown; statusCode?: unknown };
  if (typeof code !== 'string' || !code.startsWith('FST_ERR_')) return undefined;
  if (typeof statusCode !== 'number' || !Number.isInteger(statusCode) || statusCode < 400 || statusCode > 499) return undefined;
  const message = statusCode === 415 ? 'the Content-Type header is not a valid media type' : `the request was refused (HTTP ${statusCode})`;
  return clientErrorWire(statusCode, message);
}

/**
 * A 4xx the spec has no code for (a malformed request, a header block too large, headers too
 * slow): UNSUPPORTED, the nearest of the spec's codes, so every client still finds the
 * registry's `{"errors":[…]}` shape whatever refused it.
 */
export function clientErrorWire(status: number, message: string): WireError {
  return { status, body: { errors: [{ code: 'UNSUPPORTED', message }] } };
}
