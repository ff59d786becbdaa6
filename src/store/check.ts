import { createReadStream } from 'node:fs';
import { rm, stat, unlink } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { Digest, Digester } from '../digest/index.js';
import { listBlobs } from './gc.js';
import type { StoreLayout } from './layout.js';
import { readMetadata, type StoreMetadata } from './metadata.js';
import { imageBlobs } from './records.js';
import { staleStaging } from './staging.js';
import type { CheckReport } from './types.js';

/**
 * `system check`, first half: every blob hashed against its name, every image's blobs present,
 * nothing unreferenced, nothing left by a killed process. Takes no lock and changes nothing, so
 * hashing a large store never holds up a pull: images.json is read after the hashing, and every
 * finding is judged against that (a blob a pull committed meanwhile is referenced, not missing).
 */
export async function scanStore(layout: StoreLayout): Promise<CheckReport> {
  const report: CheckReport = { corrupt: [], missing: [], unreferenced: [], staleStaging: [], repaired: [] };
  const blobs = await listBlobs(layout);
  const corrupt = new Set<string>();
  for (const blob of blobs) if (!(await hashesTo(blob.path, blob.digest))) corrupt.add(blob.digest);
  const metadata = await readMetadata(layout);
  const referenced = referencedBlobs(metadata);
  for (const blob of blobs) {
    // An rmi may have collected it since it was listed: then it is no finding.
    if (!(await isFile(blob.path))) continue;
    if (corrupt.has(blob.digest)) report.corrupt.push(blob.digest);
    else if (!referenced.has(blob.digest)) report.unreferenced.push(blob.digest);
  }
  for (const [digest, images] of referenced) {
    if (!(await isFile(layout.blob(digest)))) for (const image of images) report.missing.push({ image, digest });
  }
  report.staleStaging = await staleStaging(layout);
  return report;
}

/**
 * `system check --repair`, second half, under the store lock: images.json read again and each
 * finding of the scan verified again before anything is removed (a pull may have committed, or an
 * rmi collected, while the scan ran without the lock). A finding that no longer holds is dropped
 * from the report. Removes corrupt and unreferenced blobs, what killed processes left, and the
 * records of images that lost a blob (their tags go with them); the caller writes `metadata`.
 */
export async function repairStore(layout: StoreLayout, report: CheckReport): Promise<{ report: CheckReport; metadata: StoreMetadata }> {
  const metadata = await readMetadata(layout);
  const referenced = referencedBlobs(metadata);
  const out: CheckReport = { corrupt: [], missing: [], unreferenced: [], staleStaging: [], repaired: [] };
  for (const digest of report.corrupt) {
    const path = layout.blob(digest);
    // Re-hashed: only the findings, so the lock is held for little. A pull may have put a good copy back.
    if ((await isFile(path)) && !(await hashesTo(path, digest))) out.corrupt.push(digest);
  }
  for (const digest of report.unreferenced) {
    if (!referenced.has(digest) && (await isFile(layout.blob(digest)))) out.unreferenced.push(digest);
  }
  for (const finding of report.missing) {
    if ((referenced.get(finding.digest) ?? []).includes(finding.image) && !(await isFile(layout.blob(finding.digest)))) out.missing.push(finding);
  }
  const stale = new Set(await staleStaging(layout));
  out.staleStaging = report.staleStaging.filter((dir) => stale.has(dir));

  for (const digest of [...out.corrupt, ...out.unreferenced]) {
    await unlink(layout.blob(digest)).catch(() => undefined);
    out.repaired.push(`removed blob ${digest}`);
  }
  const broken = new Set([...out.missing.map((m) => m.image), ...out.corrupt.flatMap((d) => referenced.get(d) ?? [])]);
  for (const digest of broken) {
    delete metadata.images[digest];
    for (const [tag, target] of Object.entries(metadata.tags)) if (target === digest) delete metadata.tags[tag];
    out.repaired.push(`removed image ${digest} (a blob was missing or corrupt)`);
  }
  for (const dir of out.staleStaging) {
    await rm(dir, { recursive: true, force: true });
    out.repaired.push(`removed stale staging ${dir}`);
  }
  return { report: out, metadata };
}

/** Blob digest → the images (manifest digests) that need it. */
function referencedBlobs(metadata: StoreMetadata): Map<string, string[]> {
  const referenced = new Map<string, string[]>();
  for (const image of Object.values(metadata.images)) {
    for (const digest of new Set(imageBlobs(image))) referenced.set(digest, [...(referenced.get(digest) ?? []), image.manifest.digest]);
  }
  return referenced;
}

async function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
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
