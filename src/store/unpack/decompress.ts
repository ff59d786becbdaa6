// A layer blob is a tar, a gzipped tar or a zstd tar (layer.md, "+gzip Media Types", "+zstd
// Media Types"). The media type in a manifest is not always right (Docker-era images label
// gzip layers as plain tar and the reverse), so the first bytes decide, as containerd does.

import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { decompressor, zstdDecompressor } from '../../compression/decompress.js';

const GZIP_MAGIC = Buffer.from([0x1f, 0x8b]);
const ZSTD_MAGIC = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);

/**
 * Gunzips when the stream starts with the gzip magic, un-zstds with the zstd magic; passes a
 * plain tar through. Errors (a
 * corrupt gzip stream, the source failing) surface as errors of the returned stream. Nothing is
 * read before the returned stream is: an error cannot fire before the caller listens for it.
 */
export function decompressLayer(compressed: Readable): Readable {
  return Readable.from(decompressed(compressed), { objectMode: false });
}

async function* decompressed(source: Readable): AsyncGenerator<Buffer> {
  const { head, ended } = await sniff(source);
  const rest = ended ? Readable.from(head.length > 0 ? [head] : []) : prepend(head, source);
  let decoder: NodeJS.ReadWriteStream | null = null;
  if (head.subarray(0, 4).equals(ZSTD_MAGIC)) {
    // node:zlib's decoder where Node has one, else a JS one (src/compression/decompress.ts).
    decoder = await zstdDecompressor();
  } else if (head.subarray(0, 2).equals(GZIP_MAGIC)) {
    decoder = await decompressor('gzip');
  }
  if (decoder === null) {
    yield* rest;
    return;
  }
  // A failing source destroys the decoder with its error, which ends the iteration below with it.
  pipeline(rest, decoder).catch(() => undefined);
  yield* decoder as unknown as AsyncIterable<Buffer>;
}

/** Reads at least four bytes (or to the end) without losing them. */
function sniff(source: Readable): Promise<{ head: Buffer; ended: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    const cleanup = (): void => {
      source.off('readable', onReadable);
      source.off('end', onEnd);
      source.off('error', onError);
    };
    const onReadable = (): void => {
      let chunk: unknown;
      while ((chunk = source.read()) !== null) {
        const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
        chunks.push(buffer);
        length += buffer.length;
        if (length >= ZSTD_MAGIC.length) {
          cleanup();
          resolve({ head: Buffer.concat(chunks), ended: false });
          return;
        }
      }
    };
    const onEnd = (): void => {
      cleanup();
      resolve({ head: Buffer.concat(chunks), ended: true });
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(err);
    };
    source.on('readable', onReadable);
    source.on('end', onEnd);
    source.on('error', onError);
  });
}

/** The sniffed bytes, then the rest of the source, as one stream. */
function prepend(head: Buffer, source: Readable): Readable {
  return Readable.from(
    (async function* () {
      yield head;
      yield* source;
    })(),
    { objectMode: false },
  );
}
