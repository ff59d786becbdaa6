// Images whose unpacked sizes are known by hand, for the SIZE tests: layers with files of set
// lengths, symlinks (counted at their target's length), hard links (one inode), whiteouts and
// an opaque directory, an empty tar, and an empty_layer history entry. (No path twice in one
// layer: docker refuses such a tar, "duplicates of file paths not supported".) Written as an
// OCI image layout, gzip layers.

import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { packTar, type TarMember } from './tar-pack.js';

const bytes = (n: number, fill = 'x'): Buffer => Buffer.alloc(n, fill);

/** The layers by name, each with the size docker's overlay2 records for it. */
export const SIZED_LAYERS: Record<string, { members: TarMember[]; size: number }> = {
  base: {
    members: [
      { name: 'bin/', type: 'directory' },
      { name: 'bin/busybox', data: bytes(100_000, 'b') },
      { name: 'bin/sh', type: 'symlink', linkname: 'busybox' }, // 7
      { name: 'bin/ls', type: 'link', linkname: 'bin/busybox' }, // the same inode
      { name: 'etc/', type: 'directory' },
      { name: 'etc/passwd', data: bytes(1234) },
      { name: 'etc/empty', data: '' },
      { name: 'etc/motd', data: bytes(500) },
      { name: 'tmp/', type: 'directory' },
      { name: 'tmp/fifo', type: 'fifo' },
      { name: 'data/', type: 'directory' },
      { name: 'data/old/', type: 'directory' },
      { name: 'data/old/x', data: bytes(3000) },
    ],
    size: 100_000 + 7 + 1234 + 500 + 3000,
  },
  changes: {
    members: [
      { name: 'etc/', type: 'directory' },
      { name: 'etc/.wh.motd', data: '' }, // a 0/0 device
      { name: 'etc/passwd', data: bytes(2345) },
      { name: 'data/', type: 'directory' },
      { name: 'data/old/', type: 'directory' },
      { name: 'data/old/.wh..wh..opq', data: '' }, // an xattr
      { name: 'data/old/y', data: bytes(700) },
      { name: 'usr/', type: 'directory' },
      { name: 'usr/lib/', type: 'directory' },
      { name: 'usr/lib/libé.so', type: 'symlink', linkname: 'libé.so.1' }, // 10 bytes of UTF-8
      { name: 'usr/bin/', type: 'directory' },
      { name: 'usr/bin/tool', data: bytes(4096) },
      { name: 'usr/bin/tool2', type: 'link', linkname: 'usr/bin/tool' },
    ],
    size: 2345 + 700 + 10 + 4096,
  },
  links: {
    members: [
      { name: 'app/', type: 'directory' },
      { name: 'app/target', data: bytes(800) },
      { name: 'app/hl', type: 'link', linkname: 'app/target' },
      { name: 'app/hl2', type: 'link', linkname: 'app/target' }, // three names, one inode
      { name: 'app/sym', type: 'symlink', linkname: '/app/target' }, // 11
      { name: 'app/empty-dir/', type: 'directory' },
    ],
    size: 800 + 11,
  },
  empty: { members: [], size: 0 },
  extra: {
    members: [
      { name: 'opt/', type: 'directory' },
      { name: 'opt/extra', data: bytes(2000, 'e') },
    ],
    size: 2000,
  },
};

export interface SizedImage {
  digest: string;
  configDigest: string;
  /** Layer names bottom first, and each layer's expected unpacked size. */
  layers: string[];
  /** Each layer blob's digest, bottom first. */
  blobs: string[];
  sizes: number[];
  total: number;
}

