import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import tar from 'tar-stream';
import { ConfinedFs } from '../../../src/dockerroot/confined-fs.js';
import { createLayerSource, DOCKER_LAYER_TAR } from '../../../src/dockerroot/layer-source.js';
import type { DockerImage, DockerLayer } from '../../../src/dockerroot/model.js';
import { Digest } from '../../../src/digest/digest.js';
import { isStowageError, type ErrorCode } from '../../../src/errors/error.js';
import { MediaType } from '../../../src/oci/media-types.js';
import { copyImage } from '../../../src/transport/copy.js';
import { DockerArchiveSink, DockerArchiveSource } from '../../../src/transport/docker-archive.js';
import { OciLayoutSink, OciLayoutSource } from '../../../src/transport/oci-layout.js';
import { writeGraphLayer } from '../../support/tar-split-writer.js';

async function packFiles(files: Record<string, string>): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const collected = (async () => {
    for await (const chunk of pack) chunks.push(Buffer.from(chunk as Uint8Array));
  })();
  for (const [name, text] of Object.entries(files)) {
    await new Promise<void>((resolve, reject) =>
      pack.entry({ name, mtime: new Date(0), mode: 0o644 }, Buffer.from(text), (err) => (err ? reject(err) : resolve())),
    );
  }
  pack.finalize();
  await collected;
  return Buffer.concat(chunks);
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const sha256 = (data: Buffer): string => `sha256:${createHash('sha256').update(data).digest('hex')}`;

async function rejectsWith(promise: Promise<unknown>, code: ErrorCode, message: RegExp): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(isStowageError(err, code), `expected ${code}, got ${String(err)}`);
    assert.match(err.message, message);
    return true;
  });
}

