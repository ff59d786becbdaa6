// Reading a Docker root that may be damaged or hostile (a disk taken from another machine):
// every path is resolved with realpath and must stay inside the root, so a symlink such as
// overlay2/l/ABC -> /etc is reported, never followed. Nothing here can write.

import { lstat, readdir, readFile, readlink, realpath, stat } from 'node:fs/promises';
import { closeSync, constants, fstatSync, openSync, readdirSync, readSync, realpathSync, type Dirent, type Stats } from 'node:fs';
import path from 'node:path';
import { StowageError } from '../errors/error.js';

/** Caps a metadata file read whole (configs, repositories.json): a root is not trusted input. */
export const METADATA_LIMIT = 16 * 1024 * 1024;

export class ConfinedFs {
  private constructor(
    /** The root as given, absolute. */
    readonly root: string,
    /** The root after realpath: the boundary every path is checked against. */
    readonly realRoot: string,
  ) {}

  static async open(root: string): Promise<ConfinedFs> {
    const absolute = path.resolve(root);
    let real: string;
    try {
      real = await realpath(absolute);
    } catch (err) {
      throw new StowageError('PATH_NOT_FOUND', `${absolute}: ${describeErrno(err)}`);
    }
    const info = await stat(real);
    if (!info.isDirectory()) throw new StowageError('PATH_INVALID', `${absolute}: not a directory`);
    return new ConfinedFs(absolute, real);
  }

  /** The absolute path for a root-relative one, as shown to users (not resolved). */
  join(...parts: string[]): string {
    return path.join(this.root, ...parts);
  }

  /**
   * The real path of `rel` (root-relative or absolute under the root), refused when it — or a
   * symlink on the way — leads outside the root. PATH_NOT_FOUND when it does not exist.
   */
  async resolve(rel: string): Promise<string> {
    const candidate = path.isAbsolute(rel) ? rel : path.join(this.root, rel);
    let real: string;
    try {
      real = await realpath(candidate);
    } catch (err) {
      throw new StowageError('PATH_NOT_FOUND', `${candidate}: ${describeErrno(err)}`);
    }
    if (!this.contains(real)) {
      throw new StowageError('PATH_INVALID', `${candidate} leads outside the Docker root (to ${real}); not followed`);
    }
    return real;
  }

  contains(realPath: string): boolean {
    return realPath === this.realRoot || realPath.startsWith(this.realRoot + path.sep);
  }

  async exists(rel: string): Promise<boolean> {
    try {
      await this.resolve(rel);
      return true;
    } catch {
      return false;
    }
  }

  async readBuffer(rel: string, limit = METADATA_LIMIT): Promise<Buffer> {
    const real = await this.resolve(rel);
    const info = await stat(real);
    if (!info.isFile()) throw new StowageError('PATH_INVALID', `${this.shown(rel)}: not a regular file`);
    if (info.size > limit) throw new StowageError('PATH_INVALID', `${this.shown(rel)}: ${info.size} bytes, more than the ${limit} a metadata file may have`);
    return readFile(real);
  }

  async readText(rel: string, limit = METADATA_LIMIT): Promise<string> {
    return (await this.readBuffer(rel, limit)).toString('utf8');
  }

  /** A small file's content without surrounding whitespace (layerdb `diff`, `cache-id`, `size`). */
  async readTrimmed(rel: string): Promise<string> {
    return (await this.readText(rel, 64 * 1024)).trim();
  }

  async readJson<T = unknown>(rel: string, limit = METADATA_LIMIT): Promise<T> {
    const text = await this.readText(rel, limit);
    try {
      return JSON.parse(text) as T;
    } catch (err) {
      throw new StowageError('PATH_INVALID', `${this.shown(rel)}: not valid JSON (${(err as Error).message})`);
    }
  }

