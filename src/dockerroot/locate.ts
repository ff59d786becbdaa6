import path from 'node:path';
import type { DockerContainer, DockerImage, DockerLayer, DockerRootView } from './model.js';

/**
 * `stowage docker locate`: what an ID or a path under the root is, and who uses it — the
 * `find / -name '*<id>*'` people run to learn which image a directory belongs to, answered
 * from the store's own records.
 */

export type Located =
  | { kind: 'image'; image: DockerImage; matched: string }
  | { kind: 'layer'; layer: DockerLayer; matched: string; images: DockerImage[]; containers: DockerContainer[] }
  | { kind: 'container'; container: DockerContainer; matched: string; image: DockerImage | undefined }
  | { kind: 'volume'; name: string; directory: string; containers: DockerContainer[] }
  | { kind: 'store'; description: string; matched: string };

export function locate(view: DockerRootView, query: string): Located[] {
  const parentOf = new Map(view.layers.map((l) => [l.chainId, l.parent]));
  return query.includes('/') || query === '.' ? locatePath(view, path.resolve(query), parentOf) : locateId(view, query, parentOf);
}

function locateId(view: DockerRootView, query: string, parentOf: Map<string, string | undefined>): Located[] {
  const prefix = query.replace(/^sha256:/, '').toLowerCase();
  if (!/^[a-z0-9_.-]{1,140}$/.test(prefix)) return [];
  const hexOf = (id: string | undefined): string => (id ?? '').replace(/^sha256:/, '');
  const out: Located[] = [];
  for (const image of view.images) if (hexOf(image.id).startsWith(prefix)) out.push({ kind: 'image', image, matched: 'image ID' });
  for (const layer of view.layers) {
    const matched = hexOf(layer.chainId).startsWith(prefix)
      ? 'chain ID'
      : hexOf(layer.diffId).startsWith(prefix)
        ? 'diff ID'
        : (layer.cacheId ?? '').toLowerCase().startsWith(prefix)
          ? 'cache ID'
          : undefined;
    if (matched !== undefined) out.push(layerEntry(view, layer, matched, parentOf));
  }
  for (const container of view.containers) {
    const matched = container.id.startsWith(prefix)
      ? 'container ID'
      : (container.mountId ?? '').toLowerCase().startsWith(prefix)
        ? 'writable layer (mount ID)'
        : (container.initId ?? '').toLowerCase().startsWith(prefix)
          ? 'init layer'
          : undefined;
    if (matched !== undefined) out.push(containerEntry(view, container, matched));
  }
  return out;
}

function locatePath(view: DockerRootView, target: string, parentOf: Map<string, string | undefined>): Located[] {
  const within = (p: string): boolean => target === p || target.startsWith(p + path.sep);
  const out: Located[] = [];
  for (const image of view.images) if (image.paths.some(within)) out.push({ kind: 'image', image, matched: 'image metadata' });
  for (const layer of view.layers) if (layer.paths.some(within)) out.push(layerEntry(view, layer, 'layer files', parentOf));
  for (const container of view.containers) if (container.paths.some(within)) out.push(containerEntry(view, container, 'container files'));
  for (const volume of view.volumes) {
    const dir = path.dirname(volume.directory);
    if (within(dir))
      out.push({ kind: 'volume', name: volume.name, directory: volume.directory, containers: view.containers.filter((c) => c.volumes?.includes(volume.name)) });
  }
  if (out.length === 0) {
    const description = storeArea(view, target);
    if (description !== undefined) out.push({ kind: 'store', description, matched: target });
  }
  return out;
}

/** Paths that belong to the store as a whole rather than to one image. */
function storeArea(view: DockerRootView, target: string): string | undefined {
  const rel = path.relative(view.root, target);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
  const [top, second] = rel.split(path.sep);
  if (rel === '') return 'the Docker root';
  if (top === view.driver && second === 'l') return `${view.driver}'s short links to layer directories (each names one layer's diff/)`;
  if (top === view.driver && second === undefined) return `the ${view.driver} driver's layer directories`;
  if (top === 'image') return 'image metadata (imagedb, layerdb, repositories.json)';
  const areas: Record<string, string> = {
    containers: 'containers (configuration, logs)',
    volumes: 'named volumes',
    buildkit: 'BuildKit build cache',
    containerd: "dockerd's containerd state",
    network: 'network configuration',
    plugins: 'plugins',
    swarm: 'swarm state',
    tmp: 'temporary files',
    runtimes: 'runtimes',
    trust: 'content trust',
  };
  return top !== undefined ? areas[top] : undefined;
}

function layerEntry(view: DockerRootView, layer: DockerLayer, matched: string, parentOf: Map<string, string | undefined>): Located {
  const images = view.images.filter((image) => image.layers.some((l) => l.chainId === layer.chainId));
  const containers = view.containers.filter((container) => {
    // Parent links come from files: a cycle in them must end the walk, not the process.
    const seen = new Set<string>();
    for (let chain = container.parent; chain !== undefined && !seen.has(chain); chain = parentOf.get(chain)) {
      if (chain === layer.chainId) return true;
      seen.add(chain);
    }
    return false;
  });
  return { kind: 'layer', layer, matched, images, containers };
}

function containerEntry(view: DockerRootView, container: DockerContainer, matched: string): Located {
  return { kind: 'container', container, matched, image: view.images.find((image) => image.id === container.image) };
}
