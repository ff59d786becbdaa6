// Reading a layer tar entry by entry, for both applying and exporting. tar-stream hands out one
// entry at a time and stalls until its data is drained, so data is never buffered here: each
// consumer streams it to a file, to another tar, or to nowhere.

import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tarStream from 'tar-stream';
import type { Header } from 'tar-stream';
import { StowageError } from '../../errors/error.js';

/** One entry: its header and a stream of its data. */
export type TarEntry = ReturnType<typeof tarStream.extract> extends AsyncIterable<infer E> ? E : never;
/** A parsed header as tar-stream really returns it: no link name is null, an unknown type flag is null. */
export type TarHeader = Omit<Header, 'linkname' | 'type' | 'pax'> & {
  linkname: string | null;
  type: Header['type'] | null;
  pax?: Record<string, string> | null;
};

/**
 * The entries of an uncompressed tar. A truncated or corrupt archive (or a failing source)
 * throws StowageError('LAYER_INVALID') — an archive that cannot be parsed is not a list of
 * entries to judge one by one; a StowageError from the source (zstd refused) passes unchanged.
 * The caller must drain each entry (see `drain`) before asking for the next.
 */
export async function* readTarEntries(tar: Readable): AsyncGenerator<TarEntry> {
  // Old v7 archives have no ustar magic; the header checksum still guards against garbage.
  const extract = tarStream.extract({ allowUnknownFormat: true } as Parameters<typeof tarStream.extract>[0]);
  const feeding = pipeline(tar, extract);
  feeding.catch(() => undefined); // its failure also fails the iteration below, which reports it
  try {
    for await (const entry of extract) yield entry;
    await feeding;
  } catch (err) {
    if (err instanceof StowageError) throw err;
    throw new StowageError('LAYER_INVALID', `layer is not a readable tar archive: ${(err as Error).message}`, err);
  } finally {
    tar.destroy();
    extract.destroy();
  }
}

/** Consumes the rest of an entry's data, discarding it. */
export async function drain(entry: TarEntry): Promise<void> {
  for await (const _chunk of entry) {
    // discarded
  }
}
