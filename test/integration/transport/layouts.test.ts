import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Digest } from '../../../src/digest/digest.js';
import { copyImage } from '../../../src/transport/copy.js';
import { DockerArchiveSink } from '../../../src/transport/docker-archive.js';
import { OciArchiveSink } from '../../../src/transport/oci-archive.js';
import { OciLayoutSource } from '../../../src/transport/oci-layout.js';
import type { ImageSink } from '../../../src/transport/types.js';
import { writeImageLayout, writeIndexLayout } from '../../support/oci-layout.js';
import { runSourceConformance } from '../../support/source-conformance.js';
import { packTar } from '../../support/tar-pack.js';
import { openName, tempDir } from './names.js';

// oci:, oci-archive: and docker-archive: (Docker 25+'s, with its OCI half), each holding one
// image and a two-platform index; the archives are written by our own sinks from a layout.

const PLATFORMS = [
  { os: 'linux', architecture: 'arm64', variant: 'v8' },
  { os: 'linux', architecture: 'amd64' },
];

async function layout(kind: 'image' | 'index'): Promise<{ dir: string; digest: string }> {
  const dir = await tempDir(`conformance-layout-${kind}`);
  const built =
    kind === 'image'
      ? await writeImageLayout(dir, { layers: 3, seed: 'conformance-image', tag: 'v1' })
      : await writeIndexLayout(dir, { seed: 'conformance-index', tag: 'v1', platforms: PLATFORMS });
  return { dir, digest: built.digest };
}

async function archive(kind: 'image' | 'index', create: (file: string) => Promise<ImageSink>): Promise<{ file: string; digest: string }> {
  const { dir, digest } = await layout(kind);
  const file = join(dir, 'archive.tar');
  const sink = await create(file);
  try {
    await copyImage(await OciLayoutSource.open(dir, 'v1'), sink, { platform: 'all' });
  } finally {
    await sink.close();
  }
  return { file, digest };
}

for (const kind of ['image', 'index'] as const) {
  runSourceConformance(`oci: layout (${kind})`, async () => {
    const { dir, digest } = await layout(kind);
    return { kind, digest, open: () => openName(`oci:${dir}:v1`) };
  });

  runSourceConformance(`oci-archive: (${kind})`, async () => {
    const { file, digest } = await archive(kind, (f) => OciArchiveSink.create(f, 'v1'));
    return { kind, digest, open: () => openName(`oci-archive:${file}:v1`) };
  });

  runSourceConformance(`docker-archive: (${kind})`, async () => {
    const { file, digest } = await archive(kind, (f) => DockerArchiveSink.create(f, 'example.com/conformance:v1'));
    return { kind, digest, open: () => openName(`docker-archive:${file}:example.com/conformance:v1`) };
  });
}

// docker save before Docker 25 (and skopeo's docker-archive:): manifest.json, configs and
// layer.tar files only, no OCI part; the source builds a Docker schema 2 manifest from them.
runSourceConformance('docker-archive: legacy (manifest.json only)', async () => {
  const dir = await tempDir('conformance-docker-archive-legacy');
  const layers = [
    await packTar([
      { name: 'etc/', type: 'directory' },
      { name: 'etc/motd', data: 'hello\n'.repeat(100) },
    ]),
    await packTar([
      { name: 'app/', type: 'directory' },
      { name: 'app/main.js', data: 'console.log(1)\n' },
    ]),
  ];
  const config = Buffer.from(
    JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: layers.map((l) => Digest.of(l).toString()) } }),
  );
  const file = join(dir, 'legacy.tar');
  const layerNames = layers.map((l) => `${Digest.of(l).hex}/layer.tar`);
  await writeFile(
    file,
    await packTar([
      ...layers.map((data, i) => ({ name: layerNames[i] as string, data })),
      { name: `${Digest.of(config).hex}.json`, data: config },
      { name: 'manifest.json', data: JSON.stringify([{ Config: `${Digest.of(config).hex}.json`, RepoTags: ['example.com/legacy:v1'], Layers: layerNames }]) },
    ]),
  );
  return { kind: 'image', open: () => openName(`docker-archive:${file}:example.com/legacy:v1`) };
});
