import { stat } from 'node:fs/promises';
import { loadServeConfig, type ServeConfig, type ServeFlags } from '../../config/serve-config.js';
import { StowageError } from '../../errors/error.js';
import { ProxyCache } from '../../registry/proxy/cache.js';
import { listCached, parseImage, removeCached, type CachedImage, type RemovedCache } from '../../registry/proxy/inventory.js';
import { warmCache, type WarmReport } from '../../registry/proxy/warm.js';
import { RegistryStore } from '../../registry/store/registry.js';
import { openMetadata } from './db.js';
import { openDriver } from '../../storage/drivers.js';
import { renderTable } from '../format/table.js';
import { createdSince, humanSize } from '../format/units.js';
import { optionalString, print } from '../verb-output.js';

/**
 * `stowage registry cache ls|rm|warm [config.yml] …`: the pull-through cache of the registry
 * `stowage serve` runs with that config (same REGISTRY_* variables, same ./data default) →
 * one inventory call (registry/proxy/inventory.ts) → a table or JSON. One argument that is not
 * a file is the repository or IMAGE (`registry cache rm docker.io/library/alpine:3`).
 */
export async function registryCacheLs(first: string | undefined, second: string | undefined, options: Record<string, unknown>): Promise<void> {
  const format = formatOption(options, 'table');
  const [config, repository] = await splitArguments(first, second);
  const images = await withCache(config, options, (store, cache) => listCached(store, cache, repository === undefined ? {} : { repository }));
  print(format === 'json' ? `${JSON.stringify(images, null, 2)}\n` : cacheTable(images, Date.now()));
}

export async function registryCacheRm(first: string | undefined, second: string | undefined, options: Record<string, unknown>): Promise<void> {
  const format = formatOption(options, 'text');
  const [config, image] = await splitArguments(first, second);
  if (image === undefined)
    throw new StowageError('CONFIG_INVALID', 'registry cache rm: name the IMAGE to remove (docker.io/library/alpine:3, …@sha256:…, or a repository)');
  if (options.gc === true && format === 'json')
    throw new StowageError('CONFIG_INVALID', '--gc prints the collection as text: run stowage registry gc --format json after rm instead');
  if (options.grace !== undefined && options.gc !== true) throw new StowageError('CONFIG_INVALID', '--grace is for the collection --gc runs');
  const ref = parseImage(image);
  const removed = await withCache(config, options, (store, cache) => removeCached(store, cache, ref));
  print(format === 'json' ? `${JSON.stringify(removed, null, 2)}\n` : describeRemoved(removed, options.gc === true));
  // Exactly `stowage registry gc` on the same config: its settings, its lock, its report.
  if (options.gc === true) {
    const { registryGc } = await import('./gc.js');
    await registryGc(config, {
      ...(typeof options.root === 'string' ? { root: options.root } : {}),
      ...(typeof options.grace === 'string' ? { grace: options.grace } : {}),
    });
  }
}

export async function registryCacheWarm(first: string | undefined, second: string | undefined, options: Record<string, unknown>): Promise<void> {
  const format = formatOption(options, 'text');
  const [config, image] = await splitArguments(first, second);
  if (image === undefined) throw new StowageError('CONFIG_INVALID', 'registry cache warm: name the IMAGE to pull into the cache (docker.io/library/alpine:3)');
  const ref = parseImage(image);
  const report = await withCache(config, options, (_store, cache) => warmCache(cache, ref));
  print(format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : describeWarm(report));
}

/** REPOSITORY TAG DIGEST SIZE LAST PULLED UPSTREAM, as `docker images --digests` prints its columns. */
export function cacheTable(images: CachedImage[], now: number): string {
  const rows = images.map((image) => [
    image.repository,
    image.tag ?? '<none>',
    shortDigest(image.digest),
    humanSize(image.size),
    createdSince(image.lastPulled, now),
    image.upstream,
  ]);
  return renderTable(['REPOSITORY', 'TAG', 'DIGEST', 'SIZE', 'LAST PULLED', 'UPSTREAM'], rows);
}

function describeRemoved(removed: RemovedCache, collecting: boolean): string {
  const lines = [
    ...removed.tags.map((t) => `Untagged: ${removed.repository}:${t.tag} (${t.digest})`),
    ...removed.manifests.map((digest) => `Deleted: ${removed.repository}@${digest}`),
    collecting
      ? 'Collecting garbage now (blobs used recently, within the grace window, stay until a later run):'
      : "The blobs are freed by the next garbage collection (stowage registry gc, or the server's scheduled one).",
  ];
  return `${lines.join('\n')}\n`;
}

function describeWarm(report: WarmReport): string {
  const reference = report.reference.includes(':') ? `@${report.reference}` : `:${report.reference}`;
  const manifests = `${report.manifests} ${report.manifests === 1 ? 'manifest' : 'manifests'}`;
  const blobs = `${report.blobs} ${report.blobs === 1 ? 'blob' : 'blobs'}`;
  return (
    `Cached ${report.repository}${reference} (${report.digest}) from ${report.upstream}: ${manifests}, ${blobs}, ` +
    `${humanSize(report.bytes)} (${humanSize(report.bytesFetched)} fetched now)\n` +
    (report.stale ? `The upstream ${report.upstream} could not be asked for the tag: this is the copy cached before, not refreshed.\n` : '')
  );
}

/** The registry's store and its proxy configuration for one call; the upstream connections closed after. */
async function withCache<T>(
  configPath: string | undefined,
  options: Record<string, unknown>,
  work: (store: RegistryStore, cache: ProxyCache) => Promise<T>,
): Promise<T> {
  const flags: ServeFlags = {};
  if (typeof options.root === 'string') flags.root = options.root;
  const config: ServeConfig = await loadServeConfig(configPath, flags, process.env);
  if (!config.proxy) {
    throw new StowageError('CONFIG_INVALID', `${configPath ?? 'the configuration'} has no proxy: or proxies: section: this registry caches nothing`);
  }
  const driver = await openDriver(config.storage);
  const metadata = await openMetadata(config, driver);
  const store = new RegistryStore({ driver, ...(metadata ? { metadata } : {}) });
  const cache = new ProxyCache(store, config.proxy);
  try {
    return await work(store, cache);
  } finally {
    await cache.close();
    await metadata?.pool.end();
  }
}

function formatOption(options: Record<string, unknown>, plain: 'table' | 'text'): string {
  const format = optionalString(options.format) ?? plain;
  if (format !== plain && format !== 'json') throw new StowageError('CONFIG_INVALID', `--format: expected ${plain} or json, not "${format.slice(0, 40)}"`);
  return format;
}

/** `[config] [name]`: a single argument that is not a file is the name. */
async function splitArguments(first: string | undefined, second: string | undefined): Promise<[string | undefined, string | undefined]> {
  if (second === undefined && first !== undefined && !(await isFile(first))) return [undefined, first];
  return [first, second];
}

function shortDigest(digest: string): string {
  const colon = digest.indexOf(':');
  return `${digest.slice(0, colon + 1)}${digest.slice(colon + 1, colon + 13)}`;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
