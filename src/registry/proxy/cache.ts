import type { Readable } from 'node:stream';
import { Digest } from '../../digest/digest.js';
import { StowageError, isStowageError } from '../../errors/error.js';
import { blobUnknown } from '../store/blobs.js';
import { manifestUnknown, type ManifestReference, type StoredManifest } from '../store/manifests.js';
import type { RegistryStore } from '../store/registry.js';
import type { Repository } from '../store/repository.js';
import { BlobFetches } from './fetches.js';
import { ProxyRouter, type ProxyTarget } from './routing.js';
import type { ProxySettings, UpstreamStats } from './types.js';
import { Upstream, classify } from './upstream.js';

/** A blob to send: its size, and its bytes (a range of them) when asked. */
export interface BlobAnswer {
  size: number;
  open(range?: { start: number; end: number }): Promise<Readable>;
  /** Settles when a blob fetched upstream is in the store (rejects if storing it failed); absent for one already there. */
  stored?: Promise<void>;
}

export interface ProxyLog {
  warn(fields: object, message: string): void;
  info(fields: object, message: string): void;
}

/**
 * The pull-through cache: what the registry's read handlers call for a repository that
 * belongs to an upstream (routing.ts). Content is cached in the registry's own store, in
 * distribution's layout, so everything else (GC, `registry du`, the catalog, distribution
 * itself) sees cached repositories as ordinary ones.
 *
 * - By digest, content is immutable: fetched once, served locally from then on.
 * - A tag is served from the cache for `tagttl` after it was last checked; then one HEAD
 *   upstream (Docker Hub does not count HEADs against its pull limit) says whether it moved.
 *   When the upstream cannot answer (429, 5xx, timeout, unreachable, refused credentials),
 *   the cached copy is served (stale-if-error), logged and counted.
 * - A blob is fetched once however many clients ask (fetches.ts), and verified and made
 *   durable by the store's upload path before anything lists it.
 * - Last-pull times cost no extra writes: reads already touch the revision and layer links
 *   they use, at most once per 10 s (store/quarantine.ts useFile), and GC expires cached
 *   content by those times (`ttl`).
 */
export class ProxyCache {
  readonly router: ProxyRouter;
  log: ProxyLog | undefined;
  private readonly fetches = new BlobFetches();
  /** When each cached tag was last confirmed upstream (`<local>:<tag>` → ms). */
  private readonly checked = new Map<string, number>();
  /** Manifest lookups in progress, so that 50 clients asking for one cold tag cost one HEAD and one GET. */
  private readonly lookups = new Map<string, Promise<StoredManifest>>();

  constructor(
    private readonly store: RegistryStore,
    settings: ProxySettings,
  ) {
    const upstreams = settings.upstreams.map((upstream) => new Upstream(upstream));
    const whole = upstreams.length === 1 && upstreams[0]!.settings.host === undefined ? upstreams[0] : undefined;
    this.router = new ProxyRouter(whole ? [] : upstreams, whole, settings.defaultHost);
  }

  /** The upstream target of a request's repository, or undefined for a hosted one (routing.ts). */
  resolve(name: string, query: URLSearchParams, read = true): Promise<ProxyTarget | undefined> {
    return this.router.resolve(name, query.get('ns'), () => this.store.repository(name).exists(), read);
  }

  async manifest(target: ProxyTarget, reference: ManifestReference): Promise<StoredManifest> {
    const repository = this.store.repository(target.local);
    if ('digest' in reference) {
      const cached = await repository.manifests.load(reference.digest);
      if (cached) return hit(target, 'manifest', cached);
      return this.once(`${target.local}@${reference.digest}`, () => this.fetchManifest(target, repository, reference.digest.toString()));
    }
    const { tag } = reference;
    const key = `${target.local}:${tag}`;
    const cachedDigest = await repository.tags.resolve(tag).catch((err: unknown) => {
      if (isStowageError(err, 'MANIFEST_UNKNOWN')) return undefined;
      throw err;
    });
    if (cachedDigest && Date.now() - (this.checked.get(key) ?? 0) < target.upstream.settings.tagTtlMs) {
      const cached = await repository.manifests.load(cachedDigest);
      if (cached) return hit(target, 'manifest', cached);
    }
    return this.once(key, () => this.revalidate(target, repository, tag, cachedDigest));
  }

