import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { StowageError } from '../errors/error.js';
import type { TarIndex } from '../tar/file-index.js';

/**
 * The files of an OCI image layout, wherever they are: a directory (oci:) or members of a tar
 * read in place (oci-archive:, docker-archive:). Paths are layout-relative with '/' and are
 * only ever built by us (`index.json`, `blobs/<alg>/<hex>` from a validated digest), or
 * looked up by exact name in a tar index, so they cannot reach outside the layout.
 */
export interface LayoutFiles {
  /** Where, for messages: the directory or the archive file. */
  readonly location: string;
  /** A small file read whole; undefined if absent; MANIFEST_TOO_LARGE above `limit` bytes. */
  read(path: string, limit: number): Promise<Buffer | undefined>;
  /** The size of a regular file, or undefined if absent. */
  size(path: string): Promise<number | undefined>;
  /** A stream of the file and its size, or undefined if absent. */
  open(path: string): Promise<{ stream: Readable; size: number } | undefined>;
}

export class DirectoryFiles implements LayoutFiles {
  readonly location: string;

  constructor(dir: string) {
    this.location = dir;
  }

  async read(path: string, limit: number): Promise<Buffer | undefined> {
    const handle = await this.openFile(path);
    if (handle === undefined) return undefined;
    try {
      const { size } = await handle.stat();
      if (size > limit) throw tooLarge(path, this.location, limit);
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

  async size(path: string): Promise<number | undefined> {
    const handle = await this.openFile(path);
    if (handle === undefined) return undefined;
    try {
      return (await handle.stat()).size;
    } finally {
      await handle.close();
    }
  }

  async open(path: string): Promise<{ stream: Readable; size: number } | undefined> {
    const handle = await this.openFile(path);
    if (handle === undefined) return undefined;
    try {
      const { size } = await handle.stat();
      return { stream: handle.createReadStream({ highWaterMark: 1 << 20 }), size };
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  /** Opens a regular file; undefined when it is absent or not a regular file. Subclasses confine it further. */
  protected async openFile(path: string): Promise<FileHandle | undefined> {
    let handle: FileHandle;
    try {
      handle = await open(join(this.location, path), 'r');
    } catch (err) {
      if (['ENOENT', 'ENOTDIR', 'EISDIR'].includes((err as NodeJS.ErrnoException).code ?? '')) return undefined;
      throw err;
    }
    // Opening a directory read-only succeeds on Linux; it only fails at the first read.
    if (!(await handle.stat()).isFile()) {
      await handle.close();
      return undefined;
    }
    return handle;
  }
}

/** Layout files as members of a tar, read in place through its index. */
export class ArchiveFiles implements LayoutFiles {
  readonly location: string;
  private readonly index: TarIndex;

  constructor(index: TarIndex) {
    this.index = index;
    this.location = index.file;
  }

  read(path: string, limit: number): Promise<Buffer | undefined> {
    return this.index.read(path, limit);
  }

  async size(path: string): Promise<number | undefined> {
    return this.index.find(path)?.size;
  }

  async open(path: string): Promise<{ stream: Readable; size: number } | undefined> {
    const entry = this.index.find(path);
    const stream = this.index.open(path);
    return entry === undefined || stream === undefined ? undefined : { stream, size: entry.size };
  }
}

function tooLarge(path: string, location: string, limit: number): StowageError {
  return new StowageError('MANIFEST_TOO_LARGE', `${path} in ${location} is larger than ${limit} bytes`);
}
