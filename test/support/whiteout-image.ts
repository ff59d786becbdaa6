import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { packTar, type TarMember } from './tar-pack.js';

const pack = (entries: TarMember[]): Promise<Buffer> => packTar(entries, { mtime: new Date('2024-01-01T00:00:00Z') });

const sha = (b: Buffer | string): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/**
 * An OCI layout holding one two-layer image whose upper layer deletes, replaces and hides
 * files of the lower (layer.md whiteouts and an opaque directory). The merged root the export
 * must produce is EXPECTED_TREE.
 */
export async function writeWhiteoutImage(dir: string, tag: string): Promise<{ digest: string }> {
  const lower = await pack([
    { name: 'etc/', type: 'directory' },
    { name: 'etc/keep.conf', data: 'keep\n' },
    { name: 'etc/gone.conf', data: 'gone\n' },
    { name: 'etc/replaced.conf', data: 'old\n' },
    { name: 'var/', type: 'directory' },
    { name: 'var/cache/', type: 'directory' },
    { name: 'var/cache/a', data: 'a\n' },
    { name: 'var/cache/b', data: 'b\n' },
    { name: 'olddir/', type: 'directory' },
    { name: 'olddir/x', data: 'x\n' },
    { name: 'bin/', type: 'directory' },
    { name: 'bin/tool', data: '#!/bin/sh\n', mode: 0o755 },
    { name: 'bin/alias', type: 'symlink', linkname: 'tool' },
  ]);
  const upper = await pack([
    { name: 'etc/', type: 'directory' },
    { name: 'etc/.wh.gone.conf' },
    { name: 'etc/replaced.conf', data: 'new\n' },
    { name: 'var/', type: 'directory' },
    { name: 'var/cache/', type: 'directory' },
    { name: 'var/cache/.wh..wh..opq' },
    { name: 'var/cache/c', data: 'c\n' },
    { name: '.wh.olddir' },
    { name: 'bin/', type: 'directory' },
    { name: 'bin/hard', type: 'link', linkname: 'bin/tool' },
    { name: 'new.txt', data: 'hello\n' },
  ]);
  await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
  const put = async (bytes: Buffer): Promise<string> => {
    const digest = sha(bytes);
    await writeFile(join(dir, 'blobs', 'sha256', digest.slice(7)), bytes);
    return digest;
  };
  const layers = [lower, upper].map((t) => ({ tar: t, blob: gzipSync(t) }));
  const layerDescriptors = [];
  for (const l of layers) layerDescriptors.push({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: await put(l.blob), size: l.blob.length });
  const config = Buffer.from(
    JSON.stringify({
      created: '2024-01-01T00:00:00Z',
      architecture: 'amd64',
      os: 'linux',
      config: { Cmd: ['/bin/tool'] },
      rootfs: { type: 'layers', diff_ids: layers.map((l) => sha(l.tar)) },
      history: [{ created_by: 'ADD lower /' }, { created_by: 'RUN upper' }],
    }),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: await put(config), size: config.length },
      layers: layerDescriptors,
    }),
  );
  const digest = await put(manifest);
  await writeFile(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  await writeFile(
    join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest, size: manifest.length, annotations: { 'org.opencontainers.image.ref.name': tag } },
      ],
    }),
  );
  return { digest };
}

/** Path → content ('dir', '-> target' for symlinks) of the merged root. */
export const EXPECTED_TREE: Record<string, string> = {
  bin: 'dir',
  'bin/tool': '#!/bin/sh\n',
  'bin/alias': '-> tool',
  'bin/hard': '#!/bin/sh\n',
  etc: 'dir',
  'etc/keep.conf': 'keep\n',
  'etc/replaced.conf': 'new\n',
  var: 'dir',
  'var/cache': 'dir',
  'var/cache/c': 'c\n',
  'new.txt': 'hello\n',
};
