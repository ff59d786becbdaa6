import { Digest, isSupportedAlgorithm } from '../../digest/digest.js';
import { isStowageError } from '../../errors/error.js';
import type { StorageDriver } from '../../storage/driver.js';
import { readLink } from '../store/links.js';
import { repositoryPath } from '../store/paths.js';

/**
 * What one repository links, as found by one scan: the basis of its usage, and what its cache
 * entry (cache.ts) and the quota guard's in-memory copy (quota.ts) hold.
 *
 * A repository links a blob when `_layers/<alg>/<hex>/link` or
 * `_manifests/revisions/<alg>/<hex>/link` holds a digest (distribution's linkedBlobStore), the
 * blob being the one the directory names. The scan lists each link directory BEFORE reading
 * the links in it, and records what it listed: the record stays current exactly while the
 * listings are the same (isCurrent). That is exact on every driver, with none of the
 * timestamp-granularity races ("racy git") a directory mtime has: a link added or removed
 * after the listing changes the next listing. A `<hex>` directory found without a readable
 * link (one being written this very moment: writeLink makes the directory, then renames the
 * link into it) is recorded as `unlinked` and re-read at every check, so it is counted as soon
 * as its link lands.
 *
 * Known limit: distribution's own DELETE of a blob or manifest removes only the `link` file
 * and leaves its `<hex>` directory, which no listing shows; a repository changed that way by
 * distribution keeps its old figure until another link of it changes or its cache file is
 * deleted (invalidateUsage). Stowage (its DELETEs and its GC) removes the whole `<hex>` directory.
 */
export interface RepositoryLinks {
  /** Names each link directory held (relative to the repository: `_layers`, `_layers/sha256`, ...); a missing directory is absent. */
  listed: Record<string, string[]>;
  /** Linked blobs: digest → size of its data; null when the data was missing at the scan (a dangling link). */
  blobs: Record<string, number | null>;
  /** Link files (relative to the repository) whose `<hex>` directory was listed but held no digest. */
  unlinked: string[];
}

/** The two trees of link directories a repository's usage comes from. */
export const LINK_TREES = ['_layers', '_manifests/revisions'] as const;

/** How a scan learns a blob's size (memoised across repositories by the caller): null when the data is missing. */
export type SizeOf = (digest: string) => Promise<number | null>;

/** Runs driver calls with bounded concurrency (transport/limiter.ts createLimiter). */
export type Limit = <T>(task: () => Promise<T>) => Promise<T>;

/** Lists a repository's links and reads them: every link directory listed first, then its links. */
export async function scanRepository(driver: StorageDriver, name: string, sizeOf: SizeOf, limit: Limit): Promise<RepositoryLinks> {
  const base = repositoryPath(name);
  const listed = await listTrees(driver, name, limit);
  const found = new Map<string, string>();
  for (const tree of LINK_TREES) {
    for (const algorithm of listed[tree] ?? []) {
      if (!isSupportedAlgorithm(algorithm)) continue;
      for (const hex of listed[`${tree}/${algorithm}`] ?? []) {
        const digest = `${algorithm}:${hex}`;
        if (Digest.isValid(digest)) found.set(`${tree}/${algorithm}/${hex}/link`, digest);
      }
    }
  }
  const blobs: Record<string, number | null> = {};
  const unlinked: string[] = [];
  await Promise.all(
    [...found].map(async ([link, digest]) => {
      if ((await limit(() => readLink(driver, `${base}/${link}`))) === undefined) {
        unlinked.push(link);
        return;
      }
      if (!(digest in blobs)) blobs[digest] = null;
      const size = await sizeOf(digest);
      if (size !== null) blobs[digest] = size;
    }),
  );
  unlinked.sort();
  return { listed, blobs, unlinked };
}

/**
 * Whether `links` still describes the repository: every link directory lists the same names,
 * and no `<hex>` directory that held no link has one now. A handful of listings: no link is read.
 */
export async function isCurrent(driver: StorageDriver, name: string, links: RepositoryLinks, limit: Limit): Promise<boolean> {
  const now = await listTrees(driver, name, limit);
  const keys = new Set([...Object.keys(now), ...Object.keys(links.listed)]);
  for (const key of keys) if (!sameNames(now[key], links.listed[key])) return false;
  const base = repositoryPath(name);
  const landed = await Promise.all(links.unlinked.map((link) => limit(() => readLink(driver, `${base}/${link}`))));
  return landed.every((digest) => digest === undefined);
}

/** The listing of `_layers`, `_layers/<alg>`, `_manifests/revisions`, `_manifests/revisions/<alg>`, for those present. */
async function listTrees(driver: StorageDriver, name: string, limit: Limit): Promise<Record<string, string[]>> {
  const base = repositoryPath(name);
  const listed: Record<string, string[]> = {};
  await Promise.all(
    LINK_TREES.map(async (tree) => {
      const algorithms = await limit(() => listDirectory(driver, `${base}/${tree}`));
      if (algorithms === undefined) return;
      listed[tree] = algorithms;
      await Promise.all(
        algorithms.map(async (algorithm) => {
          const names = await limit(() => listDirectory(driver, `${base}/${tree}/${algorithm}`));
          if (names !== undefined) listed[`${tree}/${algorithm}`] = names;
        }),
      );
    }),
  );
  return listed;
}

/** A directory's child names, sorted; undefined when it is missing (or a file). */
export async function listDirectory(driver: StorageDriver, path: string): Promise<string[] | undefined> {
  try {
    return (await driver.list(path)).map((child) => child.slice(child.lastIndexOf('/') + 1));
  } catch (err) {
    if (isStowageError(err, 'PATH_NOT_FOUND')) return undefined;
    throw err;
  }
}

function sameNames(a: string[] | undefined, b: string[] | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Bytes of the blobs `links` holds whose size is known. */
export function linkedBytes(links: RepositoryLinks): number {
  let bytes = 0;
  for (const size of Object.values(links.blobs)) if (size !== null) bytes += size;
  return bytes;
}

/**
 * Records a link this process just wrote (quota.ts, under the repository's lock), so the copy
 * stays current without a rescan: the listings gain the name as the next listing will show it.
 */
export function recordLink(links: RepositoryLinks, tree: (typeof LINK_TREES)[number], digest: Digest, size: number): void {
  insertSorted((links.listed[tree] ??= []), digest.algorithm);
  insertSorted((links.listed[`${tree}/${digest.algorithm}`] ??= []), digest.hex);
  links.blobs[digest.toString()] = size;
  const link = `${tree}/${digest.algorithm}/${digest.hex}/link`;
  links.unlinked = links.unlinked.filter((entry) => entry !== link);
}

function insertSorted(names: string[], name: string): void {
  // The drivers sort listings by code unit (Array.prototype.sort), as this comparison does.
  let at = 0;
  while (at < names.length && names[at]! < name) at++;
  if (names[at] !== name) names.splice(at, 0, name);
}
