// Layer tars rebuilt from a real Docker Engine's graph-driver store (Debian's docker.io 20.10):
// a dockerd of our own, with overlay2 and with vfs, pulls fixture images from a Stowage
// registry and imports a tar of many member kinds. Every layer in its layerdb is then rebuilt
// from tar-split.json.gz and the driver's directory, read straight from the root, and must hash
// to the layer's `diff`. An image copied out through createLayerSource must `docker load` back,
// and `docker pull` back after a push to a registry, with the same ID; a file changed in a
// layer directory must be named, not exported.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, open, readFile, readdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import tar from 'tar-stream';
import { ConfinedFs } from '../../src/dockerroot/confined-fs.js';
import { createLayerSource } from '../../src/dockerroot/layer-source.js';
import type { DockerImage, DockerLayer } from '../../src/dockerroot/model.js';
import type { ImageConfig as ImageConfigJson } from '../../src/oci/config.js';
import { assembleLayer, layerTarSize } from '../../src/dockerroot/tarsplit/index.js';
import { Digest } from '../../src/digest/digest.js';
import { isStowageError } from '../../src/errors/error.js';
import { chainIds } from '../../src/oci/config.js';
import { parseReference } from '../../src/reference/reference.js';
import { RegistryClient } from '../../src/registry/client/client.js';
import { copyImage } from '../../src/transport/copy.js';
import { DockerArchiveSink } from '../../src/transport/docker-archive.js';
import { OciLayoutSink } from '../../src/transport/oci-layout.js';
import { RemoteSink } from '../../src/transport/remote.js';
import { noCredentials } from '../support/credentials.js';
import { startDockerd, type Dockerd } from '../support/dockerd.js';
import { writeImageLayout, type BuiltImage } from '../support/oci-layout.js';
import { makeTempDir, removeTempDirs, skopeo, stopAll } from '../support/process.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';

interface StoredLayer {
  chainId: string;
  diffId: string;
  directory: string;
  tarSplit: string;
}

