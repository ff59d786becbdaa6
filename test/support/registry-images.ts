/**
 * Shared helpers for the registry integration tests: digests, random content, error assertions,
 * pushing blobs and images, building manifests, and the on-disk layout (CNCF distribution's).
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { HttpClient, type Res } from './http.js';
import { startRegistry, type TestRegistry } from './registry.js';

export const MT = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociEmpty: 'application/vnd.oci.empty.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayer: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  dockerSchema1: 'application/vnd.docker.distribution.manifest.v1+json',
  dockerSchema1Signed: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
} as const;

export const API_VERSION = 'registry/2.0';

/** The spec's error codes (code-1..code-14) plus the Docker-era ones distribution still sends. */
export const SPEC_ERROR_CODES = [
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
  'MANIFEST_UNVERIFIED',
];

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
  platform?: { architecture: string; os: string; variant?: string };
}

// ---------------------------------------------------------------------------------------------
// Digests and random content

export function sha256(data: Buffer | string): string {
  return 'sha256:' + createHash('sha256').update(data).digest('hex');
}

export function sha512(data: Buffer | string): string {
  return 'sha512:' + createHash('sha512').update(data).digest('hex');
}

/** Checks that `digest` (any supported algorithm) is the digest of `data`. */
export function digestMatches(digest: string, data: Buffer): boolean {
  const [alg, hex] = digest.split(':');
  if (alg !== 'sha256' && alg !== 'sha512') return false;
  return createHash(alg).update(data).digest('hex') === hex;
}

export function hexOf(digest: string): string {
  const hex = digest.split(':')[1];
  assert.ok(hex, `not a digest: ${digest}`);
  return hex;
}

export function randomBlob(size = 1024 + Math.floor(Math.random() * 4096)): Buffer {
  return randomBytes(size);
}

/** A digest of content nobody pushed. */
export function randomDigest(): string {
  return sha256(randomBytes(32));
}

/** A fresh, valid repository name: `<prefix>-<8 hex>`. */
export function randomRepo(prefix = 'repo'): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

export function randomTag(prefix = 't'): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

export function uuid(): string {
  return randomUUID();
}

/** Serialises like a human would not: 3-space indent and a trailing newline, so that a server
 *  that re-serialises instead of storing the exact bytes is caught. */
export function manifestBytes(obj: unknown): Buffer {
  return Buffer.from(JSON.stringify(obj, null, 3) + '\n', 'utf8');
}

// ---------------------------------------------------------------------------------------------
// Assertions

/**
 * A client that checks what every response must satisfy, whatever the test is about:
 * - `Docker-Distribution-API-Version: registry/2.0` on every response;
 * - every 4xx/5xx response to a non-HEAD request has a JSON body `{"errors":[{code,...}]}` whose
 *   codes are spec (or Docker-era) codes.
 */
export function newClient(url: string): HttpClient {
  return new HttpClient(url, {
    onResponse(res) {
      assertApiVersion(res);
      if (res.status >= 400 && res.method !== 'HEAD') {
        for (const code of errorCodes(res)) {
          assert.ok(SPEC_ERROR_CODES.includes(code), `not a spec error code ${code}: ${res.describe()}`);
        }
      }
    },
    onStream(res, method, path) {
      assert.equal(res.header('docker-distribution-api-version'), API_VERSION, `missing Docker-Distribution-API-Version on ${method} ${path}`);
    },
  });
}

/**
 * The setup most server test files share: one registry with default options and a checking
 * client to it, started before the file's tests and closed after them. `use` receives both
 * once they are up (assign them to the file's `reg` and `c`).
 */
export function registryForFile(use: (reg: TestRegistry, c: HttpClient) => void): void {
  let reg: TestRegistry | undefined;
  let c: HttpClient | undefined;
  before(async () => {
    reg = await startRegistry();
    c = newClient(reg.url);
    use(reg, c);
  });
  after(async () => {
    await c?.close();
    await reg?.close();
  });
}

export function assertApiVersion(res: Res): void {
  assert.equal(res.header('docker-distribution-api-version'), API_VERSION, `missing Docker-Distribution-API-Version on ${res.describe()}`);
}

interface ErrorBody {
  errors: Array<{ code: string; message?: string; detail?: unknown }>;
}

