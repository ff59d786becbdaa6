// Reading a Docker root that may be damaged or hostile (a disk taken from another machine):
// every path is resolved with realpath and must stay inside the root, so a symlink such as
// overlay2/l/ABC -> /etc is reported, never followed. Nothing here can write.

import { access, lstat, open, readdir, readlink, realpath, stat, type FileHandle } from 'node:fs/promises';
import { closeSync, constants, constants as fsConstants, fstatSync, openSync, readdirSync, readSync, realpathSync, type Dirent, type Stats } from 'node:fs';
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
    // /var/lib/docker is mode 710 root: say so once, not "no images" or "not a Docker root".
    try {
      await access(real, fsConstants.R_OK | fsConstants.X_OK);
    } catch (err) {
      throw new StowageError('PATH_INVALID', `${absolute}: ${describeErrno(err)}`);
    }
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
      throw absentOrDenied(candidate, err);
    }
    if (!this.contains(real)) {
      throw new StowageError('PATH_INVALID', `${candidate} leads outside the Docker root (to ${real}); not followed`);
    }
    return real;
  }

  contains(realPath: string): boolean {
    // A root of `/` (a disk mounted as the root) contains every absolute path.
    const prefix = this.realRoot.endsWith(path.sep) ? this.realRoot : this.realRoot + path.sep;
    return realPath === this.realRoot || realPath.startsWith(prefix);
  }

  /**
   * A regular file under the root, opened without following a last-component symlink and
   * without blocking on a FIFO planted in its place (O_NONBLOCK), checked with fstat. The
   * caller closes it.
   */
  async openRegular(rel: string): Promise<{ handle: FileHandle; size: number }> {
    const real = await this.resolve(rel);
    let handle: FileHandle;
    try {
      handle = await open(real, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK);
    } catch (err) {
      throw absentOrDenied(real, err);
    }
    const info = await handle.stat().catch(async (err: unknown) => {
      await handle.close();
      throw err;
    });
    if (!info.isFile()) {
      await handle.close();
      throw new StowageError('PATH_INVALID', `${this.shown(rel)}: not a regular file`);
    }
    return { handle, size: info.size };
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
    const { handle, size } = await this.openRegular(rel);
    try {
      if (size > limit) throw new StowageError('PATH_INVALID', `${this.shown(rel)}: ${size} bytes, more than the ${limit} a metadata file may have`);
      return await handle.readFile();
    } finally {
      await handle.close();
    }
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

  /**
   * lstat without following the last component, its directory resolved inside the root first
   * (so `volumes/evil -> /elsewhere` is never looked through); undefined when absent or outside.
   */
  async lstat(rel: string): Promise<Stats | undefined> {
    const candidate = path.isAbsolute(rel) ? rel : path.join(this.root, rel);
    try {
      const parent = await this.resolve(path.dirname(candidate));
      return await lstat(path.join(parent, path.basename(candidate)));
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
    } catch (err) {
      if (isAbsent(err)) return [];
      throw absentOrDenied(candidate, err);
    }
    if (!this.contains(real)) throw new StowageError('PATH_INVALID', `${candidate} leads outside the Docker root (to ${real}); not followed`);
    return this.entriesOfCheckedDirSync(real);
  }

  /** Entries of a directory already known to be a real directory inside the root (a Dirent of a checked listing). */
  entriesOfCheckedDirSync(dir: string): Dirent[] {
    try {
      return readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    } catch (err) {
      if (isAbsent(err)) return [];
      throw absentOrDenied(dir, err);
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

/** Only a missing path is "absent"; anything else (EACCES above all) is said as it is. */
function isAbsent(err: unknown): boolean {
  const code = errnoCode(err);
  return code === 'ENOENT' || code === 'ENOTDIR';
}

function absentOrDenied(file: string, err: unknown): StowageError {
  return new StowageError(isAbsent(err) ? 'PATH_NOT_FOUND' : 'PATH_INVALID', `${file}: ${describeErrno(err)}`);
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
      return 'permission denied (a Docker root is readable by root only: run with sudo)';
    case 'ELOOP':
      return 'too many levels of symbolic links';
    default:
      return (err as Error).message;
  }
}
