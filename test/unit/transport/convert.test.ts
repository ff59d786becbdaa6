import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Digest } from '../../../src/digest/digest.js';
import { convertManifest, parseManifestFormat } from '../../../src/transport/convert.js';
import { copyImage } from '../../../src/transport/copy.js';
import { OciLayoutSink, OciLayoutSource } from '../../../src/transport/oci-layout.js';
import type { ManifestBytes } from '../../../src/oci/manifest-bytes.js';
import { writeSizedImage, writeSizedIndex, type SizedImage } from '../../support/sized-image.js';

const manifestOf = (value: object): ManifestBytes => {
  const bytes = Buffer.from(JSON.stringify(value));
  return { bytes, mediaType: (value as { mediaType: string }).mediaType, digest: Digest.of(bytes) };
};
const d = (c: string, mediaType: string, extra: object = {}) => ({ mediaType, digest: `sha256:${c.repeat(64)}`, size: 10, ...extra });
const json = (m: ManifestBytes): Record<string, unknown> => JSON.parse(m.bytes.toString('utf8')) as Record<string, unknown>;

describe('manifest media types, Docker schema 2 <-> OCI, as skopeo --format', () => {
  const docker = manifestOf({
    schemaVersion: 2,
    mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    config: d('c', 'application/vnd.docker.container.image.v1+json'),
    layers: [
      d('1', 'application/vnd.docker.image.rootfs.diff.tar.gzip'),
      d('2', 'application/vnd.docker.image.rootfs.diff.tar'),
      d('3', 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip', { urls: ['https://example.com/layer'] }),
    ],
  });

  it('to OCI: every type mapped, digests and sizes kept, foreign layers non-distributable with their URLs', () => {
    const oci = convertManifest(docker, 'oci');
    assert.equal(oci.mediaType, 'application/vnd.oci.image.manifest.v1+json');
    assert.notEqual(oci.digest.toString(), docker.digest.toString());
    assert.equal(oci.digest.toString(), Digest.of(oci.bytes).toString());
    assert.deepEqual(json(oci), {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: d('c', 'application/vnd.oci.image.config.v1+json'),
      layers: [
        d('1', 'application/vnd.oci.image.layer.v1.tar+gzip'),
        d('2', 'application/vnd.oci.image.layer.v1.tar'),
        d('3', 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip', { urls: ['https://example.com/layer'] }),
      ],
    });
  });

  it('and back to Docker schema 2: the same bytes, so the same digest', () => {
    assert.equal(convertManifest(convertManifest(docker, 'oci'), 'v2s2').digest.toString(), docker.digest.toString());
  });

  it('a manifest already in the format is copied as it is', () => {
    assert.equal(convertManifest(docker, 'v2s2'), docker);
  });

  it('what has no counterpart is refused with the reason, never relabelled', () => {
    const zstd = manifestOf({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: d('c', 'application/vnd.oci.image.config.v1+json'),
      layers: [d('1', 'application/vnd.oci.image.layer.v1.tar+zstd')],
    });
    assert.throws(() => convertManifest(zstd, 'v2s2'), { code: 'UNSUPPORTED', message: /tar\+zstd, which has no Docker schema 2 counterpart/ });
    const artifact = manifestOf({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      artifactType: 'application/vnd.example',
      config: d('c', 'application/vnd.oci.empty.v1+json'),
      layers: [],
    });
    assert.throws(() => convertManifest(artifact, 'v2s2'), { code: 'UNSUPPORTED', message: /is an artifact/ });
    assert.throws(() => parseManifestFormat('v2s1'), { code: 'UNSUPPORTED', message: /use oci .* or v2s2/ });
  });
});

describe('copy --format oci of a Docker manifest list into an OCI layout', () => {
  let dir: string;
  let one: SizedImage;
  let two: SizedImage;
  let list: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stowage-convert-'));
    one = await writeSizedImage(join(dir, 'src'), 'one', ['base', 'changes'], { docker: true });
    two = await writeSizedImage(join(dir, 'src'), 'two', ['base', 'extra'], { docker: true });
    list = await writeSizedIndex(
      join(dir, 'src'),
      'multi',
      [
        { image: one, architecture: 'amd64' },
        { image: two, architecture: 'arm64' },
      ],
      { docker: true },
    );
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('writes an OCI index of OCI manifests; configs and layers byte for byte', async () => {
    const sink = await OciLayoutSink.create(join(dir, 'out'), 'multi');
    const result = await copyImage(await OciLayoutSource.open(join(dir, 'src'), 'multi'), sink, { platform: 'all', format: 'oci' });
    await sink.close();
    assert.equal(result.mediaType, 'application/vnd.oci.image.index.v1+json');
    assert.equal(result.convertedFrom?.digest.toString(), list);
    const read = async (digest: string) => readFile(join(dir, 'out', 'blobs', 'sha256', digest.replace('sha256:', '')));
    const index = JSON.parse((await read(result.digest.toString())).toString()) as {
      manifests: Array<{ mediaType: string; digest: string; size: number; platform: object }>;
    };
    assert.deepEqual(
      index.manifests.map((m) => [m.mediaType, m.platform]),
      [
        ['application/vnd.oci.image.manifest.v1+json', { architecture: 'amd64', os: 'linux' }],
        ['application/vnd.oci.image.manifest.v1+json', { architecture: 'arm64', os: 'linux' }],
      ],
    );
    for (const [i, image] of [one, two].entries()) {
      const entry = index.manifests[i]!;
      const bytes = await read(entry.digest);
      assert.equal(Digest.of(bytes).toString(), entry.digest);
      assert.equal(bytes.length, entry.size);
      const manifest = JSON.parse(bytes.toString()) as { config: { digest: string }; layers: Array<{ digest: string; mediaType: string }> };
      assert.equal(manifest.config.digest, image.configDigest);
      assert.deepEqual(
        manifest.layers.map((l) => l.digest),
        image.blobs,
      );
      for (const digest of [image.configDigest, ...image.blobs]) {
        assert.deepEqual(await read(digest), await readFile(join(dir, 'src', 'blobs', 'sha256', digest.slice(7))), digest);
      }
    }
    const top = JSON.parse(await readFile(join(dir, 'out', 'index.json'), 'utf8')) as { manifests: Array<{ mediaType: string; digest: string }> };
    assert.deepEqual(
      top.manifests.map((m) => [m.mediaType, m.digest]),
      [['application/vnd.oci.image.index.v1+json', result.digest.toString()]],
    );
  });

  it('one platform of it: that image, converted', async () => {
    const sink = await OciLayoutSink.create(join(dir, 'arm'), 'arm');
    const result = await copyImage(await OciLayoutSource.open(join(dir, 'src'), 'multi'), sink, {
      platform: { os: 'linux', architecture: 'arm64' },
      format: 'oci',
    });
    await sink.close();
    assert.equal(result.mediaType, 'application/vnd.oci.image.manifest.v1+json');
    assert.equal(result.convertedFrom?.digest.toString(), two.digest);
  });
});