/** Parses and checks the spec's error body shape; returns the codes. */
export function errorCodes(res: Res): string[] {
  const body = res.json<ErrorBody>();
  assert.ok(body && Array.isArray(body.errors) && body.errors.length > 0, `no errors array in ${res.describe()}`);
  for (const e of body.errors) {
    assert.equal(typeof e.code, 'string', `error without code in ${res.describe()}`);
    assert.match(e.code, /^[A-Z_]+$/, `bad error code in ${res.describe()}`);
    if (e.message !== undefined) assert.equal(typeof e.message, 'string', `message is not a string in ${res.describe()}`);
  }
  return body.errors.map((e) => e.code);
}

/**
 * Asserts an error response: status, the API version header and, for GET/PUT/POST/..., a JSON
 * error body containing one of `codes` (if given). HEAD responses have no body: only the status
 * is checked and the body must be empty.
 */
export function assertError(res: Res, status: number, codes?: string | string[]): void {
  assert.equal(res.status, status, `expected ${status}: ${res.describe()}`);
  assertApiVersion(res);
  if (res.method === 'HEAD') {
    assert.equal(res.body.length, 0, `HEAD response has a body: ${res.describe()}`);
    return;
  }
  const found = errorCodes(res);
  if (codes !== undefined) {
    const wanted = Array.isArray(codes) ? codes : [codes];
    assert.ok(
      found.some((c) => wanted.includes(c)),
      `expected error code ${wanted.join(' or ')}, got ${found.join(',')}: ${res.describe()}`,
    );
  }
}

export function assertStatus(res: Res, status: number): void {
  assert.equal(res.status, status, `expected ${status}: ${res.describe()}`);
  assertApiVersion(res);
}

/** Media type part of a Content-Type value, lower-cased, parameters dropped. */
export function mediaTypeOf(contentType: string | undefined): string | undefined {
  return contentType?.split(';')[0]?.trim().toLowerCase();
}

/** `Location` must be a relative path; returns its path and query. */
export function parseLocation(res: Res): { raw: string; pathname: string; search: URLSearchParams } {
  const raw = res.header('location');
  assert.ok(raw, `no Location header: ${res.describe()}`);
  const u = new URL(raw, 'http://placeholder.invalid');
  return { raw, pathname: u.pathname, search: u.searchParams };
}

/** Appends query parameters to an upload Location that may already carry a query. */
export function withQuery(location: string, params: Record<string, string>): string {
  const qs = Object.entries(params)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join('&');
  return location + (location.includes('?') ? '&' : '?') + qs;
}

// ---------------------------------------------------------------------------------------------
// Pushing

export const OCTET = { 'content-type': 'application/octet-stream' };

/** Starts an upload session; returns the Location. */
export async function startUpload(c: HttpClient, repo: string): Promise<string> {
  const res = await c.post(`/v2/${repo}/blobs/uploads/`, { headers: { 'content-length': '0' } });
  assertStatus(res, 202);
  const loc = res.header('location');
  assert.ok(loc, `no Location: ${res.describe()}`);
  return loc;
}

/** Pushes a blob with POST then PUT (works whatever the single-POST support). */
export async function pushBlob(c: HttpClient, repo: string, data: Buffer | string, mediaType: string = MT.ociLayer): Promise<Descriptor> {
  const buf = Buffer.isBuffer(data) ? data : Buffer.from(data);
  const digest = sha256(buf);
  const loc = await startUpload(c, repo);
  const res = await c.put(withQuery(loc, { digest }), { headers: OCTET, body: buf });
  assertStatus(res, 201);
  return { mediaType, digest, size: buf.length };
}

export const EMPTY_CONFIG: Descriptor = {
  mediaType: MT.ociEmpty,
  digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
  size: 2,
};

export async function pushEmptyConfig(c: HttpClient, repo: string): Promise<Descriptor> {
  const d = await pushBlob(c, repo, '{}', MT.ociEmpty);
  assert.equal(d.digest, EMPTY_CONFIG.digest);
  return { ...EMPTY_CONFIG };
}

export interface BuiltManifest {
  mediaType: string;
  bytes: Buffer;
  digest: string;
  size: number;
  json: Record<string, unknown>;
  /** The descriptor an index or a referrers list would hold (without artifactType/annotations). */
  descriptor: Descriptor;
}

