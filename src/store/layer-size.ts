// The size docker shows for a layer (`docker history` SIZE; `docker images` SIZE is the sum over
// an image's layers). moby's layer store records what the graph driver's ApplyDiff returns; with
// overlay2 and a native diff (the usual case: "Native Overlay Diff: true" in `docker info`) that
// is directory.Size of the layer's diff directory once the tar is applied to an empty one:
//   - every regular file counts its length, and each inode once (hard links share one);
//   - a symlink counts the length of its target (what lstat reports for it);
//   - directories, devices, fifos and empty files count nothing;
//   - a whiteout `.wh.NAME` becomes a 0/0 character device at NAME; `.wh..wh..opq` an xattr;
//   - a later entry at the same path replaces the earlier one (a directory and all below it),
//     unless both are directories.
// So the number is computed here from the tar alone, without writing anything: the result is
// what the applied directory would hold. (With a naive diff docker instead adds up the tar
// headers' sizes, which differs only for symlinks and repeated paths.)

import type { Readable } from 'node:stream';
import { normaliseEntryPath } from './unpack/safe-path.js';
import { drain, readTarEntries } from './unpack/tar-entries.js';

const WHITEOUT_PREFIX = '.wh.';
const OPAQUE_WHITEOUT = '.wh..wh..opq';

/** What one tar header says, as much as the size needs. */
export interface SizedEntry {
  name: string;
  type: 'file' | 'link' | 'symlink' | 'directory' | 'other';
  size: number;
  linkname: string;
}

/**
 * The unpacked size of an uncompressed layer tar, as docker's overlay2 records it (see above).
 * Streams: only the paths of the layer are kept, never file data. A tar that cannot be read
 * throws StowageError('LAYER_INVALID') (from the tar reader).
 */
export async function unpackedSize(tar: Readable): Promise<number> {
  const tree = new SizeTree();
  // The one place that reads tar headers for sizes: the tar reader can be swapped here alone.
  for await (const entry of readTarEntries(tar)) {
    const { header } = entry;
    tree.add({ name: header.name, type: kindOf(header.type), size: header.size ?? 0, linkname: header.linkname ?? '' });
    await drain(entry);
  }
  return tree.total();
}

function kindOf(type: string | null): SizedEntry['type'] {
  switch (type) {
    case 'file':
    case 'contiguous-file':
      return 'file';
    case 'link':
    case 'symlink':
    case 'directory':
      return type;
    default:
      return 'other';
  }
}

type Node = { dir: true } | { dir: false; inode: number };

/** The paths a layer puts down, each a directory or an inode with a size; applied in tar order. */
export class SizeTree {
  private readonly nodes = new Map<string, Node>();
  private readonly inodeSizes: number[] = [];

  add(entry: SizedEntry): void {
    let path: string;
    try {
      path = normaliseEntryPath(entry.name);
    } catch {
      return; // an entry docker refuses to apply (it escapes the root) puts nothing down
    }
    if (path === '') return;
    const slash = path.lastIndexOf('/');
    const base = path.slice(slash + 1);
    if (base === OPAQUE_WHITEOUT) return;
    if (base.startsWith(WHITEOUT_PREFIX)) {
      const name = base.slice(WHITEOUT_PREFIX.length);
      if (name === '' || name === '.' || name === '..') return;
      this.put(slash < 0 ? name : `${path.slice(0, slash)}/${name}`, { dir: false, inode: this.inode(0) });
      return;
    }
    switch (entry.type) {
      case 'directory':
        if (this.nodes.get(path)?.dir !== true) this.put(path, { dir: true });
        return;
      case 'file':
        this.put(path, { dir: false, inode: this.inode(entry.size) });
        return;
      case 'symlink':
        this.put(path, { dir: false, inode: this.inode(Buffer.byteLength(entry.linkname, 'utf8')) });
        return;
      case 'link': {
        let target: Node | undefined;
        try {
          // Go joins the link name under the root (filepath.Join), so a leading `/` stays inside.
          target = this.nodes.get(normaliseEntryPath(entry.linkname.replace(/^\/+/, '')));
        } catch {
          target = undefined;
        }
        // A link to nothing in this layer, or to a directory, fails to apply: nothing is put down.
        if (target && !target.dir) this.put(path, { dir: false, inode: target.inode });
        return;
      }
      default:
        this.put(path, { dir: false, inode: this.inode(0) });
    }
  }

  /** Bytes of every inode still reachable by a path, each once. */
  total(): number {
    const seen = new Set<number>();
    let total = 0;
    for (const node of this.nodes.values()) {
      if (node.dir || seen.has(node.inode)) continue;
      seen.add(node.inode);
      total += this.inodeSizes[node.inode] ?? 0;
    }
    return total;
  }

  private inode(size: number): number {
    this.inodeSizes.push(size);
    return this.inodeSizes.length - 1;
  }

  /**
   * Replaces what is at `path` (RemoveAll: a directory goes with everything below it), creating
   * missing parents as directories (docker's MkdirAll), so every path's ancestors are known.
   */
  private put(path: string, node: Node): void {
    if (this.nodes.get(path)?.dir === true && !node.dir) {
      const prefix = `${path}/`;
      for (const key of this.nodes.keys()) if (key.startsWith(prefix)) this.nodes.delete(key);
    }
    for (let end = path.lastIndexOf('/'); end > 0; end = path.lastIndexOf('/', end - 1)) {
      const parent = path.slice(0, end);
      if (this.nodes.has(parent)) break;
      this.nodes.set(parent, { dir: true });
    }
    this.nodes.set(path, node);
  }
}
