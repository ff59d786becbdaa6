import { createReadStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Digest } from '../digest/digest.js';
import { Digester } from '../digest/digester.js';
import { isStowageError, StowageError } from '../errors/error.js';
import { layerChain } from './chain.js';
import type { StoreLayout } from './layout.js';
import { withStoreLock } from './lock.js';
import { readMetadata } from './metadata.js';
import { isForeign } from './records.js';
import { layerTempName } from './staging.js';
import type { ImageRecord } from './types.js';
import { applyLayer, decompressLayer, type ApplyResult } from './unpack/index.js';

/**
 * Unpacks an image's layers as overlay2 keeps them: one directory per layer, named by chain
 * ID and shared by every image with the same lower stack, holding that layer's own files with
 * its whiteouts kept as `.wh.` files (the upper-over-lower merge is `export`'s job).
 *
 * A directory's name is a promise to every image that shares it, so one is placed only when it
 * is exactly the layer its name says: the uncompressed tar hashed to the diff ID the config
 * claims, and every entry applied (none refused or skipped). Each directory is built under a
 * temporary name (`.tmp-<pid>-<random>`, which garbage collection leaves alone while this process
 * lives) and renamed into place under the store lock, and only while the image is still in the
 * store, so an rmi racing with us never leaves an orphan.
 */
export async function unpackImage(layout: StoreLayout, image: ImageRecord): Promise<Array<{ chainId: string; path: string; created: boolean }>> {
  const stored = (await readMetadata(layout)).images[image.manifest.digest];
  if (!stored) throw new StowageError('MANIFEST_UNKNOWN', `No such image: ${image.id}`);
  const steps = layerChain(stored);
  if (!steps) {
    throw new StowageError(
      'MANIFEST_INVALID',
      `image ${image.id}: its recorded diff IDs are not one digest per layer (an older Stowage stored them unchecked); remove the image and pull it again`,
    );
  }
  const results: Array<{ chainId: string; path: string; created: boolean }> = [];
  for (const [i, { layer, diffId, chainId }] of steps.entries()) {
    const path = layout.layer(chainId);
    if (await exists(path)) {
      results.push({ chainId: chainId.toString(), path, created: false });
      continue;
    }
    const name = `layer ${i + 1} of ${steps.length} (${layer.digest}) of image ${image.id}`;
    const blob = layout.blob(layer.digest);
    if (isForeign(layer) && !(await exists(blob))) {
      throw new StowageError('UNSUPPORTED', `${name} is a foreign layer: it is fetched from its URLs, which the store never does, so it cannot be unpacked`);
    }
    await mkdir(layout.layersDir, { recursive: true });
    const temp = join(layout.layersDir, layerTempName());
    try {
      await mkdir(temp);
      const result = await applyVerified(blob, diffId, temp, name);
      const first = result.skipped[0];
      if (first) {
        throw new StowageError(
          'LAYER_INVALID',
          `${name} cannot be unpacked whole: ${result.skipped.length} entr${result.skipped.length === 1 ? 'y was' : 'ies were'} refused, the first ${oneLine(JSON.stringify(first.path))}: ${oneLine(first.reason)}`,
        );
      }
      const placed = await withStoreLock(layout, async () => {
        if (!(await readMetadata(layout)).images[image.manifest.digest]) return false;
        await rename(temp, path).catch(async (err: NodeJS.ErrnoException) => {
          // Another process unpacked the same chain meanwhile: theirs is as good as ours.
          if (err.code !== 'ENOTEMPTY' && err.code !== 'EEXIST') throw err;
        });
        return true;
      });
      if (!placed) throw new StowageError('MANIFEST_UNKNOWN', `image ${image.id} was removed while it was being unpacked`);
      results.push({ chainId: chainId.toString(), path, created: true });
    } finally {
      await rm(temp, { recursive: true, force: true });
    }
  }
  return results;
}

/**
 * Applies a layer blob to `target`, hashing the uncompressed tar on its way to the extractor:
 * it rejects (DIGEST_INVALID, naming the layer) unless those bytes are the diff ID.
 */
async function applyVerified(blob: string, diffId: Digest, target: string, name: string): Promise<ApplyResult> {
  const digester = new Digester({ expected: diffId });
  const feeding = pipeline(decompressLayer(createReadStream(blob, { highWaterMark: 1024 * 1024 })), digester);
  feeding.catch(() => undefined); // a failure also fails the extraction, which reports it
  try {
    const result = await applyLayer(digester, target, { keepWhiteouts: true });
    await feeding;
    // The extractor reads the tar to its end, so the digester has seen every byte by now.
    if (!digester.digest().equals(diffId))
      throw new StowageError('DIGEST_INVALID', 'digest mismatch', { expected: diffId.toString(), actual: digester.digest().toString() });
    return result;
  } catch (err) {
    const detail = isStowageError(err, 'DIGEST_INVALID') ? (err.detail as { expected?: string; actual?: string } | undefined) : undefined;
    if (detail?.expected === diffId.toString()) {
      throw new StowageError(
        'DIGEST_INVALID',
        `${name} does not match its diff ID: the image config says ${diffId}, its uncompressed content is ${detail.actual ?? 'something else'}; refusing to unpack it`,
        detail,
      );
    }
    throw err;
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** Entry names and reasons come from the archive: no control character reaches the terminal. */
function oneLine(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
