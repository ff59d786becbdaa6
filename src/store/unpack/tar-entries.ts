// Reading a layer tar entry by entry, for both applying and exporting, through src/tar (pax
// complete: xattrs, big ids, out-of-range and sub-second mtimes). Entries come one at a time and
// data is pulled as it is consumed, so nothing is buffered here: each consumer streams it to a
// file, to another tar, or to nowhere.

import type { Readable } from 'node:stream';
import { StowageError } from '../../errors/error.js';
import { readTar, type TarEntry, type TarHeader } from '../../tar/index.js';

export type { TarEntry, TarHeader };

/**
 * The entries of an uncompressed tar. A truncated or corrupt archive (or a failing source)
 * throws StowageError('LAYER_INVALID') — an archive that cannot be parsed is not a list of
 * entries to judge one by one; a StowageError from the source (a copy cut short) passes unchanged.
 * Asking for the next entry discards what is left of the current one's data.
 */
export async function* readTarEntries(tar: Readable): AsyncGenerator<TarEntry> {
  try {
    for await (const entry of readTar(tar)) yield { header: entry.header, dataOffset: entry.dataOffset, [Symbol.asyncIterator]: () => dataOf(entry) };
  } catch (err) {
    throw asLayerError(err);
  } finally {
    tar.destroy();
  }
}

/** An entry's data, a truncated archive reported like any unreadable one. */
async function* dataOf(entry: TarEntry): AsyncGenerator<Buffer> {
  try {
    yield* entry;
  } catch (err) {
    throw asLayerError(err);
  }
}

function asLayerError(err: unknown): StowageError {
  if (err instanceof StowageError) return err;
  return new StowageError('LAYER_INVALID', `layer is not a readable tar archive: ${(err as Error).message}`, err);
}

/** Consumes the rest of an entry's data, discarding it (a no-op once it was read). */
export async function drain(entry: TarEntry): Promise<void> {
  for await (const _chunk of entry) {
    // discarded
  }
}
