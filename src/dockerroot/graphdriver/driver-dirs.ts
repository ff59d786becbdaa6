import path from 'node:path';
import type { ConfinedFs } from '../confined-fs.js';

/**
 * Where each graph driver keeps a layer's (or a container's writable layer's) files, by the
 * cache ID layerdb records (moby daemon/graphdriver/<driver>). Only drivers whose layers are
 * plain directories are listed; devicemapper and zfs keep them in block devices/datasets.
 */
export interface DriverDirs {
  /** The directory holding the layer's own files (an overlay upper dir, a vfs copy). */
  files(cacheId: string): string;
  /** Every path of this cache ID under the root: its own directory and side files. */
  paths(fs: ConfinedFs, cacheId: string): Promise<string[]>;
  /** Layers are full copies (vfs, btrfs): changes are found by comparing with the parent. */
  naiveDiff?: boolean;
}

const DRIVERS: Record<string, DriverDirs> = {
  overlay2: overlayDirs('overlay2'),
  'fuse-overlayfs': overlayDirs('fuse-overlayfs'),
  overlay: {
    files: (id) => path.join('overlay', id, 'root'),
    paths: async (_fs, id) => [path.join('overlay', id)],
  },
  vfs: {
    naiveDiff: true,
    files: (id) => path.join('vfs', 'dir', id),
    paths: async (_fs, id) => [path.join('vfs', 'dir', id)],
  },
  aufs: {
    files: (id) => path.join('aufs', 'diff', id),
    paths: async (fs, id) => {
      const candidates = ['diff', 'layers', 'mnt'].map((dir) => path.join('aufs', dir, id));
      const present = await Promise.all(candidates.map((p) => fs.lstat(p)));
      return candidates.filter((_p, i) => present[i] !== undefined);
    },
  },
  btrfs: {
    naiveDiff: true,
    files: (id) => path.join('btrfs', 'subvolumes', id),
    paths: async (_fs, id) => [path.join('btrfs', 'subvolumes', id)],
  },
};

/** overlay2 (and fuse-overlayfs): <id>/diff plus the short name in l/ that `lower` files use. */
function overlayDirs(driver: string): DriverDirs {
  return {
    files: (id) => path.join(driver, id, 'diff'),
    paths: async (fs, id) => {
      const own = path.join(driver, id);
      let link: string | undefined;
      try {
        link = (await fs.readTrimmed(path.join(own, 'link'))) || undefined;
      } catch {
        link = undefined;
      }
      // A link name is 26 base32 characters; anything else is not used as a path.
      return link !== undefined && /^[A-Z0-9]{1,64}$/.test(link) ? [own, path.join(driver, 'l', link)] : [own];
    },
  };
}

/** Known drivers whose layers live in directories, in dockerd's own order of preference. */
export const DIRECTORY_DRIVERS = ['overlay2', 'fuse-overlayfs', 'btrfs', 'aufs', 'overlay', 'vfs'];

export function driverDirs(driver: string): DriverDirs | undefined {
  return DRIVERS[driver];
}
