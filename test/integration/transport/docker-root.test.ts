import { join } from 'node:path';
import { writeContainerdRoot } from '../../support/containerd-root.js';
import { GraphRootBuilder } from '../../support/graph-root.js';
import { writeLegacyRoot } from '../../support/legacy-root.js';
import { writeImageLayout, writeIndexLayout } from '../../support/oci-layout.js';
import { runSourceConformance } from '../../support/source-conformance.js';
import { packTar } from '../../support/tar-pack.js';
import { openName, tempDir } from './names.js';

// docker-root: over each store Docker has kept images in, each root written from the formats
// by the fixtures the dockerroot tests use; opened by name, `docker-root:ROOT:IMAGE`.

runSourceConformance('docker-root: graph driver (overlay2)', async () => {
  const root = join(await tempDir('conformance-graph'), 'docker');
  const builder = new GraphRootBuilder(root);
  const base = await builder.layer(
    undefined,
    'base',
    await packTar([
      { name: 'etc/', type: 'directory' },
      { name: 'etc/motd', data: 'hello\n'.repeat(200) },
    ]),
  );
  const app = await builder.layer(
    base,
    'app',
    await packTar([
      { name: 'app/', type: 'directory' },
      { name: 'app/main.js', data: 'console.log(1)\n' },
      { name: 'app/link', type: 'symlink', linkname: 'main.js' },
    ]),
  );
  await builder.image([base, app], ['example.com/team/app:1']);
  return { kind: 'image', open: () => openName(`docker-root:${root}:example.com/team/app:1`) };
});

runSourceConformance('docker-root: legacy graph (docker 1.9, aufs)', async () => {
  const root = join(await tempDir('conformance-legacy'), 'docker');
  await writeLegacyRoot(root);
  return { kind: 'image', open: () => openName(`docker-root:${root}:ubuntu:14.04`) };
});

runSourceConformance('docker-root: containerd image store (image)', async () => {
  const dir = await tempDir('conformance-containerd');
  const image = await writeImageLayout(join(dir, 'layout'), { layers: 3, seed: 'conformance-containerd', tag: 'v1' });
  const root = join(dir, 'containerd');
  await writeContainerdRoot(root, join(dir, 'layout'), { 'example.com/team/app:1': image });
  return { kind: 'image', digest: image.digest, open: () => openName(`docker-root:${root}:example.com/team/app:1`) };
});

runSourceConformance('docker-root: containerd image store (index, one platform pulled)', async () => {
  const dir = await tempDir('conformance-containerd-index');
  const index = await writeIndexLayout(join(dir, 'layout'), {
    seed: 'conformance-containerd-index',
    tag: 'v1',
    platforms: [
      { os: 'linux', architecture: 'arm64', variant: 'v8' },
      { os: 'linux', architecture: 'amd64' },
    ],
  });
  const [arm, amd] = index.images;
  if (!arm || !amd) throw new Error('two platforms expected');
  const root = join(dir, 'containerd');
  // As containerd pulls: the index, then only this machine's manifest and its blobs.
  await writeContainerdRoot(root, join(dir, 'layout'), { 'example.com/team/multi:1': index }, arm.blobs);
  return { kind: 'index', digest: index.digest, absentChildren: [arm.digest], open: () => openName(`docker-root:${root}:example.com/team/multi:1`) };
});
