/**
 * Garbage collection over a real registry's root: what is kept, what goes, and the report
 * (src/registry/gc/collect.ts). Content is aged on disk (utimes) past the grace window instead of waiting.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { collectGarbage } from '../../../src/registry/gc/index.js';
import { FilesystemDriver } from '../../../src/storage/fs/driver.js';
import { isStowageError } from '../../../src/errors/error.js';
import { age, blobsOnDisk, pullComplete, quarantined } from '../../support/gc.js';
import type { HttpClient } from '../../support/http.js';
import { startRegistry, type TestRegistry } from '../../support/registry.js';
import {
  blobDataPath,
  buildImage,
  buildIndex,
  layerLinkPath,
  newClient,
  pushBlob,
  pushImage,
  pushManifest,
  randomBlob,
  randomRepo,
  revisionLinkPath,
  exists,
} from '../../support/registry-images.js';

const HOUR = 3600_000;
let reg: TestRegistry;
let c: HttpClient;
let driver: FilesystemDriver;

before(async () => {
  reg = await startRegistry({ root: await mkdtemp(join(tmpdir(), 'stowage-gc-')) });
  c = newClient(reg.url);
  driver = new FilesystemDriver(reg.root);
});
after(async () => {
  await reg.close();
  await rm(reg.root, { recursive: true, force: true });
});

describe('garbage collection', () => {
  test('frees what a deleted manifest alone referenced, keeps what a tag reaches, reports it', async () => {
    const a = randomRepo('gc');
    const b = randomRepo('gc');
    const kept = await pushImage(c, a, 'v1');
    const doomed = await pushImage(c, b, 'v1');
    // b also links one of a's layers, through a second image that stays.
    const shared = await buildImage(c, b, { layers: 1 });
    await pushBlob(c, b, randomBlob(10), 'application/octet-stream'); // uploaded, never referenced
    await pushManifest(c, b, { ...shared }, 'v2');
    assert.equal((await c.delete(`/v2/${b}/manifests/${doomed.digest}`)).status, 202);
    await age(reg.root, 2 * HOUR);

    const report = await collectGarbage(driver);
    const freed = [doomed.digest, doomed.config.digest, ...doomed.layers.map((l) => l.digest)];
    for (const digest of freed) assert.equal(await exists(blobDataPath(reg.root, digest)), false, `${digest} freed`);
    assert.ok(report.blobs.removed >= freed.length + 1, `report: ${JSON.stringify(report)}`);
    assert.ok(report.blobs.bytesFreed > 0);
    assert.equal(report.dryRun, false);
    assert.equal(await exists(layerLinkPath(reg.root, b, doomed.layers[0]!.digest)), false, 'the layer link went too');
    await pullComplete(c, a, 'v1');
    await pullComplete(c, b, 'v2');
    assert.ok((await blobsOnDisk(reg.root)).has(kept.config.digest));
    assert.deepEqual(await quarantined(reg.root), []);

    const again = await collectGarbage(driver);
    assert.equal(again.blobs.removed, 0, 'a second run finds nothing more');
  });

  test('a dry run reports what would go and deletes nothing', async () => {
    const repo = randomRepo('gc');
    const img = await pushImage(c, repo, 'x');
    assert.equal((await c.delete(`/v2/${repo}/manifests/${img.digest}`)).status, 202);
    await age(reg.root, 2 * HOUR);
    const before = await blobsOnDisk(reg.root);
    const report = await collectGarbage(driver, { dryRun: true });
    assert.equal(report.dryRun, true);
    assert.ok(report.blobs.removed >= 3, JSON.stringify(report));
    assert.deepEqual(await blobsOnDisk(reg.root), before);
    const real = await collectGarbage(driver);
    assert.equal(real.blobs.removed, report.blobs.removed, 'the run does what the dry run said');
  });

  test('content used within the grace window is kept, and freed by a later run', async () => {
    const repo = randomRepo('gc');
    const lonely = await pushBlob(c, repo, randomBlob(100));
    const report = await collectGarbage(driver);
    assert.ok(report.blobs.recent >= 1);
    assert.ok(await exists(blobDataPath(reg.root, lonely.digest)), 'just uploaded: kept');
    await age(reg.root, 2 * HOUR);
    await collectGarbage(driver);
    assert.equal(await exists(blobDataPath(reg.root, lonely.digest)), false, 'older than the window: freed');
  });

  test('a HEAD that finds an old unreferenced blob keeps it for the manifest PUT that follows', async () => {
    const repo = randomRepo('gc');
    const img = await buildImage(c, repo, { layers: 2 });
    await age(reg.root, 2 * HOUR);
    for (const blob of [img.config, ...img.layers]) assert.equal((await c.head(`/v2/${repo}/blobs/${blob.digest}`)).status, 200);
    await collectGarbage(driver);
    await pushManifest(c, repo, img, 'late');
    await pullComplete(c, repo, 'late');
  });

  test('untagged manifests stay unless asked, go after their age, and an index keeps its children', async () => {
    const repo = randomRepo('gc');
    const first = await pushImage(c, repo, 'latest');
    const second = await pushImage(c, repo, 'latest'); // first is now untagged
    const child = await pushImage(c, repo, undefined);
    const index = buildIndex([child.descriptor]);
    await pushManifest(c, repo, index, 'multi');
    await age(reg.root, 2 * HOUR);

    const off = await collectGarbage(driver);
    assert.equal(off.manifests.removed, 0);
    assert.ok(await exists(blobDataPath(reg.root, first.layers[0]!.digest)));

    const young = await collectGarbage(driver, { untagged: { delete: true, ageMs: 24 * HOUR } });
    assert.equal(young.manifests.removed, 0, 'younger than untagged.age');

    const on = await collectGarbage(driver, { untagged: { delete: true, ageMs: HOUR } });
    assert.equal(on.manifests.removed, 1, JSON.stringify(on));
    assert.equal(await exists(revisionLinkPath(reg.root, repo, first.digest)), false);
    assert.equal(await exists(blobDataPath(reg.root, first.layers[0]!.digest)), false);
    assert.equal((await c.get(`/v2/${repo}/manifests/${first.digest}`)).status, 404);
    await pullComplete(c, repo, 'latest');
    await pullComplete(c, repo, 'multi');
    assert.ok(await exists(revisionLinkPath(reg.root, repo, child.digest)), 'the child of a tagged index stays');
    void second;
  });

  test('referrers stay with a kept subject, and a tagged referrer keeps its untagged subject', async () => {
    const repo = randomRepo('gc');
    const subject = await pushImage(c, repo, 'app');
    const signature = await pushImage(c, repo, undefined, { subject: subject.descriptor, artifactType: 'application/vnd.example.sig' });
    const orphanSubject = await pushImage(c, repo, undefined);
    const sbom = await pushImage(c, repo, 'sbom', { subject: orphanSubject.descriptor, artifactType: 'application/spdx+json' });
    await age(reg.root, 2 * HOUR);
    const report = await collectGarbage(driver, { untagged: { delete: true, ageMs: 0 } });
    assert.equal(report.manifests.removed, 0, JSON.stringify(report));
    await pullComplete(c, repo, signature.digest);
    await pullComplete(c, repo, orphanSubject.digest);
    await pullComplete(c, repo, 'sbom');
    const referrers = await c.get(`/v2/${repo}/referrers/${subject.digest}`);
    assert.equal(referrers.json<{ manifests: unknown[] }>().manifests.length, 1);
    void sbom;
  });

  test('a referrer whose subject goes goes with it, and leaves the referrers index', async () => {
    const repo = randomRepo('gc');
    const subject = await pushImage(c, repo, undefined);
    const signature = await pushImage(c, repo, undefined, { subject: subject.descriptor, artifactType: 'application/vnd.example.sig' });
    await age(reg.root, 2 * HOUR);
    const report = await collectGarbage(driver, { untagged: { delete: true, ageMs: 0 } });
    assert.equal(report.manifests.removed, 2, JSON.stringify(report));
    assert.equal((await c.get(`/v2/${repo}/manifests/${signature.digest}`)).status, 404);
    const referrers = await c.get(`/v2/${repo}/referrers/${subject.digest}`);
    assert.deepEqual(referrers.json<{ manifests: unknown[] }>().manifests, []);
  });

  test('what an interrupted run left in quarantine is readable meanwhile and settled by the next run', async () => {
    const repo = randomRepo('gc');
    const img = await pushImage(c, repo, 'q');
    const garbage = await pushBlob(c, repo, randomBlob(64));
    await age(reg.root, 2 * HOUR);
    // As a run killed between its move aside and its judgement leaves them: and its lock, held by a dead process.
    const lock = join(reg.root, 'docker/registry/v2/_stowage/gc.lock');
    await mkdir(join(lock, '..'), { recursive: true });
    await writeFile(lock, JSON.stringify({ pid: 2 ** 22 + 12345, host: hostname(), nonce: 'dead', startedAt: new Date().toISOString() }));
    for (const digest of [img.layers[0]!.digest, garbage.digest]) {
      const data = blobDataPath(reg.root, digest);
      await rename(data, join(data, '..', '.stowage-tmp-gc-data'));
    }
    const link = revisionLinkPath(reg.root, repo, img.digest);
    await rename(link, join(link, '..', '.stowage-tmp-gc-link'));
    await pullComplete(c, repo, 'q'); // readers bring back what they need
    assert.equal((await quarantined(reg.root)).length, 1, 'the garbage blob is still in quarantine');
    await age(reg.root, 2 * HOUR);
    await collectGarbage(driver);
    assert.deepEqual(await quarantined(reg.root), []);
    assert.equal(await exists(blobDataPath(reg.root, garbage.digest)), false);
    await pullComplete(c, repo, 'q');
  });

  test('one run at a time per root', async () => {
    const runs = await Promise.allSettled([collectGarbage(driver), collectGarbage(driver)]);
    const refused = runs.filter((run) => run.status === 'rejected');
    assert.equal(refused.length, 1, 'one of two simultaneous runs is refused');
    assert.ok(isStowageError((refused[0] as PromiseRejectedResult).reason, 'GC_RUNNING'));
    await collectGarbage(driver); // and the lock is released after
  });
});
