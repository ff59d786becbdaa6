import { createReadStream, createWriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { isSystemError, systemError } from '../errors/errno-words.js';
import { StowageError } from '../errors/error.js';
import { decompressor, detectCompression, MAGIC_LENGTH, type Compression } from './decompress.js';
import { peek } from './peek.js';

export interface PlainArchive {
  /** A tar file the archive readers can seek in. */
  file: string;
  /** What the input was compressed with ('none' for a plain tar). */
  compression: Compression;
}

/**
 * An archive (docker save, OCI) as an uncompressed tar file: the archive readers (tar/file-index.ts)
 * seek in it. A plain tar file is used where it is. A compressed file, or a stream (stdin), is
 * written out, decompressed as it passes, into a directory `scratch()` makes: the caller passes
 * one on the store's file system (a 10 GB archive does not fit the tmpfs os.tmpdir() often is,
 * and the store holds the images anyway) and removes it afterwards.
 */
export async function plainArchive(input: string | Readable, scratch: () => Promise<string>): Promise<PlainArchive> {
  if (typeof input !== 'string') return fromStream(input, 'standard input', scratch);
  const handle = await open(input, 'r');
  let compression: Compression;
  try {
    const info = await handle.stat();
    // read(2) of a directory fails with EISDIR but no path: say which.
    if (info.isDirectory()) throw systemError('EISDIR', 'open', input);
    // A pipe (`load -i <(zstd -dc x.zst)`, /dev/stdin) cannot be read twice: copied like stdin.
    if (!info.isFile()) return await fromStream(handle.createReadStream({ autoClose: false }), input, scratch);
    const head = Buffer.alloc(MAGIC_LENGTH);
    const { bytesRead } = await handle.read(head, 0, MAGIC_LENGTH, 0);
    compression = detectCompression(head.subarray(0, bytesRead));
    if (compression === 'none') return { file: input, compression };
  } finally {
    await handle.close();
  }
  const source = createReadStream(input);
  return { file: await writePlain(source, compression, input, scratch), compression };
}

async function fromStream(input: Readable, label: string, scratch: () => Promise<string>): Promise<PlainArchive> {
  const { head, stream } = await peek(input, MAGIC_LENGTH);
  const compression = detectCompression(head);
  return { file: await writePlain(stream, compression, label, scratch), compression };
}

async function writePlain(source: Readable, compression: Compression, label: string, scratch: () => Promise<string>): Promise<string> {
  const file = join(await scratch(), 'archive.tar');
  try {
    await (compression === 'none' ? pipeline(source, createWriteStream(file)) : pipeline(source, await decompressor(compression), createWriteStream(file)));
  } catch (err) {
    // A full disk or an unreadable input is said as such (errno-words.ts): write(2) errors carry
    // no path, so the file is named here. Anything else is the decoder's.
    if (isSystemError(err)) throw err.path === undefined ? Object.assign(err, { path: file }) : err;
    throw new StowageError('MANIFEST_INVALID', `${label}: not a valid ${compression}-compressed archive (${(err as Error).message})`);
  }
  return file;
}
