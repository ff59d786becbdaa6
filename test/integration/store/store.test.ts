import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { lstat, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { parseReference, formatReference } from '../../../src/reference/reference.js';
import { noCredentials } from '../../support/credentials.js';
import { RegistryClient } from '../../../src/registry/client/client.js';
import { ImageStore } from '../../../src/store/store.js';
import { copyImage } from '../../../src/transport/copy.js';
import { OciLayoutSource } from '../../../src/transport/oci-layout.js';
import { RemoteSink, RemoteSource } from '../../../src/transport/remote.js';
import { writeImageLayout, writeIndexLayout, type BuiltImage, type BuiltIndex } from '../../support/oci-layout.js';
import { startRegistry, type TestRegistry } from '../../support/registry.js';

/** Every file under blobs/ with its size, straight from the disk. */
async function blobFiles(root: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const dir = join(root, 'blobs', 'sha256');
  for (const name of await readdir(dir).catch(() => [] as string[])) out.set(`sha256:${name}`, (await stat(join(dir, name))).size);
  return out;
}

/** A gzip layer's bytes once extracted by GNU tar: its regular files' lengths, from the disk. */
async function extractedBytes(blob: string): Promise<number> {
  const out = await mkdtemp(join(tmpdir(), 'stowage-extract-'));
  try {
    await promisify(execFile)('tar', ['-xzf', blob, '-C', out]);
    let total = 0;
    for (const entry of await readdir(out, { recursive: true })) {
      const info = await lstat(join(out, entry));
      if (info.isFile()) total += info.size;
    }
    return total;
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

const sizesOf = (image: BuiltImage): Map<string, number> =>
  new Map<string, number>([
    [image.digest, image.size],
    [image.config.digest, image.config.size],
    ...image.layers.map((l): [string, number] => [l.digest, l.size]),
  ]);

describe('local image store', () => {
  let reg: TestRegistry;
  let dir: string;
  let host: string;
  let client: RegistryClient;
  let store: ImageStore;
  let base: BuiltImage;
  let app: BuiltImage;
  let index: BuiltIndex;

  const pull = async (name: string, platform?: { os: string; architecture: string; variant?: string }) => {
    const reference = parseReference(name);
    const source = new RemoteSource(client, reference);
    const top = await source.getManifest();
    const sink = await store.sink({
      tags: reference.digest ? [] : [formatReference(reference)],
      repoDigests: [`${reference.domain}/${reference.path}@${top.digest}`],
    });
    try {
      return await copyImage(source, sink, platform ? { platform } : {});
    } finally {
      await sink.close();
    }
  };

  before(async () => {
    reg = await startRegistry();
    host = new URL(reg.url).host;
    dir = await mkdtemp(join(tmpdir(), 'stowage-store-'));
    client = new RegistryClient({ credentials: noCredentials });
    // app = base + one layer: they share two layers, as images built FROM one base do.
    base = await writeImageLayout(join(dir, 'src'), { layers: 2, seed: 'shared', tag: 'base', sizeBytes: 50_000 });
    app = await writeImageLayout(join(dir, 'src'), { layers: 3, seed: 'shared', tag: 'app', sizeBytes: 50_000 });
    index = await writeIndexLayout(join(dir, 'multi'), {
      seed: 'multi',
      tag: 'm',
      platforms: [
        { os: 'linux', architecture: 'amd64' },
        { os: 'linux', architecture: 'arm64', variant: 'v8' },
      ],
    });
    for (const [layout, ref, remote, all] of [
      ['src', 'base', 'lib/base:1', false],
      ['src', 'app', 'team/app:1', false],
      ['multi', 'm', 'lib/multi:1', true],
    ] as const) {
      const sink = new RemoteSink(client, parseReference(`${host}/${remote}`));
      await copyImage(await OciLayoutSource.open(join(dir, layout), ref), sink, all ? { platform: 'all' } : {});
    }
    store = await ImageStore.open(join(dir, 'root'));
  });
  after(async () => {
    await client.close();
    await reg.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('stores shared layers once; blobs on disk are exactly the union of both images', async () => {
    await pull(`${host}/lib/base:1`);
    await pull(`${host}/team/app:1`);
    const expected = new Map([...sizesOf(base), ...sizesOf(app)]);
    assert.deepEqual(new Map([...(await blobFiles(store.root))].sort()), new Map([...expected].sort()));
    const images = await store.list();
    assert.equal(images.length, 2);
    const appRecord = await store.resolve(`${host}/team/app:1`);
    assert.equal(appRecord.id, app.config.digest);
    assert.deepEqual(appRecord.repoTags, [`${host}/team/app:1`]);
    assert.deepEqual(appRecord.repoDigests, [`${host}/team/app@${app.digest}`]);
    // docker's SIZE: the layers unpacked (here, every file's length: the fixtures have no links).
    const unpacked = await Promise.all(app.layers.map((l) => extractedBytes(join(dir, 'src', 'blobs', 'sha256', l.digest.slice(7)))));
    assert.deepEqual(appRecord.layerSizes, unpacked);
    assert.equal(
      appRecord.size,
      unpacked.reduce((a, b) => a + b, 0),
    );
    assert.equal(
      appRecord.contentSize,
      [...sizesOf(app).values()].reduce((a, b) => a + b, 0),
    );
    assert.deepEqual(appRecord.platform, { os: 'linux', architecture: 'amd64' });
  });

  it('accounts shared and unique bytes per image as docker does, and the blob total from the files', async () => {
    const usage = await store.diskUsage();
    const unpacked = await Promise.all(app.layers.map((l) => extractedBytes(join(dir, 'src', 'blobs', 'sha256', l.digest.slice(7)))));
    const appUsage = usage.images.find((u) => u.image.id === app.config.digest);
    // app stands on base's two layers: those are shared; its third is its own.
    assert.equal(appUsage?.sharedSize, (unpacked[0] ?? 0) + (unpacked[1] ?? 0));
    assert.equal(appUsage?.uniqueSize, unpacked[2]);
    assert.equal(
      usage.layersSize,
      unpacked.reduce((a, b) => a + b, 0),
    );
    const files = await blobFiles(store.root);
    assert.equal(
      usage.totalBlobBytes,
      [...files.values()].reduce((a, b) => a + b, 0),
    );
    assert.equal(usage.blobCount, files.size);
  });

  it('resolves names, digests and ID prefixes as docker does', async () => {
    const id = app.config.digest;
    for (const name of [`${host}/team/app:1`, `${host}/team/app@${app.digest}`, id, id.slice(7, 19), id.slice(7, 10), app.digest]) {
      assert.equal((await store.resolve(name)).id, id, name);
    }
    await assert.rejects(store.resolve('nothing:here'), { code: 'MANIFEST_UNKNOWN', message: 'No such image: nothing:here' });
  });

  it('tags, and removing one tag of two only untags', async () => {
    await store.tag(`${host}/team/app:1`, 'myapp:dev');
    assert.deepEqual((await store.resolve('myapp:dev')).repoTags.sort(), [`${host}/team/app:1`, 'docker.io/library/myapp:dev'].sort());
    const before = await blobFiles(store.root);
    assert.deepEqual(await store.remove('myapp:dev'), [{ untagged: 'myapp:dev' }]);
    assert.deepEqual(await blobFiles(store.root), before);
  });

  it('refuses to delete by ID an image in several repositories unless forced', async () => {
    await store.tag(`${host}/team/app:1`, 'other/repo:x');
    await assert.rejects(store.remove(app.config.digest.slice(7, 19)), { code: 'DENIED', message: /must be forced.*multiple repositories/ });
    await store.remove('other/repo:x');
  });

  it('rmi frees exactly the blobs no other image uses, and says what it did', async () => {
    const events = await store.remove(`${host}/team/app:1`);
    assert.deepEqual(events.slice(0, 3), [{ untagged: `${host}/team/app:1` }, { untagged: `${host}/team/app@${app.digest}` }, { deleted: app.config.digest }]);
    assert.deepEqual(new Map([...(await blobFiles(store.root))].sort()), new Map([...sizesOf(base)].sort()));
    const index = JSON.parse(await readFile(join(store.root, 'index.json'), 'utf8')) as {
      manifests: Array<{ digest: string; annotations?: Record<string, string> }>;
    };
    assert.deepEqual(
      index.manifests.map((m) => [m.digest, m.annotations?.['org.opencontainers.image.ref.name']]),
      [[base.digest, `${host}/lib/base:1`]],
    );
  });

  it('pulls one platform of a multi-arch index, recording the index digest', async () => {
    await pull(`${host}/lib/multi:1`, { os: 'linux', architecture: 'arm64' });
    const record = await store.resolve(`${host}/lib/multi:1`);
    const arm = index.images.find((i) => i.platform.architecture === 'arm64');
    assert.equal(record.manifest.digest, arm?.digest);
    assert.deepEqual(record.platform, { os: 'linux', architecture: 'arm64', variant: 'v8' });
    assert.deepEqual(record.repoDigests, [`${host}/lib/multi@${index.digest}`]);
  });

  it('a pull by digest is untagged (dangling); prune removes it and only it', async () => {
    const amd = index.images.find((i) => i.platform.architecture === 'amd64');
    await pull(`${host}/lib/multi@${amd?.digest}`);
    assert.deepEqual((await store.resolve(amd?.digest ?? '')).repoTags, []);
    const before = await store.list();
    const result = await store.prune();
    assert.ok(result.events.some((e) => 'deleted' in e && e.deleted === amd?.config.digest));
    assert.equal((await store.list()).length, before.length - 1);
    assert.equal(
      result.reclaimed,
      [...sizesOf(amd as BuiltImage).values()].reduce((a, b) => a + b, 0),
    );
  });

  it('system check finds corrupt blobs and stale staging; --repair makes the store consistent', async () => {
    const layer = base.layers[1]?.digest ?? '';
    const path = join(store.root, 'blobs', 'sha256', layer.slice(7));
    const original = await readFile(path);
    await writeFile(path, Buffer.concat([original.subarray(0, 10), Buffer.from('corrupt'), original.subarray(17)]));
    const stale = join(store.root, 'stowage', 'staging', '999999999-deadbeef');
    await mkdir(stale, { recursive: true });
    const report = await store.check();
    assert.deepEqual(report.corrupt, [layer]);
    assert.deepEqual(report.staleStaging, [stale]);
    assert.deepEqual(report.repaired, []);
    const repaired = await store.check({ repair: true });
    assert.ok(
      repaired.repaired.some((r) => r.includes(base.digest)),
      repaired.repaired.join('\n'),
    );
    await assert.rejects(store.resolve(`${host}/lib/base:1`), { code: 'MANIFEST_UNKNOWN' });
    const clean = await store.check();
    assert.deepEqual([clean.corrupt, clean.missing, clean.unreferenced, clean.staleStaging], [[], [], [], []]);
  });

  it('two pulls into one root at once both land, and the store stays consistent', async () => {
    const root = join(dir, 'concurrent');
    const a = await ImageStore.open(root);
    const b = await ImageStore.open(root);
    const into = async (s: ImageStore, name: string) => {
      const reference = parseReference(name);
      const sink = await s.sink({ tags: [formatReference(reference)], repoDigests: [] });
      try {
        await copyImage(new RemoteSource(client, reference), sink);
      } finally {
        await sink.close();
      }
    };
    await Promise.all([into(a, `${host}/lib/base:1`), into(b, `${host}/team/app:1`), into(a, `${host}/lib/multi:1`)]);
    assert.equal((await a.list()).length, 3);
    const report = await a.check();
    assert.deepEqual([report.corrupt, report.missing, report.unreferenced, report.staleStaging], [[], [], [], []]);
  });
});
