import path from 'node:path';
import type { ConfinedFs } from '../confined-fs.js';

/**
 * Which graph driver a pre-1.10 root used. Docker 1.9 named it in two places: the tag file
 * `repositories-<driver>` (graph/tags.go) and the driver's own directory. A host that switched
 * drivers keeps one tag file per driver; dockerd then used the first of its priority list
 * (daemon/graphdriver/driver_linux.go, 1.9) whose directory held data, and so do we.
 */

/** Docker 1.9's driver priority on Linux. */
const PRIORITY = ['aufs', 'btrfs', 'zfs', 'devicemapper', 'overlay', 'vfs'];

/** Where each driver we can read kept a layer's own files; the others used block devices or snapshots we do not open. */
const LAYER_FILES: Record<string, (id: string) => string> = {
  // aufs/diff/<id> holds exactly the layer's changes, whiteouts as `.wh.<name>` files.
  aufs: (id) => path.join('aufs', 'diff', id),
  // vfs/dir/<id> is a full copy of the image's filesystem; a layer's tar names only its own
  // members, so rebuilding the tar from this copy reads the same bytes.
  vfs: (id) => path.join('vfs', 'dir', id),
};

/** Every path a driver kept for one ID (image layer, container layer or its -init layer). */
const DRIVER_PATHS: Record<string, (id: string) => string[]> = {
  aufs: (id) => ['diff', 'layers', 'mnt'].map((dir) => path.join('aufs', dir, id)),
  vfs: (id) => [path.join('vfs', 'dir', id)],
};

/** The directory under which a driver keeps one entry per ID, to find orphans. */
const DRIVER_ENTRIES: Record<string, string> = {
  aufs: path.join('aufs', 'diff'),
  vfs: path.join('vfs', 'dir'),
};

export interface LegacyDriver {
  name: string;
  /** Root-relative directory of a layer's files; undefined for drivers we cannot read. */
  layerFiles(id: string): string | undefined;
  /** Root-relative paths of an ID that exist and stay inside the root. */
  paths(fs: ConfinedFs, id: string): Promise<string[]>;
  /** Root-relative directory listing one entry per layer ID, if the driver has one. */
  entries: string | undefined;
}

export function legacyDriver(name: string): LegacyDriver {
  const files = LAYER_FILES[name];
  const candidates = DRIVER_PATHS[name];
  return {
    name,
    layerFiles: (id) => files?.(id),
    paths: async (fs, id) => {
      if (candidates === undefined) return [];
      const list = candidates(id);
      // exists() resolves symlinks and refuses ones leading out, so such a path is never counted as ours.
      const present = await Promise.all(list.map((p) => fs.exists(p)));
      return list.filter((_p, i) => present[i]);
    },
    entries: DRIVER_ENTRIES[name],
  };
}

export function isReadableDriver(name: string): boolean {
  return LAYER_FILES[name] !== undefined;
}

/** Drivers named by repositories-<driver> files in the root. */
export async function taggedDrivers(fs: ConfinedFs): Promise<string[]> {
  return (await fs.list('.'))
    .filter((name) => name.startsWith('repositories-'))
    .map((name) => name.slice('repositories-'.length))
    .filter((driver) => /^[a-z0-9-]+$/.test(driver));
}

/**
 * The driver to read: the only one with a tag file; else, among several (or none), the first by
 * docker's priority whose directory exists. undefined when nothing names a driver.
 */
export async function chooseDriver(fs: ConfinedFs): Promise<{ driver: string | undefined; others: string[] }> {
  const tagged = await taggedDrivers(fs);
  if (tagged.length === 1) return { driver: tagged[0], others: [] };
  const pool = tagged.length > 0 ? tagged : PRIORITY;
  const ordered = [...pool].sort((a, b) => rank(a) - rank(b));
  let driver: string | undefined;
  for (const candidate of ordered) {
    if (await fs.exists(candidate)) {
      driver = candidate;
      break;
    }
  }
  driver ??= tagged.length > 0 ? ordered[0] : undefined;
  return { driver, others: tagged.filter((d) => d !== driver) };
}

function rank(driver: string): number {
  const i = PRIORITY.indexOf(driver);
  return i < 0 ? PRIORITY.length : i;
}
