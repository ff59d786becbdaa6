import { createReadStream } from 'node:fs';
import { rm, unlink } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { Digest, Digester } from '../digest/index.js';
import { listBlobs } from './gc.js';
import type { StoreLayout } from './layout.js';
import type { StoreMetadata } from './metadata.js';
import { imageBlobs } from './records.js';
import { staleStaging } from './staging.js';
import type { CheckReport } from './types.js';

/**
 * `system check`: every blob hashed against its name, every image's blobs present, nothing
 * unreferenced, no staging left by a killed process. With `repair`, removes corrupt and
 * unreferenced blobs, stale staging, and the records of images that lost a blob (their
 * tags go with them): the store is then consistent again, if smaller.
 */
export async function checkStore(layout: StoreLayout, metadata: StoreMetadata, repair: boolean): Promise<CheckReport> {
  const report: CheckReport = { corrupt: [], missing: [], unreferenced: [], staleStaging: [], repaired: [] };
  const referenced = new Map<string, string[]>();
  for (const image of Object.values(metadata.images)) {
    for (const digest of imageBlobs(image)) referenced.set(digest, [...(referenced.get(digest) ?? []), image.manifest.digest]);
  }
  const present = new Set<string>();
  for (const blob of await listBlobs(layout)) {
    present.add(blob.digest);
    if (!(await hashesTo(blob.path, blob.digest))) report.corrupt.push(blob.digest);
    else if (!referenced.has(blob.digest)) report.unreferenced.push(blob.digest);
  }
  for (const [digest, images] of referenced) {
    if (!present.has(digest)) for (const image of images) report.missing.push({ image, digest });
  }
  report.staleStaging = await staleStaging(layout);
  if (!repair) return report;

  for (const digest of [...report.corrupt, ...report.unreferenced]) {
    await unlink(layout.blob(digest)).catch(() => undefined);
    report.repaired.push(`removed blob ${digest}`);
  }
  const broken = new Set([...report.missing.map((m) => m.image), ...report.corrupt.flatMap((d) => referenced.get(d) ?? [])]);
  for (const digest of broken) {
    delete metadata.images[digest];
    for (const [tag, target] of Object.entries(metadata.tags)) if (target === digest) delete metadata.tags[tag];
    report.repaired.push(`removed image ${digest} (a blob was missing or corrupt)`);
  }
  for (const dir of report.staleStaging) {
    await rm(dir, { recursive: true, force: true });
    report.repaired.push(`removed stale staging ${dir}`);
  }
  return report;
}

async function hashesTo(path: string, digest: string): Promise<boolean> {
  let expected: Digest;
  try {
    expected = Digest.parse(digest);
  } catch {
    return false;
  }
  try {
    await pipeline(createReadStream(path, { highWaterMark: 1024 * 1024 }), new Digester({ expected }), async (source) => {
      for await (const _ of source) void _;
    });
    return true;
  } catch {
    return false;
  }
}
