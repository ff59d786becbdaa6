import { readdir, rm, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { chainIds } from '../oci/config.js';
import { storedDiffIds } from './chain.js';
import type { StoreLayout } from './layout.js';
import type { StoreMetadata } from './metadata.js';
import { imageBlobs } from './records.js';
import { isStaleLayerTemp } from './staging.js';

export interface Collected {
  blobs: string[];
  layers: string[];
  reclaimed: number;
}

/**
 * Deletes every blob file and unpacked layer directory no image references. Under the store
 * lock: staged operations hold hard links of what they reuse, so deleting a name here never
 * takes content from a pull in progress. A layer being unpacked (`.tmp-<pid>-…`, built outside
 * the lock) is left alone while its process lives; other dot-names are not ours to judge.
 */
export async function collectGarbage(layout: StoreLayout, metadata: StoreMetadata): Promise<Collected> {
  const referenced = new Set<string>();
  const chains = new Set<string>();
  for (const image of Object.values(metadata.images)) {
    for (const digest of imageBlobs(image)) referenced.add(digest);
    // Diff IDs that are not digests (an older version's images.json) name no directory.
    for (const chain of chainIds(storedDiffIds(image) ?? [])) chains.add(chain.hex);
  }
  const collected: Collected = { blobs: [], layers: [], reclaimed: 0 };
  for (const { digest, path, size } of await listBlobs(layout)) {
    if (referenced.has(digest)) continue;
    await unlink(path).catch(() => undefined);
    collected.blobs.push(digest);
    collected.reclaimed += size;
  }
  for (const name of await readdir(layout.layersDir).catch(() => [] as string[])) {
    if (chains.has(name)) continue;
    if (name.startsWith('.') && !isStaleLayerTemp(name)) continue;
    const path = join(layout.layersDir, name);
    collected.reclaimed += await treeSize(path);
    await rm(path, { recursive: true, force: true });
    collected.layers.push(name);
  }
  return collected;
}

export async function listBlobs(layout: StoreLayout): Promise<Array<{ digest: string; path: string; size: number }>> {
  const out: Array<{ digest: string; path: string; size: number }> = [];
  for (const algorithm of await readdir(layout.blobsDir).catch(() => [] as string[])) {
    const dir = join(layout.blobsDir, algorithm);
    for (const hex of await readdir(dir).catch(() => [] as string[])) {
      if (hex.startsWith('.')) continue;
      const path = join(dir, hex);
      const info = await stat(path).catch(() => undefined);
      if (info?.isFile()) out.push({ digest: `${algorithm}:${hex}`, path, size: info.size });
    }
  }
  return out;
}

/** Bytes of the regular files under a directory (links counted once per name, like du -b --apparent-size). */
export async function treeSize(path: string): Promise<number> {
  let total = 0;
  const entries = await readdir(path, { withFileTypes: true, recursive: true }).catch(() => []);
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const info = await stat(join(entry.parentPath ?? (entry as unknown as { path: string }).path, entry.name)).catch(() => undefined);
    total += info?.size ?? 0;
  }
  return total;
}
