import { randomBytes } from 'node:crypto';
import type { Stats } from 'node:fs';
import { open, readdir, readFile, rename, rm, rmdir, stat, unlink, utimes, type FileHandle } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { writeAndRename } from '../../fs/durable.js';
import type { FileInfo, FileWriter, PutOptions, StorageDriver, MoveOptions } from '../driver.js';
import { storageError } from '../errors.js';
import { checkFilePath, checkPath, childPath, pathExists, pathNotFound, resolveRange, TEMP_PREFIX } from '../path.js';
import { syncTree, withParents } from './directories.js';
import { isCode, syncDirectory } from './errno.js';
import { FileRangeStream } from './file-stream.js';
import { FilesystemWriter } from './writer.js';

const STAT_BATCH = 64;

export class FilesystemDriver implements StorageDriver {
  readonly name = 'filesystem';
  readonly movesKeepTime = true;
  readonly touchCopies = false;
  private readonly root: string;

  constructor(rootDirectory: string) {
    this.root = resolve(rootDirectory);
  }

  async getContent(path: string): Promise<Buffer> {
    const full = this.fullPath(path);
    try {
      return await readFile(full);
    } catch (err) {
      throw mapNotFound(err, path);
    }
  }

  async putContent(path: string, content: Uint8Array, options: PutOptions = {}): Promise<void> {
    const full = this.fullPath(checkFilePath(path));
    const dir = dirname(full);
    const write = { ...(options.private ? { mode: 0o600 } : {}), ...(options.exclusive ? { exclusive: true } : {}) };
    try {
      const temp = `${dir}/${TEMP_PREFIX}${randomBytes(8).toString('hex')}`;
      await withParents(dir, () => writeAndRename(temp, full, content, write), options.private ? 0o700 : undefined);
      await syncDirectory(dir);
    } catch (err) {
      if (options.exclusive && isCode(err, 'EEXIST')) throw pathExists(path);
      throw storageError(err, full);
    }
  }

  async reader(path: string, options: { offset?: number; end?: number } = {}): Promise<Readable> {
    const full = this.fullPath(path);
    let handle: FileHandle;
    try {
      handle = await open(full, 'r');
    } catch (err) {
      throw mapNotFound(err, path);
    }
    try {
      const info = await handle.stat();
      // Opening a directory read-only succeeds on Linux; it only fails at the first read.
      if (info.isDirectory()) throw pathNotFound(path);
      const range = resolveRange(path, info.size, options);
      if (!range) {
        await handle.close();
        return Readable.from([], { objectMode: false });
      }
      return new FileRangeStream(handle, range.start, range.end);
    } catch (err) {
      await handle.close().catch(() => undefined);
      throw err;
    }
  }

  async writer(path: string, append: boolean): Promise<FileWriter> {
    const full = this.fullPath(checkFilePath(path));
    const handle = await withParents(dirname(full), () => open(full, append ? 'a' : 'w')).catch((err: unknown) => {
      throw storageError(err, full);
    });
    try {
      const size = append ? (await handle.stat()).size : 0;
      return new FilesystemWriter(full, handle, size);
    } catch (err) {
      await handle.close().catch(() => undefined);
      throw err;
    }
  }

  async stat(path: string): Promise<FileInfo> {
    const full = this.fullPath(path);
    try {
      return toFileInfo(path, await stat(full));
    } catch (err) {
      throw mapNotFound(err, path);
    }
  }

  async list(path: string): Promise<string[]> {
    const full = this.fullPath(path);
    let names: string[];
    try {
      names = await readdir(full);
    } catch (err) {
      throw mapNotFound(err, path);
    }
    return names
      .filter((name) => !name.startsWith(TEMP_PREFIX))
      .sort()
      .map((name) => childPath(path, name));
  }

  async move(source: string, destination: string, options: MoveOptions = {}): Promise<void> {
    const from = this.fullPath(checkFilePath(source));
    const to = this.fullPath(checkFilePath(destination));
    const dir = dirname(to);
    if (options.durable === false) {
      // A rename beside itself (garbage collection's quarantine) needs neither the stat nor the
      // parents below: one rename(2) in the common case, the slow path when it fails.
      try {
        await rename(from, to);
        return;
      } catch (err) {
        if (!isCode(err, 'ENOENT')) {
          if (isCode(err, 'ENOTEMPTY', 'EEXIST')) throw pathExists(destination);
          throw storageError(err, to);
        }
      }
    }
    // Checked first so that a missing source leaves no empty destination parents behind.
    const info = await stat(from).catch((err: unknown) => {
      if (isCode(err, 'ENOENT', 'ENOTDIR')) throw pathNotFound(source);
      throw err;
    });
    try {
      // A directory's own entries must be durable before it appears under its new name.
      const durable = options.durable !== false;
      if (info.isDirectory() && durable) await syncTree(from);
      await withParents(dir, () => rename(from, to));
      if (durable) await syncDirectory(dir);
    } catch (err) {
      if (isCode(err, 'ENOENT') && !(await exists(from))) throw pathNotFound(source);
      // rename(2) onto a directory that holds entries.
      if (isCode(err, 'ENOTEMPTY', 'EEXIST')) throw pathExists(destination);
      throw storageError(err, to);
    }
  }

