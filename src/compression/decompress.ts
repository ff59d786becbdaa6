// The compressions `docker load` accepts for an archive (moby pkg/archive DecompressStream:
// gzip, bzip2, xz, zstd, detected by their magic bytes, not by a file name), as streaming
// decoders. One module for archives and layers: the store's unpack detects and decodes layers with it.
//
// The decoders, each loaded only when a stream needs it:
//   gzip   node:zlib (concatenated members too).
//   zstd   node:zlib where Node has it (22.15 and later); on older Node, fzstd: pure JS, streaming,
//          decodes concatenated and skippable frames and windows up to 2 GiB, at about a sixth of
//          libzstd's speed. The native bindings (zstd-napi) need a compiler or a prebuilt download
//          at install; @mongodb-js/zstd and zstddec decode whole buffers only.
//   bzip2  unbzip2-stream: pure JS, streaming, concatenated streams (pbzip2) too.
//   xz     xz-decompress: xz-embedded in WebAssembly, streaming, no native addon; lzma-native and
//          node-liblzma are native, @napi-rs/lzma needs Node 22.20.

import { Duplex, PassThrough, Readable, Transform, type TransformCallback } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import zlib from 'node:zlib';

export type Compression = 'none' | 'gzip' | 'zstd' | 'bzip2' | 'xz';

/** Bytes that decide the format: the longest magic (xz) is six. */
export const MAGIC_LENGTH = 6;

/** The compression the first bytes announce, as moby's DetectCompression reads them. */
export function detectCompression(head: Uint8Array): Compression {
  const starts = (magic: number[]): boolean => magic.every((byte, i) => head[i] === byte);
  if (starts([0x1f, 0x8b, 0x08])) return 'gzip';
  if (starts([0x42, 0x5a, 0x68])) return 'bzip2';
  if (starts([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])) return 'xz';
  if (starts([0x28, 0xb5, 0x2f, 0xfd])) return 'zstd';
  // A zstd stream may open with a skippable frame: magic 0x184D2A50..5F, little-endian.
  if (head.length >= 4 && ((head[0] ?? 0) & 0xf0) === 0x50 && starts([head[0] ?? 0, 0x2a, 0x4d, 0x18])) return 'zstd';
  return 'none';
}

/** zstd arrived in node:zlib with Node 22.15 (and 23.8); the types of Node 20 do not know it. */
type ZstdZlib = { createZstdDecompress?: (options?: { chunkSize?: number }) => Transform };

/**
 * Output chunk of zlib's decoders. The default (16 KiB) makes gunzip of a 120 MB layer take
 * 1.6 s here; 256 KiB takes 0.6 s (measured: 64 KiB 0.8 s, 1 MiB 0.7 s): each chunk is a round
 * trip to the thread pool and a stream push.
 */
const ZLIB_CHUNK = 256 * 1024;

/** A stream that takes compressed bytes and gives the plain ones. Errors (corrupt, truncated input) are its errors. */
export async function decompressor(compression: Exclude<Compression, 'none'>, options: { nativeZstd?: boolean } = {}): Promise<Duplex> {
  switch (compression) {
    case 'gzip':
      return zlib.createGunzip({ chunkSize: ZLIB_CHUNK });
    case 'zstd':
      return zstdDecompressor(options);
    case 'bzip2':
      return bzip2Decompressor();
    case 'xz':
      return xzDecompressor();
  }
}

/** node:zlib's zstd decoder when this Node has one (or `nativeZstd: false` asks otherwise), else fzstd's. */
async function zstdDecompressor(options: { nativeZstd?: boolean } = {}): Promise<Duplex> {
  const native = (zlib as unknown as ZstdZlib).createZstdDecompress;
  if (native !== undefined && options.nativeZstd !== false) return native({ chunkSize: ZLIB_CHUNK });
  const { Decompress } = await import('fzstd');
  let decoder: InstanceType<typeof Decompress>;
  return new Transform({
    construct(callback) {
      decoder = new Decompress((chunk) => this.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length)));
      callback();
    },
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      callTo(callback, () => decoder.push(chunk));
    },
    flush(callback: TransformCallback) {
      // fzstd throws on a frame cut short only when told the input ended.
      callTo(callback, () => decoder.push(new Uint8Array(0), true));
    },
  });
}

async function bzip2Decompressor(): Promise<Duplex> {
  const { default: unbzip2 } = await import('unbzip2-stream');
  // A classic `through` stream: written to synchronously, it emits 'data', 'end' and 'error'.
  const decoder = unbzip2();
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      callTo(callback, () => decoder.write(chunk));
    },
    flush(callback: TransformCallback) {
      decoder.once('end', () => callback());
      try {
        decoder.end();
      } catch (err) {
        callback(err instanceof Error ? err : new Error(String(err)));
      }
    },
  });
  decoder.on('data', (chunk: Buffer) => stream.push(chunk));
  decoder.on('error', (err: Error) => stream.destroy(new Error(`bzip2: ${err.message}`)));
  return stream;
}

async function xzDecompressor(): Promise<Duplex> {
  // A UMD bundle: imported from ESM its exports are the default export's.
  const module = await import('xz-decompress');
  const { XzReadableStream } = (module as unknown as { default: typeof module }).default ?? module;
  const input = new PassThrough();
  const output = Readable.fromWeb(new XzReadableStream(Readable.toWeb(input) as ReadableStream<Uint8Array>) as WebReadableStream<Uint8Array>);
  return Duplex.from({ writable: input, readable: output });
}

function callTo(callback: TransformCallback, work: () => void): void {
  try {
    work();
    callback();
  } catch (err) {
    callback(err instanceof Error ? err : new Error(String(err)));
  }
}
