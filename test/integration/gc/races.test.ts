/**
 * A client racing a collection at the exact moment (collect.ts, "the protocol"): the run is
 * stopped before or after it moves a blob aside, or just before it deletes it, and the client
 * HEADs, uploads or mounts that blob and pushes a manifest that references it. Every push
 * must succeed and the image must pull complete, whatever the moment.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { collectGarbage, type GcReport } from '../../../src/registry/gc/index.js';
import { age, pullComplete, quarantined } from '../../support/gc.js';
import { HookedDriver } from '../../support/hooked-driver.js';
import type { HttpClient } from '../../support/http.js';
import { startRegistry, type TestRegistry } from '../../support/registry.js';
import {
  buildImage,
  type Descriptor,
  layerLinkPath,
  manifestBytes,
  newClient,
  pushBlob,
  pushManifest,
  randomRepo,
  sha256,
} from '../../support/registry-images.js';

let reg: TestRegistry;
let c: HttpClient;
let driver: HookedDriver;

before(async () => {
  reg = await startRegistry({ root: await mkdtemp(join(tmpdir(), 'stowage-gc-race-')) });
  c = newClient(reg.url);
  driver = new HookedDriver(reg.root);
});
after(async () => {
  await reg.close();
  await rm(reg.root, { recursive: true, force: true });
});

/** Where the run stops: at the repository's layer link (links are swept per repository) or at the blob data (swept last). */
type Moment = { operation: 'move' | 'delete'; when: 'before' | 'after'; target: 'link' | 'blob' };
type ClientMove = (repo: string, image: Awaited<ReturnType<typeof buildImage>>) => Promise<void>;

/**
 * Builds an image whose blobs nothing references and that look two hours old, starts a run
 * that stops at `moment` for the image's first layer, lets `client` act, then lets the run
 * finish. Returns the run's report. For a stop at the blob, the repository's links are made
 * recent (as a link written by a recent mount would be), so the run keeps them and reaches
 * the blob data with the links still there.
 */
async function race(moment: Moment, client: ClientMove): Promise<GcReport> {
  const repo = randomRepo('race');
  const image = await buildImage(c, repo, { layers: 2 });
  // A tagged image keeps the config and the second layer: the first layer is the one raced for.
  const [raced, other] = image.layers as [Descriptor, Descriptor];
  const keeperJson = { schemaVersion: 2, mediaType: image.mediaType, config: image.config, layers: [other] };
  const keeperBytes = manifestBytes(keeperJson);
  const keeper = {
    mediaType: image.mediaType,
    bytes: keeperBytes,
    digest: sha256(keeperBytes),
    size: keeperBytes.length,
    json: keeperJson,
    descriptor: { mediaType: image.mediaType, digest: sha256(keeperBytes), size: keeperBytes.length },
  };
  await pushManifest(c, repo, keeper, 'keeper');
  await age(reg.root, 2 * 3600_000);
  if (moment.target === 'blob') {
    const now = new Date();
    await utimes(layerLinkPath(reg.root, repo, raced.digest), now, now);
  }
  const hex = raced.digest.split(':')[1]!;
  const marker = moment.target === 'blob' ? `/blobs/sha256/${hex.slice(0, 2)}/${hex}/` : `/_layers/sha256/${hex}/`;
  let reached!: () => void;
  const stopped = new Promise<void>((resolve) => (reached = resolve));
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let fired = false;
  driver.hook = async (operation, when, paths) => {
    const forTarget = paths.some((path) => path.includes(marker));
    if (fired || !forTarget || operation !== moment.operation || when !== moment.when) return;
    fired = true;
    reached();
    await released;
  };
  const run = collectGarbage(driver, { graceMs: 0 });
  await stopped;
  await client(repo, image);
  release();
  const report = await run;
  driver.hook = () => undefined;
  assert.ok(fired, 'the run reached the moment');
  await pullComplete(c, repo, 'keeper');
  await pullComplete(c, repo, 'raced');
  assert.deepEqual(await quarantined(reg.root), [], 'nothing left aside');
  return report;
}

const headThenPush: ClientMove = async (repo, image) => {
  for (const blob of [image.config, ...image.layers]) {
    const res = await c.head(`/v2/${repo}/blobs/${blob.digest}`);
    assert.equal(res.status, 200, `HEAD finds ${blob.digest}: ${res.describe()}`);
  }
  await pushManifest(c, repo, image, 'raced');
};

for (const target of ['link', 'blob'] as Array<Moment['target']>) {
  describe(`a push racing the sweep of a ${target}`, () => {
    test('HEAD, then manifest PUT, just before the blob is moved aside', async () => {
      await race({ operation: 'move', when: 'before', target }, headThenPush);
    });

    test('HEAD, then manifest PUT, while the blob is aside (the HEAD brings it back)', async () => {
      await race({ operation: 'move', when: 'after', target }, headThenPush);
    });

    test('HEAD, then manifest PUT, just before the delete', async () => {
      await race({ operation: 'delete', when: 'before', target }, headThenPush);
    });

    test('manifest PUT without a HEAD while the blob is aside (the PUT brings it back)', async () => {
      await race({ operation: 'move', when: 'after', target }, async (repo, image) => {
        await pushManifest(c, repo, image, 'raced');
      });
    });

    test('the blob uploaded again while it is aside', async () => {
      const report = await race({ operation: 'move', when: 'after', target }, async (repo, image) => {
        const layer = image.layers[0]!;
        // The same bytes: the test's builder kept none, so read them back from the registry first.
        const bytes = (await c.get(`/v2/${repo}/blobs/${layer.digest}`)).body;
        assert.equal(bytes.length, layer.size);
        await pushBlob(c, repo, bytes);
        await pushManifest(c, repo, image, 'raced');
      });
      assert.equal(report.blobs.removed, 0, JSON.stringify(report));
    });

    test('the blob mounted into another repository while it is aside', async () => {
      let mounted = '';
      await race({ operation: 'move', when: 'after', target }, async (repo, image) => {
        mounted = randomRepo('mounted');
        for (const blob of [image.config, ...image.layers]) {
          const res = await c.post(`/v2/${mounted}/blobs/uploads/?mount=${blob.digest}&from=${repo}`, { headers: { 'content-length': '0' } });
          assert.equal(res.status, 201, `mount ${blob.digest}: ${res.describe()}`);
        }
        await pushManifest(c, mounted, image, 'raced');
        await pushManifest(c, repo, image, 'raced');
      });
      await pullComplete(c, mounted, 'raced');
    });
  });
}
