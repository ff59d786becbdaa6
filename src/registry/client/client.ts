import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Dispatcher } from 'undici';
import { Digest } from '../../digest/digest.js';
import { StowageError } from '../../errors/error.js';
import type { Descriptor } from '../../oci/descriptor.js';
import { parseManifest } from '../../oci/manifest.js';
import { MediaType, isManifestMediaType, stripParameters } from '../../oci/media-types.js';
import type { ManifestBytes } from '../../oci/manifest-bytes.js';
import { Authenticator, repositoryScope } from './auth/authenticator.js';
import { DockerConfigCredentials, type CredentialStore } from './auth/credentials.js';
import { TokenProvider } from './auth/token.js';
import { RegistryConnection, isNetworkError, type RegistryRequest, type RegistryResponse } from './connection.js';
import { responseError } from './errors.js';
import { endpointsFor, type HostOptions } from './hosts.js';

export interface RegistryClientOptions extends HostOptions {
  /** Where credentials come from (default: ~/.docker/config.json and its helpers). */
  credentials?: CredentialStore;
  dispatcher?: Dispatcher;
  userAgent?: string;
  /** Retries of 5xx/429/network failures per request (default 4). */
  retries?: number;
  /** Longest Retry-After honoured before a retry, in seconds; a longer one fails at once (default 60). */
  maxRetryAfterSeconds?: number;
  /** Sees every final response's status and headers (a pull-through cache reads Docker Hub's `ratelimit-remaining`). */
  observe?: (response: { method: string; path: string; status: number; headers: RegistryResponse['headers'] }) => void;
}

/** A repository in a registry: the `domain` and `path` of a parsed reference. */
export interface RepositoryRef {
  domain: string;
  path: string;
}

/** Every manifest type Stowage understands, indexes first so a registry never down-converts. */
export const MANIFEST_ACCEPT = [MediaType.OCI_INDEX, MediaType.DOCKER_MANIFEST_LIST, MediaType.OCI_MANIFEST, MediaType.DOCKER_MANIFEST].join(', ');
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

/**
 * A client for any OCI/Docker registry. Library first: the CLI's copy/inspect/tags and the
 * `docker://` transport are thin shells over it.
 */
export class RegistryClient {
  private readonly connections = new Map<string, RegistryConnection>();
  private readonly authenticator: Authenticator;

  constructor(private readonly options: RegistryClientOptions = {}) {
    const tokens = new TokenProvider({
      ...(options.userAgent ? { userAgent: options.userAgent } : {}),
      ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
    });
    this.authenticator = new Authenticator({ credentials: options.credentials ?? new DockerConfigCredentials(), tokens });
  }

  /** `GET /v2/`: reachable, speaking the API, and our credentials (if needed) accepted. */
  async ping(domain: string): Promise<void> {
    const response = await this.send(domain, { method: 'GET', path: '/v2/', scopes: [] });
    await expectStatus(response, [200], `${domain} GET /v2/`);
  }

  async getManifest(repo: RepositoryRef, reference: string): Promise<ManifestBytes> {
    const what = `${repo.domain}/${repo.path}:${reference}`;
    const response = await this.send(repo.domain, {
      method: 'GET',
      path: `/v2/${repo.path}/manifests/${reference}`,
      headers: { accept: MANIFEST_ACCEPT },
      scopes: [repositoryScope(repo.path, ['pull'])],
      pull: true,
    });
    if (response.status !== 200) throw await failure(response, `manifest ${what}`, 'MANIFEST_UNKNOWN');
    const bytes = await readCapped(response, MAX_MANIFEST_BYTES, what);
    const expected = reference.includes(':') ? Digest.parse(reference) : undefined;
    const digest = Digest.of(bytes, expected?.algorithm ?? 'sha256');
    if (expected && !digest.equals(expected)) {
      throw new StowageError('DIGEST_INVALID', `manifest ${what}: the registry sent bytes with digest ${digest}`);
    }
    if (!expected) checkAnnouncedDigest(response.headers['docker-content-digest'], bytes, what);
    const header = stripParameters(String(response.headers['content-type'] ?? ''));
    const mediaType = isManifestMediaType(header) ? header : parseManifest(bytes).mediaType;
    return { bytes, mediaType, digest };
  }