for (const driver of ['overlay2', 'vfs'] as const) {
  describe(`layer tars rebuilt from a real dockerd root (${driver})`, () => {
    let dir: string;
    let registry: TestRegistry;
    let dockerd: Dockerd;
    let app: BuiltImage;
    let host: string;

    before(async () => {
      dir = await makeTempDir(`stowage-tarsplit-${driver}-`);
      registry = await startRegistry();
      host = new URL(registry.url).host;
      const src = join(dir, 'src');
      await writeImageLayout(src, { layers: 2, seed: `tarsplit-${driver}`, tag: 'base' });
      app = await writeImageLayout(src, { layers: 3, seed: `tarsplit-${driver}`, tag: 'app', sizeBytes: 3 * 1024 * 1024 });
      await skopeo(['copy', '--dest-tls-verify=false', `oci:${src}:base`, `docker://${host}/lib/base:1`]);
      await skopeo(['copy', '--dest-tls-verify=false', `oci:${src}:app`, `docker://${host}/team/app:1`]);
      await writeFile(join(dir, 'kinds.tar'), await manyKindsTar());
      await writeFile(join(dir, 'dotted.tar'), await dottedTar(join(dir, 'dotted')));

      dockerd = await startDockerd(driver);
      for (const name of ['lib/base:1', 'team/app:1']) await dockerd.docker(['pull', '-q', `${host}/${name}`]);
      await dockerd.docker(['import', join(dir, 'kinds.tar'), 'imported/kinds:1']);
      await dockerd.docker(['import', join(dir, 'dotted.tar'), 'imported/dotted:1']);
    });

    after(async () => {
      await dockerd?.stop();
      await registry?.close();
      await stopAll();
      await removeTempDirs();
    });

    it('rebuilds every layer in layerdb to exactly its diff ID, with the size tar-split predicts', async () => {
      const fs = await ConfinedFs.open(dockerd.root);
      const layers = await storedLayers(dockerd.root, driver);
      // base's 2, app's 3 (larger files than base's, so none shared), the two imports.
      assert.equal(layers.length, 7, layers.map((l) => l.chainId).join(' '));
      for (const layer of layers) {
        const label = `layer ${layer.diffId}`;
        const { digest, length } = await hashStream(assembleLayer({ fs, directory: layer.directory, tarSplit: layer.tarSplit, label }));
        assert.equal(digest, layer.diffId, `${label} (${layer.directory})`);
        assert.equal(await layerTarSize({ fs, tarSplit: layer.tarSplit, label }), length, label);
      }
    });

    it('the non-UTF-8 name was stored as tar-split name_raw and rebuilt', async () => {
      const layers = await storedLayers(dockerd.root, driver);
      const gunzipped = await Promise.all(layers.map(async (l) => execFileSync('gzip', ['-dc', l.tarSplit]).toString('utf8')));
      assert.ok(
        gunzipped.some((text) => text.includes('"name_raw"')),
        'some layer has a name_raw entry',
      );
    });

    it('copies an image out through createLayerSource; docker pulls it pushed, and loads it saved, with the same ID', async () => {
      const fs = await ConfinedFs.open(dockerd.root);
      const image = await imageFromRoot(fs, driver, app.config.digest, `${host}/team/app:1`);
      const copied = await copyImage(await createLayerSource(fs, image), await OciLayoutSink.create(join(dir, `layout-${driver}`), 'app'));
      assert.equal(copied.blobs.copied, 4);

      const kindsId = (await dockerd.docker(['image', 'inspect', '--format', '{{.Id}}', 'imported/kinds:1'])).stdout.trim();
      const kinds = await imageFromRoot(fs, driver, kindsId, 'imported/kinds:1');
      // Uncompressed layers (rootfs.diff.tar) through the registry push path and a docker-archive.
      const client = new RegistryClient({ credentials: noCredentials });
      await copyImage(await createLayerSource(fs, kinds), new RemoteSink(client, parseReference(`${host}/pushed/kinds:1`)));
      const archive = join(dir, `kinds-${driver}.tar`);
      const sink = await DockerArchiveSink.create(archive, 'imported/kinds:1');
      try {
        await copyImage(await createLayerSource(fs, kinds), sink);
      } finally {
        await sink.close();
      }
      const idOf = async (name: string) => (await dockerd.docker(['image', 'inspect', '--format', '{{.Id}}', name])).stdout.trim();
      // Removing the only name deletes the layers, so pull and load must bring the bytes back.
      await dockerd.docker(['rmi', 'imported/kinds:1']);
      await dockerd.docker(['pull', '-q', `${host}/pushed/kinds:1`]);
      assert.equal(await idOf(`${host}/pushed/kinds:1`), kindsId);
      await dockerd.docker(['rmi', `${host}/pushed/kinds:1`]);
      await dockerd.docker(['load', '-i', archive]);
      assert.equal(await idOf('imported/kinds:1'), kindsId);
    });

    it('names a file changed in a layer directory after the daemon stopped', async () => {
      await dockerd.stop();
      const fs = await ConfinedFs.open(dockerd.root);
      const first = app.layers[0]?.diffId;
      const layer = (await storedLayers(dockerd.root, driver)).find((l) => l.diffId === first);
      assert.ok(layer, `layer ${first} is in layerdb`);
      // Same size, one byte flipped: only the CRC-64 can tell.
      const file = await open(join(layer.directory, 'layer0', 'a.bin'), 'r+');
      try {
        const byte = Buffer.alloc(1);
        await file.read(byte, 0, 1, 100);
        byte[0] = (byte[0] as number) ^ 0xff;
        await file.write(byte, 0, 1, 100);
      } finally {
        await file.close();
      }
      const label = `layer ${layer.diffId}`;
      await assert.rejects(hashStream(assembleLayer({ fs, directory: layer.directory, tarSplit: layer.tarSplit, label })), (err: unknown) => {
        assert.ok(isStowageError(err, 'LAYER_INVALID'), String(err));
        assert.equal(err.message, `${label}: file layer0/a.bin changed on disk (crc64 mismatch)`);
        return true;
      });
    });
  });
}

/** Every layer of image/<driver>/layerdb, with the driver's directory for its cache-id. */
async function storedLayers(root: string, driver: 'overlay2' | 'vfs'): Promise<StoredLayer[]> {
  const base = join(root, 'image', driver, 'layerdb', 'sha256');
  const layers: StoredLayer[] = [];
  for (const hex of (await readdir(base)).filter((n) => /^[a-f0-9]{64}$/.test(n))) {
    const read = async (name: string) => (await readFile(join(base, hex, name), 'utf8')).trim();
    const cacheId = await read('cache-id');
    layers.push({
      chainId: `sha256:${hex}`,
      diffId: await read('diff'),
      directory: driver === 'overlay2' ? join(root, 'overlay2', cacheId, 'diff') : join(root, 'vfs', 'dir', cacheId),
      tarSplit: join(base, hex, 'tar-split.json.gz'),
    });
  }
  return layers;
}

