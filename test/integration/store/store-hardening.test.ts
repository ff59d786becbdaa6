import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { withStoreLock } from '../../../src/store/lock.js';
import { ImageStore } from '../../../src/store/store.js';
import { startRegistry, type TestRegistry } from '../../support/registry.js';
import { loadInto, sha256, writeCraftedImage, type CraftedImage } from './store-fixtures.js';

const CLI = fileURLToPath(new URL('../../../src/cli/main.js', import.meta.url));
const exec = promisify(execFile);

const exists = (path: string): Promise<boolean> =>
  stat(path).then(
    () => true,
    () => false,
  );
const layerFiles = (name: string, text: string) => ({
  entries: [
    { name: `${name}/`, type: 'directory' as const },
    { name: `${name}/file.txt`, data: text },
  ],
});

describe('store hardening: hostile images and concurrent maintenance', () => {
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stowage-hardening-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const freshStore = async (name: string): Promise<ImageStore> => ImageStore.open(join(dir, name, 'root'));

  describe('rootfs.diff_ids are digests, one per layer (finding 1)', () => {
    it('refuses an image whose diff ID is a path, and touches nothing outside the root', async () => {
      const base = join(dir, 'traversal');
      const store = await freshStore('traversal');
      const layout = join(base, 'layout');
      // stowage/layers/../../../escaped is <base>/escaped: outside the root.
      await writeCraftedImage(layout, 't', { layers: [layerFiles('evil', 'pwned\n')], diffIds: () => ['sha256:../../../escaped'] });
      await assert.rejects(loadInto(store, layout, 't', ['docker.io/evil/img:1']), (err: { code: string; message: string }) => {
        assert.equal(err.code, 'MANIFEST_INVALID');
        assert.match(err.message, /rootfs\.diff_ids/);
        assert.doesNotMatch(err.message, /\n/);
        return true;
      });
      assert.deepEqual(await store.list(), []);
      assert.equal(await exists(join(base, 'escaped')), false);
      assert.deepEqual((await readdir(join(store.root, 'blobs')).catch(() => [])).length, 0, 'nothing was committed');
    });

    it('refuses diff_ids that are not strings, too few, or absent', async () => {
      const store = await freshStore('counts');
      const layout = join(dir, 'counts', 'layout');
      const two = [layerFiles('a', 'a\n'), layerFiles('b', 'b\n')];
      await writeCraftedImage(layout, 'short', { layers: two, diffIds: (real) => real.slice(0, 1) });
      await writeCraftedImage(layout, 'long', { layers: two, diffIds: (real) => [...real, real[0]] });
      await writeCraftedImage(layout, 'number', { layers: two, diffIds: (real) => [real[0], 42] });
      await writeCraftedImage(layout, 'object', { layers: two, diffIds: () => ({ 0: 'x' }) });
      await writeCraftedImage(layout, 'absent', { layers: two, diffIds: () => undefined });
      for (const tag of ['short', 'long', 'number', 'object', 'absent']) {
        await assert.rejects(loadInto(store, layout, tag, [`docker.io/x/y:${tag}`]), { code: 'MANIFEST_INVALID' }, tag);
      }
      assert.deepEqual(await store.list(), []);
    });

    it('a pull of such an image fails in one line', async () => {
      const reg: TestRegistry = await startRegistry();
      try {
        const host = new URL(reg.url).host;
        const root = join(dir, 'pull', 'root');
        const layout = join(dir, 'pull', 'layout');
        await writeCraftedImage(layout, 't', { layers: [layerFiles('evil', 'pwned\n')], diffIds: () => ['sha256:../../../../.config/autostart'] });
        const stowage = (...args: string[]) => exec(process.execPath, [CLI, '--root', root, ...args], { timeout: 60_000 });
        await stowage('copy', '-q', `oci:${layout}:t`, `docker://${host}/evil/img:1`);
        await assert.rejects(stowage('pull', '-q', `${host}/evil/img:1`), (err: { code: number; stderr: string }) => {
          assert.equal(err.code, 1);
          assert.match(err.stderr, /^stowage: .*rootfs\.diff_ids.*\n$/);
          return true;
        });
        assert.equal((await stowage('images', '-q')).stdout, '');
      } finally {
        await reg.close();
      }
    });

    it('an images.json from an older version with a path for a diff ID is never turned into a path', async () => {
      const base = join(dir, 'old-metadata');
      const store = await freshStore('old-metadata');
      const layout = join(base, 'layout');
      const image = await writeCraftedImage(layout, 't', { layers: [layerFiles('a', 'a\n')] });
      await loadInto(store, layout, 't', ['docker.io/old/img:1']);
      // What an older Stowage recorded without checking: the config's claim, verbatim.
      const victim = join(base, 'victim');
      await mkdir(victim);
      await writeFile(join(victim, 'keep.txt'), 'mine\n');
      const imagesJson = join(store.root, 'stowage', 'images.json');
      const metadata = JSON.parse(await readFile(imagesJson, 'utf8')) as { images: Record<string, { diffIds: string[] }> };
      const stored = metadata.images[image.digest];
      assert.ok(stored);
      stored.diffIds = ['sha256:../../../victim'];
      await writeFile(imagesJson, JSON.stringify(metadata));

      const record = await store.resolve('old/img:1');
      for (const layer of await store.unpackedLayers(record)) assert.ok(layer.path.startsWith(join(store.root, 'stowage', 'layers') + '/'), layer.path);
      await assert.rejects(store.unpack(record), { code: 'MANIFEST_INVALID' });
      await store.prune();
      await store.check({ repair: true });
      assert.deepEqual(await readdir(victim), ['keep.txt']);
      assert.equal(await readFile(join(victim, 'keep.txt'), 'utf8'), 'mine\n');
    });
  });

  describe('unpacking verifies what it caches (findings 2, 13)', () => {
    it('refuses a layer whose content does not match its diff ID, so it cannot poison a shared chain directory', async () => {
      const store = await freshStore('poison');
      const layout = join(dir, 'poison', 'layout');
      const victim = await writeCraftedImage(layout, 'victim', { layers: [layerFiles('bin', 'the real thing\n')] });
      const victimDiffId = victim.layers[0]?.diffId ?? '';
      const liar = await writeCraftedImage(layout, 'liar', { layers: [layerFiles('bin', 'malware\n')], diffIds: () => [victimDiffId] });
      await loadInto(store, layout, 'liar', ['docker.io/liar/img:1']);
      await assert.rejects(store.unpack(await store.resolve('liar/img:1')), (err: { code: string; message: string }) => {
        assert.equal(err.code, 'DIGEST_INVALID');
        assert.ok(err.message.includes(liar.layers[0]?.digest ?? '?'), err.message);
        assert.ok(err.message.includes(victimDiffId), err.message);
        return true;
      });
      const layers = join(store.root, 'stowage', 'layers');
      assert.deepEqual(await readdir(layers), [], 'no chain directory and no leftover');

      await loadInto(store, layout, 'victim', ['docker.io/victim/img:1']);
      const [placed] = await store.unpack(await store.resolve('victim/img:1'));
      assert.equal(placed?.created, true);
      assert.equal(await readFile(join(placed?.path ?? '', 'bin', 'file.txt'), 'utf8'), 'the real thing\n');
    });

    it('refuses to cache a layer of which an entry had to be skipped', async () => {
      const store = await freshStore('skipped');
      const layout = join(dir, 'skipped', 'layout');
      await writeCraftedImage(layout, 't', {
        layers: [
          {
            entries: [
              { name: 'ok.txt', data: 'ok\n' },
              { name: '../../outside.txt', data: 'escape\n' },
              { name: 'later.txt', data: 'x\n' },
            ],
          },
        ],
      });
      await loadInto(store, layout, 't', ['docker.io/skip/img:1']);
      await assert.rejects(store.unpack(await store.resolve('skip/img:1')), (err: { code: string; message: string }) => {
        assert.equal(err.code, 'LAYER_INVALID');
        assert.match(err.message, /\.\.\/\.\.\/outside\.txt/);
        assert.doesNotMatch(err.message, /\n/);
        return true;
      });
      assert.deepEqual(await readdir(join(store.root, 'stowage', 'layers')), []);
      assert.equal(await exists(join(dir, 'skipped', 'outside.txt')), false);
    });
  });

  describe('temporary unpack directories (finding 3)', () => {
    it("garbage collection leaves a live process's unpack alone and removes a dead one's; check reports and repairs it", async () => {
      const store = await freshStore('temps');
      const layout = join(dir, 'temps', 'layout');
      await writeCraftedImage(layout, 't', { layers: [layerFiles('a', 'a\n')] });
      await loadInto(store, layout, 't', ['docker.io/temps/img:1']);
      const layers = join(store.root, 'stowage', 'layers');
      const live = join(layers, `.tmp-${process.pid}-0123456789ab`);
      const dead = join(layers, '.tmp-999999999-0123456789ab');
      const mkTemp = async (path: string) => {
        await mkdir(join(path, 'usr'), { recursive: true });
        await writeFile(join(path, 'usr', 'f'), 'half done\n');
      };
      await mkTemp(live);
      await mkTemp(dead);

      const report = await store.check();
      assert.ok(report.staleStaging.includes(dead), report.staleStaging.join('\n'));
      assert.ok(!report.staleStaging.includes(live));
      await store.check({ repair: true });
      assert.equal(await exists(dead), false);
      assert.equal(await exists(live), true);

      await mkTemp(dead);
      await store.prune();
      assert.equal(await exists(live), true, 'an unpack in progress survives a prune');
      assert.equal(await exists(dead), false, "a dead process's leftover goes");
      await store.remove('temps/img:1');
      assert.equal(await exists(live), true, 'and an rmi');
    });
  });

  describe('rmi NAME@DIGEST removes that reference only (finding 6)', () => {
    let layout: string;
    let image: CraftedImage;
    before(async () => {
      layout = join(dir, 'rmi', 'layout');
      image = await writeCraftedImage(layout, 't', { layers: [layerFiles('a', 'rmi\n')] });
    });

    it('a digest reference in another repository names nothing', async () => {
      const store = await freshStore('rmi-other');
      await loadInto(store, layout, 't', ['docker.io/a/x:1', 'docker.io/a/x:2'], [`docker.io/a/x@${image.digest}`]);
      await assert.rejects(store.resolve(`c/z@${image.digest}`), { code: 'MANIFEST_UNKNOWN' });
      await assert.rejects(store.remove(`c/z@${image.digest}`), { code: 'MANIFEST_UNKNOWN', message: `No such image: c/z@${image.digest}` });
      assert.deepEqual((await store.resolve('a/x:1')).repoTags, ['docker.io/a/x:1', 'docker.io/a/x:2']);
    });

    it('removing a repo digest untags it and keeps the image and its tags', async () => {
      const store = await freshStore('rmi-digest');
      await loadInto(store, layout, 't', ['docker.io/a/x:1', 'docker.io/a/x:2'], [`docker.io/a/x@${image.digest}`]);
      assert.deepEqual(await store.remove(`a/x@${image.digest}`), [{ untagged: `a/x@${image.digest}` }]);
      const record = await store.resolve('a/x:1');
      assert.deepEqual(record.repoTags, ['docker.io/a/x:1', 'docker.io/a/x:2']);
      assert.deepEqual(record.repoDigests, []);
    });

    it('removing a digest reference when tags span repositories touches only that repository', async () => {
      const store = await freshStore('rmi-repos');
      await loadInto(store, layout, 't', ['docker.io/a/x:1', 'docker.io/b/y:1'], [`docker.io/a/x@${image.digest}`]);
      assert.deepEqual(await store.remove(`a/x@${image.digest}`), [{ untagged: `a/x@${image.digest}` }]);
      assert.deepEqual((await store.resolve('b/y:1')).repoTags, ['docker.io/a/x:1', 'docker.io/b/y:1']);
      // b/y@D is not recorded, but names the image through b/y's tag: removing it untags b/y only.
      assert.deepEqual(await store.remove(`b/y@${image.digest}`), [{ untagged: 'b/y:1' }]);
      assert.deepEqual((await store.resolve('a/x:1')).repoTags, ['docker.io/a/x:1']);
    });

    it('the image goes when its last reference does', async () => {
      const store = await freshStore('rmi-last');
      await loadInto(store, layout, 't', [], [`docker.io/a/x@${image.digest}`]);
      assert.deepEqual((await store.remove(`a/x@${image.digest}`)).slice(0, 2), [{ untagged: `a/x@${image.digest}` }, { deleted: image.configDigest }]);
      assert.deepEqual(await store.list(), []);
    });
  });

  describe('system check and the store lock (finding 8)', () => {
    it('without --repair takes no lock: it completes while another process holds it', async () => {
      const store = await freshStore('check-lock');
      const layout = join(dir, 'check-lock', 'layout');
      await writeCraftedImage(layout, 't', { layers: [layerFiles('a', 'a\n')] });
      await loadInto(store, layout, 't', ['docker.io/lock/img:1']);
      let release = (): void => undefined;
      let locked = (): void => undefined;
      const held = new Promise<void>((resolve) => (locked = resolve));
      const holding = withStoreLock(store.layout, async () => {
        locked();
        await new Promise<void>((resolve) => (release = resolve));
      });
      await held;
      try {
        const report = await Promise.race([store.check(), new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 5_000).unref())]);
        assert.notEqual(report, 'timeout', 'system check waited for the lock');
      } finally {
        release();
        await holding;
      }
    });

    it('with --repair re-verifies its findings under the lock before removing anything', async () => {
      const store = await freshStore('check-reverify');
      const layout = join(dir, 'check-reverify', 'layout');
      const image = await writeCraftedImage(layout, 't', { layers: [layerFiles('a', 'a\n')] });
      await loadInto(store, layout, 't', ['docker.io/re/img:1']);
      const layerPath = store.blobPath(image.layers[0]?.digest ?? '');
      const good = await readFile(layerPath);
      await writeFile(layerPath, Buffer.concat([good, Buffer.from('junk')]));
      let release = (): void => undefined;
      let locked = (): void => undefined;
      const held = new Promise<void>((resolve) => (locked = resolve));
      const holding = withStoreLock(store.layout, async () => {
        locked();
        await new Promise<void>((resolve) => (release = resolve));
      });
      await held;
      const checking = store.check({ repair: true });
      // While the repair waits for the lock, a pull puts a good copy back (as a commit would).
      await new Promise((resolve) => setTimeout(resolve, 500));
      await writeFile(layerPath, good);
      release();
      await holding;
      const report = await checking;
      assert.deepEqual(report.repaired, [], report.repaired.join('\n'));
      assert.deepEqual(report.corrupt, []);
      assert.equal((await store.resolve('re/img:1')).id, image.configDigest);
    });
  });

  describe('foreign layers (finding 10)', () => {
    it('are not required blobs: check finds nothing and --repair keeps the image', async () => {
      const store = await freshStore('foreign');
      const layout = join(dir, 'foreign', 'layout');
      await writeCraftedImage(layout, 't', { layers: [{ foreign: 'base from elsewhere' }, layerFiles('app', 'app\n')] });
      await loadInto(store, layout, 't', ['docker.io/win/img:1']);
      const report = await store.check();
      assert.deepEqual([report.corrupt, report.missing, report.unreferenced, report.staleStaging], [[], [], [], []]);
      const repaired = await store.check({ repair: true });
      assert.deepEqual(repaired.repaired, []);
      assert.equal((await store.list()).length, 1);
      await assert.rejects(store.unpack(await store.resolve('win/img:1')), { code: 'UNSUPPORTED', message: /foreign/ });
    });
  });

  describe('save and load stage under the store root (finding 16)', () => {
    it('save to stdout and load from stdin work with an unusable TMPDIR and leave nothing behind', async () => {
      const store = await freshStore('save-load');
      const layout = join(dir, 'save-load', 'layout');
      await writeCraftedImage(layout, 't', { layers: [layerFiles('a', 'saved\n')] });
      await loadInto(store, layout, 't', ['docker.io/sl/img:1']);
      const env = { ...process.env, TMPDIR: join(dir, 'no', 'such', 'tmp') };
      const saved = await exec(process.execPath, [CLI, '--root', store.root, 'save', 'sl/img:1'], {
        env,
        encoding: 'buffer',
        maxBuffer: 64 << 20,
        timeout: 60_000,
      });
      assert.ok(saved.stdout.length > 1024);
      const scratch = join(store.root, 'stowage', 'tmp');
      assert.deepEqual(await readdir(scratch).catch(() => []), []);

      const other = join(dir, 'save-load', 'other');
      const child = spawn(process.execPath, [CLI, '--root', other, 'load'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
      let out = '';
      let errOut = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      child.stderr.on('data', (c: Buffer) => (errOut += c.toString()));
      child.stdin.end(saved.stdout);
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      assert.equal(code, 0, errOut);
      assert.equal(out, 'Loaded image: sl/img:1\n');
      assert.deepEqual(await readdir(join(other, 'stowage', 'tmp')).catch(() => []), []);
    });

    it('system prune removes scratch left by a killed save or load', async () => {
      const store = await freshStore('scratch');
      const stale = join(store.root, 'stowage', 'tmp', '999999999-0123456789ab');
      const live = join(store.root, 'stowage', 'tmp', `${process.pid}-0123456789ab`);
      for (const path of [stale, live]) {
        await mkdir(path, { recursive: true });
        await writeFile(join(path, 'image.tar'), 'partial');
      }
      assert.ok((await store.check()).staleStaging.includes(stale));
      await exec(process.execPath, [CLI, '--root', store.root, 'system', 'prune', '-f'], { timeout: 60_000 });
      assert.equal(await exists(stale), false);
      assert.equal(await exists(live), true);
    });
  });

  it('the layer blobs of a crafted image hash as their descriptors say', async () => {
    // A guard on the fixture itself: every test above relies on it writing honest blobs.
    const layout = join(dir, 'fixture');
    const image = await writeCraftedImage(layout, 't', { layers: [layerFiles('a', 'a\n')] });
    assert.equal(sha256(await readFile(join(layout, 'blobs', 'sha256', image.layers[0]?.digest.slice(7) ?? ''))), image.layers[0]?.digest);
  });
});
