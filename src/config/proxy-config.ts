import { z } from 'zod';
import { StowageError } from '../errors/error.js';
import { canonicalHost } from '../registry/proxy/routing.js';
import type { ProxySettings, UpstreamSettings } from '../registry/proxy/types.js';
import type { ConfigFile } from './keys.js';
import { parseSize } from '../registry/usage/sizes.js';
import { parseDuration } from './values.js';

const Duration = z.union([z.string(), z.number()]);

/** One entry of Stowage's `proxies:` list. */
export const ProxyEntrySchema = z.strictObject({
  host: z.string().min(1),
  remoteurl: z.string().min(1),
  username: z.string().min(1).optional(),
  password: z.string().optional(),
  ttl: Duration.optional(),
  tagttl: Duration.optional(),
  timeout: Duration.optional(),
  maxsize: z.union([z.number(), z.string().min(1)]).optional(),
  /** Unprefixed names go to this upstream (default: the docker.io entry). */
  default: z.boolean().optional(),
});

type ProxyEntry = z.infer<typeof ProxyEntrySchema>;

/** registry:2's default `proxy.ttl`. */
const DEFAULT_TTL = '168h';
/** `proxies:` entries check a cached tag upstream at most this often. */
const DEFAULT_TAG_TTL = '5m';
const DEFAULT_TIMEOUT = '20s';
/** A repository name's path component (the reference grammar): what a host must be to name repositories `<host>/…`. */
const HOST_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;

/**
 * `proxy` (distribution's form: the whole registry caches one upstream, stored under the names
 * clients ask for, as registry:2 stores them) or `proxies` (several upstreams under `<host>/…`,
 * beside hosted repositories). Undefined when neither is configured.
 *
 * `proxy.tagttl` defaults to 0 (every tag pull asks the upstream, as registry:2 does); a
 * `proxies` entry's to 5m. `ttl` 0 keeps cached content forever.
 */
export function resolveProxy(config: ConfigFile, readOnly: boolean): ProxySettings | undefined {
  const single = config.proxy && Object.values(config.proxy).some((value) => value !== undefined && value !== null) ? config.proxy : undefined;
  const list = config.proxies ?? undefined;
  if (single && list?.length) throw new StowageError('CONFIG_INVALID', 'configure proxy (the whole registry caches one upstream) or proxies, not both');
  if (!single && !list?.length) return undefined;
  if (readOnly) {
    throw new StowageError('CONFIG_INVALID', 'a pull-through cache stores what it fetches: it cannot run with storage.maintenance.readonly enabled');
  }
  if (single) {
    if (!single.remoteurl) throw new StowageError('CONFIG_INVALID', 'proxy.remoteurl is required (the registry to cache)');
    return {
      upstreams: [
        upstream(
          'proxy',
          { remoteurl: single.remoteurl, username: single.username, password: single.password, ttl: single.ttl, timeout: single.timeout },
          single.tagttl ?? 0,
        ),
      ],
    };
  }
  const entries = list!;
  const upstreams: UpstreamSettings[] = [];
  const seen = new Set<string>();
  let defaultHost: string | undefined;
  entries.forEach((entry, i) => {
    const key = `proxies[${i}]`;
    const host = canonicalHost(entry.host);
    if (!HOST_COMPONENT.test(host)) {
      throw new StowageError(
        'CONFIG_INVALID',
        `${key}.host: "${entry.host.slice(0, 80)}" cannot begin repository names (lowercase letters, digits, dots and dashes; no port)`,
      );
    }
    if (seen.has(host)) throw new StowageError('CONFIG_INVALID', `${key}.host: ${host} is configured twice`);
    seen.add(host);
    if (entry.default) {
      if (defaultHost !== undefined)
        throw new StowageError('CONFIG_INVALID', `${key}.default: only one upstream can be the default (${defaultHost} is already)`);
      defaultHost = host;
    }
    upstreams.push({ ...upstream(key, entry, entry.tagttl ?? DEFAULT_TAG_TTL), host });
  });
  defaultHost ??= seen.has('docker.io') ? 'docker.io' : undefined;
  return { upstreams, ...(defaultHost ? { defaultHost } : {}) };
}

function upstream(key: string, entry: Omit<ProxyEntry, 'host' | 'tagttl' | 'default'>, tagTtl: string | number): UpstreamSettings {
  let url: URL;
  try {
    url = new URL(entry.remoteurl);
  } catch {
    throw new StowageError('CONFIG_INVALID', `${key}.remoteurl: "${entry.remoteurl.slice(0, 100)}" is not a URL (https://registry-1.docker.io)`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new StowageError('CONFIG_INVALID', `${key}.remoteurl: must be http:// or https://`);
  if (url.username || url.password) throw new StowageError('CONFIG_INVALID', `${key}.remoteurl: put credentials in ${key}.username and .password, not the URL`);
  if (url.search || url.hash || (url.pathname !== '/' && url.pathname !== '')) {
    throw new StowageError('CONFIG_INVALID', `${key}.remoteurl: the registry's base URL only (scheme, host and port), without a path`);
  }
  if (entry.password !== undefined && entry.username === undefined)
    throw new StowageError('CONFIG_INVALID', `${key}.password is given without ${key}.username`);
  const ms = (name: string, value: string | number): number => Math.round(parseDuration(value, `${key}.${name}`) * 1000);
  const timeoutMs = ms('timeout', entry.timeout ?? DEFAULT_TIMEOUT);
  if (timeoutMs <= 0) throw new StowageError('CONFIG_INVALID', `${key}.timeout must be longer than 0`);
  const maxBytes = entry.maxsize === undefined ? undefined : sizeOf(`${key}.maxsize`, entry.maxsize);
  return {
    remoteUrl: `${url.protocol}//${url.host}`,
    ...(maxBytes !== undefined ? { maxBytes } : {}),
    ...(entry.username !== undefined ? { username: entry.username, password: entry.password ?? '' } : {}),
    ttlMs: ms('ttl', entry.ttl ?? DEFAULT_TTL),
    tagTtlMs: ms('tagttl', tagTtl),
    timeoutMs,
  };
}

function sizeOf(key: string, value: string | number): number {
  try {
    const bytes = parseSize(value);
    if (bytes > 0) return bytes;
  } catch {
    // the message below says what is expected
  }
  throw new StowageError('CONFIG_INVALID', `${key}: expected a size such as 50GB or 500MiB, not ${String(value).slice(0, 40)}`);
}
