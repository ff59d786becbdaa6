import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { TEMP_PREFIX, writeStreamAtomic } from '../fs/durable.js';
import { packTar, type PackEntry } from './writer.js';

/**
 * Writes a directory (a layout built by a sink) as an uncompressed tar at `file`, atomically:
 * into a temporary file beside it, fsynced, renamed over `file`. Entries are streamed one at
 * a time, never held in memory. Top-level files come first, so a reader streaming the archive
 * (docker load from a pipe) meets index.json and manifest.json before the blobs; names are
 * sorted and times fixed, so the same image always gives the same bytes.
 */
export async function writeDirectoryArchive(dir: string, file: string): Promise<void> {
  const entries = await listEntries(dir, '');
  // The file sets the pace: packTar reads a member's bytes only as fast as they are written.
  await writeStreamAtomic(file, (out) => pipeline(Readable.from(packTar(members(dir, entries))), out));
}

interface Entry {
  name: string;
  type: 'file' | 'directory';
}

/** Fixed mtime (the Unix epoch, as Docker uses for its metadata files) for reproducible archives. */
const MTIME = new Date(0);

async function* members(dir: string, entries: Entry[]): AsyncGenerator<PackEntry> {
  for (const entry of entries) {
    const header = { name: entry.name, mtime: MTIME, uid: 0, gid: 0, uname: '', gname: '' };
    if (entry.type === 'directory') {
      yield { header: { ...header, name: `${entry.name}/`, type: 'directory', mode: 0o755 } };
      continue;
    }
    const path = join(dir, entry.name);
    const { size } = await stat(path);
    // Opened only when packTar starts on this member's data (a generator runs on its first pull).
    const data = (async function* () {
      yield* createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>;
    })();
    yield { header: { ...header, type: 'file', mode: 0o644, size }, data };
  }
}

/** Files of `dir` before its subdirectories, each level sorted; in-flight temporary files left out. */
async function listEntries(root: string, prefix: string): Promise<Entry[]> {
  const items = (await readdir(join(root, prefix), { withFileTypes: true }))
    .filter((item) => !item.name.startsWith(TEMP_PREFIX))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const files: Entry[] = [];
  const dirs: Entry[] = [];
  for (const item of items) {
    const name = prefix === '' ? item.name : `${prefix}/${item.name}`;
    if (item.isFile()) files.push({ name, type: 'file' });
    else if (item.isDirectory()) dirs.push(...[{ name, type: 'directory' as const }, ...(await listEntries(root, name))]);
  }
  return [...files, ...dirs];
}
