// Small helpers for the src/tar tests: a tar from entries, the headers of a tar, one header.

import { packTar, readTar, type PackEntry, type TarHeader } from '../../../src/tar/index.js';

export async function tarOf(entries: PackEntry[]): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of packTar(entries)) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** Every entry's header and data. */
export async function entriesOf(bytes: Buffer | Buffer[]): Promise<Array<{ header: TarHeader; data: Buffer }>> {
  const out: Array<{ header: TarHeader; data: Buffer }> = [];
  for await (const entry of readTar(Array.isArray(bytes) ? bytes : [bytes])) {
    const chunks: Buffer[] = [];
    for await (const chunk of entry) chunks.push(chunk);
    out.push({ header: entry.header, data: Buffer.concat(chunks) });
  }
  return out;
}

/** The first entry's header, its data never read (the bytes may stop right after the header). */
export async function firstHeader(bytes: Buffer): Promise<TarHeader> {
  for await (const entry of readTar([bytes])) return entry.header;
  throw new Error('no entry');
}
