import type { CacheCap, GcOptions } from '../gc/types.js';
import type { ProxySettings, UpstreamSettings } from './types.js';

/**
 * What garbage collection needs of the cache's configuration to free its space: each cached
 * repository's `ttl`, and each upstream's `maxsize` (gc/cache-cap.ts). The same for the
 * server's schedule, POST /admin/gc and `stowage registry gc` on the same config.
 */
export function cacheGcOptions(settings: ProxySettings | undefined): Pick<GcOptions, 'expiry' | 'cacheCaps'> {
  if (!settings?.upstreams.length) return {};
  const { upstreams } = settings;
  const whole = upstreams.length === 1 && upstreams[0]!.host === undefined;
  const owner = (repository: string): UpstreamSettings | undefined =>
    whole ? upstreams[0] : upstreams.find((upstream) => repository.startsWith(`${upstream.host}/`));
  const caps: CacheCap[] = upstreams
    .filter((upstream) => upstream.maxBytes !== undefined)
    .map((upstream) => ({ maxBytes: upstream.maxBytes!, owns: (repository) => owner(repository) === upstream }));
  return {
    expiry: (repository) => owner(repository)?.ttlMs || undefined,
    ...(caps.length ? { cacheCaps: caps } : {}),
  };
}