describe('createLayerSource: a graph-driver image as an ImageSource', () => {
  let base: string;
  let fs: ConfinedFs;
  let tars: Buffer[];
  let image: DockerImage;

  before(async () => {
    base = await mkdtemp(join(tmpdir(), 'stowage-layer-source-'));
    fs = await ConfinedFs.open(base);
    tars = [await packFiles({ 'etc/os-release': 'ID=test\n', 'bin/sh': '#!fake\n' }), await packFiles({ 'app/main.js': 'console.log(1)\n' })];
    const layers: DockerLayer[] = [];
    for (const [i, tarBytes] of tars.entries()) {
      const where = await writeGraphLayer(tarBytes, join(base, `l${i}`));
      layers.push({
        diffId: sha256(tarBytes),
        chainId: sha256(tarBytes),
        cacheId: `l${i}`,
        directory: where.directory,
        paths: [],
        size: undefined,
        parent: undefined,
        tarSplit: where.tarSplit,
      });
    }
    const config = { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) } };
    const configBytes = Buffer.from(JSON.stringify(config));
    image = {
      id: sha256(configBytes),
      repoTags: ['example/app:1', 'example/app:latest'],
      repoDigests: [],
      configBytes,
      config,
      layers,
      parent: undefined,
      lastTagTime: undefined,
      paths: [],
    };
  });
  after(async () => {
    await rm(base, { recursive: true, force: true });
  });

  it('synthesises a Docker schema 2 manifest: the stored config, uncompressed layers by diff ID and tar size', async () => {
    const source = await createLayerSource(fs, image);
    assert.equal(source.name, 'docker-root:example/app:1');
    const manifest = await source.getManifest();
    assert.equal(manifest.mediaType, MediaType.DOCKER_MANIFEST);
    assert.equal(manifest.digest.toString(), sha256(manifest.bytes));
    const body = JSON.parse(manifest.bytes.toString('utf8')) as { schemaVersion: number; mediaType: string; config: unknown; layers: unknown[] };
    assert.equal(body.schemaVersion, 2);
    assert.equal(body.mediaType, MediaType.DOCKER_MANIFEST);
    assert.deepEqual(body.config, { mediaType: MediaType.DOCKER_CONFIG, size: image.configBytes.length, digest: image.id });
    assert.deepEqual(
      body.layers,
      tars.map((t) => ({ mediaType: DOCKER_LAYER_TAR, size: t.length, digest: sha256(t) })),
    );
    assert.equal((await source.getManifest(manifest.digest)).digest.toString(), manifest.digest.toString());
    await rejectsWith(source.getManifest(Digest.of('other')), 'MANIFEST_UNKNOWN', /not in docker-root:example\/app:1/);
  });

  it('streams the config and each layer rebuilt byte for byte; an unknown blob is BLOB_UNKNOWN', async () => {
    const source = await createLayerSource(fs, image);
    const config = await readAll(await source.getBlob({ mediaType: MediaType.DOCKER_CONFIG, digest: image.id, size: image.configBytes.length }));
    assert.ok(config.equals(image.configBytes));
    for (const tarBytes of tars) {
      const layer = await readAll(await source.getBlob({ mediaType: DOCKER_LAYER_TAR, digest: sha256(tarBytes), size: tarBytes.length }));
      assert.ok(layer.equals(tarBytes));
    }
    await rejectsWith(source.getBlob({ mediaType: DOCKER_LAYER_TAR, digest: sha256(Buffer.from('x')), size: 1 }), 'BLOB_UNKNOWN', /is not in docker-root/);
  });

  it('is named by ID when untagged', async () => {
    const source = await createLayerSource(fs, { ...image, repoTags: [] });
    assert.equal(source.name, `docker-root:${image.id}`);
  });

  it('copies into an OCI layout and a docker-archive that read back with the same image ID and diff IDs', async () => {
    const layout = join(base, 'out-layout');
    const copied = await copyImage(await createLayerSource(fs, image), await OciLayoutSink.create(layout, 'app'));
    const back = await OciLayoutSource.open(layout, 'app');
    assert.equal((await back.getManifest()).digest.toString(), copied.digest.toString());
    for (const tarBytes of tars) {
      assert.ok((await readFile(join(layout, 'blobs', 'sha256', sha256(tarBytes).slice(7)))).equals(tarBytes));
    }
    const archive = join(base, 'out.tar');
    const sink = await DockerArchiveSink.create(archive, 'example/app:1');
    try {
      await copyImage(await createLayerSource(fs, image), sink);
    } finally {
      await sink.close();
    }
    const fromArchive = await DockerArchiveSource.open(archive, 'example/app:1');
    const manifest = JSON.parse((await fromArchive.getManifest()).bytes.toString('utf8')) as { config: { digest: string }; layers: Array<{ digest: string }> };
    assert.equal(manifest.config.digest, image.id);
    assert.deepEqual(
      manifest.layers.map((l) => l.digest),
      image.config.rootfs?.diff_ids,
    );
  });

  it('fails a copy naming the layer and the file changed on disk', async () => {
    const tampered = join(base, 'tampered');
    const where = await writeGraphLayer(tars[1] as Buffer, tampered);
    await writeFile(join(where.directory, 'app', 'main.js'), 'console.log(2)\n');
    const layers = [image.layers[0] as DockerLayer, { ...(image.layers[1] as DockerLayer), directory: where.directory, tarSplit: where.tarSplit }];
    const sink = await OciLayoutSink.create(join(base, 'out-tampered'), 'app');
    try {
      await rejectsWith(
        copyImage(await createLayerSource(fs, { ...image, layers }), sink),
        'LAYER_INVALID',
        new RegExp(`layer ${image.layers[1]?.diffId}: file app/main\\.js changed on disk \\(crc64 mismatch\\)`),
      );
    } finally {
      await sink.close();
    }
  });

  it('refuses an image whose layers cannot be rebuilt, or disagree with its config', async () => {
    const noTarSplit = image.layers.map((l, i) => (i === 1 ? { ...l, tarSplit: undefined } : l));
    await rejectsWith(
      createLayerSource(fs, { ...image, layers: noTarSplit }),
      'LAYER_INVALID',
      /layer 2 of image example\/app:1\): the store has no tar-split for it/,
    );
    const noDirectory = image.layers.map((l, i) => (i === 0 ? { ...l, directory: undefined } : l));
    await rejectsWith(createLayerSource(fs, { ...image, layers: noDirectory }), 'LAYER_INVALID', /the store has no directory for it/);
    await rejectsWith(createLayerSource(fs, { ...image, layers: image.layers.slice(0, 1) }), 'CONFIG_INVALID', /config lists 2 diff IDs, the store 1 layers/);
  });
});
