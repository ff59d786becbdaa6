import { Digest } from '../../digest/digest.js';
import { StowageError, isStowageError } from '../../errors/error.js';
import type { StorageDriver } from '../../storage/driver.js';
import { createLimiter } from '../../transport/limiter.js';
import { blobDataPath } from '../store/paths.js';
import { scanRepository, type Limit, type SizeOf } from './links.js';
import type { RepositoryUsage, UsageOptions, UsageReport } from './types.js';
import { claimMarkers, readIndex, releaseClaims, writeIndex, type UsageIndex } from './usage-index.js';
import { findRepositories, presentBlobs } from './walk.js';

/**
 * Driver calls in flight at once. The filesystem driver's calls run on libuv's pool (4 threads
 * by default); more queued only costs memory.
 */
const CONCURRENCY = 64;

/**
 * Space per repository (types.ts), from the usage index (usage-index.ts): the repositories
 * marked changed since it was written are scanned again (links.ts), the others taken from it;
 * without an index every repository is scanned and the index written. A blob counts while its
 * blob directory is there; its bytes are unique to a repository when no other one links it.
 */
export async function computeUsage(driver: StorageDriver, options: UsageOptions = {}): Promise<UsageReport> {
  const limit = createLimiter(CONCURRENCY);
  const index = await readIndex(driver);
  // Claimed before anything is scanned: a change during the scans marks again (usage-index.ts).
  const claims = await claimMarkers(driver, limit);
  const present = await presentBlobs(driver, limit);
  const sizeOf = blobSizes(driver, limit);
  const table = new BlobTable(index);
  const repositories = new Map<string, number[]>(index ? Object.entries(index.repositories) : []);
  const scan = async (name: string): Promise<void> => {
    options.signal?.throwIfAborted();
    const links = await scanRepository(driver, name, sizeOf, limit);
    // Marked, and gone since (or never more than an upload): nothing to count.
    if (Object.keys(links.listed).length === 0) repositories.delete(name);
    else repositories.set(name, table.add(links.blobs));
  };
  const names = index ? [...claims.names] : (await findRepositories(driver, limit)).map(({ name }) => name);
  await Promise.all(names.map(scan));
  options.signal?.throwIfAborted();
  // Nothing to record on a root without repositories (never create one where a path was mistyped).
  if ((!index && repositories.size > 0) || (index && claims.names.size > 0)) {
    if (await writeIndex(driver, index?.generation, table.compact(repositories))) await releaseClaims(driver, claims, limit);
  }
  if (options.repository !== undefined && !repositories.has(options.repository)) {
    throw new StowageError('NAME_UNKNOWN', `repository ${options.repository.slice(0, 256)} is not known to this registry`, { name: options.repository });
  }
  return report(repositories, await table.counted(present, sizeOf), options.repository);
}

/** Blobs by position (usage-index.ts), as read from the index and added by scans. */
class BlobTable {
  readonly digests: string[];
  readonly sizes: Array<number | null>;
  private readonly positions = new Map<string, number>();

  constructor(index: UsageIndex | undefined) {
    this.digests = index ? [...index.blobs] : [];
    this.sizes = index ? [...index.sizes] : [];
    for (const [at, digest] of this.digests.entries()) this.positions.set(digest, at);
  }

  add(blobs: Record<string, number | null>): number[] {
    return Object.entries(blobs).map(([digest, size]) => {
      let at = this.positions.get(digest);
      if (at === undefined) {
        at = this.digests.push(digest) - 1;
        this.positions.set(digest, at);
      }
      // A fresh scan knows better than the index.
      this.sizes[at] = size;
      return at;
    });
  }

  /** Each blob's size when it counts (its blob directory is there), else -1; a size missing at the scan is looked up again. */
  async counted(present: Set<string>, sizeOf: SizeOf): Promise<Float64Array> {
    const sizes = new Float64Array(this.digests.length).fill(-1);
    await Promise.all(
      this.digests.map(async (digest, at) => {
        if (!present.has(digest)) return;
        const size = this.sizes[at] ?? (await sizeOf(digest));
        if (size !== null) sizes[at] = size;
      }),
    );
    return sizes;
  }

  /** The index to store: only blobs some repository still links, renumbered. */
  compact(repositories: Map<string, number[]>): Omit<UsageIndex, 'generation'> {
    const renumbered = new Map<number, number>();
    const blobs: string[] = [];
    const sizes: Array<number | null> = [];
    const out: Record<string, number[]> = {};
    for (const [name, positions] of repositories) {
      out[name] = positions.map((at) => {
        let to = renumbered.get(at);
        if (to === undefined) {
          to = blobs.push(this.digests[at]!) - 1;
          sizes.push(this.sizes[at] ?? null);
          renumbered.set(at, to);
        }
        return to;
      });
    }
    return { blobs, sizes, repositories: out };
  }
}

function report(repositories: Map<string, number[]>, sizes: Float64Array, only: string | undefined): UsageReport {
  const names = [...repositories.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const holders = new Uint32Array(sizes.length);
  for (const positions of repositories.values()) for (const at of positions) if (sizes[at]! >= 0) holders[at]!++;
  const usage: RepositoryUsage[] = [];
  for (const name of only === undefined ? names : [only]) {
    let blobs = 0;
    let bytes = 0;
    let uniqueBytes = 0;
    for (const at of repositories.get(name) ?? []) {
      const size = sizes[at]!;
      if (size < 0) continue;
      blobs++;
      bytes += size;
      if (holders[at] === 1) uniqueBytes += size;
    }
    usage.push({ name, blobs, bytes, uniqueBytes, sharedBytes: bytes - uniqueBytes });
  }
  let blobs = 0;
  let bytes = 0;
  for (let at = 0; at < sizes.length; at++) {
    if (holders[at]! > 0) {
      blobs++;
      bytes += sizes[at]!;
    }
  }
  return { repositories: usage, totals: { repositories: names.length, blobs, bytes } };
}

/** Sizes of blob data, each stat'ed once per run however many repositories link it; null when missing. */
export function blobSizes(driver: StorageDriver, limit: Limit): SizeOf {
  const known = new Map<string, Promise<number | null>>();
  return (digest) => {
    let size = known.get(digest);
    if (!size) {
      size = limit(async () => {
        try {
          return (await driver.stat(blobDataPath(Digest.parse(digest)))).size;
        } catch (err) {
          if (isStowageError(err, 'PATH_NOT_FOUND')) return null;
          throw err;
        }
      });
      known.set(digest, size);
    }
    return size;
  };
}
