// containerd's content store (io.containerd.content.v1.content) keeps every blob at
// blobs/<algorithm>/<hex>, exactly as an OCI image layout does: so the same LayoutSource
// that reads oci: directories serves the stored manifests and blobs byte for byte, through
// a DirectoryFiles whose every open is confined to the Docker root, and only ever reads.

import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { Digest } from '../../digest/digest.js';
import { isStowageError } from '../../errors/error.js';
import { DirectoryFiles } from '../../transport/layout-files.js';
import { blobPath } from '../../transport/layout-source.js';
import { errnoCode, type ConfinedFs } from '../confined-fs.js';

export const CONTENT_DIR = 'io.containerd.content.v1.content';

/** Root-relative path of a blob in the content store. */
export function contentBlobPath(digest: string | Digest): string {
  const parsed = typeof digest === 'string' ? Digest.parse(digest) : digest;
  return path.join(CONTENT_DIR, blobPath(parsed));
}

export class ContentStoreFiles extends DirectoryFiles {
  constructor(private readonly fs: ConfinedFs) {
    super(fs.join(CONTENT_DIR));
  }

  /**
   * Opens a regular file under the content store read-only; undefined when absent. The path is
   * resolved inside the root first, and the last step is opened without following a link, so a
   * blob swapped for a symlink between the two cannot lead outside.
   */
  protected override async openFile(file: string): Promise<FileHandle | undefined> {
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
