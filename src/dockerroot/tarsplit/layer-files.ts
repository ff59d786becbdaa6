// The unpacked layer directory a tar-split entry's content is read from. Docker does
// os.Open(filepath.Join(dir, name)) (tar-split tar/storage/getter.go, pathFileGetter); a root
// is not trusted input here, so a name must be a plain relative path, and neither it nor a
// symlink on the way may lead out of the layer directory (an absolute symlink such as
// lib -> /usr/lib would otherwise read the host's files into the "layer").

import { constants } from 'node:fs';
import { open, realpath, type FileHandle } from 'node:fs/promises';
import { StowageError } from '../../errors/error.js';
import { errnoCode, type ConfinedFs } from '../confined-fs.js';

const SLASH = 0x2f;
const NUL = 0x00;
/** O_NONBLOCK: opening a FIFO planted where a file should be must not hang. */
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

export interface OpenedFile {
  handle: FileHandle;
  size: number;
}

export class LayerFiles {
  private constructor(
    /** The directory as given, for messages. */
    readonly directory: string,
    /** Its real path as bytes, so names that are not UTF-8 can be appended exactly. */
    private readonly realDirectory: Buffer,
    private readonly label: string,
  ) {}

  /** The layer directory, resolved inside the Docker root. */
  static async open(fs: ConfinedFs, directory: string, label: string): Promise<LayerFiles> {
    let real: string;
    try {
      real = await fs.resolve(directory);
    } catch (err) {
      throw new StowageError('LAYER_INVALID', `${label}: layer directory ${directory}: ${(err as Error).message}`);
    }
    return new LayerFiles(directory, Buffer.from(real), label);
  }

  /** Opens the regular file a tar member's content comes from, read-only, never through a link out. */
  async openFile(name: Buffer): Promise<OpenedFile> {
    const relative = confineName(name, this.label);
    const candidate = Buffer.concat([this.realDirectory, Buffer.from('/'), relative]);
    let real: Buffer;
    try {
      real = await realpath(candidate, { encoding: 'buffer' });
    } catch (err) {
      throw this.fileError(name, errnoCode(err) === 'ENOENT' ? `is missing from ${this.directory}` : `cannot be read (${(err as Error).message})`);
    }
    if (!isInside(real, this.realDirectory)) {
      throw this.fileError(name, `leads outside the layer directory (to ${real.toString('utf8')}); not followed`);
    }
    let handle: FileHandle;
    try {
      handle = await open(real, OPEN_FLAGS);
    } catch (err) {
      // ELOOP: the last component became a symlink after realpath looked.
      throw this.fileError(name, `cannot be opened (${errnoCode(err) ?? (err as Error).message})`);
    }
    try {
      const info = await handle.stat();
      if (!info.isFile()) throw this.fileError(name, 'is not a regular file on disk');
      return { handle, size: info.size };
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  fileError(name: Buffer, what: string): StowageError {
    return new StowageError('LAYER_INVALID', `${this.label}: file ${showName(name)} ${what}`);
  }
}

/**
 * A tar member's name as a path relative to the layer directory: `./`, empty components and
 * leading slashes dropped (tar writers differ; dockerd's untar joins `/etc/x` under the layer
 * directory too, so a `docker import` of such a tar stored it there), and refused when it
 * holds `..` or NUL — Docker's untar never leaves those, so one here is a crafted tar-split.
 */
export function confineName(name: Buffer, label: string): Buffer {
  const refuse = (why: string): never => {
    throw new StowageError('LAYER_INVALID', `${label}: file name ${showName(name)} refused: ${why}`);
  };
  if (name.includes(NUL)) refuse('it contains a NUL byte');
  const parts: Buffer[] = [];
  let start = 0;
  for (let i = 0; i <= name.length; i++) {
    if (i < name.length && name[i] !== SLASH) continue;
    const part = name.subarray(start, i);
    start = i + 1;
    if (part.length === 0 || (part.length === 1 && part[0] === 0x2e)) continue;
    if (part.length === 2 && part[0] === 0x2e && part[1] === 0x2e) refuse('it has a ".." component');
    parts.push(part);
  }
  if (parts.length === 0) refuse('it names the layer directory itself');
  return Buffer.concat(parts.flatMap((part, i) => (i === 0 ? [part] : [Buffer.from('/'), part])));
}

/** A name for messages: as is when it is printable UTF-8, else JSON-quoted (bad bytes as U+FFFD). */
export function showName(name: Buffer): string {
  const text = name.toString('utf8');
  return text.includes('\ufffd') || /[\x00-\x1f\x7f]/.test(text) ? JSON.stringify(text) : text;
}

function isInside(real: Buffer, directory: Buffer): boolean {
  return real.length > directory.length + 1 && real.subarray(0, directory.length).equals(directory) && real[directory.length] === SLASH;
}
