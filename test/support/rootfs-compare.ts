// Root filesystems compared entry by entry: a tar (docker export, stowage export) or a directory
// tree (stowage export --dir, image unpack, docker's overlay2 diff directories) read into one
// shape — type, mode, owner, size, link target, mtime, xattrs, content hash, hard-link group —
// and the differences listed one per line.

import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { readTar, type Timestamp } from '../../src/tar/index.js';
import { runOk } from './process.js';

export interface Node {
  type: string;
  /** Permission bits (0o7777); `rawMode` is the whole mode field of a tar header. */
  mode: number;
  rawMode?: number;
  uid: number;
  gid: number;
  uname?: string;
  gname?: string;
  size: number;
  linkname: string;
  mtime: Timestamp;
  /** Name → hex value. */
  xattrs: Record<string, string>;
  sha256?: string;
  /** The names of the hard-link group, sorted and joined ('' when not linked). */
  group: string;
  devmajor?: number;
  devminor?: number;
}

export type Tree = Map<string, Node>;

/** Names as both sides write them: no `./`, no trailing `/`. */
export function normalise(name: string): string {
  let n = name;
  while (n.startsWith('./')) n = n.slice(2);
  return n.replace(/\/+$/, '');
}

/** A tar's entries by normalised name; hard links get their target's content and a shared group. */
export async function tarTree(file: string): Promise<{ tree: Tree; order: string[] }> {
  const tree: Tree = new Map();
  const order: string[] = [];
  const groups = new Map<string, string[]>();
  for await (const entry of readTar(createReadStream(file, { highWaterMark: 1 << 20 }))) {
    const h = entry.header;
    if (h.type === 'pax-global-header') continue;
    const name = normalise(h.name);
    if (name === '' || name === '.') continue;
    order.push(name);
    const hash = createHash('sha256');
    for await (const chunk of entry) hash.update(chunk);
    const xattrs: Record<string, string> = {};
    for (const [key, value] of h.xattrs) xattrs[key] = value.toString('hex');
    const node: Node = {
      type: h.type ?? `typeflag ${h.typeflag}`,
      mode: h.mode & 0o7777,
      rawMode: h.mode,
      uid: h.uid,
      gid: h.gid,
      uname: h.uname,
      gname: h.gname,
      size: h.size,
      linkname: h.type === 'symlink' ? h.linkname : '',
      mtime: h.mtime,
      xattrs,
      group: '',
      devmajor: h.devmajor,
      devminor: h.devminor,
    };
    if (h.type === 'file' || h.type === 'contiguous-file') node.sha256 = hash.digest('hex');
    if (h.type === 'link') {
      const target = normalise(h.linkname);
      const first = tree.get(target);
      if (first === undefined) throw new Error(`${file}: ${name} links to ${target}, not seen before it`);
      const members = groups.get(target) ?? [target];
      members.push(name);
      groups.set(target, members);
      // The link is the target's inode: same attributes, as on disk.
      tree.set(name, { ...first });
      continue;
    }
    tree.set(name, node);
  }
  for (const members of groups.values()) {
    const group = [...members].sort().join('\n');
    for (const member of members) (tree.get(member) as Node).group = group;
  }
  return { tree, order };
}

/** A directory tree by relative name (lstat, getfattr, content hash, inode groups). */
export async function dirTree(root: string): Promise<Tree> {
  const tree: Tree = new Map();
  const inodes = new Map<bigint, string[]>();
  const xattrs = await allXattrs(root);
  const walk = async (rel: string): Promise<void> => {
    for (const name of (await readdir(join(root, rel))).sort()) {
      const child = rel === '' ? name : `${rel}/${name}`;
      const abs = join(root, child);
      const st = await lstat(abs, { bigint: true });
      const type = st.isFile()
        ? 'file'
        : st.isDirectory()
          ? 'directory'
          : st.isSymbolicLink()
            ? 'symlink'
            : st.isCharacterDevice()
              ? 'character-device'
              : st.isBlockDevice()
                ? 'block-device'
                : st.isFIFO()
                  ? 'fifo'
                  : 'socket';
      const node: Node = {
        type,
        mode: Number(st.mode & 0o7777n),
        uid: Number(st.uid),
        gid: Number(st.gid),
        size: type === 'file' ? Number(st.size) : 0,
        linkname: type === 'symlink' ? await readlink(abs) : '',
        mtime: {
          seconds: Number(st.mtimeNs / 1_000_000_000n - (st.mtimeNs % 1_000_000_000n < 0n ? 1n : 0n)),
          nanoseconds: Number(((st.mtimeNs % 1_000_000_000n) + 1_000_000_000n) % 1_000_000_000n),
        },
        xattrs: xattrs.get(child) ?? {},
        group: '',
      };
      if (type === 'character-device' || type === 'block-device') {
        node.devmajor = Number(st.rdev >> 8n) & 0xfff;
        node.devminor = Number((st.rdev & 0xffn) | ((st.rdev >> 12n) & 0xfff00n));
      }
      if (type === 'file') {
        node.sha256 = await hashFile(abs);
        if (st.nlink > 1n) inodes.set(st.ino, [...(inodes.get(st.ino) ?? []), child]);
      }
      tree.set(child, node);
      if (type === 'directory') await walk(child);
    }
  };
  await walk('');
  for (const members of inodes.values()) {
    if (members.length < 2) continue; // the other names are outside the tree
    const group = [...members].sort().join('\n');
    for (const member of members) (tree.get(member) as Node).group = group;
  }
  return tree;
}

