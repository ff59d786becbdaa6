import { lstat, readdir } from 'node:fs/promises';
import path from 'node:path';

/**
 * Bytes under a directory as moby's pkg/directory.Size counts them (and so as layerdb `size`,
 * a container's SizeRw and a volume's size are computed): every non-directory entry's lstat
 * size, hard links counted once, symlinks never followed. A directory that vanishes while
 * being walked (the daemon removed it) counts as what was seen.
 */
export async function directorySize(root: string): Promise<number> {
  const seen = new Set<string>();
  let total = 0;
  const walk = async (dir: string): Promise<void> => {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      return;
    }
    for (const name of names) {
      const full = path.join(dir, name);
      let info;
      try {
        info = await lstat(full, { bigint: false });
      } catch {
        continue;
      }
      if (info.isDirectory()) {
        await walk(full);
        continue;
      }
      if (info.nlink > 1) {
        const key = `${info.dev}:${info.ino}`;
        if (seen.has(key)) continue;
        seen.add(key);
      }
      total += info.size;
    }
  };
  await walk(root);
  return total;
}

/**
 * Bytes of what changed in `dir` relative to `parent`, for drivers whose layers are full
 * copies (vfs, btrfs): moby's naive diff (archive.ChangesDirs then ChangesSize) counts every
 * non-directory entry that is new, or differs in mode, owner, device, size or mtime.
 */
export async function changedSize(dir: string, parent: string): Promise<number> {
  const seen = new Set<string>();
  let total = 0;
  const walk = async (rel: string): Promise<void> => {
    let names: string[];
    try {
      names = await readdir(path.join(dir, rel));
    } catch {
      return;
    }
    for (const name of names) {
      const child = path.join(rel, name);
      let info;
      try {
        info = await lstat(path.join(dir, child), { bigint: true });
      } catch {
        continue;
      }
      if (info.isDirectory()) {
        await walk(child);
        continue;
      }
      const before = await lstat(path.join(parent, child), { bigint: true }).catch(() => undefined);
      const same =
        before !== undefined &&
        before.mode === info.mode &&
        before.uid === info.uid &&
        before.gid === info.gid &&
        before.rdev === info.rdev &&
        before.size === info.size &&
        before.mtimeNs === info.mtimeNs;
      if (same) continue;
      if (info.nlink > 1n) {
        const key = `${info.dev}:${info.ino}`;
        if (seen.has(key)) continue;
        seen.add(key);
      }
      total += Number(info.size);
    }
  };
  await walk('');
  return total;
}
