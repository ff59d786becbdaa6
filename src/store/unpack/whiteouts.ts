// Whiteouts (layer.md, "Whiteouts" and "Opaque Whiteout"): `.wh.<name>` deletes <name> from the
// lower layers, `.wh..wh..opq` hides every lower child of its directory. Both apply only to lower
// layers ("Files that are present in the same layer as a whiteout file can only be hidden by
// whiteout files in subsequent layers"), and an opaque whiteout applies "regardless of the
// ordering in which the whiteout file was encountered": so the applier remembers what the current
// layer has put down and deletes around it.

import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { refusal, type ConfinedRoot } from './safe-path.js';

export const WHITEOUT_PREFIX = '.wh.';
export const OPAQUE_WHITEOUT = '.wh..wh..opq';
/** aufs bookkeeping (`.wh..wh.plnk/`, `.wh..wh.aufs`) that Docker-era layers carry; never content. */
const AUFS_META_PREFIX = '.wh..wh.';

export type Whiteout = { kind: 'opaque'; dir: string } | { kind: 'remove'; path: string };

/**
 * What a normalised entry path means as a whiteout, or null for an ordinary entry. Refused: a
 * whiteout that names nothing (`.wh.`, which layer.md says is invalid), `.` or `..` (`.wh...`
 * would otherwise delete the directory's parent), and aufs metadata anywhere in the path.
 */
export function parseWhiteout(rel: string): Whiteout | null {
  const parts = rel.split('/');
  if (parts.some((part, i) => part.startsWith(AUFS_META_PREFIX) && !(i === parts.length - 1 && part === OPAQUE_WHITEOUT))) {
    throw refusal('aufs whiteout metadata');
  }
  const base = parts[parts.length - 1] ?? '';
  if (!base.startsWith(WHITEOUT_PREFIX)) return null;
  const dir = parts.slice(0, -1).join('/');
  if (base === OPAQUE_WHITEOUT) return { kind: 'opaque', dir };
  const name = base.slice(WHITEOUT_PREFIX.length);
  if (name === '' || name === '.' || name === '..') throw refusal(`whiteout names ${name === '' ? 'nothing' : `'${name}'`}`);
  return { kind: 'remove', path: dir === '' ? name : `${dir}/${name}` };
}

/**
 * The paths the layer being applied has put down, with all their ancestors (a file at `a/b/c`
 * means this layer has directories `a` and `a/b`, as its own diff directory would).
 */
export class LayerPaths {
  private readonly paths = new Set<string>();

  add(rel: string): void {
    let current = rel;
    while (current !== '' && !this.paths.has(current)) {
      this.paths.add(current);
      const parent = path.posix.dirname(current);
      current = parent === '.' ? '' : parent;
    }
  }

  has(rel: string): boolean {
    return this.paths.has(rel);
  }
}

/** Applies a whiteout: deletes what lower layers put at the path, keeping what this layer put there. */
export async function applyWhiteout(root: ConfinedRoot, whiteout: Whiteout, current: LayerPaths): Promise<void> {
  if (whiteout.kind === 'remove') {
    await hideLower(root, whiteout.path, current);
    return;
  }
  // A symlinked directory (or parent) refuses the whiteout: deleting the "children" of a
  // symlink would delete outside. A missing directory or a non-directory has no children.
  if ((await root.parentsOf(whiteout.dir, false)) === null) return;
  const st = await root.lstat(whiteout.dir);
  // The marker lives in the directory: a symlink there is a parent symlink, refused like any.
  if (st?.isSymbolicLink()) throw refusal(`parent ${whiteout.dir} is a symlink`);
  if (st === null || !st.isDirectory()) return;
  await hideChildren(root, whiteout.dir, current);
}

async function hideLower(root: ConfinedRoot, rel: string, current: LayerPaths): Promise<void> {
  if ((await root.parentsOf(rel, false)) === null) return;
  if (!current.has(rel)) {
    await root.remove(rel);
    return;
  }
  // This layer's own directory: only lower-layer content beneath it is hidden.
  const st = await root.lstat(rel);
  if (st?.isDirectory()) await hideChildren(root, rel, current);
}

async function hideChildren(root: ConfinedRoot, dir: string, current: LayerPaths): Promise<void> {
  for (const name of await readdir(root.abs(dir))) {
    await hideLower(root, dir === '' ? name : `${dir}/${name}`, current);
  }
}