function built(mediaType: string, json: Record<string, unknown>): BuiltManifest {
  const bytes = manifestBytes(json);
  const digest = sha256(bytes);
  return { mediaType, bytes, digest, size: bytes.length, json, descriptor: { mediaType, digest, size: bytes.length } };
}

export interface ImageOptions {
  /** 'oci' (default) or 'docker' (schema 2). */
  kind?: 'oci' | 'docker';
  layers?: number;
  /** Push the config and layer blobs first (default true). */
  pushBlobs?: boolean;
  annotations?: Record<string, string>;
  artifactType?: string;
  subject?: Descriptor;
  /** Override the config descriptor (e.g. EMPTY_CONFIG or an artifact config); pushed if pushBlobs. */
  config?: { mediaType: string; data: Buffer | string };
  /** Extra padding annotation to make the manifest bigger. */
  padTo?: number;
}

/** Builds an image manifest with random layers (pushing its blobs unless told not to). */
export async function buildImage(c: HttpClient, repo: string, opts: ImageOptions = {}): Promise<BuiltManifest & { config: Descriptor; layers: Descriptor[] }> {
  const kind = opts.kind ?? 'oci';
  const pushBlobs = opts.pushBlobs ?? true;
  const layerType: string = kind === 'oci' ? MT.ociLayer : MT.dockerLayer;
  const layers: Descriptor[] = [];
  const layerData: Buffer[] = [];
  for (let i = 0; i < (opts.layers ?? 2); i++) {
    const data = randomBlob(256 + Math.floor(Math.random() * 2048));
    layerData.push(data);
    layers.push({ mediaType: layerType, digest: sha256(data), size: data.length });
  }
  let configData: Buffer;
  let configType: string;
  if (opts.config) {
    configData = Buffer.isBuffer(opts.config.data) ? opts.config.data : Buffer.from(opts.config.data);
    configType = opts.config.mediaType;
  } else {
    configType = kind === 'oci' ? MT.ociConfig : MT.dockerConfig;
    configData = Buffer.from(
      JSON.stringify({
        architecture: 'amd64',
        os: 'linux',
        config: { Labels: { nonce: randomBytes(8).toString('hex') } },
        rootfs: { type: 'layers', diff_ids: layers.map(() => randomDigest()) },
      }),
    );
  }
  const config: Descriptor = { mediaType: configType, digest: sha256(configData), size: configData.length };
  if (pushBlobs) {
    await pushBlob(c, repo, configData, configType);
    for (const d of layerData) await pushBlob(c, repo, d, layerType);
  }
  const mediaType = kind === 'oci' ? MT.ociManifest : MT.dockerManifest;
  const json: Record<string, unknown> = { schemaVersion: 2, mediaType };
  if (opts.artifactType !== undefined) json.artifactType = opts.artifactType;
  json.config = config;
  json.layers = layers;
  if (opts.subject) json.subject = opts.subject;
  const annotations = { ...(opts.annotations ?? {}) };
  if (opts.padTo !== undefined) {
    const base = built(mediaType, { ...json, annotations: { ...annotations, pad: '' } }).size;
    annotations.pad = 'x'.repeat(Math.max(0, opts.padTo - base));
  }
  if (Object.keys(annotations).length > 0) json.annotations = annotations;
  const b = built(mediaType, json);
  if (opts.padTo !== undefined) assert.equal(b.size, opts.padTo, 'padding arithmetic');
  return { ...b, config, layers };
}

export interface IndexOptions {
  kind?: 'oci' | 'docker';
  annotations?: Record<string, string>;
  artifactType?: string;
  subject?: Descriptor;
}

/** Builds an OCI index or a Docker manifest list over the given children (nothing is pushed). */
export function buildIndex(children: Descriptor[], opts: IndexOptions = {}): BuiltManifest {
  const kind = opts.kind ?? 'oci';
  const mediaType = kind === 'oci' ? MT.ociIndex : MT.dockerList;
  const json: Record<string, unknown> = { schemaVersion: 2, mediaType };
  if (opts.artifactType !== undefined) json.artifactType = opts.artifactType;
  json.manifests = children;
  if (opts.subject) json.subject = opts.subject;
  if (opts.annotations) json.annotations = opts.annotations;
  return built(mediaType, json);
}

export async function putManifest(c: HttpClient, repo: string, ref: string, m: { bytes: Buffer; mediaType: string }): Promise<Res> {
  return c.put(`/v2/${repo}/manifests/${ref}`, { headers: { 'content-type': m.mediaType }, body: m.bytes });
}