function sha256(data: Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

async function putBlob(dir: string, data: Buffer): Promise<string> {
  const digest = sha256(data);
  await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
  await writeFile(join(dir, 'blobs', 'sha256', digest.slice(7)), data);
  return digest;
}

/**
 * Writes an image of the named layers into the OCI layout `dir` (index.json lists every image
 * written, by tag). Media types are OCI's, or Docker schema 2's with `docker: true`; layers
 * gzip'd, or plain tars with `uncompressed: true` (OCI only), as `docker save` writes them.
 */
export async function writeSizedImage(
  dir: string,
  tag: string,
  layerNames: string[],
  options: { docker?: boolean; uncompressed?: boolean } = {},
): Promise<SizedImage> {
  const layers: Array<{ digest: string; size: number; diffId: string }> = [];
  for (const name of layerNames) {
    const layer = SIZED_LAYERS[name];
    if (!layer) throw new Error(`no layer ${name}`);
    const tar = await packTar(layer.members);
    const blob = options.uncompressed ? tar : gzipSync(tar);
    layers.push({ digest: await putBlob(dir, blob), size: blob.length, diffId: sha256(tar) });
  }
  const created = '2024-01-01T00:00:00Z';
  const history = layerNames.map((name) => ({ created, created_by: `ADD ${name} /` }));
  history.splice(1, 0, { created, created_by: 'ENV SIZED=1', empty_layer: true } as (typeof history)[number]);
  const config = Buffer.from(
    JSON.stringify({
      created,
      architecture: 'amd64',
      os: 'linux',
      config: { Env: ['PATH=/bin'], Cmd: ['/bin/sh'] },
      rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
      history,
    }),
  );
  const configDigest = await putBlob(dir, config);
  const types = options.docker
    ? {
        manifest: 'application/vnd.docker.distribution.manifest.v2+json',
        config: 'application/vnd.docker.container.image.v1+json',
        layer: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
      }
    : {
        manifest: 'application/vnd.oci.image.manifest.v1+json',
        config: 'application/vnd.oci.image.config.v1+json',
        layer: `application/vnd.oci.image.layer.v1.tar${options.uncompressed ? '' : '+gzip'}`,
      };
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: types.manifest,
      config: { mediaType: types.config, digest: configDigest, size: config.length },
      layers: layers.map((l) => ({ mediaType: types.layer, digest: l.digest, size: l.size })),
    }),
  );
  const digest = await putBlob(dir, manifest);
  await addToIndex(dir, { mediaType: types.manifest, digest, size: manifest.length, annotations: { 'org.opencontainers.image.ref.name': tag } });
  const sizes = layerNames.map((name) => SIZED_LAYERS[name]?.size ?? 0);
  return { digest, configDigest, layers: layerNames, blobs: layers.map((l) => l.digest), sizes, total: sizes.reduce((a, b) => a + b, 0) };
}

async function addToIndex(dir: string, descriptor: object): Promise<void> {
  const path = join(dir, 'index.json');
  const index = await readFile(path, 'utf8').then(
    (text) => JSON.parse(text) as { manifests: object[] },
    () => ({ manifests: [] as object[] }),
  );
  await writeFile(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  await writeFile(
    path,
    JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [...index.manifests, descriptor] }),
  );
}

/**
 * A multi-platform index over images already written to `dir` (a Docker manifest list with
 * `docker: true`, else an OCI index), listed in index.json under `tag`. Returns its digest.
 */
export async function writeSizedIndex(
  dir: string,
  tag: string,
  images: Array<{ image: SizedImage; architecture: string }>,
  options: { docker?: boolean } = {},
): Promise<string> {
  const child = options.docker ? 'application/vnd.docker.distribution.manifest.v2+json' : 'application/vnd.oci.image.manifest.v1+json';
  const mediaType = options.docker ? 'application/vnd.docker.distribution.manifest.list.v2+json' : 'application/vnd.oci.image.index.v1+json';
  const manifests = [];
  for (const { image, architecture } of images) {
    const size = (await readFile(join(dir, 'blobs', 'sha256', image.digest.slice(7)))).length;
    manifests.push({ mediaType: child, digest: image.digest, size, platform: { architecture, os: 'linux' } });
  }
  const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType, manifests }));
  const digest = await putBlob(dir, bytes);
  await addToIndex(dir, { mediaType, digest, size: bytes.length, annotations: { 'org.opencontainers.image.ref.name': tag } });
  return digest;
}
