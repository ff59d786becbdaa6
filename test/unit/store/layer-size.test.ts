import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { unpackedSize } from '../../../src/store/layer-size.js';
import { isTarLayer, LayerSizeMeter, measureBlobFile } from '../../../src/store/layer-sizes.js';
import type { StoreMetadata } from '../../../src/store/metadata.js';
import { imageRecords, missingLayerSizes } from '../../../src/store/records.js';
import { layerUsage } from '../../../src/store/usage.js';
import { SIZED_LAYERS } from '../../support/sized-image.js';
import { packTar, type TarMember } from '../../support/tar-pack.js';

const sizeOf = async (members: TarMember[]): Promise<number> => unpackedSize(Readable.from([await packTar(members)]));

describe("a layer's unpacked size, as docker's overlay2 records it", () => {
  for (const [name, layer] of Object.entries(SIZED_LAYERS)) {
    it(`${name}: ${layer.size} bytes`, async () => assert.equal(await sizeOf(layer.members), layer.size));
  }

  it("a symlink counts its target's length in bytes; a hard link adds nothing", async () => {
    assert.equal(
      await sizeOf([
        { name: 'a', data: 'abc' },
        { name: 'l', type: 'symlink', linkname: 'é' },
        { name: 'h', type: 'link', linkname: 'a' },
      ]),
      3 + 2,
    );
  });

  it('a hard link keeps the inode alive when its first name is replaced', async () => {
    // As docker applies it: RemoveAll the old name, create a new file; the link still holds 800.
    assert.equal(
      await sizeOf([
        { name: 't', data: Buffer.alloc(800) },
        { name: 'hl', type: 'link', linkname: 't' },
        { name: 't', data: Buffer.alloc(20) },
      ]),
      820,
    );
    // A link to nothing in the layer, or escaping it, puts nothing down (docker fails it).
    assert.equal(
      await sizeOf([
        { name: 'hl', type: 'link', linkname: 'missing' },
        { name: 'x', type: 'link', linkname: '../../etc/passwd' },
      ]),
      0,
    );
  });

  it('a later entry replaces an earlier one; a directory goes with what is below it', async () => {
    assert.equal(
      await sizeOf([
        { name: 'f', data: Buffer.alloc(5000) },
        { name: 'f', data: Buffer.alloc(300) },
      ]),
      300,
    );
    assert.equal(
      await sizeOf([
        { name: 'd/inner', data: Buffer.alloc(1000) },
        { name: 'd', data: Buffer.alloc(50) },
      ]),
      50,
    );
    assert.equal(
      await sizeOf([
        { name: 'd/inner', data: Buffer.alloc(1000) },
        { name: 'd/', type: 'directory' },
      ]),
      1000,
    );
  });

  it('a whiteout is a 0-byte device over the name; entries that escape count nothing', async () => {
    assert.equal(
      await sizeOf([
        { name: 'a', data: Buffer.alloc(10) },
        { name: '.wh.a', data: '' },
      ]),
      0,
    );
    assert.equal(
      await sizeOf([
        { name: '../escape', data: Buffer.alloc(10) },
        { name: './ok', data: Buffer.alloc(4) },
      ]),
      4,
    );
  });

  it('a blob that is not a tar is refused with LAYER_INVALID', async () => {
    await assert.rejects(unpackedSize(Readable.from([randomBytes(3000)])), { code: 'LAYER_INVALID' });
  });
});

