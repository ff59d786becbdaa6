import path from 'node:path';
import { StowageError } from '../../errors/error.js';
import { createLimiter } from '../../transport/limiter.js';
import type { ConfinedFs } from '../confined-fs.js';
import type { DockerLayer } from '../model.js';
import type { DriverDirs } from './driver-dirs.js';

/**
 * image/<driver>/layerdb (moby layer/filestore.go): one directory per chain ID holding `diff`
 * (the diff ID), `size` (bytes of the layer's files, computed when it was committed),
 * `cache-id` (the driver's directory), `parent` (the parent chain ID) and tar-split.json.gz;
 * `mounts/<container-id>/` holds each container's `mount-id`, `init-id` and `parent`.
 */

const HEX64 = /^[a-f0-9]{64}$/;

export interface LayerdbMount {
  containerId: string;
  mountId: string | undefined;
  initId: string | undefined;
  parent: string | undefined;
}

export async function readLayers(fs: ConfinedFs, driver: string, dirs: DriverDirs | undefined, problems: string[]): Promise<DockerLayer[]> {
  const base = path.join('image', driver, 'layerdb', 'sha256');
  const names = (await fs.list(base)).filter((name) => HEX64.test(name));
  const limit = createLimiter(32);
  const layers = await Promise.all(names.map((hex) => limit(() => readLayer(fs, base, hex, dirs, problems))));
  return layers.filter((layer): layer is DockerLayer => layer !== undefined);
}

async function readLayer(fs: ConfinedFs, base: string, hex: string, dirs: DriverDirs | undefined, problems: string[]): Promise<DockerLayer | undefined> {
  const dir = path.join(base, hex);
  const chainId = `sha256:${hex}`;
  try {
    const [diffId, size, cacheId, parent, hasTarSplit] = await Promise.all([
      fs.readTrimmed(path.join(dir, 'diff')),
      optional(fs.readTrimmed(path.join(dir, 'size'))),
      optional(fs.readTrimmed(path.join(dir, 'cache-id'))),
      optional(fs.readTrimmed(path.join(dir, 'parent'))),
      fs.exists(path.join(dir, 'tar-split.json.gz')),
    ]);
    if (!/^sha256:[a-f0-9]{64}$/.test(diffId)) throw new StowageError('PATH_INVALID', `${fs.join(dir, 'diff')}: not a sha256 digest`);
    const validCache = cacheId !== undefined && /^[A-Za-z0-9_.-]{1,128}$/.test(cacheId) && cacheId !== '.' && cacheId !== '..' ? cacheId : undefined;
    if (cacheId !== undefined && validCache === undefined) problems.push(`layer ${chainId}: cache-id ${JSON.stringify(cacheId.slice(0, 80))} is not a directory name; ignored`);
    const paths = [fs.join(dir)];
    let directory: string | undefined;
    if (validCache !== undefined && dirs !== undefined) {
      directory = fs.join(dirs.files(validCache));
      paths.push(...(await dirs.paths(fs, validCache)).map((p) => fs.join(p)));
      if ((await fs.lstat(directory)) === undefined) problems.push(`layer ${chainId}: its directory ${directory} is missing`);
    }
    return {
      diffId,
      chainId,
      cacheId: validCache,
      directory,
      paths,
      size: parseSize(size),
      parent: parent !== undefined && /^sha256:[a-f0-9]{64}$/.test(parent) ? parent : undefined,
      tarSplit: hasTarSplit ? fs.join(dir, 'tar-split.json.gz') : undefined,
    };
  } catch (err) {
    // The daemon may remove a layer while we read (rmi): report it and go on.
    problems.push(`layer ${chainId}: ${(err as Error).message}`);
    return undefined;
  }
}

export async function readMounts(fs: ConfinedFs, driver: string, problems: string[]): Promise<LayerdbMount[]> {
  const base = path.join('image', driver, 'layerdb', 'mounts');
  const ids = (await fs.list(base)).filter((name) => HEX64.test(name));
  return Promise.all(
    ids.map(async (containerId) => {
      const dir = path.join(base, containerId);
      const [mountId, initId, parent] = await Promise.all(
        ['mount-id', 'init-id', 'parent'].map((file) => optional(fs.readTrimmed(path.join(dir, file)))),
      );
      if (mountId === undefined) problems.push(`container ${containerId.slice(0, 12)}: layerdb mount has no mount-id`);
      return { containerId, mountId: safeName(mountId), initId: safeName(initId), parent };
    }),
  );
}

function safeName(value: string | undefined): string | undefined {
  return value !== undefined && /^[A-Za-z0-9_.-]{1,140}$/.test(value) && value !== '.' && value !== '..' ? value : undefined;
}

function parseSize(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d{1,16}$/.test(text)) return undefined;
  return Number(text);
}

async function optional<T>(promise: Promise<T>): Promise<T | undefined> {
  try {
    return await promise;
  } catch {
    return undefined;
  }
}
