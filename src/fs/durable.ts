import { randomBytes } from 'node:crypto';
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Writable, type Readable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BackgroundFlush } from '../storage/fs/background-flush.js';
import { writeAndRename } from '../storage/fs/durable-file.js';

/**
 * Durable, atomic file writes for the local transports and the store: content goes to a temporary file
 * beside its destination (same directory, so the rename cannot cross filesystems), is
 * fsynced, then renamed over the destination, and the directory is fsynced so the new name
 * survives a crash. A reader sees the old file or the complete new one, never a prefix.
 */

/** Prefix of in-flight temporary files; never a valid blob name (not hex) nor a layout file name. */
export const TEMP_PREFIX = '.stowage-tmp-';

/** A fresh temporary path in the same directory as `path`. */
export function tempPathBeside(path: string): string {
  return join(dirname(path), `${TEMP_PREFIX}${basename(path).slice(0, 32)}-${randomBytes(8).toString('hex')}`);
}

export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Writes `bytes` to `path` atomically and durably. */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  await writeAndRename(tempPathBeside(path), path, bytes);
  await syncDirectory(dirname(path));
}

/**
 * Streams `source` through `transforms` into `temp`, fsyncs it and renames it to `path`.
 * When any stream fails (a digest mismatch raised at the end of a verifying transform
 * included), the temporary file is removed and `path` is never touched.
 */
export async function streamToFileAtomic(
  source: Readable,
  transforms: Transform[],
  temp: string,
  path: string,
): Promise<void> {
  try {
    const handle = await open(temp, 'wx');
    try {
      await pipeline([source, ...transforms, handleWriter(handle)]);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (err) {
    source.destroy();
    await unlink(temp).catch(() => undefined);
    throw err;
  }
  await syncDirectory(dirname(path));
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
      write(chunks.map((c) => c.chunk), callback);
    },
    final(callback) {
      flush.settle().then(() => callback(), (err: Error) => callback(err));
    },
  });
}

async function writeAll(handle: FileHandle, buffers: Buffer[]): Promise<number> {
  let pending = buffers.filter((b) => b.length > 0);
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
