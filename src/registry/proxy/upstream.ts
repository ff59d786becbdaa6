import { Readable } from 'node:stream';
import { StowageError, isStowageError } from '../../errors/error.js';
import type { ManifestBytes } from '../../oci/manifest-bytes.js';
import { RegistryClient, type RepositoryRef } from '../client/client.js';
import { DockerConfigCredentials, type Credential, type CredentialStore } from '../client/auth/credentials.js';
import { isNetworkError } from '../client/connection.js';
import { Agent } from '../client/undici-lean.js';
import type { UpstreamSettings, UpstreamStats } from './types.js';

const PASSED_ON = new Set<StowageError['code']>(['MANIFEST_UNKNOWN', 'BLOB_UNKNOWN', 'NAME_UNKNOWN', 'TOOMANYREQUESTS']);

/** How an upstream request failed: the content is not there, or the upstream could not say. */
export type UpstreamFailure = { kind: 'absent'; error: StowageError } | { kind: 'unavailable'; error: StowageError };

/**
 * One upstream registry, through Stowage's registry client: Docker's token flow per
 * repository scope with tokens cached (client/auth), credentials from the config or docker's
 * config.json, and a short deadline so a stalled upstream costs a client seconds, not minutes.
 */
export class Upstream {
  readonly stats: UpstreamStats;
  private readonly client: RegistryClient;
  private readonly dispatcher: Agent;
  /** The client's name for the upstream: the remote URL's host. */
  private readonly domain: string;

  constructor(readonly settings: UpstreamSettings) {
    const url = new URL(settings.remoteUrl);
    this.domain = url.host;
    this.stats = {
      host: settings.host ?? url.host,
      remoteUrl: settings.remoteUrl,
      manifestFetches: 0,
      blobFetches: 0,
      bytesFetched: 0,
      manifestHits: 0,
      blobHits: 0,
      revalidations: 0,
      staleServes: 0,
      failures: 0,
    };
    this.dispatcher = new Agent({
      connectTimeout: settings.timeoutMs,
      headersTimeout: settings.timeoutMs,
      // Between two chunks of a body; a blob that stops coming fails its fetch, which clients see.
      bodyTimeout: Math.max(settings.timeoutMs, 30_000),
    });
    this.client = new RegistryClient({
      credentials: settings.username !== undefined ? fixedCredentials(settings.username, settings.password ?? '') : new DockerConfigCredentials(),
      endpoints: { [this.domain]: settings.remoteUrl },
      dispatcher: this.dispatcher,
      userAgent: 'stowage-proxy',
      // No retries: `timeout` bounds each upstream call, so a client waiting on a stalled
      // upstream gets the cached copy (or a 502 it retries itself, as docker does) in that time,
      // and a 429's Retry-After is not waited out.
      retries: 0,
      maxRetryAfterSeconds: 0,
      observe: (response) => this.observe(response.headers),
    });
  }

  get name(): string {
    return this.stats.host;
  }

  async headManifest(path: string, tag: string): Promise<{ digest: string } | undefined> {
    this.stats.revalidations++;
    const head = await this.call(() => this.client.headManifest(this.repo(path), tag));
    return head ? { digest: head.digest.toString() } : undefined;
  }

  async getManifest(path: string, reference: string): Promise<ManifestBytes> {
    this.stats.manifestFetches++;
    return this.call(() => this.client.getManifest(this.repo(path), reference));
  }

  async fetchBlob(path: string, digest: string): Promise<{ size: number; stream: Readable }> {
    this.stats.blobFetches++;
    const fetched = await this.call(() => this.client.fetchBlob(this.repo(path), digest));
    const stats = this.stats;
    // Counted as the consumer pulls them (a 'data' listener would set the stream flowing and lose them).
    async function* counted(): AsyncGenerator<Buffer> {
      for await (const chunk of fetched.stream as AsyncIterable<Buffer>) {
        stats.bytesFetched += chunk.length;
        yield chunk;
      }
    }
    return { size: fetched.size, stream: Readable.from(counted(), { objectMode: false }) };
  }

  async headBlob(path: string, digest: string): Promise<number | undefined> {
    return this.call(() => this.client.headBlob(this.repo(path), digest));
  }

  async getReferrers(path: string, digest: string, artifactType?: string): Promise<{ bytes: Buffer; filtered: boolean } | undefined> {
    return this.call(() => this.client.getReferrers(this.repo(path), digest, artifactType));
  }

  async listTags(path: string): Promise<string[]> {
    return this.call(() => this.client.listTags(this.repo(path)));
  }

  async close(): Promise<void> {
    await this.client.close();
    await this.dispatcher.close();
  }

  /** Every failure as a StowageError naming the upstream, classified (see `classify`). */
  private async call<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      throw this.wrap(err);
    }
  }

  private wrap(err: unknown): StowageError {
    if (err instanceof StowageError) {
      // Absent content and the upstream's 429 keep their codes; anything else the upstream did
      // (5xx, refused credentials, bytes that do not match their digest) is its failure, not
      // the client's: a 401 passed on would send docker to log in to this registry instead.
      const code = PASSED_ON.has(err.code) ? err.code : 'UPSTREAM_UNAVAILABLE';
      return new StowageError(code, `upstream ${this.name}: ${err.message}`, err.detail);
    }
    const reason = isNetworkError(err) ? 'cannot be reached' : 'failed';
    return new StowageError('UPSTREAM_UNAVAILABLE', `upstream ${this.name} (${this.settings.remoteUrl}) ${reason}: ${(err as Error).message}`);
  }

  private observe(headers: Record<string, string | string[] | undefined>): void {
    const remaining = first(headers['ratelimit-remaining']);
    const limit = first(headers['ratelimit-limit']);
    if (remaining === undefined && limit === undefined) return;
    this.stats.rateLimit = { ...(limit !== undefined ? { limit } : {}), ...(remaining !== undefined ? { remaining } : {}), seenAt: new Date().toISOString() };
  }

  private repo(path: string): RepositoryRef {
    return { domain: this.domain, path };
  }
}

/**
 * Absent: the upstream answered that the content does not exist (404, or an error code that
 * says so). Unavailable: anything else (5xx, 429, a timeout, a refused connection, rejected
 * credentials): the upstream could not answer, so a cached copy is still the best answer.
 */
export function classify(err: unknown): UpstreamFailure {
  const error = err instanceof StowageError ? err : new StowageError('UPSTREAM_UNAVAILABLE', (err as Error).message);
  const absent = ['MANIFEST_UNKNOWN', 'BLOB_UNKNOWN', 'NAME_UNKNOWN'].some((code) => isStowageError(error, code as StowageError['code']));
  return absent ? { kind: 'absent', error } : { kind: 'unavailable', error };
}

function fixedCredentials(username: string, password: string): CredentialStore {
  const credential: Credential = { username, password };
  return {
    get: async () => credential,
    store: async () => {
      throw new StowageError('CONFIG_INVALID', 'the proxy credentials come from the configuration');
    },
    erase: async () => false,
  };
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
