// The containerd image store, read-only: Docker Engine 29's default on fresh installs (its
// containerd root, namespace `moby`) and plain containerd alike. Image names come from
// meta.db, manifests, configs and layer blobs from the content store, layer directories from
// the overlayfs snapshotter. Nothing under the root is written or locked; containerd may be
// running while we read (bbolt.ts says why that is safe enough).

import path from 'node:path';
import { StowageError, isStowageError } from '../../errors/error.js';
import { hostPlatform, type PlatformSpec } from '../../oci/platform.js';
import { LayoutSource } from '../../transport/layout-source.js';
import type { ImageSource } from '../../transport/types.js';
import { ConfinedFs } from '../confined-fs.js';
import type { DockerImage, DockerLayer, DockerRootView } from '../model.js';
import { BoltFile } from './bbolt.js';
import { findContainers, isInitLayer } from './containers.js';
import { ContentStoreFiles } from './content-store.js';
import { resolveImage, newLayer, type ContainerdImage } from './images.js';
import { namespaces, readNamespace, type ImageRecord } from './metadata.js';
import { OVERLAYFS_DIR, readBackendSnapshots, type BackendSnapshot } from './snapshotter.js';
import { checkSnapshotDirs, joinSnapshots, type Snapshot } from './snapshots.js';

export const META_DB = path.join('io.containerd.metadata.v1.bolt', 'meta.db');
const SNAPSHOTTER = 'overlayfs';
const SNAPSHOTTER_DB = path.join(OVERLAYFS_DIR, 'metadata.db');

export interface ContainerdLoadOptions {
  /** containerd namespace; dockerd uses `moby`. */
  namespace?: string;
  /** Which manifest of an index is the image (default: this machine's platform). */
  platform?: PlatformSpec;
}

/** Whether `root` is a containerd root (has its metadata database); cheap, never throws. */
export async function isContainerdRoot(root: string): Promise<boolean> {
  try {
    const fs = await ConfinedFs.open(root);
    const info = await fs.lstat(fs.join(META_DB));
    return info?.isFile() === true && (await fs.exists(META_DB));
  } catch {
    return false;
  }
}

export async function loadContainerdRoot(root: string, options: ContainerdLoadOptions = {}): Promise<DockerRootView> {
  const namespace = options.namespace ?? 'moby';
  const fs = await ConfinedFs.open(root);
  const problems: string[] = [];
  const {
    known,
    metadata,
    problems: metadataProblems,
  } = await readBolt(fs, META_DB, (db) => {
    const found: string[] = [];
    return { known: namespaces(db), metadata: readNamespace(db, namespace, SNAPSHOTTER, found), problems: found };
  });
  problems.push(...metadataProblems);
  if (!known.includes(namespace)) problems.push(`namespace ${namespace} is not in ${fs.join(META_DB)} (it has: ${known.join(', ') || 'none'})`);
  const backend = await readSnapshotter(fs, problems);
  const snapshots = joinSnapshots(fs, metadata.snapshots, backend, problems);
  await checkSnapshotDirs(fs, snapshots.values(), problems);

  const files = new ContentStoreFiles(fs);
  const layers = new Map<string, DockerLayer>();
  const committed = new Map([...snapshots].filter(([, s]) => s.kind === 'committed' && !isInitLayer(s)));
  const context = { fs, files, platform: options.platform ?? hostPlatform(), snapshots: committed, layers, problems };
  const images: ContainerdImage[] = [];
  for (const records of byTarget(metadata.images).values()) {
    const image = await resolveImage(context, records);
    if (image !== undefined) images.push(image);
  }
  addUnreferencedLayers(committed, layers);

  const imageIdByName = new Map(metadata.images.map((r) => [r.name, r.target.digest]));
  return {
    root: fs.root,
    kind: 'containerd',
    driver: SNAPSHOTTER,
    images,
    layers: [...layers.values()],
    containers: findContainers(snapshots, metadata.containers, SNAPSHOTTER, imageIdByName),
    volumes: [],
    problems: [...new Set(problems)],
    openSource: async (image: DockerImage): Promise<ImageSource> => openImageSource(files, image),
  };
}

/** The stored manifest (or index) and blobs of an image, exactly as pulled. */
function openImageSource(files: ContentStoreFiles, image: DockerImage): ImageSource {
  if (image.target === undefined) {
    throw new StowageError('MANIFEST_UNKNOWN', `image ${image.id} was not read from a containerd store: it has no target`);
  }
  const name = `${image.repoTags[0] ?? image.id} in ${files.location}`;
  return new LayoutSource(files, name, { ...image.target });
}

/** The overlayfs snapshotter's table; empty, with a problem line, when it cannot be read. */
async function readSnapshotter(fs: ConfinedFs, problems: string[]): Promise<Map<string, BackendSnapshot>> {
  try {
    return await readBolt(fs, SNAPSHOTTER_DB, readBackendSnapshots);
  } catch (err) {
    if (isStowageError(err, 'PATH_NOT_FOUND')) return new Map();
    problems.push(`overlayfs snapshotter: ${(err as Error).message}; layers are listed without their directories`);
    return new Map();
  }
}

/**
 * Reads a bbolt file and what `use` takes from it, again when the file does not check out:
 * containerd may reuse a page between our reading the meta page and reading that page
 * (bbolt.ts), which a second read a moment later does not meet. A file that stays damaged is
 * reported as it is.
 */
async function readBolt<T>(fs: ConfinedFs, rel: string, use: (db: BoltFile) => T): Promise<T> {
  const real = await fs.resolve(rel);
  for (let attempt = 1; ; attempt++) {
    try {
      return use(await BoltFile.read(real));
    } catch (err) {
      if (!isStowageError(err, 'PATH_INVALID') || attempt === 3) throw err;
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
    }
  }
}

/** Names grouped by target digest: docker shows one image (one IMAGE ID) per target. */
function byTarget(records: ImageRecord[]): Map<string, ImageRecord[]> {
  const out = new Map<string, ImageRecord[]>();
  for (const record of records) out.set(record.target.digest, [...(out.get(record.target.digest) ?? []), record]);
  return out;
}

/**
 * Committed snapshots no image names any more are layers too. Their diff ID is known only for
 * a bottom layer (its chain ID is its diff ID); for the others it is left empty.
 */
function addUnreferencedLayers(committed: Map<string, Snapshot>, layers: Map<string, DockerLayer>): void {
  for (const snapshot of committed.values()) {
    if (layers.has(snapshot.name) || !snapshot.name.startsWith('sha256:')) continue;
    const diffId = snapshot.parent === undefined ? snapshot.name : '';
    layers.set(snapshot.name, newLayer({ snapshots: committed }, snapshot.name, diffId, snapshot.parent));
  }
}
