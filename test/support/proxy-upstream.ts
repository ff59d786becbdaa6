/**
 * Upstreams and helpers for the pull-through cache's interop tests (test/interop/proxy-cache):
 * CNCF distribution behind htpasswd, Stowage configs with `proxies:` or `proxy:`, and counts of
 * what reached an upstream.
 */
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FaultProxy } from './fault-proxy.js';
import { writeHtpasswd } from './htpasswd.js';
import { makeTempDir, startDistribution, type ServerHandle } from './process.js';

/** distribution 2.8 requiring Basic credentials from an htpasswd file for every /v2/ request. */
export async function startHtpasswdDistribution(root: string, users: Record<string, string>): Promise<ServerHandle> {
  const htpasswd = join(await makeTempDir('distribution-htpasswd-'), 'htpasswd');
  await writeHtpasswd(htpasswd, users);
  return startDistribution({
    root,
    logLevel: 'warn',
    extraConfig: ['auth:', '  htpasswd:', '    realm: stowage-proxy-test', `    path: ${JSON.stringify(htpasswd)}`].join('\n'),
    // Up when /v2/ asks for credentials.
    readyStatus: 401,
  });
}

export interface CacheEntry {
  host: string;
  remoteurl: string;
  username?: string;
  password?: string;
  ttl?: string;
  tagttl?: string;
  timeout?: string;
}

/** A Stowage config.yml over `root`: `proxies` (a list) or `proxy` (one upstream, the whole registry), GC grace 0. */
export async function writeCacheConfig(dir: string, root: string, cache: { proxies: CacheEntry[] } | { proxy: Omit<CacheEntry, 'host'> }): Promise<string> {
  const item = (entry: object): string[] => Object.entries(entry).map(([key, value], i) => `${i === 0 ? '  - ' : '    '}${key}: ${JSON.stringify(value)}`);
  const fields = (entry: object): string[] => Object.entries(entry).map(([key, value]) => `  ${key}: ${JSON.stringify(value)}`);
  const lines = [
    'version: 0.1',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${JSON.stringify(root)}`,
    '  maintenance:',
    '    gc:',
    '      grace: 0s',
    ...('proxies' in cache ? ['proxies:', ...cache.proxies.flatMap(item)] : ['proxy:', ...fields(cache.proxy)]),
    '',
  ];
  const path = join(dir, 'config.yml');
  await writeFile(path, lines.join('\n'));
  return path;
}

/** GETs of one blob that reached the upstream behind `proxy`. */
export function blobGets(proxy: FaultProxy, digest: string): number {
  return proxy.seen.filter((r) => r.method === 'GET' && r.url.split('?')[0]!.endsWith(`/blobs/${digest}`)).length;
}

/** Every GET of any blob that reached the upstream behind `proxy`. */
export function allBlobGets(proxy: FaultProxy): number {
  return proxy.seen.filter((r) => r.method === 'GET' && r.url.includes('/blobs/sha256:')).length;
}

export function sha256Hex(data: Uint8Array): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** `GET /admin/cache`'s figures for one upstream host. */
export async function cacheStats(stowageUrl: string, host: string): Promise<Record<string, number>> {
  const res = await fetch(`${stowageUrl}/admin/cache`);
  if (res.status !== 200) throw new Error(`GET /admin/cache: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { upstreams: Array<Record<string, number> & { host: string }> };
  const entry = body.upstreams.find((u) => u.host === host);
  if (!entry) throw new Error(`no upstream ${host} in /admin/cache: ${JSON.stringify(body)}`);
  return entry;
}
