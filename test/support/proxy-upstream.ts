/**
 * Upstreams and helpers for the pull-through cache's interop tests (test/interop/proxy-cache):
 * CNCF distribution behind htpasswd (startDistribution starts it anonymous only), Stowage
 * configs with `proxies:` or `proxy:`, and counts of what reached an upstream.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FaultProxy } from './fault-proxy.js';
import { writeHtpasswd } from './htpasswd.js';
import { DISTRIBUTION_BIN, freePort, makeTempDir, stopProcess, type ServerHandle } from './process.js';

const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

/** distribution 2.8 requiring Basic credentials from an htpasswd file for every /v2/ request. */
export async function startHtpasswdDistribution(root: string, users: Record<string, string>): Promise<ServerHandle> {
  const dir = await makeTempDir('distribution-htpasswd-');
  const htpasswd = join(dir, 'htpasswd');
  await writeHtpasswd(htpasswd, users);
  const port = await freePort();
  const config = join(dir, 'config.yml');
  await writeFile(
    config,
    [
      'version: 0.1',
      'log:',
      '  level: warn',
      '  accesslog:',
      '    disabled: true',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${JSON.stringify(root)}`,
      '  maintenance:',
      '    uploadpurging:',
      '      enabled: false',
      'auth:',
      '  htpasswd:',
      '    realm: stowage-proxy-test',
      `    path: ${JSON.stringify(htpasswd)}`,
      'http:',
      `  addr: 127.0.0.1:${port}`,
      '  secret: stowage-interop-tests',
      '',
    ].join('\n'),
  );
  const child = spawn(DISTRIBUTION_BIN, ['serve', config], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.stdout?.resume();
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  // Up when /v2/ asks for credentials.
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${DISTRIBUTION_BIN} (htpasswd) exited early\n${stderr}`);
    const status = await fetch(`${url}/v2/`, { signal: AbortSignal.timeout(2_000) }).then(
      async (res) => (await res.arrayBuffer(), res.status),
      () => 0,
    );
    if (status === 401) break;
    if (Date.now() > deadline) throw new Error(`${DISTRIBUTION_BIN} (htpasswd) did not answer at ${url}\n${stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    host: `127.0.0.1:${port}`,
    root,
    process: child,
    stdout: () => '',
    stderr: () => stderr,
    stop: () => stopProcess(child),
  };
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
