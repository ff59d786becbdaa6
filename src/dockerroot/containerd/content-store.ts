// containerd's content store (io.containerd.content.v1.content) keeps every blob at
// blobs/<algorithm>/<hex>, exactly as an OCI image layout does: so the same LayoutSource
// that reads oci: directories serves the stored manifests and blobs byte for byte, through
// this LayoutFiles that opens nothing outside the Docker root and only ever reads.

import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { Digest } from '../../digest/digest.js';
import { isStowageError, StowageError } from '../../errors/error.js';
import type { LayoutFiles } from '../../transport/layout-files.js';
import { blobPath } from '../../transport/layout-source.js';
import { errnoCode, type ConfinedFs } from '../confined-fs.js';

export const CONTENT_DIR = 'io.containerd.content.v1.content';

/** Root-relative path of a blob in the content store. */
export function contentBlobPath(digest: string | Digest): string {
  const parsed = typeof digest === 'string' ? Digest.parse(digest) : digest;
  return path.join(CONTENT_DIR, blobPath(parsed));
}

export class ContentStoreFiles implements LayoutFiles {
  readonly location: string;

  constructor(private readonly fs: ConfinedFs) {
    this.location = fs.join(CONTENT_DIR);
  }

  async read(file: string, limit: number): Promise<Buffer | undefined> {
    const handle = await this.openFile(file);
    if (handle === undefined) return undefined;
    try {
      const { size } = await handle.stat();
      if (size > limit) throw new StowageError('MANIFEST_TOO_LARGE', `${file} in ${this.location} is larger than ${limit} bytes`);
      const buffer = Buffer.alloc(size);
      let filled = 0;
      while (filled < size) {
        const { bytesRead } = await handle.read(buffer, filled, size - filled, filled);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      return buffer.subarray(0, filled);
    } finally {
      await handle.close();
    }
  }

  async size(file: string): Promise<number | undefined> {
    const handle = await this.openFile(file);
    if (handle === undefined) return undefined;
    try {
      return (await handle.stat()).size;
    } finally {
      await handle.close();
    }
  }

  async open(file: string): Promise<{ stream: Readable; size: number } | undefined> {
    const handle = await this.openFile(file);
    if (handle === undefined) return undefined;
    try {
      const { size } = await handle.stat();
      return { stream: handle.createReadStream({ highWaterMark: 1 << 20 }), size };
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  /**
   * Opens a regular file under the content store read-only; undefined when absent. The path is
   * resolved inside the root first, and the last step is opened without following a link, so a
   * blob swapped for a symlink between the two cannot lead outside.
   */
  private async openFile(file: string): Promise<FileHandle | undefined> {
    let real: string;
    try {
      real = await this.fs.resolve(path.join(CONTENT_DIR, file));
    } catch (err) {
      if (isStowageError(err, 'PATH_NOT_FOUND')) return undefined;
      throw err;
    }
    let handle: FileHandle;
    try {
      handle = await open(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    } catch (err) {
      if (['ENOENT', 'ENOTDIR', 'ELOOP'].includes(errnoCode(err) ?? '')) return undefined;
      throw err;
    }
    if (!(await handle.stat()).isFile()) {
      await handle.close();
      return undefined;
    }
    return handle;
  }
}
