// What containerd's metadata database (io.containerd.metadata.v1.bolt/meta.db) says about one
// namespace: image names and their targets, the snapshot names it owns in a snapshotter and
// the backend keys they map to, and container records. The bucket and key names are those of
// containerd's metadata package (buckets.go, images.go, snapshot.go, containers.go):
//
//   v1/<namespace>/images/<name>/{createdat, updatedat, labels/, target/{digest, mediatype, size}}
//   v1/<namespace>/snapshots/<snapshotter>/<name>/{name (backend key), parent, labels/, ...}
//   v1/<namespace>/containers/<id>/{image, snapshotter, snapshotKey, createdat, labels/, ...}

import type { BoltBucket, BoltFile } from './bbolt.js';
import { decodeGoTime, varintNumber } from './go-encoding.js';

export interface ImageRecord {
  /** The name as containerd keeps it: `docker.io/library/alpine:latest`. */
  name: string;
  target: { digest: string; mediaType: string; size: number };
  createdAt: string | undefined;
  updatedAt: string | undefined;
  labels: Record<string, string>;
}

/** A snapshot as the namespace names it; its data lives in the snapshotter under `backendKey`. */
export interface SnapshotRecord {
  /** The namespace's name: a chain ID for a layer, a container ID for its writable layer. */
  name: string;
  /** The key in the snapshotter's own database (`<namespace>/<n>/<name>`). */
  backendKey: string;
  /** The parent's name in the namespace. */
  parent: string | undefined;
  labels: Record<string, string>;
}

export interface ContainerRecord {
  id: string;
  /** The image name it was created from. */
  image: string | undefined;
  snapshotter: string | undefined;
  snapshotKey: string | undefined;
  createdAt: string | undefined;
  labels: Record<string, string>;
}

export interface NamespaceMetadata {
  images: ImageRecord[];
  /** By namespace name, for the one snapshotter asked for. */
  snapshots: Map<string, SnapshotRecord>;
  containers: ContainerRecord[];
}

/** The namespaces meta.db holds (for a message when the one asked for is absent). */
export function namespaces(db: BoltFile): string[] {
  return (
    db
      .bucketAt('v1')
      ?.buckets()
      .map(([name]) => name) ?? []
  );
}

export function readNamespace(db: BoltFile, namespace: string, snapshotter: string, problems: string[]): NamespaceMetadata {
  const ns = db.bucketAt('v1', namespace);
  if (ns === undefined) return { images: [], snapshots: new Map(), containers: [] };
  return {
    images: readImages(ns.bucket('images'), problems),
    snapshots: readSnapshots(ns.bucket('snapshots')?.bucket(snapshotter)),
    containers: readContainers(ns.bucket('containers')),
  };
}

function readImages(bucket: BoltBucket | undefined, problems: string[]): ImageRecord[] {
  const out: ImageRecord[] = [];
  for (const [name, image] of bucket?.buckets() ?? []) {
    const target = image.bucket('target');
    const digest = target?.getString('digest');
    const mediaType = target?.getString('mediatype');
    // images.go writeImage: the size is a signed varint (binary.PutVarint).
    const size = varintNumber(target?.get('size'), true);
    if (digest === undefined || mediaType === undefined || size === undefined || size < 0) {
      problems.push(`image ${JSON.stringify(name)}: its target in meta.db is incomplete (digest, mediatype and size are needed)`);
      continue;
    }
    out.push({
      name,
      target: { digest, mediaType, size },
      createdAt: decodeGoTime(image.get('createdat')),
      updatedAt: decodeGoTime(image.get('updatedat')),
      labels: image.bucket('labels')?.strings() ?? {},
    });
  }
  return out;
}

function readSnapshots(bucket: BoltBucket | undefined): Map<string, SnapshotRecord> {
  const out = new Map<string, SnapshotRecord>();
  for (const [name, snapshot] of bucket?.buckets() ?? []) {
    const backendKey = snapshot.getString('name');
    if (backendKey === undefined) continue; // not a snapshot record (never written without one)
    const parent = snapshot.getString('parent');
    out.set(name, { name, backendKey, parent: parent || undefined, labels: snapshot.bucket('labels')?.strings() ?? {} });
  }
  return out;
}

function readContainers(bucket: BoltBucket | undefined): ContainerRecord[] {
  return (bucket?.buckets() ?? []).map(([id, container]) => ({
    id,
    image: container.getString('image') || undefined,
    snapshotter: container.getString('snapshotter') || undefined,
    snapshotKey: container.getString('snapshotKey') || undefined,
    createdAt: decodeGoTime(container.get('createdat')),
    labels: container.bucket('labels')?.strings() ?? {},
  }));
}
