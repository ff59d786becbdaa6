import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { StowageError } from '../errors/error.js';
import { chainIds } from './chain.js';
import type { StoreLayout } from './layout.js';
import { withStoreLock } from './lock.js';
import { readMetadata } from './metadata.js';
import type { ImageRecord } from './types.js';
import { applyLayer, decompressLayer } from './unpack/index.js';

/**
 * Unpacks an image's layers as overlay2 keeps them: one directory per layer, named by chain
 * ID and shared by every image with the same lower stack, holding that layer's own files with
 * its whiteouts kept as `.wh.` files (the upper-over-lower merge is `export`'s job). Each
 * directory is built under a temporary name and renamed into place under the store lock, and
 * only while the image is still in the store, so an rmi racing with us never leaves an orphan.
 */
export async function unpackImage(layout: StoreLayout, image: ImageRecord): Promise<Array<{ chainId: string; path: string; created: boolean }>> {
  const stored = (await readMetadata(layout)).images[image.manifest.digest];
  if (!stored) throw new StowageError('MANIFEST_UNKNOWN', `No such image: ${image.id}`);
  if (stored.diffIds.length !== stored.layers.length) {
    throw new StowageError('MANIFEST_INVALID', `image ${image.id}: its config lists ${stored.diffIds.length} diff IDs for ${stored.layers.length} layers`);
  }
  const chains = chainIds(stored.diffIds);
  const results: Array<{ chainId: string; path: string; created: boolean }> = [];
  for (const [i, chainId] of chains.entries()) {
    const path = layout.layer(chainId);
    if (await stat(path).then(() => true, () => false)) {
      results.push({ chainId, path, created: false });
      continue;
    }
    const layer = stored.layers[i];
    if (!layer) continue;
    await mkdir(layout.layersDir, { recursive: true });
    const temp = join(layout.layersDir, `.tmp-${randomBytes(6).toString('hex')}`);
    try {
      await mkdir(temp);
      await applyLayer(decompressLayer(createReadStream(layout.blob(layer.digest), { highWaterMark: 1024 * 1024 })), temp, { keepWhiteouts: true });
      const placed = await withStoreLock(layout, async () => {
        if (!(await readMetadata(layout)).images[image.manifest.digest]) return false;
        await rename(temp, path).catch(async (err: NodeJS.ErrnoException) => {
          // Another process unpacked the same chain meanwhile: theirs is as good as ours.
          if (err.code !== 'ENOTEMPTY' && err.code !== 'EEXIST') throw err;
        });
        return true;
      });
      if (!placed) throw new StowageError('MANIFEST_UNKNOWN', `image ${image.id} was removed while it was being unpacked`);
      results.push({ chainId, path, created: true });
    } finally {
      await rm(temp, { recursive: true, force: true });
    }
  }
  return results;
}