  /** The digest, type and size of a manifest without its body, or undefined if absent. */
  async headManifest(repo: RepositoryRef, reference: string): Promise<{ digest: Digest; mediaType: string; size: number } | undefined> {
    const response = await this.send(repo.domain, {
      method: 'HEAD',
      path: `/v2/${repo.path}/manifests/${reference}`,
      headers: { accept: MANIFEST_ACCEPT },
      scopes: [repositoryScope(repo.path, ['pull'])],
      pull: true,
    });
    await response.body.dump();
    if (response.status === 404) return undefined;
    if (response.status !== 200) throw responseError(`manifest ${repo.domain}/${repo.path}:${reference}`, response.status, '');
    const digest = response.headers['docker-content-digest'];
    if (typeof digest !== 'string') return undefined;
    return {
      digest: Digest.parse(digest),
      mediaType: stripParameters(String(response.headers['content-type'] ?? '')),
      size: Number(response.headers['content-length'] ?? 0),
    };
  }

  async putManifest(repo: RepositoryRef, reference: string, manifest: ManifestBytes): Promise<void> {
    const response = await this.send(repo.domain, {
      method: 'PUT',
      path: `/v2/${repo.path}/manifests/${reference}`,
      headers: { 'content-type': manifest.mediaType },
      body: manifest.bytes,
      scopes: [repositoryScope(repo.path, ['pull', 'push'])],
    });
    await expectStatus(response, [200, 201], `put manifest ${repo.domain}/${repo.path}:${reference}`);
  }

  async deleteManifest(repo: RepositoryRef, reference: string): Promise<void> {
    const response = await this.send(repo.domain, {
      method: 'DELETE',
      path: `/v2/${repo.path}/manifests/${reference}`,
      scopes: [repositoryScope(repo.path, ['delete'])],
    });
    await expectStatus(response, [200, 202], `delete manifest ${repo.domain}/${repo.path}:${reference}`, 'MANIFEST_UNKNOWN');
  }

  async hasBlob(repo: RepositoryRef, digest: string): Promise<boolean> {
    const response = await this.send(repo.domain, {
      method: 'HEAD',
      path: `/v2/${repo.path}/blobs/${digest}`,
      scopes: [repositoryScope(repo.path, ['pull', 'push'])],
    });
    await response.body.dump();
    if (response.status === 200) return true;
    if (response.status === 404) return false;
    throw responseError(`blob ${repo.domain}/${repo.path}@${digest}`, response.status, '');
  }

  /**
   * Streams a blob. A connection that breaks mid-way is resumed from where it stopped with
   * `Range` (distribution spec, "Pulling blobs"), so a flaky network costs a retry, not the
   * whole layer; the caller still verifies the digest over the joined bytes.
   */
  async getBlob(repo: RepositoryRef, descriptor: Descriptor): Promise<Readable> {
    const first = await this.openBlob(repo, descriptor.digest, 0);
    return Readable.from(this.resuming(repo, descriptor, first), { objectMode: false, highWaterMark: 1024 * 1024 });
  }

  private async *resuming(repo: RepositoryRef, descriptor: Descriptor, first: RegistryResponse): AsyncGenerator<Buffer> {
    let response = first;
    let received = 0;
    let skip = 0;
    for (let resumes = 0; ; ) {
      try {
        for await (const chunk of response.body as AsyncIterable<Buffer>) {
          const usable = skip > 0 ? chunk.subarray(Math.min(skip, chunk.length)) : chunk;
          skip = Math.max(0, skip - chunk.length);
          received += usable.length;
          if (usable.length > 0) yield usable;
        }
        if (received >= descriptor.size) return;
      } catch (err) {
        if (!isNetworkError(err)) throw err;
      }
      if (resumes++ >= 5) return; // the verifier reports the short blob with its digest
      await sleep(200 * resumes);
      response = await this.openBlob(repo, descriptor.digest, received);
      // A registry that ignores Range answers 200 with the whole blob: skip what we have.
      skip = response.status === 200 ? received : 0;
    }
  }

