// A containerd root holding images copied from an OCI layout: the layout's blobs in the content
// store (io.containerd.content.v1.content) and the image records in meta.db (bbolt, written by
// bbolt-writer.ts), as containerd's metadata/images.go stores them. No snapshots: a root whose
// layers were never unpacked still serves every blob.

import { copyFile, mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeBolt, type BoltTree } from './bbolt-writer.js';

export interface ContainerdImageRecord {
  digest: string;
  mediaType: string;
  size: number;
}

/** binary.PutVarint: zig-zag, then base-128. */
function signedVarint(value: number): Buffer {
  const out: number[] = [];
  let v = BigInt(value >= 0 ? value * 2 : -value * 2 - 1);
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return Buffer.from(out);
}

/**
 * Writes `images` (name → target) into namespace `moby` of a containerd root at `root`, with
 * the blobs of the layout at `layout`, except those in `omit` (containerd fetches one platform
 * of an index, so the others' manifests are not in its content store).
 */
export async function writeContainerdRoot(root: string, layout: string, images: Record<string, ContainerdImageRecord>, omit: string[] = []): Promise<void> {
  const blobs = join(root, 'io.containerd.content.v1.content', 'blobs', 'sha256');
  await mkdir(blobs, { recursive: true });
  for (const hex of await readdir(join(layout, 'blobs', 'sha256'))) {
    if (!omit.includes(`sha256:${hex}`)) await copyFile(join(layout, 'blobs', 'sha256', hex), join(blobs, hex));
  }
  const records: BoltTree = {};
  for (const [name, target] of Object.entries(images)) {
    records[name] = { target: { digest: target.digest, mediatype: target.mediaType, size: signedVarint(target.size) } };
  }
  const meta = join(root, 'io.containerd.metadata.v1.bolt');
  await mkdir(meta, { recursive: true });
  await writeFile(join(meta, 'meta.db'), writeBolt({ v1: { version: Buffer.from([3]), moby: { images: records } } }));
}