async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Every xattr under root, by relative name (getfattr -R, symlinks not followed). */
async function allXattrs(root: string): Promise<Map<string, Record<string, string>>> {
  const { stdout } = await runOk('getfattr', ['-R', '-P', '-h', '--absolute-names', '-d', '-m', '-', '-e', 'hex', root], { timeoutMs: 300_000 });
  const out = new Map<string, Record<string, string>>();
  let current: Record<string, string> | null = null;
  for (const line of stdout.split('\n')) {
    if (line.startsWith('# file: ')) {
      const abs = line.slice('# file: '.length);
      current = {};
      out.set(abs === root ? '' : abs.slice(root.length + 1), current);
    } else if (current !== null && line.includes('=')) {
      const eq = line.indexOf('=');
      current[line.slice(0, eq)] = line.slice(eq + 1).replace(/^0x/, '');
    }
  }
  return out;
}

export interface CompareOptions {
  /** Left out on both sides (docker's init layer). */
  ignore?: (name: string) => boolean;
  /** Names whose mtime is not compared (directories docker's init layer wrote into). */
  ignoreMtime?: (name: string) => boolean;
  /** Xattrs compared (default all). */
  xattr?: (key: string) => boolean;
  /** Compare uname/gname too (tars only). */
  ownerNames?: boolean;
  /** Compare the whole tar mode field, type bits included. */
  rawMode?: boolean;
  /**
   * Sub-second mtimes compared to the microsecond (default: the nanosecond). For trees node:fs
   * put down: libuv sets times to the microsecond (uv__fs_to_timespec drops the rest).
   */
  mtimeMicroseconds?: boolean;
}

/** One line per difference; `compared` counts the names present on both sides. */
export function compareTrees(expected: Tree, actual: Tree, options: CompareOptions = {}): { differences: string[]; compared: number } {
  const ignore = options.ignore ?? (() => false);
  const keep = options.xattr ?? (() => true);
  const differences: string[] = [];
  let compared = 0;
  for (const [name, want] of expected) {
    if (ignore(name)) continue;
    const got = actual.get(name);
    if (got === undefined) {
      differences.push(`${name}: missing (${want.type})`);
      continue;
    }
    compared++;
    const diff = (field: string, a: unknown, b: unknown): void => {
      if (JSON.stringify(a) !== JSON.stringify(b)) differences.push(`${name}: ${field} ${JSON.stringify(a)} != ${JSON.stringify(b)}`);
    };
    diff('type', want.type, got.type);
    diff('mode', want.mode.toString(8), got.mode.toString(8));
    if (options.rawMode) diff('mode field', want.rawMode?.toString(8), got.rawMode?.toString(8));
    diff('uid', want.uid, got.uid);
    diff('gid', want.gid, got.gid);
    if (options.ownerNames) {
      diff('uname', want.uname, got.uname);
      diff('gname', want.gname, got.gname);
    }
    if (want.type === 'file') {
      diff('size', want.size, got.size);
      diff('sha256', want.sha256, got.sha256);
    }
    diff('linkname', want.linkname, got.linkname);
    if (want.type === 'character-device' || want.type === 'block-device') diff('device', [want.devmajor, want.devminor], [got.devmajor, got.devminor]);
    if (!options.ignoreMtime?.(name)) {
      diff('mtime seconds', want.mtime.seconds, got.mtime.seconds);
      // Sub-second only where both carry it (docker export truncates to the second).
      const unit = options.mtimeMicroseconds ? 1000 : 1;
      if (
        want.mtime.nanoseconds !== 0 &&
        got.mtime.nanoseconds !== 0 &&
        Math.floor(want.mtime.nanoseconds / unit) !== Math.floor(got.mtime.nanoseconds / unit)
      ) {
        diff('mtime nanoseconds', want.mtime.nanoseconds, got.mtime.nanoseconds);
      }
    }
    const pick = (x: Record<string, string>) =>
      Object.fromEntries(
        Object.entries(x)
          .filter(([k]) => keep(k))
          .sort(([a], [b]) => (a < b ? -1 : 1)),
      );
    diff('xattrs', pick(want.xattrs), pick(got.xattrs));
    diff('hard-link group', want.group, got.group);
  }
  for (const name of actual.keys()) if (!ignore(name) && !expected.has(name)) differences.push(`${name}: unexpected (${actual.get(name)?.type})`);
  return { differences, compared };
}