  private async openBlob(repo: RepositoryRef, digest: string, offset: number): Promise<RegistryResponse> {
    const response = await this.send(repo.domain, {
      method: 'GET',
      path: `/v2/${repo.path}/blobs/${digest}`,
      headers: offset > 0 ? { range: `bytes=${offset}-` } : {},
      scopes: [repositoryScope(repo.path, ['pull'])],
      pull: true,
    });
    if (response.status === 200 || (offset > 0 && response.status === 206)) return response;
    throw await failure(response, `blob ${repo.domain}/${repo.path}@${digest}`, 'BLOB_UNKNOWN');
  }

  /**
   * Opens a blob whose size the caller does not know yet (a pull-through cache's first fetch):
   * the size is the response's Content-Length, then the body streams, resumed as getBlob does.
   */
  async fetchBlob(repo: RepositoryRef, digest: string): Promise<{ size: number; stream: Readable }> {
    const first = await this.openBlob(repo, digest, 0);
    const size = Number(first.headers['content-length']);
    if (!Number.isSafeInteger(size) || size < 0) {
      await first.body.dump();
      throw new StowageError('BLOB_UNKNOWN', `blob ${repo.domain}/${repo.path}@${digest}: the registry sent no Content-Length`);
    }
    const descriptor = { mediaType: 'application/octet-stream', digest, size };
    return { size, stream: Readable.from(this.resuming(repo, descriptor, first), { objectMode: false, highWaterMark: 1024 * 1024 }) };
  }

  /** A blob's size by HEAD, for pulls (no push scope asked), or undefined when the registry has no such blob. */
  async headBlob(repo: RepositoryRef, digest: string): Promise<number | undefined> {
    const response = await this.send(repo.domain, {
      method: 'HEAD',
      path: `/v2/${repo.path}/blobs/${digest}`,
      scopes: [repositoryScope(repo.path, ['pull'])],
      pull: true,
    });
    await response.body.dump();
    if (response.status === 404) return undefined;
    if (response.status !== 200) throw responseError(`blob ${repo.domain}/${repo.path}@${digest}`, response.status, '');
    return Number(response.headers['content-length'] ?? 0);
  }

  /** Cross-repository mount; false (and the session it opened cancelled) when the registry declines. */
  async mountBlob(repo: RepositoryRef, digest: string, from: string): Promise<boolean> {
    const query = new URLSearchParams({ mount: digest, from });
    const response = await this.send(repo.domain, {
      method: 'POST',
      path: `/v2/${repo.path}/blobs/uploads/?${query}`,
      headers: { 'content-length': '0' },
      scopes: [repositoryScope(repo.path, ['pull', 'push']), repositoryScope(from, ['pull'])],
    });
    await response.body.dump();
    if (response.status === 201) return true;
    if (response.status === 202) {
      await this.cancelUpload(repo, location(response));
      return false;
    }
    return false;
  }

