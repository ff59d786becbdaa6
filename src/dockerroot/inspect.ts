import { createHash } from 'node:crypto';
import path from 'node:path';
import type { DockerImage, DockerRootView } from './model.js';
import { imageSize } from './disk-usage.js';
import type { ConfinedFs } from './confined-fs.js';
import { layerSources } from './graphdriver/distribution.js';

/**
 * `docker image inspect` as the Engine API shapes it (ImageInspect), from the files, plus a
 * "Stowage" section saying where each layer lives: chain ID, cache ID, directory and size.
 */
export function inspectDockerImage(view: DockerRootView, image: DockerImage, fs?: ConfinedFs): Record<string, unknown> {
  const graph = fs !== undefined && view.kind !== 'containerd' && view.kind !== 'legacy-graph';
  const config = image.config;
  const size = imageSize(image);
  return {
    Id: image.id,
    RepoTags: image.repoTags,
    RepoDigests: image.repoDigests,
    Parent: image.parent ?? '',
    Comment: typeof config.comment === 'string' ? config.comment : '',
    Created: config.created ?? '',
    Container: typeof config.container === 'string' ? config.container : '',
    ContainerConfig: config.container_config ?? {},
    DockerVersion: config.docker_version ?? '',
    Author: config.author ?? '',
    Config: config.config ?? null,
    Architecture: config.architecture ?? '',
    ...(config.variant !== undefined ? { Variant: config.variant } : {}),
    Os: config.os ?? '',
    Size: size,
    VirtualSize: size,
    GraphDriver: { Data: graphDriverData(view, image), Name: view.driver },
    RootFS: { Type: config.rootfs?.type ?? 'layers', Layers: config.rootfs?.diff_ids ?? [] },
    Metadata: { LastTagTime: image.lastTagTime ?? '0001-01-01T00:00:00Z' },
    Stowage: {
      Root: view.root,
      // Graph drivers name a config by its sha256 (imagedb): false means it changed on disk since.
      ...(view.kind !== 'containerd' && view.kind !== 'legacy-graph'
        ? { ConfigVerified: `sha256:${createHash('sha256').update(image.configBytes).digest('hex')}` === image.id }
        : {}),
      Store: view.kind,
      Files: image.paths,
      Layers: image.layers.map((layer) => ({
        DiffID: layer.diffId,
        ChainID: layer.chainId,
        CacheID: layer.cacheId ?? '',
        Directory: layer.directory ?? '',
        Size: layer.size ?? null,
        Paths: layer.paths,
        // Graph drivers: the registry blobs this layer was pulled or pushed as (distribution/).
        ...(graph ? { RegistryBlobs: layerSources(fs, view.driver, layer.diffId).map((s) => ({ Digest: s.digest, Repository: s.repository })) } : {}),
      })),
    },
  };
}

/** What each driver's GraphDriver.Data says (moby daemon/graphdriver/<driver> GetMetadata). */
function graphDriverData(view: DockerRootView, image: DockerImage): Record<string, string> | null {
  const top = image.layers[image.layers.length - 1];
  if (top?.directory === undefined) return null;
  if (view.driver === 'overlay2' || view.driver === 'fuse-overlayfs') {
    const topDir = path.dirname(top.directory);
    const lower = image.layers
      .slice(0, -1)
      .reverse()
      .map((layer) => layer.directory)
      .filter((dir): dir is string => dir !== undefined);
    return {
      ...(lower.length > 0 ? { LowerDir: lower.join(':') } : {}),
      MergedDir: path.join(topDir, 'merged'),
      UpperDir: top.directory,
      WorkDir: path.join(topDir, 'work'),
    };
  }
  if (view.kind === 'containerd' || view.kind === 'legacy-graph') return { Directory: top.directory };
  return null;
}