  async blob(target: ProxyTarget, digest: Digest, head: boolean): Promise<BlobAnswer> {
    const repository = this.store.repository(target.local);
    const local = await this.localBlob(repository, digest);
    if (local) return hit(target, 'blob', local);
    const { upstream, remote } = target;
    if (head) {
      // A HEAD asks whether, not for the bytes: answered by the upstream's HEAD, nothing fetched.
      const size = await this.upstreamCall(target, () => upstream.headBlob(remote, digest.toString()));
      if (size === undefined) throw blobUnknown(digest);
      return { size, open: () => Promise.reject(new StowageError('INTERNAL', 'a HEAD has no body')) };
    }
    let fetched = false;
    const fetch = await this.upstreamCall(target, () =>
      this.fetches.get(digest, {
        open: () => {
          fetched = true;
          return upstream.fetchBlob(remote, digest.toString());
        },
        store: async (source, size) => {
          const { uuid } = await repository.uploads.start(digest.algorithm);
          await repository.uploads.complete(uuid, digest, { source, length: size });
          this.log?.info({ upstream: upstream.name, repository: target.local, digest: digest.toString(), size }, 'proxy: blob cached');
        },
        onError: (err) =>
          this.log?.warn(
            { upstream: upstream.name, repository: target.local, digest: digest.toString(), err: (err as Error).message },
            'proxy: blob fetch failed',
          ),
      }),
    );
    // Joined a fetch another request started: served without asking the upstream, a hit too.
    if (!fetched) upstream.stats.blobHits++;
    return {
      size: fetch.size,
      open: async (range) => fetch.reader(range) ?? repository.blobs.reader(digest, range),
      stored: fetch.done,
    };
  }

  /** The upstream's tags; the cached ones when it cannot answer. */
  async tags(target: ProxyTarget): Promise<string[]> {
    const repository = this.store.repository(target.local);
    try {
      return (await target.upstream.listTags(target.remote)).sort();
    } catch (err) {
      const failure = classify(err);
      const cached = await repository.tags.list();
      if (failure.kind === 'unavailable' && cached.length > 0) {
        this.stale(target, 'tags/list', failure.error);
        return cached;
      }
      if (failure.kind === 'unavailable') target.upstream.stats.failures++;
      throw failure.error;
    }
  }

  /**
   * The upstream's referrers index for a subject, as it sent it; undefined when the upstream has
   * no referrers API or cannot answer (the caller answers from what the cache holds: referrers
   * pulled through it, whose entries the store wrote).
   */
  async referrers(target: ProxyTarget, subject: Digest, artifactType?: string): Promise<{ bytes: Buffer; filtered: boolean } | undefined> {
    try {
      return await target.upstream.getReferrers(target.remote, subject.toString(), artifactType);
    } catch (err) {
      const failure = classify(err);
      if (failure.kind === 'unavailable') this.stale(target, `referrers/${subject}`, failure.error);
      return undefined;
    }
  }

  stats(): UpstreamStats[] {
    return this.router.upstreams.map((upstream) => ({ ...upstream.stats }));
  }

  async close(): Promise<void> {
    await Promise.all(this.router.upstreams.map((upstream) => upstream.close()));
  }