  /**
   * Uploads a blob as docker and skopeo do: POST for a session, one streamed PATCH with the
   * whole body (its Content-Length known from the descriptor), PUT with the digest. The
   * registry verifies the digest; a stream that fails mid-way leaves only an upload session,
   * which is cancelled.
   */
  async pushBlob(repo: RepositoryRef, descriptor: Descriptor, stream: Readable): Promise<void> {
    // A verifying stream fails only at its end (digest mismatch), possibly before the body is
    // requested or after undici stopped listening (Content-Length sent): observe its outcome
    // from the start, synchronously, so that failure is never lost or uncaught.
    const streamed = finished(stream);
    streamed.catch(() => undefined);
    const scopes = [repositoryScope(repo.path, ['pull', 'push'])];
    const what = `upload ${repo.domain}/${repo.path}@${descriptor.digest}`;
    const start = await this.send(repo.domain, {
      method: 'POST',
      path: `/v2/${repo.path}/blobs/uploads/`,
      headers: { 'content-length': '0' },
      scopes,
    });
    if (start.status !== 202) throw await failure(start, what, 'NAME_UNKNOWN');
    await start.body.dump();
    let session = location(start);
    try {
      if (descriptor.size > 0) {
        const patch = await this.send(repo.domain, {
          method: 'PATCH',
          path: session,
          headers: { 'content-type': 'application/octet-stream', 'content-length': String(descriptor.size) },
          body: stream,
          scopes,
        });
        if (patch.status !== 202) throw await failure(patch, what, 'BLOB_UPLOAD_UNKNOWN');
        await patch.body.dump();
        await streamed;
        session = location(patch);
      } else {
        for await (const _ of stream) void _; // lets the verifier check the empty blob
      }
    } catch (err) {
      await this.cancelUpload(repo, session);
      throw err;
    }
    const url = new URL(session);
    url.searchParams.set('digest', descriptor.digest);
    const put = await this.send(repo.domain, { method: 'PUT', path: url.toString(), headers: { 'content-length': '0' }, scopes });
    await expectStatus(put, [201, 204], what, 'BLOB_UPLOAD_UNKNOWN');
  }

  private async cancelUpload(repo: RepositoryRef, session: string): Promise<void> {
    try {
      const response = await this.send(repo.domain, { method: 'DELETE', path: session, scopes: [repositoryScope(repo.path, ['pull', 'push'])] });
      await response.body.dump();
    } catch {
      // Best effort: the registry expires abandoned uploads anyway.
    }
  }

  /**
   * The referrers API's index for a subject (distribution spec, "Listing Referrers"), as sent,
   * or undefined when the registry does not implement the API (404: the spec's fallback is the
   * `sha256-<hex>` tag schema, which plain tag pulls cover).
   */
  async getReferrers(repo: RepositoryRef, digest: string, artifactType?: string): Promise<{ bytes: Buffer; filtered: boolean } | undefined> {
    const query = artifactType !== undefined ? `?${new URLSearchParams({ artifactType })}` : '';
    const what = `referrers ${repo.domain}/${repo.path}@${digest}`;
    const response = await this.send(repo.domain, {
      method: 'GET',
      path: `/v2/${repo.path}/referrers/${digest}${query}`,
      headers: { accept: MediaType.OCI_INDEX },
      scopes: [repositoryScope(repo.path, ['pull'])],
      pull: true,
    });
    if (response.status === 404) {
      await response.body.dump();
      return undefined;
    }
    if (response.status !== 200) throw await failure(response, what, 'MANIFEST_UNKNOWN');
    const bytes = await readCapped(response, MAX_MANIFEST_BYTES, what);
    const index = JSON.parse(bytes.toString('utf8')) as { manifests?: unknown };
    if (!Array.isArray(index.manifests)) throw new StowageError('MANIFEST_INVALID', `${what}: the registry sent no index`);
    return { bytes, filtered: String(response.headers['oci-filters-applied'] ?? '').includes('artifactType') };
  }

  /** All tags, following `Link` pagination. */
  async listTags(repo: RepositoryRef, pageSize = 1000): Promise<string[]> {
    const tags: string[] = [];
    let path: string | undefined = `/v2/${repo.path}/tags/list?n=${pageSize}`;
    while (path) {
      const response = await this.send(repo.domain, { method: 'GET', path, scopes: [repositoryScope(repo.path, ['pull'])], pull: true });
      if (response.status !== 200) throw await failure(response, `tags of ${repo.domain}/${repo.path}`, 'NAME_UNKNOWN');
      const page = JSON.parse((await readCapped(response, 64 * 1024 * 1024, 'tags list')).toString('utf8')) as { tags?: string[] | null };
      tags.push(...(page.tags ?? []));
      path = nextLink(response.headers.link, response.url);
    }
    return tags;
  }

