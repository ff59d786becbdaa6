// Layer tars for the unpack tests, built with tar-stream at runtime (no binaries committed), and
// the readers the tests use to look at what came out: a tar's entries, a directory's tree.

import { lstat, readFile, readdir, readlink } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import type { Header } from 'tar-stream';

export interface Member {
  name: string;
  type?: Header['type'];
  data?: string | Buffer;
  linkname?: string;
  mode?: number;
  mtime?: Date;
  devmajor?: number;
  devminor?: number;
  uid?: number;
  gid?: number;
  /** Forces a pax header (tar-stream then writes the name as a pax `path` record, NULs included). */
  pax?: boolean;
}

export const file = (name: string, data: string | Buffer = '', mode = 0o644): Member => ({ name, data, mode });
export const dir = (name: string, mode = 0o755): Member => ({ name, type: 'directory', mode });
export const symlink = (name: string, linkname: string): Member => ({ name, type: 'symlink', linkname });
export const hardlink = (name: string, linkname: string): Member => ({ name, type: 'link', linkname });

const MTIME = new Date('2020-01-02T03:04:05Z');

/** An uncompressed tar of the members, in order. */
export async function buildTar(members: Member[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const collected = pipeline(
    pack,
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        chunks.push(chunk);
        callback();
      },
    }),
  );
  for (const m of members) {
    const type = m.type ?? 'file';
    const header = {
      name: m.name,
      type,
      mode: m.mode ?? (type === 'directory' ? 0o755 : 0o644),
      mtime: m.mtime ?? MTIME,
      ...(m.linkname !== undefined ? { linkname: m.linkname } : {}),
      ...(m.uid !== undefined ? { uid: m.uid, gid: m.gid ?? m.uid } : {}),
      ...(m.devmajor !== undefined ? { devmajor: m.devmajor, devminor: m.devminor ?? 0 } : {}),
      ...(m.pax ? { pax: {} } : {}),
    };
    await new Promise<void>((resolve, reject) => {
      const done = (err?: Error | null): void => (err ? reject(err) : resolve());
      if (type === 'file') pack.entry(header, typeof m.data === 'string' ? Buffer.from(m.data) : (m.data ?? Buffer.alloc(0)), done);
      else pack.entry(header, done);
    });
  }
  pack.finalize();
  await collected;
  return Buffer.concat(chunks);
}

/** A layer source for exportTo*: the same bytes every time it is opened. */
export function layerSource(bytes: Buffer): () => Promise<Readable> {
  return async () => Readable.from([bytes]);
}

export interface ListedEntry {
  name: string;
  type: string;
  linkname: string | null;
  data: string;
}

/** Every entry of a tar, data as UTF-8. */
export async function listTar(bytes: Buffer): Promise<ListedEntry[]> {
  const extract = tar.extract();
  const feeding = pipeline(Readable.from([bytes]), extract);
  const out: ListedEntry[] = [];
  for await (const entry of extract) {
    const chunks: Buffer[] = [];
    for await (const chunk of entry) chunks.push(chunk as Buffer);
    out.push({
      name: entry.header.name,
      type: entry.header.type,
      linkname: (entry.header.linkname as string | null) ?? null,
      data: Buffer.concat(chunks).toString('utf8'),
    });
  }
  await feeding;
  return out;
}

export interface TreeEntry {
  path: string;
  type: 'file' | 'directory' | 'symlink' | 'other';
  /** File content, or the symlink's target. */
  content?: string;
}

/** The tree under `root`, sorted, without following symlinks. */
export async function walkTree(root: string, rel = ''): Promise<TreeEntry[]> {
  const out: TreeEntry[] = [];
  for (const name of (await readdir(path.join(root, rel))).sort()) {
    const childRel = rel === '' ? name : `${rel}/${name}`;
    const abs = path.join(root, childRel);
    const st = await lstat(abs);
    if (st.isSymbolicLink()) out.push({ path: childRel, type: 'symlink', content: await readlink(abs) });
    else if (st.isDirectory()) {
      out.push({ path: childRel, type: 'directory' });
      out.push(...(await walkTree(root, childRel)));
    } else if (st.isFile()) out.push({ path: childRel, type: 'file', content: await readFile(abs, 'utf8') });
    else out.push({ path: childRel, type: 'other' });
  }
  return out;
}
