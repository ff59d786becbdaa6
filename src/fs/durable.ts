import { randomBytes } from 'node:crypto';
import { link, open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Writable, type Readable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BackgroundFlush } from './background-flush.js';

/**
 * Durable, atomic file writes, the one implementation for the storage driver, the local store,
 * the local transports, the CLI and the client's docker config: content goes to a temporary
 * file beside its destination (same directory, so the rename cannot cross filesystems), is
 * fsynced, then renamed over the destination, and the directory is fsynced so the new name
 * survives a crash. A reader sees the old file or the complete new one, never a prefix.
 */

/**
 * Prefix of in-flight temporary files; never a valid blob name (not hex) nor a layout file name.
 * The registry's leftover sweep (registry/store/leftovers.ts) and the drivers' list and walk
 * know temporary entries by it (storage/path.ts is this constant).
 */
export const TEMP_PREFIX = '.stowage-tmp-';

/** A fresh temporary path in the same directory as `path`. */
export function tempPathBeside(path: string): string {
  return join(dirname(path), `${TEMP_PREFIX}${basename(path).slice(0, 32)}-${randomBytes(8).toString('hex')}`);
}

/**
 * Makes a directory's entries durable (the names renamed into it). With `ignoreMissing`, a
 * directory gone since (ENOENT, ENOTDIR) is success: the storage driver's writes race with
 * deletes of their parents, and what was deleted has nothing left to make durable.
 */
export async function syncDirectory(dir: string, options: { ignoreMissing?: boolean } = {}): Promise<void> {
  let handle: FileHandle;
  try {
    handle = await open(dir, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (options.ignoreMissing && (code === 'ENOENT' || code === 'ENOTDIR')) return;
    throw err;
  }
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Writes `bytes` to the new file `temp`, fsyncs it and renames it to `path`: a reader sees the
 * old file or the whole new one, never a prefix. When a step fails `temp` is removed and `path`
 * is untouched. The caller fsyncs the directory (writeFileAtomic does; the storage driver does
 * its own way, see syncDirectory). `mode` is applied whatever the umask (a secret's 0600).
 */
export async function writeAndRename(temp: string, path: string, bytes: Uint8Array, options: DurableWriteOptions = {}): Promise<void> {
  const { mode } = options;
  await fillAndRename(temp, path, options, async (handle) => {
    await handle.writeFile(bytes);
    if (mode !== undefined) await handle.chmod(mode);
  });
}

export interface DurableWriteOptions {
  /** The new file's mode, whatever the umask (a secret's 0600). */
  mode?: number;
  /**
   * Fail with EEXIST instead of replacing `path`: the temp file is hard-linked to `path`, which
   * link(2) refuses atomically when the name exists, then unlinked. Readers still never see a prefix.
   */
  exclusive?: boolean;
}

/** Writes `bytes` to `path` atomically and durably; `temp` names the temporary file where a convention wants its own. */
export async function writeFileAtomic(path: string, bytes: Uint8Array, options: { temp?: string; mode?: number } = {}): Promise<void> {
  await writeAndRename(options.temp ?? tempPathBeside(path), path, bytes, options.mode === undefined ? {} : { mode: options.mode });
  await syncDirectory(dirname(path));
}

/**
 * Writes `path` atomically and durably from `write`, which streams into the Writable it is
 * given (an archive packer, a root filesystem export) and resolves once that has finished.
 * When it fails, the temporary file is removed and `path` is never touched.
 */
export async function writeStreamAtomic(path: string, write: (out: Writable) => Promise<void>, temp = tempPathBeside(path)): Promise<void> {
  await fillAndRename(temp, path, {}, (handle) => write(handleWriter(handle)));
  await syncDirectory(dirname(path));
}

/** Creates `temp`, lets `fill` write it, fsyncs, closes and renames it to `path`; removes `temp` on any failure. */
async function fillAndRename(temp: string, path: string, options: DurableWriteOptions, fill: (handle: FileHandle) => Promise<void>): Promise<void> {
  try {
    const handle = await open(temp, 'wx', options.mode);
    try {
      await fill(handle);
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (options.exclusive) {
      await link(temp, path);
      await unlink(temp);
    } else {
      await rename(temp, path);
    }
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw err;
  }
}

/**
 * Streams `source` through `transforms` into `temp`, fsyncs it and renames it to `path`.
 * When any stream fails (a digest mismatch raised at the end of a verifying transform
 * included), the temporary file is removed and `path` is never touched.
 */
export async function streamToFileAtomic(source: Readable, transforms: Transform[], temp: string, path: string): Promise<void> {
  await writeStreamAtomic(path, (out) => pipeline([source, ...transforms, out]), temp).catch((err: unknown) => {
    source.destroy();
    throw err;
  });
}

/**
 * A Writable over an open FileHandle that leaves it open, for the fsync after the last write.
 * Not handle.createWriteStream({ autoClose: false }): such a stream never emits 'close', and
 * FileHandle.close() waits for every stream made from the handle to close, so it never returns.
 * Flushes in the background as it goes (BackgroundFlush), and waits for that before finishing.
 */
export function handleWriter(handle: FileHandle): Writable {
  const flush = new BackgroundFlush(handle);
  const write = (buffers: Buffer[], callback: (err?: Error | null) => void): void => {
    writeAll(handle, buffers).then(
      (bytes) => {
        flush.wrote(bytes);
        callback();
      },
      (err: Error) => callback(err),
    );
  };
  return new Writable({
    highWaterMark: 1 << 20,
    write(chunk: Buffer, _encoding, callback) {
      write([chunk], callback);
    },
    // Chunks queued while a write was in flight go down in one writev, without copying them together.
    writev(chunks: Array<{ chunk: Buffer }>, callback) {
      write(
        chunks.map((c) => c.chunk),
        callback,
      );
    },
    final(callback) {
      flush.settle().then(
        () => callback(),
        (err: Error) => callback(err),
      );
    },
  });
}

async function writeAll(handle: FileHandle, buffers: Buffer[]): Promise<number> {
  const pending = buffers.filter((b) => b.length > 0);
  let total = 0;
  while (pending.length > 0) {
    const { bytesWritten } = pending.length === 1 ? await handle.write(pending[0] as Buffer) : await handle.writev(pending);
    total += bytesWritten;
    // Short writes are rare (a full disk, signals): drop what went down and go on from there.
    let skip = bytesWritten;
    while (pending.length > 0 && skip >= (pending[0] as Buffer).length) skip -= (pending.shift() as Buffer).length;
    if (skip > 0 && pending.length > 0) pending[0] = (pending[0] as Buffer).subarray(skip);
  }
  return total;
}
