import type { RegistryErrorCode } from '../../errors/error.js';
import { StowageError } from '../../errors/error.js';

const KNOWN = new Set<string>([
  'BLOB_UNKNOWN',
  'BLOB_UPLOAD_INVALID',
  'BLOB_UPLOAD_UNKNOWN',
  'DIGEST_INVALID',
  'MANIFEST_BLOB_UNKNOWN',
  'MANIFEST_INVALID',
  'MANIFEST_UNKNOWN',
  'NAME_INVALID',
  'NAME_UNKNOWN',
  'SIZE_INVALID',
  'UNAUTHORIZED',
  'DENIED',
  'UNSUPPORTED',
  'TOOMANYREQUESTS',
  'TAG_INVALID',
  'PAGINATION_NUMBER_INVALID',
  'RANGE_INVALID',
]);

const BY_STATUS: Record<number, RegistryErrorCode> = { 401: 'UNAUTHORIZED', 403: 'DENIED', 405: 'UNSUPPORTED', 416: 'RANGE_INVALID', 429: 'TOOMANYREQUESTS' };

/**
 * A registry's error response as one StowageError: the spec code it sent when it sent one
 * (distribution spec, "Error Codes"), else one inferred from the status, and a message that
 * says which registry, which request and what it answered.
 */
export function responseError(what: string, status: number, body: string, notFound: RegistryErrorCode = 'NAME_UNKNOWN'): StowageError {
  let code: RegistryErrorCode | undefined;
  let message = '';
  try {
    const parsed = JSON.parse(body) as { errors?: Array<{ code?: string; message?: string }> };
    const first = parsed.errors?.[0];
    if (first?.code && KNOWN.has(first.code)) code = first.code as RegistryErrorCode;
    message = first?.message ?? '';
  } catch {
    message = body.trim().split('\n')[0]?.slice(0, 200) ?? '';
  }
  const sent = code !== undefined;
  code ??= status === 404 ? notFound : (BY_STATUS[status] ?? 'UNSUPPORTED');
  const detail = message ? `: ${message}` : '';
  // A 5xx without a spec code is the registry failing, not an unsupported request: say so.
  const label = status >= 500 && !sent ? 'server error' : code;
  return new StowageError(status >= 500 ? 'INTERNAL' : code, `${what}: ${status} ${label}${detail}`, { status });
}