  /** Entry names of a directory; [] when it does not exist. */
  async list(rel: string): Promise<string[]> {
    let real: string;
    try {
      real = await this.resolve(rel);
    } catch (err) {
      if (err instanceof StowageError && err.code === 'PATH_NOT_FOUND') return [];
      throw err;
    }
    try {
      return (await readdir(real)).sort();
    } catch (err) {
      if (errnoCode(err) === 'ENOTDIR' || errnoCode(err) === 'ENOENT') return [];
      throw err;
    }
  }

  /** lstat without following the last component; undefined when absent. */
  async lstat(rel: string): Promise<Stats | undefined> {
    const candidate = path.isAbsolute(rel) ? rel : path.join(this.root, rel);
    try {
      return await lstat(candidate);
    } catch {
      return undefined;
    }
  }

  /** A symlink's target, resolved against its directory and checked to stay inside the root. */
  async followLink(rel: string): Promise<string> {
    const candidate = path.isAbsolute(rel) ? rel : path.join(this.root, rel);
    let target: string;
    try {
      target = await readlink(candidate);
    } catch (err) {
      throw new StowageError('PATH_NOT_FOUND', `${candidate}: ${describeErrno(err)}`);
    }
    const resolved = path.resolve(path.dirname(candidate), target);
    return this.resolve(resolved);
  }

  /**
   * The entries of a directory whose real path is checked to be inside the root (once), with
   * their types as the directory records them: a symlink shows as a symlink, so callers can
   * take only real directories and read inside them without a realpath per file. This is the
   * fast path for metadata trees of thousands of small files (imagedb, layerdb); synchronous
   * because for them the thread pool's round trips cost more than the reads.
   */
  listTypedSync(rel: string): Dirent[] {
    const candidate = path.isAbsolute(rel) ? rel : path.join(this.root, rel);
    let real: string;
    try {
      real = realpathSync.native(candidate);
    } catch {
      return [];
    }
    if (!this.contains(real)) throw new StowageError('PATH_INVALID', `${candidate} leads outside the Docker root (to ${real}); not followed`);
    try {
      return readdirSync(real, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    } catch {
      return [];
    }
  }

  /**
   * A small regular file in a directory already checked (listTypedSync, and a Dirent that is a
   * real directory), opened without following a symlink; undefined when it does not exist.
   */
  readInCheckedDirSync(dir: string, name: string, limit = METADATA_LIMIT): Buffer | undefined {
    // Concatenation, not path.join: called per file over thousands of files, with a normalised
    // dir and a plain entry name; a name with a slash is refused outright.
    if (name.includes('/') || name === '..' || name === '.') throw new StowageError('PATH_INVALID', `${dir}: ${JSON.stringify(name)} is not a file name`);
    const file = `${dir}${path.sep}${name}`;
    let fd: number;
    try {
      fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return undefined;
      if (errnoCode(err) === 'ELOOP') throw new StowageError('PATH_INVALID', `${file}: a symlink where a file should be; not followed`);
      throw new StowageError('PATH_INVALID', `${file}: ${describeErrno(err)}`);
    }
    try {
      const info = fstatSync(fd);
      if (!info.isFile()) throw new StowageError('PATH_INVALID', `${file}: not a regular file`);
      if (info.size > limit) throw new StowageError('PATH_INVALID', `${file}: ${info.size} bytes, more than the ${limit} a metadata file may have`);
      const buffer = Buffer.allocUnsafe(info.size);
      let read = 0;
      while (read < info.size) {
        const n = readSync(fd, buffer, read, info.size - read, read);
        if (n === 0) break;
        read += n;
      }
      return read === info.size ? buffer : buffer.subarray(0, read);
    } finally {
      closeSync(fd);
    }
  }

  private shown(rel: string): string {
    return path.isAbsolute(rel) ? rel : path.join(this.root, rel);
  }
}

export function errnoCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
}

function describeErrno(err: unknown): string {
  switch (errnoCode(err)) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied (Docker roots are usually readable by root only)';
    case 'ELOOP':
      return 'too many levels of symbolic links';
    default:
      return (err as Error).message;
  }
}
