import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { Digest } from '../../../src/digest/digest.js';
import { MediaType } from '../../../src/oci/media-types.js';
import { parseManifest } from '../../../src/oci/manifest.js';
import { DockerArchiveSource } from '../../../src/transport/docker-archive.js';
import { packTar, type TarMember } from './tar-fixtures.js';
import { readAll, rejectsWith } from './transport-suite.js';

describe('legacy docker archives (docker save <= 24, skopeo): no OCI part', () => {
  let root: string;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'stowage-docker-archive-legacy-'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const layerA = Buffer.from('pretend this is an uncompressed layer tar');
  const layerB = gzipSync(Buffer.from('pretend this is another layer'));
  const diffA = Digest.of(layerA).toString();
  const config = (layers: string[]): Buffer =>
    Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: layers } }));
  const configOne = config([diffA]);
  const configTwo = config([diffA, 'sha256:' + 'b'.repeat(64)]);
  const legacy = async (extra: TarMember[] = []): Promise<string> => {
    const file = join(root, 'legacy.tar');
    await writeFile(
      file,
      await packTar([
        { name: `${'1'.repeat(64)}/layer.tar`, data: layerA },
        { name: `${'1'.repeat(64)}/VERSION`, data: Buffer.from('1.0') },
        { name: `${'2'.repeat(64)}/layer.tar`, data: layerB },
        // docker save links a layer shared with an earlier image instead of storing it twice.
        { name: `${'3'.repeat(64)}/layer.tar`, type: 'symlink', linkname: `../${'1'.repeat(64)}/layer.tar` },
        { name: `${Digest.of(configOne).hex}.json`, data: configOne },
        { name: `${Digest.of(configTwo).hex}.json`, data: configTwo },
        {
          name: 'manifest.json',
          data: Buffer.from(
            JSON.stringify([
              { Config: `${Digest.of(configOne).hex}.json`, RepoTags: ['one:latest'], Layers: [`${'1'.repeat(64)}/layer.tar`] },
              {
                Config: `${Digest.of(configTwo).hex}.json`,
                RepoTags: ['registry.example/two:b', 'two:alias'],
                Layers: [`${'3'.repeat(64)}/layer.tar`, `${'2'.repeat(64)}/layer.tar`],
              },
            ]),
          ),
        },
        { name: 'repositories', data: Buffer.from('{}') },
        ...extra,
      ]),
    );
    return file;
  };

  it('synthesizes a Docker schema 2 manifest whose blobs are the files as stored', async () => {
    const file = await legacy();
    const source = await DockerArchiveSource.open(file, 'registry.example/two:b');
    const manifest = await source.getManifest();
    assert.equal(manifest.mediaType, MediaType.DOCKER_MANIFEST);
    assert.equal(manifest.digest.toString(), Digest.of(manifest.bytes).toString());
    const parsed = parseManifest(manifest.bytes, manifest.mediaType);
    assert.deepEqual(parsed.config, { mediaType: MediaType.DOCKER_CONFIG, size: configTwo.length, digest: Digest.of(configTwo).toString() });
    assert.deepEqual(parsed.layers, [
      { mediaType: 'application/vnd.docker.image.rootfs.diff.tar', size: layerA.length, digest: diffA },
      { mediaType: MediaType.DOCKER_LAYER, size: layerB.length, digest: Digest.of(layerB).toString() },
    ]);
    assert.ok((await readAll(await source.getBlob(parsed.config!))).equals(configTwo));
    assert.ok((await readAll(await source.getBlob(parsed.layers[0]!))).equals(layerA));
    assert.ok((await readAll(await source.getBlob(parsed.layers[1]!))).equals(layerB));
    await rejectsWith(source.getManifest(Digest.of('other')), 'MANIFEST_UNKNOWN');
  });

  it('selects by normalised RepoTag or @N, and refuses to guess', async () => {
    const file = await legacy();
    const configOf = async (ref: string): Promise<string | undefined> => {
      const source = await DockerArchiveSource.open(file, ref);
      return parseManifest((await source.getManifest()).bytes).config?.digest;
    };
    assert.equal(await configOf('one'), Digest.of(configOne).toString());
    assert.equal(await configOf('docker.io/library/two:alias'), Digest.of(configTwo).toString());
    assert.equal(await configOf('@1'), Digest.of(configTwo).toString());
    await rejectsWith(DockerArchiveSource.open(file), 'REFERENCE_INVALID', /holds 2 images; name one with docker-archive:.*:NAME:TAG/);
    await rejectsWith(DockerArchiveSource.open(file, 'two:missing'), 'MANIFEST_UNKNOWN', /"two:missing".*"one:latest"/);
    await rejectsWith(DockerArchiveSource.open(file, '@2'), 'MANIFEST_UNKNOWN');
  });

  it('reads the legacy way when the OCI part does not describe the image manifest.json lists', async () => {
    // An OCI part whose only manifest lacks the layers (an incomplete writer): not served.
    const hollow = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.OCI_MANIFEST,
        config: { mediaType: MediaType.OCI_CONFIG, digest: Digest.of(configOne).toString(), size: configOne.length },
        layers: [],
      }),
    );
    const index = { schemaVersion: 2, manifests: [{ mediaType: MediaType.OCI_MANIFEST, digest: Digest.of(hollow).toString(), size: hollow.length }] };
    const file = await legacy([
      { name: 'oci-layout', data: Buffer.from('{"imageLayoutVersion":"1.0.0"}') },
      { name: 'index.json', data: Buffer.from(JSON.stringify(index)) },
      { name: `blobs/sha256/${Digest.of(hollow).hex}`, data: hollow },
    ]);
    const manifest = await (await DockerArchiveSource.open(file, 'one')).getManifest();
    assert.equal(manifest.mediaType, MediaType.DOCKER_MANIFEST);
    assert.equal(parseManifest(manifest.bytes).layers.length, 1);
  });

  it('refuses an archive without manifest.json, and a layer file that is missing', async () => {
    const bare = join(root, 'bare.tar');
    await writeFile(bare, await packTar([{ name: 'x', data: Buffer.from('x') }]));
    await rejectsWith(DockerArchiveSource.open(bare), 'MANIFEST_INVALID', /no manifest.json/);
    const broken = join(root, 'broken.tar');
    await writeFile(
      broken,
      await packTar([
        { name: 'c.json', data: configOne },
        { name: 'manifest.json', data: Buffer.from(JSON.stringify([{ Config: 'c.json', RepoTags: null, Layers: ['gone/layer.tar'] }])) },
      ]),
    );
    await rejectsWith(DockerArchiveSource.open(broken), 'MANIFEST_INVALID', /"gone\/layer.tar", which is not in the archive/);
    assert.ok((await readFile(broken)).length > 0);
  });

  it('refuses a zstd, bzip2 or xz layer file, which a Docker schema 2 manifest has no media type for', async () => {
    const magics: Array<[string, number[]]> = [
      ['zstd', [0x28, 0xb5, 0x2f, 0xfd]],
      ['bzip2', [0x42, 0x5a, 0x68]],
      ['xz', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
    ];
    for (const [name, magic] of magics) {
      const file = join(root, `${name}.tar`);
      const layer = Buffer.concat([Buffer.from(magic), Buffer.from('compressed layer bytes')]);
      await writeFile(
        file,
        await packTar([
          { name: 'c.json', data: configOne },
          { name: 'l/layer.tar', data: layer },
          { name: 'manifest.json', data: Buffer.from(JSON.stringify([{ Config: 'c.json', RepoTags: null, Layers: ['l/layer.tar'] }])) },
        ]),
      );
      await rejectsWith(DockerArchiveSource.open(file), 'UNSUPPORTED', new RegExp(`l/layer.tar in .* is ${name}-compressed`));
    }
  });
});
