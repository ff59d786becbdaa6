import { randomBytes } from 'node:crypto';
import { isStowageError } from '../../errors/error.js';
import { isValidRepositoryName } from '../../reference/reference.js';
import type { StorageDriver } from '../../storage/driver.js';
import { deleteIfExists } from '../store/links.js';
import { USAGE_CHANGED, USAGE_DIR, USAGE_INDEX } from '../store/paths.js';
import { markUsageChanged } from '../store/usage-marks.js';
import { listDirectory, type Limit } from './links.js';

/**
 * The usage bookkeeping beside the data, under `repositories/_stowage/` (distribution's catalog
 * walk skips `_` directories, so a root stays readable by it):
 *
 *   usage.json          every repository's linked blobs and their sizes, as last scanned
 *   changed/<hash>      a repository changed since (store/usage-marks.ts writes these)
 *   claimed/<hash>-<r>  a marker a run took, deleted once its index is written
 *
 * Why one index and markers, not a file per repository checked by its directories: measured on
 * the bench machine, just listing or stat'ing the link directories of 10,000 repositories takes
 * 0.4 to 1.8 s (each call is 20-40 µs), over the 1 s target before any file is read. With the
 * markers a warm run reads one file, lists two directories and the blob store's prefixes.
 *
 * A run claims markers (renames them into `claimed/`) BEFORE scanning their repositories: a link
 * changed during the scan leaves a new marker (the writer marks again after its change), so no
 * change is lost. The index is replaced atomically; a run that finds the index replaced by
 * another run meanwhile does not write its own and leaves its claims for the next run. A
 * crash leaves claims behind, which the next run rescans. Missing or unreadable, the index is
 * rebuilt by scanning every repository.
 *
 * Known limit: only Stowage marks its changes. Links distribution adds or removes on a shared
 * root are not seen until the repository changes through Stowage, or the index is deleted
 * (a blob distribution's garbage-collect removed is seen: blobs count only while present).
 */
const VERSION = 1;

/**
 * The index as stored: a table of blobs (digest, and size or null when its data was missing at
 * the scan), and per repository the positions of the blobs it links. Positions, not digests:
 * 10,000 repositories sharing base layers repeat the same digests, and parsing and counting
 * small integers is what keeps a warm run well under a second (measured: digest strings per
 * repository made the file 4 MB and its parse and count most of a second).
 */
export interface UsageIndex {
  generation: string;
  blobs: string[];
  sizes: Array<number | null>;
  repositories: Record<string, number[]>;
}

export async function readIndex(driver: StorageDriver): Promise<UsageIndex | undefined> {
  let content: Buffer;
  try {
    content = await driver.getContent(USAGE_INDEX);
  } catch (err) {
    if (isStowageError(err, 'PATH_NOT_FOUND')) return undefined;
    throw err;
  }
  try {
    const value = JSON.parse(content.toString('utf8')) as Partial<Record<keyof UsageIndex | 'version', unknown>>;
    const { generation, blobs, sizes, repositories } = value;
    if (value.version !== VERSION || typeof generation !== 'string' || !Array.isArray(blobs) || !Array.isArray(sizes) || !isRecord(repositories))
      return undefined;
    if (blobs.length !== sizes.length || !blobs.every((digest) => typeof digest === 'string')) return undefined;
    if (!sizes.every((size) => size === null || (Number.isSafeInteger(size) && (size as number) >= 0))) return undefined;
    for (const [name, positions] of Object.entries(repositories)) {
      if (!isValidRepositoryName(name) || !Array.isArray(positions)) return undefined;
      for (const at of positions) if (!Number.isInteger(at) || at < 0 || at >= blobs.length) return undefined;
    }
    return { generation, blobs, sizes, repositories } as UsageIndex;
  } catch {
    // Cut short or hand-edited: rebuilt.
    return undefined;
  }
}

/**
 * Replaces the index unless another run replaced it since this one read generation `read`.
 * False when not written: a read-only root, a full disk or a concurrent run; usage is right
 * without it, only the next run is slower.
 */
export async function writeIndex(driver: StorageDriver, read: string | undefined, index: Omit<UsageIndex, 'generation'>): Promise<boolean> {
  try {
    if ((await readIndex(driver))?.generation !== read) return false;
    const record = { version: VERSION, generation: randomBytes(8).toString('hex'), ...index };
    await driver.putContent(USAGE_INDEX, Buffer.from(JSON.stringify(record)));
    return true;
  } catch {
    return false;
  }
}

export interface Claims {
  /** Repositories marked changed. */
  names: Set<string>;
  /** The claimed marker files, deleted once the index that covers them is written. */
  files: string[];
}

/** Takes every marker (and any claim a crashed or concurrent run left) before the repositories are scanned. */
export async function claimMarkers(driver: StorageDriver, limit: Limit): Promise<Claims> {
  const claims: Claims = { names: new Set(), files: [] };
  const claimed = `${USAGE_DIR}/claimed`;
  const take = async (path: string): Promise<void> => {
    try {
      const name = (await driver.getContent(path)).toString('utf8');
      if (isValidRepositoryName(name)) claims.names.add(name);
      claims.files.push(path);
    } catch (err) {
      if (!isStowageError(err, 'PATH_NOT_FOUND')) throw err;
    }
  };
  const left = (await limit(() => listDirectory(driver, claimed))) ?? [];
  const markers = (await limit(() => listDirectory(driver, USAGE_CHANGED))) ?? [];
  await Promise.all([
    ...left.map((file) => limit(() => take(`${claimed}/${file}`))),
    ...markers.map((marker) =>
      limit(async () => {
        const to = `${claimed}/${marker}-${randomBytes(4).toString('hex')}`;
        try {
          await driver.move(`${USAGE_CHANGED}/${marker}`, to);
        } catch (err) {
          // Another run claimed it first: it will be in `claimed/` or already covered.
          if (isStowageError(err, 'PATH_NOT_FOUND')) return;
          // A read-only root: the change still counts, the marker stays for a run that can take it.
          return take(`${USAGE_CHANGED}/${marker}`);
        }
        await take(to);
      }),
    ),
  ]);
  return claims;
}

export async function releaseClaims(driver: StorageDriver, claims: Claims, limit: Limit): Promise<void> {
  await Promise.all(claims.files.map((file) => limit(() => deleteIfExists(driver, file).catch(() => false))));
}

/**
 * Makes the next usage run rescan `repository`. The garbage collector calls it for every
 * repository it changed (after its links are gone).
 */
export async function invalidateUsage(driver: StorageDriver, repository: string): Promise<void> {
  await markUsageChanged(driver, repository);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
