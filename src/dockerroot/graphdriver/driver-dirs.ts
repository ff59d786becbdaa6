import path from 'node:path';
import type { ConfinedFs } from '../confined-fs.js';

/**
 * Where each graph driver keeps a layer's (or a container's writable layer's) files, by the
 * cache ID layerdb records (moby daemon/graphdriver/<driver>). Only drivers whose layers are
 * plain directories are listed; devicemapper and zfs keep them in block devices/datasets.
 * All paths are root-relative.
 */
export interface DriverDirs {
  /** The directory holding the layer's own files (an overlay upper dir, a vfs copy). */
  files(cacheId: string): string;
  /** Every path of this cache ID under the root: its own directory and side files. */
  paths(cacheId: string): string[];
  /** Whether the cache ID's directory is there (a real directory, not a link). */
  exists(cacheId: string): boolean;
  /** Layers are full copies (vfs, btrfs): changes are found by comparing with the parent. */
  naiveDiff: boolean;
}

interface Layout {
  /** The directory whose entries are cache IDs. */
  base: string;
  /** The layer's files inside its entry ('' for the entry itself). */
  files: string;
  naiveDiff?: boolean;
  /** Side directories holding an entry of the same name (aufs: layers/, mnt/). */
  siblings?: string[];
  /** overlay: <entry>/link names the entry's short link in l/. */
  shortLinks?: boolean;
}

const LAYOUTS: Record<string, Layout> = {
  overlay2: { base: 'overlay2', files: 'diff', shortLinks: true },
  'fuse-overlayfs': { base: 'fuse-overlayfs', files: 'diff', shortLinks: true },
  overlay: { base: 'overlay', files: 'root' },
  vfs: { base: path.join('vfs', 'dir'), files: '', naiveDiff: true },
  aufs: { base: path.join('aufs', 'diff'), files: '', siblings: [path.join('aufs', 'layers'), path.join('aufs', 'mnt')] },
  btrfs: { base: path.join('btrfs', 'subvolumes'), files: '', naiveDiff: true },
};

/** Known drivers whose layers live in directories, in dockerd's own order of preference. */
export const DIRECTORY_DRIVERS = ['overlay2', 'fuse-overlayfs', 'btrfs', 'aufs', 'overlay', 'vfs'];

/** The driver's directory layout over one root; its directory is listed once, on first use. */
export function driverDirs(fs: ConfinedFs, driver: string): DriverDirs | undefined {
  const layout = LAYOUTS[driver];
  if (layout === undefined) return undefined;
  let entries: Set<string> | undefined;
  const present = (): Set<string> => {
    entries ??= new Set(
      fs
        .listTypedSync(layout.base)
        .filter((d) => d.isDirectory())
        .map((d) => d.name),
    );
    return entries;
  };
  return {
    naiveDiff: layout.naiveDiff === true,
    files: (id) => path.join(layout.base, id, layout.files),
    exists: (id) => present().has(id),
    paths(id) {
      const own = path.join(layout.base, id);
      const out = [own, ...(layout.siblings ?? []).map((dir) => path.join(dir, id))];
      if (layout.shortLinks && present().has(id)) {
        const link = readLink(fs, fs.join(own));
        // A link name is 26 base32 characters; anything else is not used as a path.
        if (link !== undefined) out.push(path.join(layout.base, 'l', link));
      }
      return out;
    },
  };
}

function readLink(fs: ConfinedFs, dir: string): string | undefined {
  try {
    const text = fs.readInCheckedDirSync(dir, 'link', 256)?.toString('utf8').trim();
    return text !== undefined && /^[A-Z0-9]{1,64}$/.test(text) ? text : undefined;
  } catch {
    return undefined;
  }
}
