/**
 * What the ported conformance suite (conformance.test.ts) asks of its HTTP client, reggie:
 * `<name>`, `<reference>` and `<digest>` filled into the path, query parameters appended, the
 * Location as a relative path; and the gomega matchers it uses most, as assertions.
 */
import assert from 'node:assert/strict';
import { type HttpClient, Res } from '../../support/http.js';
import { MT_MANIFEST } from './conformance-fixtures.js';

export const OCTET = 'application/octet-stream';

export const SPEC_ERROR_CODES = [
  'BLOB_UNKNOWN',
  'BLOB_UPLOAD_INVALID',
  'BLOB_UPLOAD_UNKNOWN',
  'DIGEST_INVALID',
  'MANIFEST_BLOB_UNKNOWN',
  'MANIFEST_INVALID',
  'MANIFEST_UNKNOWN',
  'MANIFEST_UNVERIFIED',
  'NAME_INVALID',
  'NAME_UNKNOWN',
  'SIZE_INVALID',
  'TAG_INVALID',
  'UNAUTHORIZED',
  'DENIED',
  'UNSUPPORTED',
];

/** What reggie's request builder does: `<name>`, `<reference>`, `<digest>` filled in, query params added. */
export class SuiteClient {
  constructor(
    readonly http: HttpClient,
    readonly name: string,
  ) {}

  async do(
    method: string,
    path: string,
    opts: { name?: string; reference?: string; query?: Record<string, string>; headers?: Record<string, string>; body?: Buffer } = {},
  ): Promise<Res> {
    let url = path
      .replace('<name>', opts.name ?? this.name)
      .replace('<reference>', opts.reference ?? '')
      .replace('<digest>', opts.reference ?? '');
    if (opts.query) url += (url.includes('?') ? '&' : '?') + new URLSearchParams(opts.query).toString();
    const headers = { ...opts.headers };
    // Go's net/http sends the length of the body it has, whatever Content-Length the suite sets.
    if (headers['Content-Length'] !== undefined) headers['Content-Length'] = String(opts.body?.length ?? 0);
    const res = await this.http.request(method, url, { headers, ...(opts.body ? { body: opts.body } : {}) });
    return (method === 'GET' || method === 'HEAD') && REDIRECTS.has(res.status) ? follow(res, headers) : res;
  }
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * Go's net/http client (under reggie) follows a GET's redirect, as a registry on object
 * storage answers blob GETs (storage.redirect): the suite sees where it lands.
 */
async function follow(res: Res, headers: Record<string, string>): Promise<Res> {
  const location = res.header('location');
  assert.ok(location, `a redirect without Location: ${res.describe()}`);
  const landed = await fetch(new URL(location, 'http://registry.invalid'), { method: res.method, headers, redirect: 'follow' });
  return new Res(res.method, location, landed.status, Object.fromEntries(landed.headers), Buffer.from(await landed.arrayBuffer()));
}

export const relativeLocation = (res: Res): string => {
  const location = res.header('location');
  assert.ok(location, `no Location: ${res.describe()}`);
  const u = new URL(location, 'http://registry.invalid');
  return u.pathname + u.search;
};

export const is2xx = (res: Res): void => assert.ok(res.status >= 200 && res.status < 300, res.describe());
export const oneOf = (res: Res, ...statuses: Array<number | '2xx'>): void =>
  assert.ok(
    statuses.some((s) => (s === '2xx' ? res.status >= 200 && res.status < 300 : res.status === s)),
    `expected ${statuses.join(' or ')}: ${res.describe()}`,
  );
export const errorCodeOf = (res: Res): string | undefined => (res.json<{ errors?: Array<{ code: string }> }>().errors ?? [])[0]?.code;

/** POST for a session, then PUT the whole blob: the suite's "Populate registry with ..." steps. */
export async function populate(c: SuiteClient, blob: { digest: string; content: Buffer }): Promise<void> {
  const start = await c.do('POST', '/v2/<name>/blobs/uploads/');
  const res = await c.do('PUT', relativeLocation(start), {
    query: { digest: blob.digest },
    headers: { 'Content-Type': OCTET, 'Content-Length': '' },
    body: blob.content,
  });
  is2xx(res);
}

export const putManifest = (c: SuiteClient, reference: string, content: Buffer, type = MT_MANIFEST): Promise<Res> =>
  c.do('PUT', '/v2/<name>/manifests/<reference>', { reference, headers: { 'Content-Type': type }, body: content });
