import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { MediaType } from '../../../src/oci/media-types.js';
import { parseManifest } from '../../../src/oci/manifest.js';
import { DockerArchiveSink, DockerArchiveSource } from '../../../src/transport/docker-archive.js';
import { OciLayoutSource } from '../../../src/transport/oci-layout.js';
import { TarIndex } from '../../../src/tar/file-index.js';
import { writeImageLayout, writeIndexLayout } from '../../support/oci-layout.js';
import { packTar, type TarMember } from './tar-fixtures.js';
import { copyByHand, rejectsWith, runTransportSuite } from './transport-suite.js';

runTransportSuite('docker archive', async () => {
  const root = await mkdtemp(join(tmpdir(), 'stowage-docker-archive-'));
  const file = join(root, 'image.tar');
  return {
    sink: (ref) => DockerArchiveSink.create(file, ref),
    source: (ref) => DockerArchiveSource.open(file, ref),
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
});

async function member(file: string, name: string): Promise<unknown> {
  const bytes = await (await TarIndex.open(file)).read(name, 1 << 20);
  assert.ok(bytes, `${name} in ${file}`);
  return JSON.parse(bytes.toString('utf8'));
}

describe('docker archive files', () => {
  let root: string;
  let fixtures: string;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'stowage-docker-archive-files-'));
    fixtures = join(root, 'fixtures');
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const save = async (tag: string, file: string, ref: string | undefined): Promise<void> => {
    const source = await OciLayoutSource.open(fixtures, tag);
    const sink = await DockerArchiveSink.create(file, ref);
    try {
      await copyByHand(source, sink);
    } finally {
      await sink.close();
    }
  };

  it('writes manifest.json, repositories and an annotated index.json as Docker 25 does', async () => {
    const image = await writeImageLayout(fixtures, { layers: 2, seed: 'save', tag: 'v1' });
    const file = join(root, 'alpine.tar');
    await save('v1', file, 'alpine');
    const layerPaths = image.layers.map((l) => `blobs/sha256/${l.digest.slice(7)}`);
    assert.deepEqual(await member(file, 'manifest.json'), [
      { Config: `blobs/sha256/${image.config.digest.slice(7)}`, RepoTags: ['alpine:latest'], Layers: layerPaths },
    ]);
    assert.deepEqual(await member(file, 'repositories'), { alpine: { latest: image.layers[1]!.digest.slice(7) } });
    assert.deepEqual(await member(file, 'index.json'), {
      schemaVersion: 2,
      mediaType: MediaType.OCI_INDEX,
      manifests: [
        {
          mediaType: image.mediaType,
          digest: image.digest,
          size: image.size,
          annotations: { 'io.containerd.image.name': 'docker.io/library/alpine:latest', 'org.opencontainers.image.ref.name': 'latest' },
        },
      ],
    });
    // Read back by any spelling of the name.
    for (const ref of ['alpine', 'alpine:latest', 'docker.io/library/alpine:latest', '@0', undefined]) {
      const source = await DockerArchiveSource.open(file, ref);
      assert.equal((await source.getManifest()).digest.toString(), image.digest, String(ref));
    }
  });

  it('keeps registry hosts in RepoTags, and writes no tags without a ref', async () => {
    await writeImageLayout(fixtures, { layers: 1, seed: 'host', tag: 'v1' });
    await save('v1', join(root, 'hosted.tar'), 'localhost:5000/a/b:t');
    assert.deepEqual(((await member(join(root, 'hosted.tar'), 'manifest.json')) as Array<{ RepoTags: string[] }>)[0]?.RepoTags, ['localhost:5000/a/b:t']);
    assert.deepEqual(Object.keys((await member(join(root, 'hosted.tar'), 'repositories')) as object), ['localhost:5000/a/b']);
    await save('v1', join(root, 'untagged.tar'), undefined);
    assert.deepEqual(((await member(join(root, 'untagged.tar'), 'manifest.json')) as Array<{ RepoTags: string[] }>)[0]?.RepoTags, []);
    assert.equal(await (await TarIndex.open(join(root, 'untagged.tar'))).read('repositories', 1000), undefined);
    await rejectsWith(DockerArchiveSink.create(join(root, 'x.tar'), `a@sha256:${'1'.repeat(64)}`), 'REFERENCE_INVALID');
  });

  it('lists every image of an index in manifest.json, tagging the linux/amd64 one', async () => {
    const index = await writeIndexLayout(fixtures, {
      seed: 'multi',
      tag: 'v1',
      platforms: [
        { os: 'linux', architecture: 'arm64', variant: 'v8' },
        { os: 'linux', architecture: 'amd64' },
      ],
    });
    const file = join(root, 'multi.tar');
    await save('v1', file, 'example.com/multi:2');
    const entries = (await member(file, 'manifest.json')) as Array<{ Config: string; RepoTags: string[] }>;
    assert.deepEqual(
      entries.map((e) => [e.Config, e.RepoTags]),
      [
        [`blobs/sha256/${index.images[0]!.config.digest.slice(7)}`, []],
        [`blobs/sha256/${index.images[1]!.config.digest.slice(7)}`, ['example.com/multi:2']],
      ],
    );
    // The name gives the whole index; @N gives one image, digests identical.
    assert.equal((await (await DockerArchiveSource.open(file, 'example.com/multi:2')).getManifest()).digest.toString(), index.digest);
    assert.equal((await (await DockerArchiveSource.open(file, '@0')).getManifest()).digest.toString(), index.images[0]!.digest);
  });

  it('does not take the only index.json entry for the only image when manifest.json lists more', async () => {
    // docker save of a tagged and an untagged image: both in manifest.json, only the tagged one in index.json.
    const tagged = await writeImageLayout(fixtures, { layers: 1, seed: 'tagged', tag: 'a' });
    const untagged = await writeImageLayout(fixtures, { layers: 1, seed: 'untagged', tag: 'b' });
    const blob = async (digest: string): Promise<TarMember> => ({
      name: `blobs/sha256/${digest.slice(7)}`,
      data: await readFile(join(fixtures, 'blobs', 'sha256', digest.slice(7))),
    });
    const entry = (image: typeof tagged, tags: string[]): object => ({
      Config: `blobs/sha256/${image.config.digest.slice(7)}`,
      RepoTags: tags,
      Layers: image.layers.map((l) => `blobs/sha256/${l.digest.slice(7)}`),
    });
    const index = {
      schemaVersion: 2,
      manifests: [
        { mediaType: tagged.mediaType, digest: tagged.digest, size: tagged.size, annotations: { 'io.containerd.image.name': 'docker.io/library/t:1' } },
      ],
    };
    const file = join(root, 'two.tar');
    await writeFile(
      file,
      await packTar([
        { name: 'oci-layout', data: Buffer.from('{"imageLayoutVersion":"1.0.0"}') },
        { name: 'index.json', data: Buffer.from(JSON.stringify(index)) },
        { name: 'manifest.json', data: Buffer.from(JSON.stringify([entry(tagged, ['t:1']), entry(untagged, [])])) },
        ...(await Promise.all([...tagged.blobs, ...untagged.blobs].map(blob))),
      ]),
    );
    await rejectsWith(DockerArchiveSource.open(file), 'REFERENCE_INVALID', /holds 2 images/);
    assert.equal((await (await DockerArchiveSource.open(file, 't:1')).getManifest()).digest.toString(), tagged.digest);
    // The untagged image is not reachable from index.json: its manifest is synthesized from manifest.json.
    const synthesized = await (await DockerArchiveSource.open(file, '@1')).getManifest();
    assert.equal(synthesized.mediaType, MediaType.DOCKER_MANIFEST);
    assert.equal(parseManifest(synthesized.bytes).config?.digest, untagged.config.digest);
  });
});
