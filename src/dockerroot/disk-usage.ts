import type { DockerImage, DockerRootView } from './model.js';
import { changedSize, directorySize } from './dir-size.js';

/**
 * `docker system df` from the files (moby daemon/disk_usage.go and the CLI's formatter):
 * an image's size is the sum of its layers' recorded sizes; a layer is shared when more than
 * one image uses it; a container's size is its writable layer's; a volume's, its _data.
 */

export interface ImageUsage {
  image: DockerImage;
  size: number;
  sharedSize: number;
  uniqueSize: number;
  containers: number;
}

export interface ContainerUsage {
  container: DockerRootView['containers'][number];
  sizeRw: number;
  /** The named volumes it mounts. */
  volumes: number;
}

export interface VolumeUsage {
  name: string;
  directory: string;
  size: number;
  links: number;
}

export interface RootUsage {
  images: ImageUsage[];
  /** All layers in the store, referenced or not (docker's LayersSize). */
  layersSize: number;
  containers: ContainerUsage[];
  volumes: VolumeUsage[];
}

export interface UsageOptions {
  /** Walk layer directories instead of trusting layerdb's `size` (--exact). */
  exact?: boolean;
}

export async function diskUsage(view: DockerRootView, options: UsageOptions = {}): Promise<RootUsage> {
  const layerSize = new Map<string, number>();
  for (const layer of view.layers) {
    const size = options.exact && layer.directory !== undefined ? await directorySize(layer.directory) : (layer.size ?? 0);
    layerSize.set(layer.chainId, size);
  }
  const refs = new Map<string, number>();
  for (const image of view.images) for (const layer of image.layers) refs.set(layer.chainId, (refs.get(layer.chainId) ?? 0) + 1);
  const containersOf = new Map<string, number>();
  for (const container of view.containers) if (container.image !== undefined) containersOf.set(container.image, (containersOf.get(container.image) ?? 0) + 1);

  const images = view.images.map((image) => {
    let size = 0;
    let sharedSize = 0;
    for (const layer of image.layers) {
      const bytes = layerSize.get(layer.chainId) ?? layer.size ?? 0;
      size += bytes;
      if ((refs.get(layer.chainId) ?? 0) > 1) sharedSize += bytes;
    }
    // A size the store states (containerd's, when layers are not unpacked) wins over the sum.
    if (image.size !== undefined && !options.exact) size = image.size;
    return { image, size, sharedSize, uniqueSize: Math.max(0, size - sharedSize), containers: containersOf.get(image.id) ?? 0 };
  });
  const containers = await Promise.all(
    view.containers.map(async (container) => ({
      container,
      sizeRw: container.directory === undefined ? 0 : container.diffBase !== undefined ? await changedSize(container.directory, container.diffBase) : await directorySize(container.directory),
      volumes: container.volumes?.length ?? 0,
    })),
  );
  const links = new Map<string, number>();
  for (const container of view.containers) for (const name of container.volumes ?? []) links.set(name, (links.get(name) ?? 0) + 1);
  const volumes = await Promise.all(
    view.volumes.map(async (volume) => ({ ...volume, size: await directorySize(volume.directory), links: links.get(volume.name) ?? 0 })),
  );
  let layersSize = 0;
  for (const size of layerSize.values()) layersSize += size;
  return { images, layersSize, containers, volumes };
}

/** Size of one image as `docker images` shows it: its layers' recorded sizes. */
export function imageSize(image: DockerImage): number {
  if (image.size !== undefined) return image.size;
  let size = 0;
  for (const layer of image.layers) size += layer.size ?? 0;
  return size;
}
