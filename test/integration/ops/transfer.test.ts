// The operations as a library: pull, push, copy, save and load called directly against a real
// registry server and a real local store, their progress events subscribed to and their typed
// results checked; what they open they close, what the caller lends they leave open.

import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { copy } from '../../../src/ops/copy.js';
import { load } from '../../../src/ops/load.js';
import type { ProgressEvent } from '../../../src/ops/progress.js';
import { pull } from '../../../src/ops/pull.js';
import { push } from '../../../src/ops/push.js';
import { save } from '../../../src/ops/save.js';
import { RegistryClient } from '../../../src/registry/client/client.js';
import { ImageStore } from '../../../src/store/store.js';
import { noCredentials } from '../../support/credentials.js';
import { eventually } from '../../support/registry-images.js';
import { writeImageLayout, writeIndexLayout, type BuiltImage } from '../../support/oci-layout.js';
import { startRegistry, type TestRegistry } from '../../support/registry.js';

describe('operations as a library: pull, push, copy, save, load', () => {
  let reg: TestRegistry;
  let host: string;
  let dir: string;
  let image: BuiltImage;
  const registry = { credentials: noCredentials };

  before(async () => {
    reg = await startRegistry();
    host = new URL(reg.url).host;
    dir = await mkdtemp(join(tmpdir(), 'stowage-ops-'));
    image = await writeImageLayout(join(dir, 'layout'), { layers: 2, seed: 'ops-transfer', tag: 'v1' });
  });
  after(async () => {
    await reg.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('copy: a layout into the registry, every blob and the manifest reported in order, the digest kept', async () => {
    const events: ProgressEvent[] = [];
    const result = await copy(`oci:${join(dir, 'layout')}:v1`, `docker://${host}/ops/app:1`, { registry, onProgress: (e) => events.push(e) });
    assert.equal(result.digest.toString(), image.digest);
    assert.deepEqual(result.blobs, { copied: 3, skipped: 0, mounted: 0 });
    assert.deepEqual(events[0], { type: 'copy-started', source: `oci:${join(dir, 'layout')}:v1`, destination: `docker://${host}/ops/app:1` });
    const finished = events.flatMap((e) => (e.type === 'blob-finished' ? [e.descriptor.digest] : []));
    assert.deepEqual(finished.sort(), [image.config.digest, ...image.layers.map((l) => l.digest)].sort());
    for (const digest of finished) {
      const at = (type: string): number => events.findIndex((e) => e.type === type && 'descriptor' in e && e.descriptor.digest === digest);
      assert.ok(at('blob-started') < at('blob-finished'), `${digest} started before it finished`);
    }
    const last = events.at(-1);
    assert.equal(last?.type, 'manifest-written');
    assert.equal(last?.type === 'manifest-written' && last.manifest.digest.toString(), image.digest);
  });

  it('pull: the typed result, the image in the store, up to date the second time, with nothing copied', async () => {
    const store = await ImageStore.open(join(dir, 'pull-store'));
    const first = await pull(`${host}/ops/app:1`, { store, registry });
    assert.equal(first.digest.toString(), image.digest);
    assert.equal(first.repoDigest, `${host}/ops/app@${image.digest}`);
    assert.deepEqual(first.tags, [`${host}/ops/app:1`]);
    assert.equal(first.upToDate, false);
    assert.equal(first.copy.blobs.copied, 3);
    const stored = await store.resolve(`${host}/ops/app:1`);
    assert.equal(stored.manifest.digest, image.digest);
    assert.deepEqual(stored.repoDigests, [first.repoDigest]);

    const events: ProgressEvent[] = [];
    const second = await pull(`${host}/ops/app:1`, { store, registry, onProgress: (e) => events.push(e) });
    assert.equal(second.upToDate, true);
    assert.deepEqual(second.copy.blobs, { copied: 0, skipped: 3, mounted: 0 });
    assert.deepEqual(
      events.filter((e) => e.type === 'blob-finished').map((e) => e.type === 'blob-finished' && e.outcome),
      ['skipped', 'skipped', 'skipped'],
    );
    assert.deepEqual(await readdir(join(dir, 'pull-store', 'stowage', 'staging')), [], 'no staging area is left');
  });

  it('pull: a platform given as os/arch picks that image of an index', async () => {
    const index = await writeIndexLayout(join(dir, 'multi'), {
      platforms: [
        { os: 'linux', architecture: 'amd64' },
        { os: 'linux', architecture: 'arm64', variant: 'v8' },
      ],
      seed: 'ops-multi',
      tag: 'm',
    });
    await copy(`oci:${join(dir, 'multi')}:m`, `docker://${host}/ops/multi:m`, { registry, platform: 'all' });
    const store = await ImageStore.open(join(dir, 'multi-store'));
    const result = await pull(`${host}/ops/multi:m`, { store, registry, platform: 'linux/arm64' });
    assert.equal(result.digest.toString(), index.digest, "Digest: is the index's");
    const arm = index.images.find((m) => m.platform.architecture === 'arm64');
    assert.equal(result.copy.digest.toString(), arm?.digest);
    assert.equal((await store.resolve(`${host}/ops/multi:m`)).platform.architecture, 'arm64');
  });

  it('pull: an aborted signal rejects with its reason and leaves no image and no staging area', async () => {
    const root = join(dir, 'aborted-store');
    const store = await ImageStore.open(root);
    const controller = new AbortController();
    const reason = new Error('stop now');
    controller.abort(reason);
    await assert.rejects(pull(`${host}/ops/app:1`, { store, registry, signal: controller.signal }), (err) => err === reason);
    assert.deepEqual(await store.list(), []);
    assert.deepEqual(await readdir(join(root, 'stowage', 'staging')), []);
  });

  it('a lent client is used and left open; a missing image rejects with MANIFEST_UNKNOWN', async () => {
    const client = new RegistryClient(registry);
    try {
      const store = await ImageStore.open(join(dir, 'lent-store'));
      await pull(`${host}/ops/app:1`, { store, client });
      await assert.rejects(pull(`${host}/ops/none:1`, { store, client }), { code: 'MANIFEST_UNKNOWN' });
      // Still open: the operation closed only what it opened.
      assert.equal((await client.getManifest({ domain: host, path: 'ops/app' }, '1')).digest.toString(), image.digest);
    } finally {
      await client.close();
    }
  });

  it('push: the stored image under another name, served there at its digest; a name not in the store is MANIFEST_UNKNOWN', async () => {
    const store = await ImageStore.open(join(dir, 'pull-store'));
    await store.tag(`${host}/ops/app:1`, `${host}/ops/pushed:2`);
    const events: ProgressEvent[] = [];
    const result = await push(`${host}/ops/pushed:2`, { store, registry, onProgress: (e) => events.push(e) });
    assert.equal(result.digest.toString(), image.digest);
    assert.equal(result.size, image.size);
    assert.equal(result.reference.tag, '2');
    assert.equal(result.copy.blobs.copied + result.copy.blobs.mounted + result.copy.blobs.skipped, 3);
    assert.equal(events[0]?.type, 'copy-started');
    const client = new RegistryClient(registry);
    try {
      assert.equal((await client.getManifest({ domain: host, path: 'ops/pushed' }, '2')).digest.toString(), image.digest);
    } finally {
      await client.close();
    }
    await assert.rejects(push(`${host}/ops/absent:1`, { store, registry }), { code: 'MANIFEST_UNKNOWN' });
  });

  it('save to a stream, then load it into another store: the same image and names, no scratch left', async () => {
    const store = await ImageStore.open(join(dir, 'pull-store'));
    const chunks: Buffer[] = [];
    const out = new PassThrough();
    out.on('data', (chunk: Buffer) => chunks.push(chunk));
    const saved = await save([`${host}/ops/app`], { store, output: out });
    assert.deepEqual(
      saved.map((s) => s.tag),
      [`${host}/ops/app:1`],
    );
    assert.deepEqual(await readdir(join(dir, 'pull-store', 'stowage', 'tmp')), [], 'the scratch directory is removed');

    const archive = join(dir, 'saved.tar');
    await save([`${host}/ops/app:1`], { store, output: archive, format: 'oci' });
    assert.ok((await stat(archive)).size > 0);

    const target = await ImageStore.open(join(dir, 'load-store'));
    const events: ProgressEvent[] = [];
    const stream = new PassThrough();
    stream.end(Buffer.concat(chunks));
    const loaded = await load({ store: target, input: stream, onProgress: (e) => events.push(e) });
    const id = (await store.resolve(`${host}/ops/app:1`)).id;
    assert.deepEqual(loaded, [{ id, tags: [`${host}/ops/app:1`] }]);
    assert.deepEqual(
      events.filter((e) => e.type === 'image-loaded'),
      [{ type: 'image-loaded', id, tags: [`${host}/ops/app:1`] }],
    );
    assert.ok(events.some((e) => e.type === 'copy-started'));
    assert.equal((await target.resolve(`${host}/ops/app:1`)).id, id);
    assert.deepEqual(await readdir(join(dir, 'load-store', 'stowage', 'tmp')), []);

    const fromFile = await load({ store: await ImageStore.open(join(dir, 'load-oci')), input: archive });
    assert.deepEqual(fromFile, [{ id, tags: [`${host}/ops/app:1`] }]);
  });

  it('load: an aborted signal removes the scratch directory at once', async () => {
    const root = join(dir, 'abort-load');
    const store = await ImageStore.open(root);
    const controller = new AbortController();
    const stream = new PassThrough();
    stream.write(Buffer.alloc(4096));
    const loading = load({ store, input: stream, signal: controller.signal });
    // The scratch directory exists once the stream starts being written out.
    assert.ok(await eventually(async () => (await readdir(join(root, 'stowage', 'tmp')).catch(() => [])).length === 1), 'the scratch directory appears');
    controller.abort(new Error('interrupted'));
    // Synchronously: a process that dies of the signal right now leaves nothing.
    assert.deepEqual(await readdir(join(root, 'stowage', 'tmp')), []);
    stream.end();
    await assert.rejects(loading);
  });
});