  async close(): Promise<void> {
    await Promise.all([...this.connections.values()].map((c) => c.close()));
  }

  private send(domain: string, req: RegistryRequest): Promise<RegistryResponse> {
    let connection = this.connections.get(domain);
    if (!connection) {
      connection = new RegistryConnection(endpointsFor(domain, this.options), {
        authenticator: this.authenticator,
        ...(this.options.dispatcher ? { dispatcher: this.options.dispatcher } : {}),
        ...(this.options.userAgent ? { userAgent: this.options.userAgent } : {}),
        ...(this.options.retries !== undefined ? { retries: this.options.retries } : {}),
        ...(this.options.maxRetryAfterSeconds !== undefined ? { maxRetryAfterSeconds: this.options.maxRetryAfterSeconds } : {}),
      });
      this.connections.set(domain, connection);
    }
    const { observe } = this.options;
    if (!observe) return connection.send(req);
    return connection.send(req).then((response) => {
      observe({ method: req.method, path: req.path, status: response.status, headers: response.headers });
      return response;
    });
  }
}

/**
 * By tag, the bytes have no digest to be checked against but the one the registry announces
 * in `Docker-Content-Digest` (spec, "Pulling manifests": it is the digest of the body). A
 * disagreement means a corrupt store, a proxy that rewrote the body, or a registry lying: the
 * manifest would later be looked up under a digest it does not have. Refused, naming both, as
 * containerd's resolver refuses it; a header that is no digest at all is refused too.
 */
function checkAnnouncedDigest(header: string | string[] | undefined, bytes: Buffer, what: string): void {
  const announced = Array.isArray(header) ? header[0] : header;
  if (announced === undefined || announced === '') return;
  let claimed: Digest;
  try {
    claimed = Digest.parse(announced.trim());
  } catch {
    throw new StowageError(
      'DIGEST_INVALID',
      `manifest ${what}: the registry sent Docker-Content-Digest ${JSON.stringify(announced.slice(0, 100))}, which is not a digest`,
    );
  }
  const actual = Digest.of(bytes, claimed.algorithm);
  if (!actual.equals(claimed)) {
    throw new StowageError('DIGEST_INVALID', `manifest ${what}: the registry announced digest ${claimed} but sent bytes with digest ${actual}`, {
      expected: claimed.toString(),
      actual: actual.toString(),
    });
  }
}

/** The absolute upload URL a registry returned (Location may be relative: spec, "POST then PUT"). */
function location(response: RegistryResponse): string {
  const value = response.headers.location;
  if (typeof value !== 'string') throw new StowageError('BLOB_UPLOAD_INVALID', `the registry sent no Location for the upload (${response.url})`);
  return new URL(value, response.url).toString();
}

/** RFC 5988 `Link: <url>; rel="next"`, resolved against the request URL. */
function nextLink(header: string | string[] | undefined, base: string): string | undefined {
  const text = Array.isArray(header) ? header.join(',') : header;
  const match = text && /<([^>]+)>\s*;\s*rel="?next"?/.exec(text);
  return match?.[1] ? new URL(match[1], base).toString() : undefined;
}

async function readCapped(response: RegistryResponse, limit: number, what: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of response.body as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > limit) {
      response.body.destroy();
      throw new StowageError('MANIFEST_INVALID', `${what}: response larger than ${limit} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}

async function failure(response: RegistryResponse, what: string, notFound: Parameters<typeof responseError>[3]): Promise<StowageError> {
  const body = await readCapped(response, 64 * 1024, what).catch(() => Buffer.alloc(0));
  return responseError(what, response.status, body.toString('utf8'), notFound);
}

async function expectStatus(response: RegistryResponse, ok: number[], what: string, notFound?: Parameters<typeof responseError>[3]): Promise<void> {
  if (ok.includes(response.status)) {
    await response.body.dump();
    return;
  }
  throw await failure(response, what, notFound);
}
