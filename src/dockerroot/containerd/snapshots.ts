// A namespace's snapshots joined with the snapshotter's table: the namespace names a snapshot
// (a chain ID, a container ID), the snapshotter knows its ID, kind, size and so its directory.

import path from 'node:path';
import type { ConfinedFs } from '../confined-fs.js';
import type { SnapshotRecord } from './metadata.js';
import { snapshotDir, type BackendSnapshot, type SnapshotKind } from './snapshotter.js';

export interface Snapshot {
  /** The namespace's name for it. */
  name: string;
  /** The snapshotter's ID, naming snapshots/<id>. */
  id: string;
  kind: SnapshotKind;
  /** The parent's name in the namespace. */
  parent: string | undefined;
  size: number | undefined;
  /** Absolute path of snapshots/<id> (fs/ and work/ are in it). */
  dir: string;
  /** Absolute path of its files, snapshots/<id>/fs. */
  fsDir: string;
}

export function joinSnapshots(
  fs: ConfinedFs,
  records: Map<string, SnapshotRecord>,
  backend: Map<string, BackendSnapshot>,
  problems: string[],
): Map<string, Snapshot> {
  const out = new Map<string, Snapshot>();
  for (const record of records.values()) {
    const found = backend.get(record.backendKey);
    if (found === undefined) {
      problems.push(`snapshot ${record.name}: the overlayfs snapshotter has no ${record.backendKey} (removed, or its metadata.db is stale)`);
      continue;
    }
    const dir = fs.join(snapshotDir(found.id));
    out.set(record.name, { name: record.name, id: found.id, kind: found.kind, parent: record.parent, size: found.size, dir, fsDir: path.join(dir, 'fs') });
  }
  return out;
}

/** Reports snapshots whose directory is gone or leads outside the root: listed, but their files cannot be read. */
export async function checkSnapshotDirs(fs: ConfinedFs, snapshots: Iterable<Snapshot>, problems: string[]): Promise<void> {
  for (const snapshot of snapshots) {
    try {
      await fs.resolve(snapshot.fsDir);
    } catch (err) {
      problems.push(`snapshot ${snapshot.name}: ${(err as Error).message}`);
    }
  }
}
