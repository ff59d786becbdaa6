// Hand-crafted images for the store's hardening tests: layers from explicit tar entries, and a
// config whose rootfs.diff_ids can say anything (a lie, a path, too few), as a hostile registry
// or archive would serve them.

import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { packTar as packMembers } from '../../support/tar-pack.js';
import type { ImageStore } from '../../../src/store/store.js';
import { copyImage } from '../../../src/transport/copy.js';
import { OciLayoutSource } from '../../../src/transport/oci-layout.js';

export type CraftedEntry = {
  name: string;
  type?: 'file' | 'directory' | 'symlink' | 'fifo';
  data?: string;
  linkname?: string;
  mode?: number;
};

/** A layer from entries, or a foreign (non-distributable) layer that only has `urls`. */
export type CraftedLayer = { entries: CraftedEntry[] } | { foreign: string };

export interface CraftedImage {
  digest: string;
  configDigest: string;
  layers: Array<{ digest: string; diffId: string; foreign: boolean }>;
}

export const sha256 = (bytes: Buffer | string): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

export function packTar(entries: CraftedEntry[]): Promise<Buffer> {
  return packMembers(entries, { mtime: new Date('2024-01-01T00:00:00Z') });
}

/**
 * Writes one image into the OCI layout at `dir` under `tag`. `diffIds` receives the true diff
 * IDs and returns what the config claims (default: the truth).
 */
export async function writeCraftedImage(
  dir: string,
  tag: string,
  options: { layers: CraftedLayer[]; diffIds?: (real: string[]) => unknown; label?: string },
): Promise<CraftedImage> {
  await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
  const put = async (bytes: Buffer): Promise<string> => {
    const digest = sha256(bytes);
    await writeFile(join(dir, 'blobs', 'sha256', digest.slice(7)), bytes);
    return digest;
  };
  const layers: CraftedImage['layers'] = [];
  const descriptors: object[] = [];
  for (const layer of options.layers) {
    if ('foreign' in layer) {
      // Never written to the layout: a foreign layer's blob lives at its URL.
      const bytes = gzipSync(await packTar([{ name: 'foreign.txt', data: layer.foreign }]));
      const digest = sha256(bytes);
      descriptors.push({
        mediaType: 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
        digest,
        size: bytes.length,
        urls: [`https://foreign.invalid/${digest.slice(7)}`],
      });
      layers.push({ digest, diffId: sha256(layer.foreign), foreign: true });
      continue;
    }
    const tarBytes = await packTar(layer.entries);
    const blob = gzipSync(tarBytes);
    const digest = await put(blob);
    descriptors.push({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest, size: blob.length });
    layers.push({ digest, diffId: sha256(tarBytes), foreign: false });
  }
  const real = layers.map((l) => l.diffId);
  const config = Buffer.from(
    JSON.stringify({
      created: '2024-01-01T00:00:00Z',
      architecture: 'amd64',
      os: 'linux',
      config: { Labels: { label: options.label ?? tag } },
      rootfs: { type: 'layers', diff_ids: options.diffIds ? options.diffIds(real) : real },
    }),
  );
  const configDigest = await put(config);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.length },
      layers: descriptors,
    }),
  );
  const digest = await put(manifest);
  await writeFile(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  let index: { schemaVersion: 2; manifests: Array<{ annotations?: Record<string, string> }> } = { schemaVersion: 2, manifests: [] };
  try {
    index = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as typeof index;
  } catch {
    // a new layout
  }
  index.manifests = index.manifests.filter((m) => m.annotations?.['org.opencontainers.image.ref.name'] !== tag);
  index.manifests.push({
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    digest,
    size: manifest.length,
    annotations: { 'org.opencontainers.image.ref.name': tag },
  } as { annotations: Record<string, string> });
  await writeFile(join(dir, 'index.json'), JSON.stringify(index));
  return { digest, configDigest, layers };
}

/** What `stowage load` does with one image of a layout: copy it into the store under `tags`. */
export async function loadInto(store: ImageStore, layout: string, tag: string, tags: string[], repoDigests: string[] = []): Promise<void> {
  const source = await OciLayoutSource.open(layout, tag);
  const sink = await store.sink({ tags, repoDigests });
  try {
    await copyImage(source, sink);
  } finally {
    await sink.close();
    await source.close();
  }
}
