/** One upstream registry the cache serves (config `proxy:` or an entry of `proxies:`). Durations in milliseconds. */
export interface UpstreamSettings {
  /**
   * The registry's name, as clients write it in references (`docker.io`, `ghcr.io`): cached
   * repositories live under `<host>/…`, and `/v2/<host>/<repo>/…` and `?ns=<host>` select it.
   * Absent in distribution's form (`proxy:`), where the whole registry caches this upstream
   * under the names clients ask for, exactly as registry:2 stores them.
   */
  host?: string;
  /** Where it is served: `https://registry-1.docker.io`, `http://127.0.0.1:5001`. */
  remoteUrl: string;
  /** Credentials for the upstream; absent: docker's config.json and its helpers, else anonymous. */
  username?: string;
  password?: string;
  /** Cached content nobody pulled for this long is removed by garbage collection; 0: kept forever. */
  ttlMs: number;
  /** The bytes this upstream's cached content may take; GC evicts the least recently pulled images beyond it. */
  maxBytes?: number;
  /** A cached tag is served without asking the upstream for this long after it was last checked. */
  tagTtlMs: number;
  /** How long to wait for the upstream's response headers before serving the cached copy (or failing). */
  timeoutMs: number;
}

export interface ProxySettings {
  upstreams: UpstreamSettings[];
  /**
   * The upstream unprefixed names go to when no hosted repository has the name: what docker's
   * `registry-mirrors` sends (`/v2/library/alpine/…`). The `docker.io` entry, when there is one.
   */
  defaultHost?: string;
}

/** Counters and the last rate-limit figures of one upstream, for `GET /admin/cache` and the logs. */
export interface UpstreamStats {
  host: string;
  remoteUrl: string;
  /** Manifests and blobs answered without a fetch of their own: from the cache (a tag within its tagttl, content by digest), or joining another request's fetch. */
  manifestHits: number;
  blobHits: number;
  /** Fetched from the upstream: the misses. */
  manifestFetches: number;
  blobFetches: number;
  bytesFetched: number;
  /** Tags checked upstream with one HEAD (and found unchanged or changed). */
  revalidations: number;
  /** Requests answered from the cache because the upstream failed (stale-if-error). */
  staleServes: number;
  /** Requests that failed because the upstream failed and nothing was cached. */
  failures: number;
  /** Docker Hub's `ratelimit-limit` / `ratelimit-remaining` as last seen (e.g. `100;w=21600`). */
  rateLimit?: { limit?: string; remaining?: string; seenAt: string };
}
