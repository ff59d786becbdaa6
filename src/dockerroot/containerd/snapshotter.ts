// The overlayfs snapshotter's own table (io.containerd.snapshotter.v1.overlayfs/metadata.db),
// as containerd's snapshots/storage/bolt.go writes it:
//
//   v1/snapshots/<backend key>/{id (uvarint), kind (1 byte), parent (backend key),
//                               inodes, size (varints, committed snapshots only), ...}
//
// A snapshot's files are in snapshots/<id>/fs beside the database; the ID is a sequence number
// the snapshotter hands out, which is why the namespace's names must be joined through here.

import path from 'node:path';
import type { BoltFile } from './bbolt.js';
import { varintNumber } from './go-encoding.js';

export const OVERLAYFS_DIR = 'io.containerd.snapshotter.v1.overlayfs';

/** snapshots.Kind in containerd (snapshots/snapshotter.go): Unknown, View, Active, Committed. */
const KINDS = ['unknown', 'view', 'active', 'committed'] as const;
export type SnapshotKind = (typeof KINDS)[number];

export interface BackendSnapshot {
  key: string;
  /** Decimal, as the directory is named. */
  id: string;
  kind: SnapshotKind;
  /** The parent's backend key. */
  parent: string | undefined;
  /** Bytes of the snapshot's own files, recorded at commit (fs.DiskUsage). */
  size: number | undefined;
  inodes: number | undefined;
}

export function readBackendSnapshots(db: BoltFile): Map<string, BackendSnapshot> {
  const out = new Map<string, BackendSnapshot>();
  for (const [key, bucket] of db.bucketAt('v1', 'snapshots')?.buckets() ?? []) {
    const id = varintNumber(bucket.get('id'), false);
    if (id === undefined) continue;
    const kindByte = bucket.get('kind');
    const kind = kindByte?.length === 1 ? (KINDS[kindByte.readUInt8(0)] ?? 'unknown') : 'unknown';
    out.set(key, {
      key,
      id: String(id),
      kind,
      parent: bucket.getString('parent') || undefined,
      size: varintNumber(bucket.get('size'), true),
      inodes: varintNumber(bucket.get('inodes'), true),
    });
  }
  return out;
}

/** Root-relative directory of a snapshot (holding fs/ and, for active ones, work/). */
export function snapshotDir(id: string): string {
  return path.join(OVERLAYFS_DIR, 'snapshots', id);
}
