import path from 'node:path';
import type { ConfinedFs } from '../confined-fs.js';
import type { DockerLayer } from '../model.js';
import type { DriverDirs } from './driver-dirs.js';

/**
 * image/<driver>/layerdb (moby layer/filestore.go): one directory per chain ID holding `diff`
 * (the diff ID), `size` (bytes of the layer's files, computed when it was committed),
 * `cache-id` (the driver's directory), `parent` (the parent chain ID) and tar-split.json.gz;
 * `mounts/<container-id>/` holds each container's `mount-id`, `init-id` and `parent`.
 * Read with the synchronous fast path (ConfinedFs.listTypedSync): thousands of tiny files.
 */

const HEX64 = /^[a-f0-9]{64}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;
const DIR_NAME = /^[A-Za-z0-9_.-]{1,140}$/;

export interface LayerdbMount {
  containerId: string;
  mountId: string | undefined;
  initId: string | undefined;
  parent: string | undefined;
}

export function readLayers(fs: ConfinedFs, driver: string, dirs: DriverDirs | undefined, problems: string[]): DockerLayer[] {
  const base = path.join('image', driver, 'layerdb', 'sha256');
  const out: DockerLayer[] = [];
  for (const entry of fs.listTypedSync(base)) {
    if (!HEX64.test(entry.name)) continue;
    const chainId = `sha256:${entry.name}`;
    if (!entry.isDirectory()) {
      problems.push(`layer ${chainId}: ${fs.join(base, entry.name)} is not a directory; not followed`);
      continue;
    }
    try {
      const layer = readLayer(fs, fs.join(base, entry.name), chainId, dirs, problems);
      if (layer !== undefined) out.push(layer);
    } catch (err) {
      // The daemon may remove a layer while we read (rmi): report it and go on.
      problems.push(`layer ${chainId}: ${(err as Error).message}`);
    }
  }
  return out;
}

function readLayer(fs: ConfinedFs, dir: string, chainId: string, dirs: DriverDirs | undefined, problems: string[]): DockerLayer | undefined {
  // `dir` is a real directory (its Dirent said so) inside a checked one: no realpath needed.
  const names = new Set(fs.entriesOfCheckedDirSync(dir).map((d) => d.name));
  const text = (name: string): string | undefined => (names.has(name) ? fs.readInCheckedDirSync(dir, name, 4096)?.toString('utf8').trim() : undefined);
  const diffId = text('diff');
  if (diffId === undefined) {
    problems.push(`layer ${chainId}: ${path.join(dir, 'diff')} is missing`);
    return undefined;
  }
  if (!DIGEST.test(diffId)) {
    problems.push(`layer ${chainId}: ${path.join(dir, 'diff')} is not a sha256 digest`);
    return undefined;
  }
  const cacheId = text('cache-id');
  const validCache = cacheId !== undefined && DIR_NAME.test(cacheId) && cacheId !== '.' && cacheId !== '..' ? cacheId : undefined;
  if (cacheId !== undefined && validCache === undefined)
    problems.push(`layer ${chainId}: cache-id ${JSON.stringify(cacheId.slice(0, 80))} is not a directory name; ignored`);
  let directory: string | undefined;
  if (validCache !== undefined && dirs !== undefined) {
    directory = fs.join(dirs.files(validCache));
    if (!dirs.exists(validCache)) problems.push(`layer ${chainId}: its directory ${directory} is missing`);
  }
  // Only `locate` and `inspect` need every path (overlay2's short link means reading `link`):
  // computed on first use, not for each of thousands of layers a listing loads.
  let paths: string[] | undefined;
  const allPaths = (): string[] => (paths ??= [dir, ...(validCache !== undefined && dirs !== undefined ? dirs.paths(validCache).map((p) => fs.join(p)) : [])]);
  const size = text('size');
  const parent = text('parent');
  return {
    diffId,
    chainId,
    cacheId: validCache,
    directory,
    get paths() {
      return allPaths();
    },
    size: size !== undefined && /^\d{1,16}$/.test(size) ? Number(size) : undefined,
    parent: parent !== undefined && DIGEST.test(parent) ? parent : undefined,
    tarSplit: names.has('tar-split.json.gz') ? path.join(dir, 'tar-split.json.gz') : undefined,
  };
}

export function readMounts(fs: ConfinedFs, driver: string, problems: string[]): LayerdbMount[] {
  const base = path.join('image', driver, 'layerdb', 'mounts');
  const out: LayerdbMount[] = [];
  for (const entry of fs.listTypedSync(base)) {
    if (!HEX64.test(entry.name) || !entry.isDirectory()) continue;
    const dir = fs.join(base, entry.name);
    const text = (name: string): string | undefined => {
      try {
        return fs.readInCheckedDirSync(dir, name, 4096)?.toString('utf8').trim();
      } catch {
        return undefined;
      }
    };
    const mountId = text('mount-id');
    if (mountId === undefined) problems.push(`container ${entry.name.slice(0, 12)}: layerdb mount has no mount-id`);
    const parent = text('parent');
    out.push({
      containerId: entry.name,
      mountId: safeName(mountId),
      initId: safeName(text('init-id')),
      parent: parent !== undefined && DIGEST.test(parent) ? parent : undefined,
    });
  }
  return out;
}

function safeName(value: string | undefined): string | undefined {
  return value !== undefined && DIR_NAME.test(value) && value !== '.' && value !== '..' ? value : undefined;
}
