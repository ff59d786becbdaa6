import { sharedSizes, type LayerWeight } from '../catalog/shared-layers.js';
import type { ContainerUsage, UsageOptions, VolumeUsage } from '../catalog/usage.js';
import type { DockerImage, DockerRootView } from './model.js';
import type { ConfinedFs } from './confined-fs.js';
import { changedSize, directorySize } from './dir-size.js';

/**
 * `docker system df` from the files (moby daemon/disk_usage.go and the CLI's formatter):
 * an image's size is the sum of its layers' recorded sizes; a layer is shared as in every
 * catalog (catalog/shared-layers.ts); a container's size is its writable layer's; a volume's,
 * its _data.
 */

export interface RootImageUsage {
  image: DockerImage;
  size: number;
  sharedSize: number;
  uniqueSize: number;
  containers: number;
}

export interface RootUsage {
  images: RootImageUsage[];
  /** Bytes of the layers the listed images use (docker's LayersSize). */
  layersSize: number;
  containers: ContainerUsage[];
  volumes: VolumeUsage[];
}

/**
 * A directory to walk, only when it is a real directory inside the root: `overlay2/<id>/diff`
 * replaced by a link to `/` must not have the host's disk counted (or walked at all).
 */
async function confinedDir(fs: ConfinedFs, dir: string | undefined): Promise<string | undefined> {
  if (dir === undefined) return undefined;
  const info = await fs.lstat(dir);
  if (info === undefined || !info.isDirectory()) return undefined;
  try {
    return await fs.resolve(dir);
  } catch {
    return undefined;
  }
}

async function walkedSize(fs: ConfinedFs, dir: string | undefined, base?: string): Promise<number> {
  const real = await confinedDir(fs, dir);
  if (real === undefined) return 0;
  const baseReal = base === undefined ? undefined : await confinedDir(fs, base);
  return baseReal !== undefined ? changedSize(real, baseReal) : directorySize(real);
}

export async function diskUsage(view: DockerRootView, fs: ConfinedFs, options: UsageOptions = {}): Promise<RootUsage> {
  const layerSize = new Map<string, number>();
  for (const layer of view.layers) {
    const size = options.exact && layer.directory !== undefined ? await walkedSize(fs, layer.directory) : (layer.size ?? 0);
    layerSize.set(layer.chainId, size);
  }
  // moby's getLayerRefs and ImageDiskUsage: intermediate images (untagged, with children) are
  // neither listed nor counted, and only layers some listed image uses make up LayersSize.
  const listed = withoutIntermediates(view.images);
  const used = new Set(listed.flatMap((image) => image.layers.map((layer) => layer.chainId)));
  const layersOf = (image: DockerImage): LayerWeight[] =>
    image.layers.map((layer) => ({ key: layer.chainId, size: layerSize.get(layer.chainId) ?? layer.size ?? 0 }));
  const shared = sharedSizes(listed, (image) => image.id, layersOf);
  const containersOf = new Map<string, number>();
  for (const container of view.containers) if (container.image !== undefined) containersOf.set(container.image, (containersOf.get(container.image) ?? 0) + 1);

  const images = listed.map((image, i) => {
    const sharedSize = shared[i] ?? 0;
    let size = 0;
    for (const layer of layersOf(image)) size += layer.size;
    // A size the store states (containerd's, when layers are not unpacked) wins over the sum.
    if (image.size !== undefined && !options.exact) size = image.size;
    return { image, size, sharedSize, uniqueSize: Math.max(0, size - sharedSize), containers: containersOf.get(image.id) ?? 0 };
  });
  const containers = await Promise.all(
    view.containers.map(async (container) => ({
      container,
      sizeRw: await walkedSize(fs, container.directory, container.diffBase),
      volumes: container.volumes?.length ?? 0,
    })),
  );
  const links = new Map<string, number>();
  for (const container of view.containers) for (const name of container.volumes ?? []) links.set(name, (links.get(name) ?? 0) + 1);
  const volumes = await Promise.all(
    view.volumes.map(async (volume) => ({ ...volume, size: await walkedSize(fs, volume.directory), links: links.get(volume.name) ?? 0 })),
  );
  let layersSize = 0;
  for (const [chainId, size] of layerSize) if (used.has(chainId)) layersSize += size;
  return { images, layersSize, containers, volumes };
}

/** docker hides untagged images that are another image's parent (build steps) from `images` and `system df`. */
export function withoutIntermediates(images: DockerImage[]): DockerImage[] {
  const parents = new Set(images.map((image) => image.parent).filter((p): p is string => p !== undefined));
  return images.filter((image) => image.repoTags.length > 0 || image.repoDigests.length > 0 || !parents.has(image.id));
}

/** Size of one image as `docker images` shows it: its layers' recorded sizes. */
export function imageSize(image: DockerImage): number {
  if (image.size !== undefined) return image.size;
  let size = 0;
  for (const layer of image.layers) size += layer.size ?? 0;
  return size;
}