/** A DockerImage read by hand from imagedb and layerdb (the loader is tested elsewhere). */
async function imageFromRoot(fs: ConfinedFs, driver: 'overlay2' | 'vfs', id: string, tag: string): Promise<DockerImage> {
  const configBytes = await readFile(join(fs.root, 'image', driver, 'imagedb', 'content', 'sha256', Digest.parse(id).hex));
  const config = JSON.parse(configBytes.toString('utf8')) as ImageConfigJson;
  const diffIds = (config.rootfs?.diff_ids ?? []).map((d) => Digest.parse(d));
  const stored = new Map((await storedLayers(fs.root, driver)).map((l) => [l.chainId, l]));
  const layers: DockerLayer[] = chainIds(diffIds).map((chain, i) => {
    const layer = stored.get(chain.toString());
    assert.ok(layer, `chain ${chain} of ${tag} is in layerdb`);
    return {
      diffId: diffIds[i]?.toString() as string,
      chainId: layer.chainId,
      cacheId: undefined,
      directory: layer.directory,
      paths: [],
      size: undefined,
      parent: undefined,
      tarSplit: layer.tarSplit,
    };
  });
  return { id, repoTags: [tag], repoDigests: [], configBytes, config, layers, parent: undefined, lastTagTime: undefined, paths: [] };
}

async function hashStream(stream: Readable): Promise<{ digest: string; length: number }> {
  const hash = createHash('sha256');
  let length = 0;
  for await (const chunk of stream) {
    hash.update(chunk as Buffer);
    length += (chunk as Buffer).length;
  }
  return { digest: `sha256:${hash.digest('hex')}`, length };
}

/**
 * A layer of many member kinds, for `docker import`: directories, files (empty, one block,
 * several MiB), a symlink, a hard link, a name and a link target only PAX can hold, a whiteout,
 * and a name that is not UTF-8 (tar-split keeps it as name_raw).
 */
async function manyKindsTar(): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const collected = (async () => {
    for await (const chunk of pack) chunks.push(Buffer.from(chunk as Uint8Array));
  })();
  const big = Buffer.alloc(5 * 1024 * 1024 + 17);
  for (let i = 0; i < big.length; i++) big[i] = (i * 7 + (i >> 11)) & 0xff;
  const entries: Array<{ header: Partial<tar.Header> & { name: string }; data?: Buffer }> = [
    { header: { name: 'etc/', type: 'directory', mode: 0o755 } },
    { header: { name: 'etc/hostname', mode: 0o644 }, data: Buffer.from('kinds\n') },
    { header: { name: 'etc/empty', mode: 0o600 }, data: Buffer.alloc(0) },
    { header: { name: 'etc/block', mode: 0o644 }, data: Buffer.alloc(512, 0x41) },
    { header: { name: 'etc/localtime', type: 'symlink', linkname: '/usr/share/zoneinfo/UTC' } },
    { header: { name: 'etc/hostname.hard', type: 'link', linkname: 'etc/hostname' } },
    { header: { name: 'opt/', type: 'directory', mode: 0o755 } },
    { header: { name: 'opt/big.bin', mode: 0o755 }, data: big },
    { header: { name: `opt/${'n'.repeat(140)}.txt`, mode: 0o644 }, data: Buffer.from('a long name\n') },
    { header: { name: 'opt/far', type: 'symlink', linkname: `/${'t'.repeat(160)}` } },
    { header: { name: 'opt/.wh.gone', mode: 0o644 }, data: Buffer.alloc(0) },
    { header: { name: 'opt/caf_.txt', mode: 0o644 }, data: Buffer.from('latin-1\n') },
  ];
  for (const { header, data } of entries) {
    await new Promise<void>((resolve, reject) => {
      const full = { uid: 0, gid: 0, mtime: new Date(1700000000000), ...header };
      const done = (err?: Error | null): void => (err ? reject(err) : resolve());
      if (data !== undefined) pack.entry({ ...full, size: data.length }, data, done);
      else pack.entry(full, done);
    });
  }
  pack.finalize();
  await collected;
  const bytes = Buffer.concat(chunks);
  renameToLatin1(bytes, 'opt/caf_.txt', 0xe9);
  return bytes;
}

/** Replaces the `_` of a short name in its ustar header with a raw byte and re-checksums. */
function renameToLatin1(tarBytes: Buffer, name: string, byte: number): void {
  for (let offset = 0; offset + 512 <= tarBytes.length; offset += 512) {
    if (tarBytes.subarray(offset, offset + name.length + 1).equals(Buffer.from(`${name}\0`))) {
      const header = tarBytes.subarray(offset, offset + 512);
      header[name.indexOf('_')] = byte;
      header.fill(0x20, 148, 156);
      let sum = 0;
      for (const b of header) sum += b;
      header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
      return;
    }
  }
  throw new Error(`${name} not found in the tar`);
}

/** What `tar -C dir -cf - .` writes (GNU format, `./` names): a common `docker import` input. */
async function dottedTar(src: string): Promise<Buffer> {
  await mkdir(join(src, 'usr', 'bin'), { recursive: true });
  await writeFile(join(src, 'usr', 'bin', 'hello'), '#!/bin/sh\necho hello\n', { mode: 0o755 });
  await symlink('usr/bin', join(src, 'bin'));
  return execFileSync('tar', ['-C', src, '--numeric-owner', '--sort=name', '--mtime=@1700000000', '-cf', '-', '.']);
}