  /**
   * Renames the tree away (atomically, to a hidden temporary name at the root), then removes
   * it: removing it in place fails with ENOTEMPTY when a concurrent writer keeps creating
   * entries in it (a tag deleted while it is being pushed), whereas a writer that finds its
   * directory renamed away simply re-creates it (withParents) and lands after the delete.
   * At the root, not beside it: distribution lists directories such as `tags/` as they are,
   * and would show the doomed name as a tag while it is removed (or after a crash).
   */
  async delete(path: string): Promise<void> {
    const full = this.fullPath(checkFilePath(path));
    // A file goes in one unlink(2), atomic by itself; only a tree needs the rename away below.
    try {
      await unlink(full);
      return;
    } catch (err) {
      if (isCode(err, 'ENOENT', 'ENOTDIR')) throw pathNotFound(path);
      if (!isCode(err, 'EISDIR', 'EPERM')) throw storageError(err, full);
    }
    const name = `${TEMP_PREFIX}${randomBytes(8).toString('hex')}`;
    let doomed = `${this.root}/${name}`;
    try {
      try {
        await rename(full, doomed);
      } catch (err) {
        // Another filesystem mounted inside the root: beside it, then.
        if (!isCode(err, 'EXDEV')) throw err;
        doomed = `${dirname(full)}/${name}`;
        await rename(full, doomed);
      }
    } catch (err) {
      // A rename can need a directory block a full disk does not have; deleting must still free space.
      if (!isCode(err, 'ENOSPC', 'EDQUOT')) throw mapNotFound(err, path);
      await rm(full, { recursive: true, force: true, maxRetries: 3 });
      return;
    }
    await rm(doomed, { recursive: true, force: true, maxRetries: 3 });
  }

  async touch(path: string): Promise<boolean> {
    const full = this.fullPath(checkFilePath(path));
    const now = new Date();
    try {
      await utimes(full, now, now);
      return true;
    } catch (err) {
      if (isCode(err, 'ENOENT', 'ENOTDIR')) return false;
      if (isCode(err, 'EROFS', 'EPERM', 'EACCES')) return true;
      throw storageError(err, full);
    }
  }

  async removeEmptyDirectory(path: string): Promise<boolean> {
    const full = this.fullPath(checkFilePath(path));
    try {
      await rmdir(full);
      return true;
    } catch (err) {
      if (isCode(err, 'ENOENT', 'ENOTDIR', 'ENOTEMPTY', 'EEXIST')) return false;
      throw storageError(err, full);
    }
  }

  async walk(
    path: string,
    visit: (info: FileInfo) => boolean | undefined | Promise<boolean | undefined>,
    options: { temporary?: boolean } = {},
  ): Promise<void> {
    const full = this.fullPath(path);
    try {
      if (!(await stat(full)).isDirectory()) return;
    } catch (err) {
      throw mapNotFound(err, path);
    }
    await this.walkDirectory(path, full, visit, options.temporary === true);
  }

  private async walkDirectory(
    path: string,
    full: string,
    visit: (info: FileInfo) => boolean | undefined | Promise<boolean | undefined>,
    temporary: boolean,
  ): Promise<void> {
    let names: string[];
    try {
      names = (await readdir(full, { withFileTypes: true }))
        .map((entry) => entry.name)
        .filter((name) => temporary || !name.startsWith(TEMP_PREFIX))
        .sort();
    } catch (err) {
      // Deleted (or replaced by a file) since its parent was read: nothing left to visit.
      if (isCode(err, 'ENOENT', 'ENOTDIR')) return;
      throw err;
    }
    // Stats run concurrently in batches; visits stay sequential and in order.
    for (let i = 0; i < names.length; i += STAT_BATCH) {
      const batch = names.slice(i, i + STAT_BATCH);
      const infos = await Promise.all(batch.map((name) => statOrNull(childPath(path, name), `${full}/${name}`)));
      for (const info of infos) {
        if (!info) continue;
        const descend = await visit(info);
        if (info.isDirectory && descend !== false) {
          await this.walkDirectory(info.path, `${this.root}${info.path}`, visit, temporary);
        }
      }
    }
  }

  /** Plain concatenation: components are already checked, and nothing here may resolve `..`. */
  private fullPath(path: string): string {
    const components = checkPath(path);
    return components.length === 0 ? this.root : `${this.root}/${components.join('/')}`;
  }
}

async function exists(full: string): Promise<boolean> {
  try {
    await stat(full);
    return true;
  } catch (err) {
    if (isCode(err, 'ENOENT', 'ENOTDIR')) return false;
    throw err;
  }
}

async function statOrNull(path: string, full: string): Promise<FileInfo | null> {
  try {
    return toFileInfo(path, await stat(full));
  } catch (err) {
    if (isCode(err, 'ENOENT', 'ENOTDIR')) return null;
    throw err;
  }
}

function toFileInfo(path: string, info: Stats): FileInfo {
  const isDirectory = info.isDirectory();
  // Directory sizes are filesystem bookkeeping; report 0 like the in-memory driver.
  return { path, size: isDirectory ? 0 : info.size, modTime: info.mtime, isDirectory };
}

/** ENOTDIR: a file stands where a directory was expected; EISDIR: reading a directory as content. */
function mapNotFound(err: unknown, path: string): unknown {
  return isCode(err, 'ENOENT', 'ENOTDIR', 'EISDIR') ? pathNotFound(path) : err;
}