  private async revalidate(target: ProxyTarget, repository: Repository, tag: string, cachedDigest: Digest | undefined): Promise<StoredManifest> {
    const key = `${target.local}:${tag}`;
    let head: { digest: string } | undefined;
    try {
      head = await target.upstream.headManifest(target.remote, tag);
    } catch (err) {
      const failure = classify(err);
      const cached = cachedDigest && (await repository.manifests.load(cachedDigest));
      if (failure.kind === 'unavailable' && cached) {
        this.stale(target, `${tag}`, failure.error);
        return cached;
      }
      target.upstream.stats.failures++;
      throw failure.kind === 'absent' ? manifestUnknown(target.local, tag) : failure.error;
    }
    if (!head) {
      // Not there, or a registry that announces no digest on HEAD: the GET decides.
      const fetched = await this.fetchManifest(target, repository, tag, tag);
      this.checked.set(key, Date.now());
      return fetched;
    }
    const digest = Digest.parse(head.digest);
    let manifest = await repository.manifests.load(digest);
    if (!manifest) manifest = await this.fetchManifest(target, repository, digest.toString(), tag);
    else if (!cachedDigest?.equals(digest)) await repository.tags.tag(tag, digest);
    this.checked.set(key, Date.now());
    return manifest;
  }

  /** GETs a manifest upstream and stores it exactly (tagged when `tag` is given). */
  private async fetchManifest(target: ProxyTarget, repository: Repository, reference: string, tag?: string): Promise<StoredManifest> {
    const fetched = await this.upstreamCall(target, () => target.upstream.getManifest(target.remote, reference), reference);
    await repository.manifests.put(tag === undefined ? { digest: fetched.digest } : { tag }, fetched.bytes, fetched.mediaType, [], { checkReferences: false });
    this.log?.info({ upstream: target.upstream.name, repository: target.local, reference, digest: fetched.digest.toString() }, 'proxy: manifest cached');
    const stored = await repository.manifests.load(fetched.digest);
    if (!stored) throw manifestUnknown(target.local, fetched.digest.toString());
    return stored;
  }

  /** A blob the store has: linked in this repository, or elsewhere (a layer images share), linked now. */
  private async localBlob(repository: Repository, digest: Digest): Promise<BlobAnswer | undefined> {
    let info: { size: number };
    try {
      info = await repository.blobs.stat(digest);
    } catch (err) {
      if (!isStowageError(err, 'BLOB_UNKNOWN')) throw err;
      try {
        await repository.mount(digest);
        info = await repository.blobs.stat(digest);
      } catch (again) {
        if (isStowageError(again, 'BLOB_UNKNOWN')) return undefined;
        throw again;
      }
    }
    return { size: info.size, open: (range) => repository.blobs.reader(digest, range) };
  }

  /** An upstream call for content the cache does not have: its failure is counted and passed on. */
  private async upstreamCall<T>(target: ProxyTarget, work: () => Promise<T>, reference?: string): Promise<T> {
    try {
      return await work();
    } catch (err) {
      const failure = classify(err);
      if (failure.kind === 'unavailable') {
        target.upstream.stats.failures++;
        this.log?.warn({ upstream: target.upstream.name, repository: target.local, err: failure.error.message }, 'proxy: upstream failed, nothing cached');
      }
      if (failure.kind === 'absent' && reference !== undefined) throw manifestUnknown(target.local, reference);
      throw failure.error;
    }
  }

  private stale(target: ProxyTarget, what: string, error: StowageError): void {
    target.upstream.stats.staleServes++;
    this.log?.warn(
      { upstream: target.upstream.name, repository: target.local, reference: what, err: error.message },
      'proxy: upstream failed, serving the cached copy',
    );
  }

  private once(key: string, work: () => Promise<StoredManifest>): Promise<StoredManifest> {
    let running = this.lookups.get(key);
    if (!running) {
      running = work().finally(() => this.lookups.delete(key));
      this.lookups.set(key, running);
    }
    return running;
  }
}

/** A request answered from the cache without asking the upstream: counted (the hit ratio operators watch). */
function hit<T>(target: ProxyTarget, kind: 'manifest' | 'blob', answer: T): T {
  if (kind === 'manifest') target.upstream.stats.manifestHits++;
  else target.upstream.stats.blobHits++;
  return answer;
}
