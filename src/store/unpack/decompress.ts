// A layer blob is a tar, a gzipped tar or a zstd tar (layer.md, "+gzip Media Types", "+zstd
// Media Types"). The media type in a manifest is not always right (Docker-era images label
// gzip layers as plain tar and the reverse), so the first bytes decide, as containerd does.

import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { decompressor, detectCompression, MAGIC_LENGTH } from '../../compression/decompress.js';
import { peek } from '../../compression/peek.js';

/**
 * Gunzips a stream that starts with the gzip magic, un-zstds one with the zstd magic (node:zlib
 * where Node has zstd, else a JS decoder: src/compression); passes anything else through as a
 * plain tar (bzip2 and xz are archive compressions, not layer ones). Errors (a corrupt gzip
 * stream, the source failing) surface as errors of the returned stream. Nothing is read before
 * the returned stream is: an error cannot fire before the caller listens for it.
 */
export function decompressLayer(compressed: Readable): Readable {
  return Readable.from(decompressed(compressed), { objectMode: false });
}

async function* decompressed(source: Readable): AsyncGenerator<Buffer> {
  const { head, stream } = await peek(source, MAGIC_LENGTH);
  const compression = detectCompression(head);
  if (compression !== 'gzip' && compression !== 'zstd') {
    yield* stream;
    return;
  }
  const decoder = await decompressor(compression);
  // A failing source destroys the decoder with its error, which ends the iteration below with it.
  pipeline(stream, decoder).catch(() => undefined);
  yield* decoder as unknown as AsyncIterable<Buffer>;
}
