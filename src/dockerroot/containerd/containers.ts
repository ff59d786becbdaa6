// Containers of the containerd store, found by their writable layers: active snapshots.
//
// dockerd (daemon/containerd/image_snapshot.go) names a container's snapshot by the container
// ID, on top of a committed `<id>-init` snapshot holding /etc/hosts and friends; plain
// containerd (ctr run) records the container in meta.db with its snapshotKey. Active snapshots
// named `extract-…` are layers being unpacked, not containers.

import type { DockerContainer } from '../model.js';
import type { ContainerRecord } from './metadata.js';
import type { Snapshot } from './snapshots.js';

const INIT_SUFFIX = '-init';

export function findContainers(
  snapshots: Map<string, Snapshot>,
  records: ContainerRecord[],
  snapshotter: string,
  imageIdByName: Map<string, string>,
): DockerContainer[] {
  const bySnapshot = new Map(records.filter((r) => r.snapshotter === snapshotter && r.snapshotKey !== undefined).map((r) => [r.snapshotKey as string, r]));
  const out: DockerContainer[] = [];
  for (const snapshot of snapshots.values()) {
    if (snapshot.kind !== 'active' || snapshot.name.startsWith('extract-')) continue;
    const init = snapshot.parent === `${snapshot.name}${INIT_SUFFIX}` ? snapshots.get(snapshot.parent) : undefined;
    const record = bySnapshot.get(snapshot.name);
    out.push({
      id: record?.id ?? snapshot.name,
      image: record?.image !== undefined ? imageIdByName.get(record.image) : undefined,
      name: undefined,
      mountId: snapshot.id,
      initId: init?.id,
      parent: init ? init.parent : snapshot.parent,
      directory: snapshot.fsDir,
      paths: init ? [snapshot.dir, init.dir] : [snapshot.dir],
    });
  }
  return out;
}

/** Whether a committed snapshot is a container's init layer rather than an image layer. */
export function isInitLayer(snapshot: Snapshot): boolean {
  return snapshot.name.endsWith(INIT_SUFFIX);
}
