/** computeUsage: bytes, unique and shared per repository, from the index beside the data and the repositories marked changed. */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Digest } from '../../../../src/digest/digest.js';
import { isStowageError } from '../../../../src/errors/error.js';
import { listNames } from '../../../../src/registry/store/links.js';
import { blobDataPath, layerLinkPath, USAGE_CHANGED, USAGE_INDEX } from '../../../../src/registry/store/paths.js';
import { RegistryStore } from '../../../../src/registry/store/registry.js';
import { computeUsage, invalidateUsage } from '../../../../src/registry/usage/index.js';
import type { StorageDriver } from '../../../../src/storage/driver.js';
import { FilesystemDriver } from '../../../../src/storage/fs/driver.js';
import { MemoryDriver } from '../../../../src/storage/memory/driver.js';

/** Counts the driver calls made, and the paths they touched. */
function counting(driver: StorageDriver): { driver: StorageDriver; calls: string[] } {
  const calls: string[] = [];
  const wrapped = new Proxy(driver, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls.push(`${String(property)} ${String(args[0])}`);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { driver: wrapped, calls };
}

async function blob(driver: StorageDriver, size: number, seed: string): Promise<Digest> {
  const bytes = Buffer.alloc(size, seed);
  const digest = Digest.of(bytes);
  await driver.putContent(blobDataPath(digest), bytes);
  return digest;
}

const rows = (report: Awaited<ReturnType<typeof computeUsage>>) =>
  Object.fromEntries(report.repositories.map((r) => [r.name, [r.blobs, r.bytes, r.uniqueBytes, r.sharedBytes]]));

const roots: string[] = [];
after(async () => {
  for (const root of roots) await rm(root, { recursive: true, force: true });
});

const DRIVERS: Record<string, () => Promise<StorageDriver>> = {
  inmemory: async () => new MemoryDriver(),
  filesystem: async () => {
    const root = await mkdtemp(join(tmpdir(), 'stowage-usage-'));
    roots.push(root);
    return new FilesystemDriver(root);
  },
};

for (const [kind, open] of Object.entries(DRIVERS)) {
  describe(`computeUsage (${kind})`, () => {
    /** a: x (10) and s (100); b: s and y (1000), y also as its manifest revision. */
    async function twoRepositories(): Promise<{ driver: StorageDriver; store: RegistryStore; x: Digest; s: Digest; y: Digest }> {
      const driver = await open();
      const store = new RegistryStore({ driver });
      const [x, s, y] = [await blob(driver, 10, 'x'), await blob(driver, 100, 's'), await blob(driver, 1000, 'y')];
      await store.repository('team/a').blobs.link(x);
      await store.repository('team/a').blobs.link(s);
      await store.repository('b').blobs.link(s);
      await store.repository('b').blobs.link(y);
      return { driver, store, x, s, y };
    }

    it('counts each linked blob once per repository, unique and shared', async () => {
      const { driver } = await twoRepositories();
      const report = await computeUsage(driver);
      assert.deepEqual(rows(report), { 'team/a': [2, 110, 10, 100], b: [2, 1100, 1000, 100] });
      assert.deepEqual(report.totals, { repositories: 2, blobs: 3, bytes: 1110 });
      assert.deepEqual(
        report.repositories.map((r) => r.name),
        ['b', 'team/a'],
      );
    });

    it('answers for one repository, its unique bytes judged against all others', async () => {
      const { driver } = await twoRepositories();
      const report = await computeUsage(driver, { repository: 'team/a' });
      assert.deepEqual(rows(report), { 'team/a': [2, 110, 10, 100] });
      assert.equal(report.totals.repositories, 2);
      await assert.rejects(computeUsage(driver, { repository: 'nope' }), (err) => isStowageError(err, 'NAME_UNKNOWN') && /nope/.test(err.message));
    });

    it('answers a warm run from the index without touching any repository', async () => {
      const { driver } = await twoRepositories();
      await computeUsage(driver);
      const counted = counting(driver);
      const report = await computeUsage(counted.driver);
      assert.deepEqual(rows(report), { 'team/a': [2, 110, 10, 100], b: [2, 1100, 1000, 100] });
      assert.deepEqual(
        counted.calls.filter((call) => call.includes('/repositories/') && !call.includes('/repositories/_stowage')),
        [],
      );
      assert.equal(counted.calls.filter((call) => call.startsWith('getContent')).length, 1);
      assert.equal(counted.calls.filter((call) => call.startsWith('stat')).length, 0);
    });

    it('rescans exactly the repositories whose links changed, added or removed', async () => {
      const { driver, store, x, y } = await twoRepositories();
      await computeUsage(driver);
      await store.repository('team/a').blobs.link(y);
      const counted = counting(driver);
      let report = await computeUsage(counted.driver);
      assert.deepEqual(rows(report), { 'team/a': [3, 1110, 10, 1100], b: [2, 1100, 0, 1100] });
      assert.ok(counted.calls.some((call) => call.includes('/repositories/team/a/_layers')));
      assert.ok(!counted.calls.some((call) => call.includes('/repositories/b/')));
      await store.repository('team/a').blobs.unlink(x);
      await store.repository('b').blobs.unlink(y);
      report = await computeUsage(driver);
      assert.deepEqual(rows(report), { 'team/a': [2, 1100, 1000, 100], b: [1, 100, 0, 100] });
      // And the markers were taken: the next run scans nothing.
      assert.deepEqual(await listNames(driver, USAGE_CHANGED), []);
    });

    it('sees a link written behind its back once invalidateUsage marks the repository (what the GC does)', async () => {
      const { driver, y } = await twoRepositories();
      await computeUsage(driver);
      await driver.putContent(layerLinkPath('team/a', y), Buffer.from(y.toString()));
      assert.equal((await computeUsage(driver, { repository: 'team/a' })).repositories[0]?.bytes, 110);
      await invalidateUsage(driver, 'team/a');
      assert.equal((await computeUsage(driver, { repository: 'team/a' })).repositories[0]?.bytes, 1110);
    });

    it('rebuilds a missing or corrupt index', async () => {
      const { driver } = await twoRepositories();
      const first = await computeUsage(driver);
      await driver.putContent(USAGE_INDEX, Buffer.from('{"version":1,"generation":"x","blobs":["a"],"sizes":[1],"repositories":{"b":[7]}}'));
      assert.deepEqual(await computeUsage(driver), first);
      await driver.putContent(USAGE_INDEX, Buffer.from('{not json'));
      assert.deepEqual(await computeUsage(driver), first);
      assert.equal((JSON.parse((await driver.getContent(USAGE_INDEX)).toString()) as { version: number }).version, 1);
      await driver.delete(USAGE_INDEX);
      assert.deepEqual(await computeUsage(driver), first);
    });

    it('does not count a blob whose data is missing, linked so or removed since', async () => {
      const { driver, store, y } = await twoRepositories();
      const ghost = Digest.of('never stored');
      await store.repository('team/a').blobs.link(ghost);
      assert.deepEqual(rows(await computeUsage(driver)).b, [2, 1100, 1000, 100]);
      assert.deepEqual(rows(await computeUsage(driver))['team/a'], [2, 110, 10, 100]);
      // A collection (distribution's included) removes y's data and leaves b's link: warm, it no longer counts.
      await driver.delete(blobDataPath(y).slice(0, -'/data'.length));
      const report = await computeUsage(driver);
      assert.deepEqual(rows(report).b, [1, 100, 0, 100]);
      assert.deepEqual(report.totals, { repositories: 2, blobs: 2, bytes: 110 });
    });

    it('counts manifest revisions, and nothing once its links are all gone', async () => {
      const { driver, store } = await twoRepositories();
      const config = await blob(driver, 7, 'c');
      await store.repository('c').blobs.link(config);
      const manifest = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: config.toString(), size: 7 },
          layers: [],
        }),
      );
      await store.repository('c').manifests.put({ tag: 'v1' }, manifest, 'application/vnd.oci.image.manifest.v1+json');
      assert.deepEqual(rows(await computeUsage(driver)).c, [2, 7 + manifest.length, 7 + manifest.length, 0]);
      await store.repository('c').manifests.delete({ digest: Digest.of(manifest) });
      await store.repository('c').blobs.unlink(config);
      // Its directories stay on a filesystem (0 bytes), vanish with their last file in memory (no repository).
      const c = rows(await computeUsage(driver)).c;
      assert.ok(c === undefined || c.join() === '0,0,0,0', String(c));
    });

    it('takes a claim a crashed run left behind', async () => {
      const { driver, y } = await twoRepositories();
      await computeUsage(driver);
      await driver.putContent(layerLinkPath('team/a', y), Buffer.from(y.toString()));
      await driver.putContent(`${USAGE_CHANGED.replace(/changed$/, 'claimed')}/abc-0011`, Buffer.from('team/a'));
      assert.equal((await computeUsage(driver, { repository: 'team/a' })).repositories[0]?.bytes, 1110);
    });
  });
}
