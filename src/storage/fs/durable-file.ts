import { open, rename, unlink } from 'node:fs/promises';

/**
 * Writes `bytes` to the new file `temp`, fsyncs it and renames it to `path`: a reader sees the
 * old file or the whole new one, never a prefix. When a step fails `temp` is removed and `path`
 * is untouched. The caller fsyncs the directory, so the new name survives a crash (the driver
 * and the local transports each do that their own way).
 */
export async function writeAndRename(temp: string, path: string, bytes: Uint8Array): Promise<void> {
  try {
    const handle = await open(temp, 'wx');
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw err;
  }
}
