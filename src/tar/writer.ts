// Writing a tar stream: entries in, bytes out, as an async generator, so that the consumer
// (a file, a socket, stdout through stream.pipeline) sets the pace: an entry's data is pulled a
// chunk at a time only when the output wants more, and never held beyond that chunk.

import { END_OF_ARCHIVE, completeHeader, encodeHeader, padding } from './encode.js';
import { TarFormatError, type TarHeaderInput } from './types.js';

export interface PackEntry {
  header: TarHeaderInput;
  /** Exactly `header.size` bytes (none for links, directories, devices and global headers). */
  data?: AsyncIterable<Uint8Array> | Iterable<Uint8Array> | Uint8Array;
}

/**
 * The tar of the entries, ended with two zero blocks. An entry whose data does not match its
 * size fails the stream with TarFormatError (a tar with a wrong size is unreadable from there on).
 */
export async function* packTar(entries: AsyncIterable<PackEntry> | Iterable<PackEntry>): AsyncGenerator<Buffer> {
  for await (const entry of entries) yield* packEntry(entry);
  yield END_OF_ARCHIVE;
}

/** One entry's blocks: its header(s), data and padding. */
export async function* packEntry(entry: PackEntry): AsyncGenerator<Buffer> {
  const header = completeHeader(entry.header);
  yield encodeHeader(header);
  let written = 0;
  if (entry.data !== undefined) {
    const chunks = entry.data instanceof Uint8Array ? [entry.data] : entry.data;
    for await (const chunk of chunks) {
      written += chunk.length;
      if (written > header.size) throw new TarFormatError(`${header.name}: more data than its size (${header.size} bytes)`);
      if (chunk.length > 0) yield Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    }
  }
  if (written !== header.size) throw new TarFormatError(`${header.name}: ${written} bytes of data for a size of ${header.size}`);
  const pad = padding(header.size);
  if (pad.length > 0) yield pad;
}
