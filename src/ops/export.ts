import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { StowageError } from '../errors/error.js';
import { writeStreamAtomic } from '../fs/durable.js';
import type { ImageStore } from '../store/store.js';
import { exportToDirectory, exportToTar } from '../store/unpack/index.js';

/**
 * Where exportRootfs writes the tree: a tar (a file, written beside it and renamed, so a failed
 * export never leaves a truncated tar under its name; a stream; or a function giving the stream
 * once the image is found), or the files themselves into a directory, which must be empty.
 */
export type RootfsTarget = { tar: string | Writable | (() => Writable) } | { directory: string /** Create device nodes (root only). */; devices?: boolean };

export interface ExportRootfsResult {
  /**
   * Entries of a directory export that could not be written whole (a device node without
   * root, an attribute the file system refuses): the tree is then not the image's whole root
   * filesystem. Always empty for a tar.
   */
  skipped: Array<{ path: string; reason: string }>;
}

/**
 * `docker export` of an image (what it gives for a fresh container): the layers' flattened root
 * filesystem, whiteouts applied (image-spec layer.md), as a tar or into a directory.
 */
export async function exportRootfs(name: string, options: { store: ImageStore; to: RootfsTarget }): Promise<ExportRootfsResult> {
  const { store, to } = options;
  const image = await store.resolve(name);
  const layers = store.layerStreams(image);
  if ('directory' in to) {
    await mkdir(to.directory, { recursive: true });
    if ((await readdir(to.directory)).length > 0) throw new StowageError('UNSUPPORTED', `${to.directory} is not empty: export into an empty directory`);
    const result = await exportToDirectory(layers, to.directory, { devices: to.devices === true });
    return { skipped: result.skipped };
  }
  // The layers are inflated once into spools under the store's root (its filesystem holds
  // images anyway; a tmpfs may be smaller than one), unlinked as soon as they are open. A store
  // that cannot be written to (mounted read-only, another user's) still exports: via the temp dir.
  const spoolDir = await store.scratch().catch(() => mkdtemp(join(tmpdir(), 'stowage-export-')));
  try {
    const target = to.tar;
    if (typeof target !== 'string') {
      await exportToTar(layers, typeof target === 'function' ? target() : target, { spoolDir });
      return { skipped: [] };
    }
    // Written beside the target, fsynced and renamed: a failed export never leaves a truncated tar under its name.
    await writeStreamAtomic(target, async (out) => {
      await exportToTar(layers, out, { spoolDir });
    });
    return { skipped: [] };
  } finally {
    await rm(spoolDir, { recursive: true, force: true });
  }
}
