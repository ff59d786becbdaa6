// Rebuilding a layer's tar byte for byte from its tar-split and its unpacked directory, as
// Docker does for `docker save` and `docker push` (layer/layer_store.go assembleTarTo, with
// tar-split tar/asm/assemble.go): segments are written as stored, each member's content is
// read from the directory and checked against the CRC-64 tar-split recorded at pull time. A
// file changed since is an error naming it, never a tar that merely fails its diff ID later.

import { Readable } from 'node:stream';
import { StowageError } from '../../errors/error.js';
import type { ConfinedFs } from '../confined-fs.js';
import { Crc64Iso } from './crc64.js';
import { readTarSplitFile, type FileEntry } from './entries.js';
import { LayerFiles, type OpenedFile } from './layer-files.js';

export interface AssembleOptions {
  fs: ConfinedFs;
  /** The unpacked layer (overlay2/<id>/diff, vfs/dir/<id>), absolute or root-relative. */
  directory: string;
  /** tar-split.json.gz (legacy: tar-data.json.gz), absolute or root-relative. */
  tarSplit: string;
  /** Starts every error message, e.g. `layer sha256:…`. */
  label: string;
}

/** Content is read in pieces of this size (and the stream buffers about as much). */
const CHUNK = 1024 * 1024;

/**
 * The layer's uncompressed tar as a stream. Nothing is opened before the stream is read; any
 * failure (a damaged tar-split, a missing or changed file) is an error of the stream.
 */
export function assembleLayer(options: AssembleOptions): Readable {
  return Readable.from(assembled(options), { objectMode: false, highWaterMark: CHUNK });
}

/**
 * The tar's length in bytes from the tar-split alone (segments plus member sizes), without
 * reading any content: a manifest's layer descriptor needs it before the tar is streamed.
 */
export async function layerTarSize(options: Omit<AssembleOptions, 'directory'>): Promise<number> {
  let total = 0;
  for await (const entry of readTarSplitFile(await resolveTarSplit(options), options.label)) {
    total += entry.kind === 'segment' ? entry.payload.length : entry.size;
  }
  if (!Number.isSafeInteger(total)) throw new StowageError('LAYER_INVALID', `${options.label}: tar-split describes a tar too large to address`);
  return total;
}

async function* assembled(options: AssembleOptions): AsyncGenerator<Buffer> {
  const tarSplit = await resolveTarSplit(options);
  const files = await LayerFiles.open(options.fs, options.directory, options.label);
  const gathered = new Gatherer();
  for await (const entry of readTarSplitFile(tarSplit, options.label)) {
    if (entry.kind === 'segment') {
      yield* gathered.add(entry.payload);
    } else if (entry.size > 0) {
      // Hard links, directories, symlinks and empty files have size 0: nothing to read.
      for await (const piece of fileContent(files, entry)) yield* gathered.add(piece);
    }
  }
  yield* gathered.flush();
}

/** A member's content from disk, its size and CRC-64 checked against the tar-split. */
async function* fileContent(files: LayerFiles, entry: FileEntry): AsyncGenerator<Buffer> {
  const opened = await files.openFile(entry.name);
  try {
    if (opened.size !== entry.size) {
      throw files.fileError(entry.name, `changed on disk (${opened.size} bytes, ${entry.size} when the layer was stored)`);
    }
    const crc = new Crc64Iso();
    for await (const piece of readExactly(files, entry, opened)) {
      crc.update(piece);
      yield piece;
    }
    if (!crc.digest().equals(entry.crc as Buffer)) {
      throw files.fileError(entry.name, 'changed on disk (crc64 mismatch)');
    }
  } finally {
    await opened.handle.close();
  }
}

/**
 * entry.size bytes from the start of the file, in fresh buffers (the consumer keeps them).
 * The next read is started before a piece is handed on, so the disk works while the consumer
 * (CRC, digest, sink) does.
 */
async function* readExactly(files: LayerFiles, entry: FileEntry, opened: OpenedFile): AsyncGenerator<Buffer> {
  const readAt = (position: number): Promise<Buffer> => {
    const read = readPiece(position);
    // Marked handled now: it may fail while we wait at `yield`; it is still awaited below.
    read.catch(() => undefined);
    return read;
  };
  const readPiece = async (position: number): Promise<Buffer> => {
    const buffer = Buffer.allocUnsafe(Math.min(CHUNK, entry.size - position));
    const { bytesRead } = await opened.handle.read(buffer, 0, buffer.length, position);
    if (bytesRead === 0) throw files.fileError(entry.name, `changed on disk (shrank to ${position} bytes while being read)`);
    return bytesRead === buffer.length ? buffer : buffer.subarray(0, bytesRead);
  };
  let position = 0;
  let next: Promise<Buffer> | undefined = readAt(0);
  try {
    while (next !== undefined) {
      const piece = await next;
      position += piece.length;
      next = position < entry.size ? readAt(position) : undefined;
      yield piece;
    }
  } finally {
    // A read still in flight must finish before the caller closes the handle.
    await next?.catch(() => undefined);
  }
}

async function resolveTarSplit(options: { fs: ConfinedFs; tarSplit: string; label: string }): Promise<string> {
  try {
    return await options.fs.resolve(options.tarSplit);
  } catch (err) {
    throw new StowageError('LAYER_INVALID', `${options.label}: tar-split ${options.tarSplit}: ${(err as Error).message}`);
  }
}

/**
 * Headers are 512-byte segments: a layer of many small files would otherwise be pushed
 * downstream as tens of thousands of tiny chunks. Small pieces are gathered to 64 KiB.
 */
class Gatherer {
  private pieces: Buffer[] = [];
  private bytes = 0;

  *add(piece: Buffer): Generator<Buffer> {
    if (piece.length === 0) return;
    if (this.bytes === 0 && piece.length >= CHUNK) {
      yield piece;
      return;
    }
    this.pieces.push(piece);
    this.bytes += piece.length;
    if (this.bytes >= CHUNK / 16) yield* this.flush();
  }

  *flush(): Generator<Buffer> {
    if (this.bytes === 0) return;
    const joined = this.pieces.length === 1 ? (this.pieces[0] as Buffer) : Buffer.concat(this.pieces, this.bytes);
    this.pieces = [];
    this.bytes = 0;
    yield joined;
  }
}
