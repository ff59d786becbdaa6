/**
 * Retention applied by a collection (src/registry/gc/retention.ts decides, collect.ts applies):
 * a dry run lists what would go, the run removes those tags, deletes the manifests that lost
 * their last tag with their blobs, and keeps what any condition keeps.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { collectGarbage } from '../../../src/registry/gc/index.js';
import { FilesystemDriver } from '../../../src/storage/fs/driver.js';
import { age, pullComplete } from '../../support/gc.js';
import type { HttpClient } from '../../support/http.js';
import { startRegistry, type TestRegistry } from '../../support/registry.js';
import { blobDataPath, exists, newClient, pushImage, tagLinkPath } from '../../support/registry-images.js';

const DAY = 24 * 3600_000;
let reg: TestRegistry;
let c: HttpClient;

before(async () => {
  reg = await startRegistry({ root: await mkdtemp(join(tmpdir(), 'stowage-gc-retention-')) });
  c = newClient(reg.url);
});
after(async () => {
  await reg.close();
  await rm(reg.root, { recursive: true, force: true });
});

test('keeplast, keep, olderthan and protect through a real collection, dry run first', async () => {
  const repo = 'team/app';
  // Pushed 10, 9, … 1 days ago: b10 is the oldest.
  const images = new Map<string, Awaited<ReturnType<typeof pushImage>>>();
  for (const tag of ['b10', 'b9', 'v1.0', 'b8', 'latest', 'b3', 'b2', 'b1']) images.set(tag, await pushImage(c, repo, tag));
  await age(reg.root, 2 * 3600_000);
  const pushed: Record<string, number> = { b10: 10, b9: 9, 'v1.0': 9, b8: 8, latest: 30, b3: 3, b2: 2, b1: 1 };
  for (const [tag, days] of Object.entries(pushed)) {
    const when = new Date(Date.now() - days * DAY);
    await utimes(tagLinkPath(reg.root, repo, tag), when, when);
  }
  // An untouched repository: no rule matches it.
  await pushImage(c, 'other/app', 'old');
  await age(join(reg.root, 'docker/registry/v2/repositories/other'), 40 * DAY);

  const retention = [{ repositories: ['team/*'], keepLast: 2, keep: '^v', olderThanMs: 5 * DAY, protect: '^latest$' }];
  const driver = new FilesystemDriver(reg.root);
  const dry = await collectGarbage(driver, { graceMs: 0, dryRun: true, retention });
  // b1, b2: the two most recent; b3: newer than 5 days; v1.0: keep; latest: protect.
  assert.deepEqual(dry.tags.list.map((t) => t.tag).sort(), ['b10', 'b8', 'b9']);
  assert.equal(dry.manifests.removed, 3, JSON.stringify(dry));
  assert.ok(await exists(tagLinkPath(reg.root, repo, 'b10')), 'a dry run removes nothing');

  const report = await collectGarbage(driver, { graceMs: 0, retention });
  assert.deepEqual(report.tags.list, dry.tags.list);
  assert.equal(report.manifests.removed, 3);
  for (const tag of ['b10', 'b9', 'b8']) {
    assert.equal((await c.get(`/v2/${repo}/manifests/${tag}`)).status, 404, `${tag} removed`);
    for (const layer of images.get(tag)!.layers) assert.equal(await exists(blobDataPath(reg.root, layer.digest)), false, `${tag}'s layers freed`);
  }
  for (const tag of ['v1.0', 'latest', 'b3', 'b2', 'b1']) await pullComplete(c, repo, tag);
  await pullComplete(c, 'other/app', 'old');
  const list = await c.get(`/v2/${repo}/tags/list`);
  assert.deepEqual(list.json<{ tags: string[] }>().tags, ['b1', 'b2', 'b3', 'latest', 'v1.0']);
});

test('a tag pushed again while retention removes it is the push, whole', async () => {
  const repo = 'team/race';
  await pushImage(c, repo, 'old');
  await age(reg.root, 2 * 3600_000);
  const when = new Date(Date.now() - 30 * DAY);
  await utimes(tagLinkPath(reg.root, repo, 'old'), when, when);
  const driver = new FilesystemDriver(reg.root);
  // Push it again at the moment the run has moved the tag aside.
  let pushedAgain: Awaited<ReturnType<typeof pushImage>> | undefined;
  const hooked = Object.create(driver) as FilesystemDriver;
  hooked.move = async (source, destination, options) => {
    await driver.move(source, destination, options);
    if (!pushedAgain && destination.includes('.stowage-tmp-gc-tag-old')) {
      pushedAgain = await pushImage(c, repo, 'old');
    }
  };
  const report = await collectGarbage(hooked, { graceMs: 0, retention: [{ repositories: ['team/race'], olderThanMs: DAY }] });
  assert.ok(pushedAgain);
  // The old pointer went; the push made meanwhile is the tag now, whole.
  assert.equal(report.tags.removed, 1, JSON.stringify(report));
  const [digest] = await pullComplete(c, repo, 'old');
  assert.equal(digest, pushedAgain.digest);
});
