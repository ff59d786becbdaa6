import { Digest } from '../../digest/digest.js';
import type { StorageDriver } from '../../storage/driver.js';
import { createLimiter } from '../../transport/limiter.js';
import { blobDataPath } from '../store/paths.js';
import { statIfExists } from '../store/quarantine.js';
import { keepClosure, keptBlobs } from './plan.js';
import type { RepositoryScan } from './scan.js';
import type { CacheCap } from './types.js';

/** What the cap evicts in one repository: tags to remove, and revisions deletable once past the grace window. */
export interface Eviction {
  tags: Set<string>;
  revisions: Set<string>;
}

/** One unit of eviction: a manifest no other manifest of its repository lists (an image, or an index), with what it keeps. */
interface Unit {
  scan: RepositoryScan;
  key: string;
  time: number;
  revisions: Set<string>;
  blobs: Set<string>;
}

const STAT_CONCURRENCY = 32;

/**
 * A pull-through cache's size cap (`maxsize`): while the distinct blobs of an upstream's
 * cached repositories take more than the cap, the least recently pulled image goes (its tags,
 * its manifests, and so the blobs nothing else keeps). "Pulled" is the time of the manifest's
 * revision link, which reads touch (store/quarantine.ts useFile); an index counts as pulled
 * when it or one of its manifests was. Bytes are counted once however many images share them,
 * and a blob another kept image uses does not count as freed.
 */
export async function planCacheCaps(driver: StorageDriver, scans: RepositoryScan[], caps: CacheCap[]): Promise<Map<string, Eviction>> {
  const evictions = new Map<string, Eviction>();
  for (const cap of caps) {
    const units = scans.filter((scan) => cap.owns(scan.name)).flatMap(unitsOf);
    const sizes = await blobSizes(driver, units);
    const users = new Map<string, number>();
    let total = 0;
    for (const unit of units) {
      for (const blob of unit.blobs) {
        const count = users.get(blob) ?? 0;
        if (count === 0) total += sizes.get(blob) ?? 0;
        users.set(blob, count + 1);
      }
    }
    units.sort((a, b) => a.time - b.time);
    for (const unit of units) {
      if (total <= cap.maxBytes) break;
      for (const blob of unit.blobs) {
        const count = (users.get(blob) ?? 1) - 1;
        users.set(blob, count);
        if (count === 0) total -= sizes.get(blob) ?? 0;
      }
      let eviction = evictions.get(unit.scan.name);
      if (!eviction) {
        eviction = { tags: new Set(), revisions: new Set() };
        evictions.set(unit.scan.name, eviction);
      }
      for (const tag of unit.scan.tags) if (tag.digest.toString() === unit.key) eviction.tags.add(tag.tag);
      for (const revision of unit.revisions) eviction.revisions.add(revision);
    }
  }
  return evictions;
}

function unitsOf(scan: RepositoryScan): Unit[] {
  const listed = new Set<string>();
  for (const revision of scan.revisions.values()) for (const child of revision.references?.children ?? []) listed.add(child.toString());
  const units: Unit[] = [];
  for (const [key] of scan.revisions) {
    if (listed.has(key)) continue;
    const revisions = new Set<string>();
    keepClosure(scan, revisions, [key]);
    const time = Math.max(...[...revisions].map((member) => scan.revisions.get(member)?.time ?? 0));
    units.push({ scan, key, time, revisions, blobs: keptBlobs(scan, revisions).blobs });
  }
  return units;
}

async function blobSizes(driver: StorageDriver, units: Unit[]): Promise<Map<string, number>> {
  const all = new Set(units.flatMap((unit) => [...unit.blobs]));
  const sizes = new Map<string, number>();
  const limit = createLimiter(STAT_CONCURRENCY);
  await Promise.all(
    [...all].map((key) =>
      limit(async () => {
        const info = await statIfExists(driver, blobDataPath(Digest.parse(key)));
        if (info) sizes.set(key, info.size);
      }),
    ),
  );
  return sizes;
}
