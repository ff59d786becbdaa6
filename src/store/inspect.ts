import type { ContainerConfig, ImageConfig } from '../oci/config.js';
import { familiarReference as familiar } from '../reference/reference.js';
import type { ImageStore } from './store.js';
import type { ImageRecord } from './types.js';

/**
 * `stowage image inspect`'s object, shaped as docker's (Engine API ImageInspect), with
 * GraphDriver saying where the image's files are: its config and layer blobs and its unpacked
 * layers.
 */
export async function inspectStoreImage(store: ImageStore, image: ImageRecord): Promise<Record<string, unknown>> {
  const config = await store.readConfig(image);
  const unpacked = await store.unpackedLayers(image);
  return {
    Id: image.id,
    RepoTags: image.repoTags.map(familiar),
    RepoDigests: image.repoDigests.map(familiar),
    Parent: '',
    Comment: config.comment ?? '',
    Created: image.created ?? config.created ?? '',
    DockerVersion: config.docker_version ?? '',
    Author: config.author ?? '',
    Config: dockerConfig(config.config),
    Architecture: config.architecture ?? image.platform.architecture,
    ...optional('Variant', config.variant ?? image.platform.variant),
    Os: config.os ?? image.platform.os,
    ...optional('OsVersion', config['os.version']),
    Size: image.size,
    GraphDriver: {
      Data: {
        // docker's GraphDriver.Data is map[string]string: paths joined with ':' as overlay2's LowerDir.
        Blobs: [image.config, ...image.layers].map((d) => store.blobPath(d.digest)).join(':'),
        UnpackedLayers: unpacked
          .filter((l) => l.exists)
          .map((l) => l.path)
          .join(':'),
      },
      Name: 'stowage',
    },
    RootFS: { Type: 'layers', Layers: config.rootfs?.diff_ids ?? [] },
    Metadata: { LastTagTime: image.pulled },
  };
}

/** Docker's field order (DockerOCIImageConfig); like docker, empty fields are left out. */
const CONFIG_FIELDS: Array<keyof ContainerConfig> = [
  'User',
  'ExposedPorts',
  'Env',
  'Entrypoint',
  'Cmd',
  'Volumes',
  'WorkingDir',
  'Labels',
  'StopSignal',
  'ArgsEscaped',
  'Healthcheck',
  'OnBuild',
  'Shell',
];

function dockerConfig(config: ImageConfig['config']): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of CONFIG_FIELDS) {
    const value = config?.[field];
    if (!isEmpty(value)) out[field] = value;
  }
  return out;
}

function isEmpty(value: unknown): boolean {
  if (value === undefined || value === null || value === '' || value === false) return true;
  if (Array.isArray(value)) return value.length === 0;
  return typeof value === 'object' && Object.keys(value as object).length === 0;
}

function optional(key: string, value: string | undefined): Record<string, string> {
  return value === undefined || value === '' ? {} : { [key]: value };
}
