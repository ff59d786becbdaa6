import path from 'node:path';
import { StowageError } from '../errors/error.js';
import { ConfinedFs } from './confined-fs.js';
import { readContainerConfigs } from './containers.js';
import { readVolumes } from './volumes.js';
import { graphDrivers, loadGraphDriverRoot } from './graphdriver/load.js';
import type { DockerImage, DockerRootView } from './model.js';
import { discoverRoot, type DiscoveredRoot } from './root-discovery.js';

/**
 * Opens a Docker root as whichever store holds its images: a graph driver's (image/<driver>/),
 * the containerd image store (Docker 29's containerd/daemon/, or a plain containerd root),
 * or the pre-1.10 graph/. Each reader's module is loaded only when its store is there.
 */

export type StoreChoice = 'graph' | 'containerd' | 'legacy';

export interface OpenOptions {
  /** --docker-root; otherwise discovered (daemon.json, default paths). */
  dockerRoot?: string;
  /** Force a store where a root holds more than one (an upgraded host). */
  store?: StoreChoice;
  /** Force a graph driver (image/<driver>/). */
  storageDriver?: string;
  /** containerd namespace (default moby, as dockerd uses). */
  namespace?: string;
}

export interface OpenedRoot {
  view: DockerRootView;
  fs: ConfinedFs;
  discovered: DiscoveredRoot;
}

export async function openDockerRoot(options: OpenOptions = {}): Promise<OpenedRoot> {
  const discovered = await discoverRoot(options.dockerRoot);
  const fs = await ConfinedFs.open(discovered.root).catch((err: unknown) => {
    const hint =
      discovered.desktopDisk !== undefined
        ? ` (Docker Desktop keeps images inside its VM disk, ${discovered.desktopDisk}; run stowage inside the VM or give --docker-root)`
        : '';
    throw new StowageError('PATH_NOT_FOUND', `no Docker root: ${(err as Error).message}${hint}`);
  });
  const view = await loadView(fs, discovered, options);
  return { view, fs, discovered };
}

async function loadView(fs: ConfinedFs, discovered: DiscoveredRoot, options: OpenOptions): Promise<DockerRootView> {
  const choice = options.store ?? (discovered.daemonConfig?.containerdSnapshotter === true ? 'containerd' : undefined);
  const drivers = await graphDrivers(fs);
  const driver = options.storageDriver ?? discovered.daemonConfig?.storageDriver ?? drivers[0];
  const containerdRoot = await findContainerdRoot(fs);
  const graph = (): Promise<DockerRootView> => {
    if (driver === undefined) throw new StowageError('PATH_NOT_FOUND', `${fs.root}: no image/<driver>/ directory; not a Docker root with a graph driver`);
    return loadGraphDriverRoot(fs, driver, graphSource(fs));
  };
  const containerd = async (): Promise<DockerRootView> => {
    if (containerdRoot === undefined) throw new StowageError('PATH_NOT_FOUND', `${fs.root}: no containerd metadata (io.containerd.metadata.v1.bolt/meta.db)`);
    const { loadContainerdRoot } = await import('./containerd/load.js');
    const view = await loadContainerdRoot(containerdRoot, { namespace: options.namespace ?? 'moby' });
    return containerdRoot === fs.root ? view : withDockerState(fs, view);
  };
  const legacyStore = async (): Promise<DockerRootView> => {
    const { loadLegacyRoot } = await import('./legacy/index.js');
    return loadLegacyRoot(fs.root);
  };
  if (choice === 'graph') return graph();
  if (choice === 'containerd') return containerd();
  if (choice === 'legacy') return legacyStore();
  // No choice made: the store that holds images, in the order an upgraded host would use them.
  if (driver !== undefined) {
    const view = await graph();
    if (view.images.length > 0 || view.containers.length > 0 || containerdRoot === undefined) return view;
    const fromContainerd = await containerd();
    return fromContainerd.images.length > 0 ? fromContainerd : view;
  }
  if (containerdRoot !== undefined) return containerd();
  if (await isLegacy(fs.root)) return legacyStore();
  throw new StowageError('PATH_NOT_FOUND', `${fs.root}: neither image/<driver>/, containerd metadata nor a legacy graph/ directory; is this a Docker root?`);
}

/**
 * Docker 29 keeps containers' names, states and volumes in its own root, beside the
 * containerd it runs (containerd/daemon): the same files a graph-driver root has.
 */
async function withDockerState(fs: ConfinedFs, view: DockerRootView): Promise<DockerRootView> {
  const problems: string[] = [];
  const [configs, volumes] = await Promise.all([readContainerConfigs(fs, problems), readVolumes(fs)]);
  const containers = view.containers.map((container) => {
    const config = configs.get(container.id);
    if (config === undefined) return container;
    // What containerd knows (layers, directories) wins; docker's config fills what it leaves unset.
    const merged: Record<string, unknown> = { ...config };
    for (const [key, value] of Object.entries(container)) if (value !== undefined) merged[key] = value;
    return { ...(merged as unknown as typeof container), paths: [...container.paths, ...(config.paths ?? [])] };
  });
  return { ...view, root: fs.root, containers, volumes: [...view.volumes, ...volumes], problems: [...view.problems, ...problems] };
}

/** Docker 29 keeps its containerd under <root>/containerd/daemon; a plain containerd root is itself one. */
async function findContainerdRoot(fs: ConfinedFs): Promise<string | undefined> {
  for (const rel of [path.join('containerd', 'daemon'), '']) {
    if (await fs.exists(path.join(rel, 'io.containerd.metadata.v1.bolt', 'meta.db'))) return fs.join(rel);
  }
  return undefined;
}

/** A pre-1.10 graph/ with images in it (1.10's migration left an old graph/ behind on upgraded hosts). */
async function isLegacy(root: string): Promise<boolean> {
  const { isLegacyRoot } = await import('./legacy/index.js');
  return isLegacyRoot(root);
}

function graphSource(fs: ConfinedFs): DockerRootView['openSource'] {
  return async (image: DockerImage) => {
    const { createLayerSource } = await import('./layer-source.js');
    return createLayerSource(fs, image);
  };
}
