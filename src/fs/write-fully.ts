import type { FileHandle } from 'node:fs/promises';

/**
 * Writes every byte of `buffers` to `handle`: write(2) and writev(2) may write fewer bytes than
 * asked (a signal, a nearly full disk), so the rest is written again until none is left. At
 * `position` and on from there, or at the file's own offset when it is undefined. `written`
 * hears each write's count as it lands, so a caller knows how far a failing call got.
 */
export async function writeFully(handle: FileHandle, buffers: Buffer[], position?: number, written?: (bytes: number) => void): Promise<void> {
  let pending = buffers;
  let at = position;
  let remaining = pending.reduce((sum, b) => sum + b.length, 0);
  while (remaining > 0) {
    const only = pending.length === 1 ? pending[0] : undefined;
    const { bytesWritten } = only ? await handle.write(only, 0, only.length, at ?? null) : await handle.writev(pending, at);
    written?.(bytesWritten);
    remaining -= bytesWritten;
    if (at !== undefined) at += bytesWritten;
    pending = dropPrefix(pending, bytesWritten);
  }
}

function dropPrefix(buffers: Buffer[], count: number): Buffer[] {
  let skip = count;
  const rest: Buffer[] = [];
  for (const buffer of buffers) {
    if (skip >= buffer.length) {
      skip -= buffer.length;
      continue;
    }
    rest.push(skip > 0 ? buffer.subarray(skip) : buffer);
    skip = 0;
  }
  return rest;
}