describe('measured as the blob streams in, and from a file', () => {
  it('gzip and plain tar of the same layer give the same number; the bytes pass unchanged', async () => {
    const tar = await packTar([{ name: 'big', data: randomBytes(6 * 1024 * 1024) }, ...SIZED_LAYERS.changes!.members]);
    for (const blob of [tar, gzipSync(tar)]) {
      const meter = new LayerSizeMeter(blob.length);
      const hash = createHash('sha256');
      // A slow consumer: backpressure must reach the source, the walker must not stall the copy.
      const sink = new Writable({ highWaterMark: 16 * 1024, write: (chunk: Buffer, _e, cb) => (hash.update(chunk), setImmediate(cb)) });
      await pipeline(Readable.from(chunks(blob, 64 * 1024)), meter, sink);
      assert.equal(hash.digest('hex'), createHash('sha256').update(blob).digest('hex'));
      assert.equal(meter.size, 6 * 1024 * 1024 + SIZED_LAYERS.changes!.size);
    }
  });

  it('a blob that is not a tar counts its stored size, and the copy still succeeds', async () => {
    const blob = randomBytes(100_000);
    const meter = new LayerSizeMeter(blob.length);
    let copied = 0;
    await pipeline(Readable.from(chunks(blob, 4096)), meter, new Writable({ write: (c: Buffer, _e, cb) => ((copied += c.length), cb()) }));
    assert.equal(copied, blob.length);
    assert.equal(meter.size, blob.length);
  });

  it('meters run side by side on the measuring thread; one cut short leaves the others right', async () => {
    const tar = await packTar([{ name: 'big', data: randomBytes(3 * 1024 * 1024) }, ...SIZED_LAYERS.changes!.members]);
    const blob = gzipSync(tar);
    const cut = new LayerSizeMeter(blob.length);
    const source = Readable.from(chunks(blob, 64 * 1024));
    const aborted = pipeline(source, cut, new Writable({ write: (_c, _e, cb) => (source.destroy(new Error('connection reset')), cb()) }));
    const meters = [new LayerSizeMeter(blob.length), new LayerSizeMeter(blob.length)];
    const copies = meters.map((meter) => pipeline(Readable.from(chunks(blob, 100_000)), meter, new Writable({ write: (_c, _e, cb) => cb() })));
    await assert.rejects(aborted, /connection reset/);
    await Promise.all(copies);
    assert.equal(cut.size, undefined);
    for (const meter of meters) assert.equal(meter.size, 3 * 1024 * 1024 + SIZED_LAYERS.changes!.size);
  });

  it('from a file: measured, the stored size for a non-tar, undefined for a missing file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'stowage-layer-size-'));
    try {
      await writeFile(join(dir, 'layer'), gzipSync(await packTar(SIZED_LAYERS.base!.members)));
      await writeFile(join(dir, 'junk'), 'not a tar at all, and not gzip either, long enough to have a header'.repeat(20));
      assert.equal(await measureBlobFile(join(dir, 'layer'), 1), SIZED_LAYERS.base!.size);
      assert.equal(await measureBlobFile(join(dir, 'junk'), 77), 77);
      assert.equal(await measureBlobFile(join(dir, 'gone'), 77), undefined);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('layers are the tar media types', () => {
    for (const t of [
      'application/vnd.oci.image.layer.v1.tar',
      'application/vnd.oci.image.layer.v1.tar+gzip',
      'application/vnd.oci.image.layer.v1.tar+zstd',
      'application/vnd.docker.image.rootfs.diff.tar.gzip',
      'application/vnd.docker.image.rootfs.diff.tar',
    ]) {
      assert.ok(isTarLayer({ mediaType: t }), t);
    }
    for (const t of ['application/vnd.oci.image.config.v1+json', 'application/vnd.docker.container.image.v1+json', 'application/vnd.oci.empty.v1+json'])
      assert.ok(!isTarLayer({ mediaType: t }), t);
  });
});

describe('image sizes and disk usage from recorded layer sizes', () => {
  const hex = (c: string): string => `sha256:${c.repeat(64)}`;
  const layer = (c: string, size: number) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: hex(c), size });
  const image = (id: string, manifest: string, layers: Array<ReturnType<typeof layer>>, diffIds: string[]) => ({
    id: hex(id),
    manifest: { digest: hex(manifest), mediaType: 'application/vnd.oci.image.manifest.v1+json', size: 300 },
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: hex(id), size: 200 },
    layers,
    diffIds,
    repoDigests: [],
    pulled: '2024-01-01T00:00:00Z',
    platform: { os: 'linux', architecture: 'amd64' },
  });
  // Two images on one base; the second lists its top layer twice (moby counts it twice).
  const metadata: StoreMetadata = {
    version: 1,
    images: {
      [hex('1')]: image('a', '1', [layer('b', 40), layer('c', 30)], [hex('d'), hex('e')]),
      [hex('2')]: image('f', '2', [layer('b', 40), layer('9', 20), layer('9', 20)], [hex('d'), hex('8'), hex('8')]),
    },
    tags: {},
    layerSizes: { [hex('b')]: 1000, [hex('c')]: 300, [hex('9')]: 50 },
  };

  it('SIZE is the sum of the unpacked layers; CONTENT SIZE the blobs as stored', () => {
    const [one, two] = ['a', 'f'].map((id) => imageRecords(metadata).find((r) => r.id === hex(id))!);
    assert.deepEqual([one?.size, one?.layerSizes, one?.contentSize], [1300, [1000, 300], 300 + 200 + 40 + 30]);
    assert.deepEqual([two?.size, two?.layerSizes, two?.contentSize], [1100, [1000, 50, 50], 300 + 200 + 40 + 20]);
  });

  it('a layer not measured yet counts its stored size, and is listed as missing once', () => {
    const partial = { ...metadata, layerSizes: { [hex('b')]: 1000 } };
    assert.equal(imageRecords(partial).find((r) => r.id === hex('a'))?.size, 1030);
    assert.deepEqual(
      missingLayerSizes(partial)
        .map((l) => l.digest)
        .sort(),
      [hex('9'), hex('c')],
    );
  });

  it('system df: each chain ID once; shared is what another image stands on too', () => {
    const usage = layerUsage(metadata, imageRecords(metadata));
    assert.equal(usage.layersSize, 1000 + 300 + 50 + 50);
    const byId = new Map(usage.images.map((u) => [u.image.id, u]));
    assert.deepEqual([byId.get(hex('a'))?.sharedSize, byId.get(hex('a'))?.uniqueSize], [1000, 300]);
    assert.deepEqual([byId.get(hex('f'))?.sharedSize, byId.get(hex('f'))?.uniqueSize], [1000, 100]);
  });
});

function* chunks(buffer: Buffer, size: number): Generator<Buffer> {
  for (let i = 0; i < buffer.length; i += size) yield buffer.subarray(i, i + size);
}
