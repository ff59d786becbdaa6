import { Digest } from '../../digest/digest.js';
import { isStowageError } from '../../errors/error.js';
import type { StorageDriver } from '../../storage/driver.js';
import { createLimiter } from '../../transport/limiter.js';
import { deleteIfExists, listNames } from '../store/links.js';
import { blobDataPath, ROOT } from '../store/paths.js';
import { QUARANTINE_PREFIX, rescue, statIfExists } from '../store/quarantine.js';
import { lastUsed, retireFile, settleQuarantined } from './retire.js';
import type { GcReport } from './types.js';

/** Blobs retired at once: each is a rename, a stat and a delete. */
const CONCURRENCY = 16;

interface BlobEntry {
  digest: string;
  path: string;
  /** Size and time, when the listing read them (the full walk does, the fast listing does not). */
  size: number;
  time?: number;
  quarantined: boolean;
}

export interface BlobSweep {
  marked: Set<string>;
  /** Also settle what an interrupted run left in quarantine (lock.ts `recover`): the whole tree is walked. */
  recover: boolean;
  cutoff: number;
  dryRun: boolean;
  report: GcReport['blobs'];
  progress: (done: number, total: number) => void;
  check: () => void;
}

/**
 * The global sweep: every blob no kept manifest of any repository references and that has
 * not been used since the cutoff goes (retire.ts). What an interrupted run left in quarantine
 * is settled the same way: moved back when marked, deleted when not (and still unused).
 */
export async function sweepBlobs(driver: StorageDriver, sweep: BlobSweep): Promise<void> {
  const entries = sweep.recover ? await walkBlobs(driver) : await unmarkedBlobs(driver, sweep.marked);
  const present = new Set(entries.filter((entry) => !entry.quarantined).map((entry) => entry.digest));
  const limit = createLimiter(CONCURRENCY);
  let done = 0;
  const { report, marked, cutoff } = sweep;
  await Promise.all(
    entries.map((entry) =>
      limit(async () => {
        sweep.check();
        const data = entry.path.slice(0, entry.path.lastIndexOf('/') + 1) + 'data';
        if (entry.quarantined) {
          if (sweep.dryRun) return;
          // Beside a copy uploaded since: the quarantined one is redundant.
          if (present.has(entry.digest)) await deleteIfExists(driver, entry.path);
          else if (marked.has(entry.digest)) await rescue(driver, data);
          else if ((await settleQuarantined(driver, data, cutoff)).outcome === 'removed') count(report, entry.size);
        } else if (marked.has(entry.digest)) {
          // Counted below from the mark.
        } else if (entry.time !== undefined && entry.time >= cutoff) {
          report.recent++;
        } else if (sweep.dryRun) {
          // A dry run moves nothing: the time and size come from a stat.
          const info = entry.time === undefined ? await statIfExists(driver, data) : { modTime: new Date(entry.time), size: entry.size };
          if (info && (await lastUsed(driver, data, info)) < cutoff) count(report, info.size);
          else if (info) report.recent++;
        } else {
          // Moved aside without a stat first: its time and size are read in quarantine (retire.ts).
          const { outcome, size } = await retireFile(driver, data, cutoff);
          if (outcome === 'removed') count(report, size);
          else if (outcome === 'kept') report.recent++;
        }
        if (++done % 256 === 0) sweep.progress(done, entries.length);
      }),
    ),
  );
  sweep.progress(entries.length, entries.length);
  report.kept = marked.size;
}

function count(report: GcReport['blobs'], size: number): void {
  report.removed++;
  report.bytesFreed += size;
}

/** Digests the `blobs/` tree names, read from its directories: no stat per blob. */
async function blobDigests(driver: StorageDriver): Promise<string[]> {
  const base = `${ROOT}/blobs`;
  const digests: string[] = [];
  const limit = createLimiter(CONCURRENCY);
  for (const algorithm of await listNames(driver, base)) {
    const prefixes = await listNames(driver, `${base}/${algorithm}`);
    const lists = await Promise.all(prefixes.map((prefix) => limit(() => listNames(driver, `${base}/${algorithm}/${prefix}`))));
    for (const hexes of lists) for (const hex of hexes) if (Digest.isValid(`${algorithm}:${hex}`)) digests.push(`${algorithm}:${hex}`);
  }
  return digests;
}

/** The blobs no kept manifest references, by name only: marked blobs (most of a root) cost nothing beyond their directory's name. */
async function unmarkedBlobs(driver: StorageDriver, marked: Set<string>): Promise<BlobEntry[]> {
  return (await blobDigests(driver))
    .filter((digest) => !marked.has(digest))
    .map((digest) => ({ digest, path: blobDataPath(Digest.parse(digest)), size: 0, quarantined: false }));
}

/** `blobs/<alg>/<xx>/<hex>/data`, and quarantined data beside it: every entry of the tree. */
async function walkBlobs(driver: StorageDriver): Promise<BlobEntry[]> {
  const entries: BlobEntry[] = [];
  const base = `${ROOT}/blobs/`;
  try {
    await driver.walk(
      `${ROOT}/blobs`,
      (info) => {
        if (info.isDirectory) return true;
        const parts = info.path.slice(base.length).split('/');
        if (parts.length !== 4) return false;
        const [algorithm, , hex, name] = parts as [string, string, string, string];
        const quarantined = name === `${QUARANTINE_PREFIX}data`;
        if ((name !== 'data' && !quarantined) || !Digest.isValid(`${algorithm}:${hex}`)) return false;
        entries.push({ digest: `${algorithm}:${hex}`, path: info.path, size: info.size, time: info.modTime.getTime(), quarantined });
        return false;
      },
      { temporary: true },
    );
  } catch (err) {
    if (isStowageError(err, 'PATH_NOT_FOUND')) return [];
    throw err;
  }
  return entries;
}
