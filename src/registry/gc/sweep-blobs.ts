import { Digest } from '../../digest/digest.js';
import { isStowageError } from '../../errors/error.js';
import type { StorageDriver } from '../../storage/driver.js';
import { createLimiter } from '../../transport/limiter.js';
import { deleteIfExists } from '../store/links.js';
import { ROOT } from '../store/paths.js';
import { QUARANTINE_PREFIX, rescue } from '../store/quarantine.js';
import { retireFile, settleQuarantined } from './retire.js';
import type { GcReport } from './types.js';

/** Blobs retired at once: each is a rename, a stat and a delete. */
const CONCURRENCY = 16;

interface BlobEntry {
  digest: string;
  path: string;
  size: number;
  time: number;
  quarantined: boolean;
}

export interface BlobSweep {
  marked: Set<string>;
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
  const entries = await listBlobs(driver);
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
          else if ((await settleQuarantined(driver, data, cutoff)) === 'removed') count(report, entry.size);
        } else if (marked.has(entry.digest)) {
          report.kept++;
        } else if (entry.time >= cutoff) {
          report.recent++;
        } else if (sweep.dryRun) {
          count(report, entry.size);
        } else {
          const outcome = await retireFile(driver, data, cutoff);
          if (outcome === 'removed') count(report, entry.size);
          else if (outcome === 'kept') report.recent++;
        }
        if (++done % 256 === 0) sweep.progress(done, entries.length);
      }),
    ),
  );
  sweep.progress(entries.length, entries.length);
}

function count(report: GcReport['blobs'], size: number): void {
  report.removed++;
  report.bytesFreed += size;
}

/** `blobs/<alg>/<xx>/<hex>/data`, and quarantined data beside it. */
async function listBlobs(driver: StorageDriver): Promise<BlobEntry[]> {
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
