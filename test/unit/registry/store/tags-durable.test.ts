/**
 * Tags under crashes: a listed tag always resolves (tags.ts), whatever half-state a crash of
 * Stowage or of distribution left on disk, and a new tag appears with both its links at once.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Digest } from '../../../../src/digest/digest.js';
import { RegistryStore } from '../../../../src/registry/store/registry.js';
import { FilesystemDriver } from '../../../../src/storage/fs/driver.js';
import { MemoryDriver } from '../../../../src/storage/memory/driver.js';
import type { StorageDriver } from '../../../../src/storage/driver.js';

const V2 = '/docker/registry/v2';
const manifest = (n: string): Buffer =>
  Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [], annotations: { n } }));
const MT = 'application/vnd.oci.image.index.v1+json';

for (const [name, make] of [
  ['filesystem', async () => new FilesystemDriver(await mkdtemp(join(tmpdir(), 'stowage-tags-')))],
  ['inmemory', async () => new MemoryDriver()],
] as Array<[string, () => Promise<StorageDriver>]>) {
  describe(`tags that resolve (${name})`, () => {
    let driver: StorageDriver;
    let store: RegistryStore;
    before(async () => {
      driver = await make();
      store = new RegistryStore({ driver });
    });

    const tagDir = (repo: string, tag: string): string => `${V2}/repositories/${repo}/_manifests/tags/${tag}`;

    it('lists a pushed tag and leaves no staging directory behind', async () => {
      const repo = store.repository('a/clean');
      const { digest } = await repo.manifests.put({ tag: 'v1' }, manifest('1'), MT);
      assert.deepEqual(await repo.tags.list(), ['v1']);
      assert.ok((await repo.tags.resolve('v1')).equals(digest));
      const visible: string[] = [];
      await driver.walk(`${V2}/repositories/a/clean/_manifests`, (info) => void visible.push(info.path), { temporary: true });
      assert.deepEqual(
        visible.filter((p) => p.includes('.stowage-tmp-')),
        [],
      );
      assert.ok(visible.includes(`${tagDir('a/clean', 'v1')}/index/sha256/${digest.hex}/link`), 'the index entry is there');
    });

    it('retags: the index keeps both digests, current names the new one', async () => {
      const repo = store.repository('a/retag');
      const first = await repo.manifests.put({ tag: 'v' }, manifest('r1'), MT);
      const second = await repo.manifests.put({ tag: 'v' }, manifest('r2'), MT);
      assert.ok((await repo.tags.resolve('v')).equals(second.digest));
      const index = await driver.list(`${tagDir('a/retag', 'v')}/index/sha256`);
      assert.deepEqual(index.map((p) => p.slice(p.lastIndexOf('/') + 1)).sort(), [first.digest.hex, second.digest.hex].sort());
    });

    it('leaves out every tag a crash left half-made; GET by them is MANIFEST_UNKNOWN', async () => {
      const repo = store.repository('a/crash');
      const good = await repo.manifests.put({ tag: 'good' }, manifest('good'), MT);
      const orphan = await repo.manifests.put({ digest: Digest.of(manifest('orphan')) }, manifest('orphan'), MT);
      // A tag directory with its index entry but no current/link (distribution's crash point).
      await driver.putContent(`${tagDir('a/crash', 'no-current')}/index/sha256/${orphan.digest.hex}/link`, Buffer.from(orphan.digest.toString()));
      // current/link torn (distribution writes links in place).
      await driver.putContent(`${tagDir('a/crash', 'torn')}/current/link`, Buffer.from('sha256:12'));
      await driver.putContent(`${tagDir('a/crash', 'empty')}/current/link`, Buffer.alloc(0));
      // current/link naming a revision this repository does not have.
      const stranger = Digest.of(Buffer.from('not a manifest here'));
      await driver.putContent(`${tagDir('a/crash', 'no-revision')}/current/link`, Buffer.from(stranger.toString()));
      // current/link and revision link there, but the blob's data is not.
      const lost = Digest.of(Buffer.from('data never written'));
      await driver.putContent(`${V2}/repositories/a/crash/_manifests/revisions/sha256/${lost.hex}/link`, Buffer.from(lost.toString()));
      await driver.putContent(`${tagDir('a/crash', 'no-blob')}/current/link`, Buffer.from(lost.toString()));

      assert.deepEqual(await repo.tags.list(), ['good']);
      for (const tag of ['no-current', 'torn', 'empty', 'no-revision', 'no-blob']) {
        await assert.rejects(repo.manifests.get({ tag }), { code: 'MANIFEST_UNKNOWN' }, tag);
      }
      assert.ok((await repo.manifests.get({ tag: 'good' })).digest.equals(good.digest));
    });

    it('tags over a directory a crash left (index only): the tag then resolves and is listed', async () => {
      const repo = store.repository('a/heal');
      const old = await repo.manifests.put({ digest: Digest.of(manifest('h0')) }, manifest('h0'), MT);
      await driver.putContent(`${tagDir('a/heal', 'v')}/index/sha256/${old.digest.hex}/link`, Buffer.from(old.digest.toString()));
      assert.deepEqual(await repo.tags.list(), []);
      const now = await repo.manifests.put({ tag: 'v' }, manifest('h1'), MT);
      assert.deepEqual(await repo.tags.list(), ['v']);
      assert.ok((await repo.tags.resolve('v')).equals(now.digest));
    });

    it('many concurrent pushes of one new tag: it ends up resolving to one of them, with no staging left', async () => {
      const repo = store.repository('a/race');
      const digests = await Promise.all(
        Array.from({ length: 16 }, (_, i) => repo.manifests.put({ tag: 'same' }, manifest(`race-${i}`), MT).then((r) => r.digest.toString())),
      );
      assert.deepEqual(await repo.tags.list(), ['same']);
      assert.ok(digests.includes((await repo.tags.resolve('same')).toString()));
      const hidden: string[] = [];
      await driver.walk(`${V2}/repositories/a/race`, (info) => void (info.path.includes('.stowage-tmp-') && hidden.push(info.path)), {
        temporary: true,
      });
      assert.deepEqual(hidden, []);
    });

    it('deleting a manifest by digest removes tags that point at it, even unlisted ones', async () => {
      const repo = store.repository('a/lookup');
      const { digest } = await repo.manifests.put({ tag: 'x' }, manifest('lk'), MT);
      assert.deepEqual(await repo.tags.lookup(digest), ['x']);
      await repo.manifests.delete({ digest });
      assert.deepEqual(await repo.tags.lookup(digest), []);
    });
  });
}

describe('a new tag on the filesystem', () => {
  let root: string;
  before(async () => (root = await mkdtemp(join(tmpdir(), 'stowage-tags-fs-'))));
  after(async () => rm(root, { recursive: true, force: true }));

  it('is never half there for a reader that lists tags/ as distribution does', async () => {
    const store = new RegistryStore({ driver: new FilesystemDriver(root) });
    const repo = store.repository('fs/atomic');
    const tags = join(root, 'docker/registry/v2/repositories/fs/atomic/_manifests/tags');
    await mkdir(tags, { recursive: true });
    let stop = false;
    const seen: string[] = [];
    // distribution's view: every directory under tags/ is a tag, and its current/link must be there.
    const watcher = (async () => {
      while (!stop) {
        for (const tag of await readdir(tags).catch(() => [] as string[])) {
          const current = await readdir(join(tags, tag, 'current')).catch(() => [] as string[]);
          if (!current.includes('link')) seen.push(tag);
        }
        await new Promise((r) => setImmediate(r));
      }
    })();
    for (let i = 0; i < 60; i++) await repo.manifests.put({ tag: `t${i}` }, manifest(`fs-${i}`), MT);
    stop = true;
    await watcher;
    // A deleted tag is renamed away to the root, never to a hidden name inside tags/.
    for (let i = 0; i < 60; i += 2) await repo.manifests.delete({ tag: `t${i}` });
    assert.deepEqual(seen, []);
    assert.deepEqual(
      (await readdir(tags)).filter((n) => !/^t\d+$/.test(n)),
      [],
    );
  });

  it('treats a link file distribution left empty as no link', async () => {
    const store = new RegistryStore({ driver: new FilesystemDriver(root) });
    const dir = join(root, 'docker/registry/v2/repositories/fs/torn/_manifests/tags/v/current');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'link'), '');
    await assert.rejects(store.repository('fs/torn').manifests.get({ tag: 'v' }), { code: 'MANIFEST_UNKNOWN' });
  });
});
