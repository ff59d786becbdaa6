/**
 * A pull-through cache's space is freed by the collector (src/registry/gc/collect.ts expiry,
 * cache-cap.ts): cached repositories' content unpulled for its ttl goes, and over a size cap
 * the least recently pulled images go first; hosted repositories are never touched by either.
 * Cached repositories here are pushed under `docker.io/…` names (no upstream is needed to put
 * content where a cache keeps it); "pulled" times are set on the revision links, as reads do.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { collectGarbage } from '../../../src/registry/gc/index.js';
import { FilesystemDriver } from '../../../src/storage/fs/driver.js';
import { age, blobsOnDisk, pullComplete } from '../../support/gc.js';
import type { HttpClient } from '../../support/http.js';
import { startRegistry, type TestRegistry } from '../../support/registry.js';
import { blobDataPath, newClient, pushImage, randomRepo, revisionLinkPath } from '../../support/registry-images.js';

const HOUR = 3600_000;
let reg: TestRegistry;
let c: HttpClient;
let driver: FilesystemDriver;

before(async () => {
  reg = await startRegistry({ root: await mkdtemp(join(tmpdir(), 'stowage-gc-cache-')) });
  c = newClient(reg.url);
  driver = new FilesystemDriver(reg.root);
});
after(async () => {
  await reg.close();
  await rm(reg.root, { recursive: true, force: true });
});

const cached = (name: string): boolean => name.startsWith('docker.io/');
const blobsOf = (img: { digest: string; config: { digest: string }; layers: Array<{ digest: string }> }): string[] => [
  img.digest,
  img.config.digest,
  ...img.layers.map((layer) => layer.digest),
];

/** Sets when a manifest was last pulled (its revision link's time, which pulls touch). */
async function pulledAgo(repo: string, digest: string, ms: number): Promise<void> {
  const when = new Date(Date.now() - ms);
  await utimes(revisionLinkPath(reg.root, repo, digest), when, when);
}

describe('garbage collection of cached content', () => {
  test('ttl: what nobody pulled within it goes with its tag; what was pulled stays; hosted content stays', async () => {
    const stale = `docker.io/${randomRepo('stale')}`;
    const fresh = `docker.io/${randomRepo('fresh')}`;
    const hosted = randomRepo('hosted');
    const a = await pushImage(c, stale, 'v1');
    const b = await pushImage(c, fresh, 'v1');
    const h = await pushImage(c, hosted, 'v1');
    await age(reg.root, 3 * HOUR);
    await pullComplete(c, fresh, 'v1');

    const report = await collectGarbage(driver, { expiry: (name) => (cached(name) ? 2 * HOUR : undefined) });
    assert.deepEqual(
      report.tags.list.map((t) => `${t.repository}:${t.tag}`),
      [`${stale}:v1`],
    );
    const onDisk = await blobsOnDisk(reg.root);
    for (const blob of blobsOf(a)) assert.ok(!onDisk.has(blob), `${blob} of the expired image is freed`);
    for (const blob of [...blobsOf(b), ...blobsOf(h)]) assert.ok(onDisk.has(blob), `${blob} stays`);
    assert.equal((await c.get(`/v2/${stale}/manifests/v1`)).status, 404);
    await pullComplete(c, fresh, 'v1');
    await pullComplete(c, hosted, 'v1');
  });

  test('maxsize: over the cap, the least recently pulled images go first, until the rest fit', async () => {
    // Another upstream's repositories than the first test's, so the cap counts these alone.
    const capped = (name: string): boolean => name.startsWith('quay.io/');
    const names = [0, 1, 2].map(() => `quay.io/${randomRepo('capped')}`);
    const hosted = randomRepo('hosted');
    const images: Array<Awaited<ReturnType<typeof pushImage>>> = [];
    for (const name of names) images.push(await pushImage(c, name, 'v1', { layers: 2 }));
    const h = await pushImage(c, hosted, 'v1');
    await age(reg.root, 2 * HOUR);
    // Sizes from the files: a HEAD would be a use, which keeps a blob for the grace window.
    const sizes = await Promise.all(
      images.map(async (img) => {
        let total = 0;
        for (const blob of blobsOf(img)) total += (await stat(blobDataPath(reg.root, blob))).size;
        return total;
      }),
    );
    // Pulled 5 h, 4 h and 3 h ago: the first is the least recently pulled.
    for (const [i, name] of names.entries()) await pulledAgo(name, images[i]!.digest, (5 - i) * HOUR);
    // Room for the last two: the first must go, and only it.
    const cap = sizes[1]! + sizes[2]! + 1;

    const dry = await collectGarbage(driver, { dryRun: true, cacheCaps: [{ maxBytes: cap, owns: capped }] });
    assert.deepEqual(
      dry.tags.list.map((t) => t.repository),
      [names[0]],
    );
    const report = await collectGarbage(driver, { cacheCaps: [{ maxBytes: cap, owns: capped }] });
    assert.deepEqual(
      report.tags.list.map((t) => t.repository),
      [names[0]],
    );
    const onDisk = await blobsOnDisk(reg.root);
    for (const blob of blobsOf(images[0]!)) assert.ok(!onDisk.has(blob), `${blob} of the evicted image is freed`);
    for (const img of [images[1]!, images[2]!, h]) for (const blob of blobsOf(img)) assert.ok(onDisk.has(blob), `${blob} stays`);
    assert.ok(report.blobs.bytesFreed >= sizes[0]!, `freed ${report.blobs.bytesFreed} of ${sizes[0]}`);
  });
});