/** Pushes a manifest by tag (or by digest if no tag) and asserts 201. */
export async function pushManifest(c: HttpClient, repo: string, m: BuiltManifest, tag?: string): Promise<Res> {
  const res = await putManifest(c, repo, tag ?? m.digest, m);
  assertStatus(res, 201);
  assert.equal(res.header('docker-content-digest'), m.digest, `digest header: ${res.describe()}`);
  return res;
}

/** Builds and pushes an image (blobs, then manifest by tag or digest). */
export async function pushImage(c: HttpClient, repo: string, tag?: string, opts: ImageOptions = {}) {
  const img = await buildImage(c, repo, opts);
  await pushManifest(c, repo, img, tag);
  return img;
}

/** Pushes an index/manifest list whose children are freshly pushed images with the given platforms. */
export async function pushIndex(
  c: HttpClient,
  repo: string,
  tag: string | undefined,
  opts: IndexOptions & { platforms?: Array<{ architecture: string; os: string }> } = {},
) {
  const kind = opts.kind ?? 'oci';
  const platforms = opts.platforms ?? [
    { architecture: 'amd64', os: 'linux' },
    { architecture: 'arm64', os: 'linux' },
  ];
  const children: Descriptor[] = [];
  for (const platform of platforms) {
    const img = await pushImage(c, repo, undefined, { kind, layers: 1 });
    children.push({ ...img.descriptor, platform });
  }
  const idx = buildIndex(children, opts);
  await pushManifest(c, repo, idx, tag);
  return { ...idx, children };
}

// ---------------------------------------------------------------------------------------------
// On-disk layout (CNCF distribution)

export function v2Root(root: string): string {
  return join(root, 'docker', 'registry', 'v2');
}

export function blobDataPath(root: string, digest: string): string {
  const [alg, hex] = digest.split(':') as [string, string];
  return join(v2Root(root), 'blobs', alg, hex.slice(0, 2), hex, 'data');
}

export function layerLinkPath(root: string, repo: string, digest: string): string {
  const [alg, hex] = digest.split(':') as [string, string];
  return join(v2Root(root), 'repositories', ...repo.split('/'), '_layers', alg, hex, 'link');
}

export function revisionLinkPath(root: string, repo: string, digest: string): string {
  const [alg, hex] = digest.split(':') as [string, string];
  return join(v2Root(root), 'repositories', ...repo.split('/'), '_manifests', 'revisions', alg, hex, 'link');
}

export function tagLinkPath(root: string, repo: string, tag: string): string {
  return join(v2Root(root), 'repositories', ...repo.split('/'), '_manifests', 'tags', tag, 'current', 'link');
}

export function uploadsDir(root: string, repo: string): string {
  return join(v2Root(root), 'repositories', ...repo.split('/'), '_uploads');
}

/** The upload session directories of a repository on disk ([] when there is none). */
export async function sessionsOf(root: string, repo: string): Promise<string[]> {
  return fs.readdir(uploadsDir(root, repo)).catch(() => []);
}

/** The status of a raw HTTP/1.1 response. */
export function statusOf(data: string): number {
  return Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1] ?? 0);
}

/** Polls `check` until it holds or `ms` pass (generous: these are "eventually", not timing, assertions). */
export async function eventually(check: () => Promise<boolean>, ms = 5000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return check();
}

export async function exists(path: string): Promise<boolean> {
  try {
    await fs.lstat(path);
    return true;
  } catch {
    return false;
  }
}

/** All files (not directories) under `dir`, as paths relative to it; [] if it does not exist. */
export async function walkFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(d: string, rel: string): Promise<void> {
    let entries;
    try {
      entries = await fs.readdir(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(join(d, e.name), r);
      else out.push(r);
    }
  }
  await walk(dir, '');
  return out;
}

/** Parses `Link: <url>; rel="next"`; returns the URL (as sent) or undefined when absent. */
export function nextLink(res: Res): string | undefined {
  const link = res.header('link');
  if (link === undefined) return undefined;
  const m = /^\s*<([^>]+)>\s*;\s*rel="?next"?\s*$/.exec(link);
  assert.ok(m, `malformed Link header ${JSON.stringify(link)} on ${res.describe()}`);
  return m[1];
}
