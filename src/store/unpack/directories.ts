// Directory entries. Over an existing directory only the attributes change (layer.md,
// "Changeset over existing files": "If the entry and the existing path are both directories,
// then the existing path's attributes MUST be replaced"); anything else there is removed first.
// Attributes are set once the layer is done: writing children would bump the mtime again, and a
// read-only mode (0o555) would stop an unprivileged extraction from writing the children at all.

import { constants } from 'node:fs';
import { mkdir, open } from 'node:fs/promises';
import { applyToHandle, entryMode } from './attributes.js';
import { isRefusal } from './safe-path.js';
import type { TarHeader } from './tar-entries.js';
import type { WriteContext } from './write-entry.js';

const OPEN_DIRECTORY = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;

export class DirectoryWriter {
  private readonly pending: Array<{ rel: string; header: TarHeader }> = [];

  constructor(private readonly ctx: WriteContext) {}

  async write(rel: string, header: TarHeader): Promise<void> {
    const { root } = this.ctx;
    await root.parentsOf(rel, true);
    const existing = await root.lstat(rel);
    if (existing === null || !existing.isDirectory()) {
      await root.remove(rel);
      await mkdir(root.abs(rel), 0o700);
    }
    root.noteDirectory(rel);
    this.pending.push({ rel, header });
  }

  /**
   * Applies the deferred attributes, deepest last-written first. Each directory is checked
   * again and opened O_NOFOLLOW|O_DIRECTORY: a later entry of the same layer may have replaced
   * it with a symlink, and chmod through that would reach outside.
   */
  async finish(): Promise<void> {
    const { root, policy } = this.ctx;
    for (const { rel, header } of this.pending.reverse()) {
      let handle;
      try {
        const abs = await root.parentsOf(rel, false);
        if (abs === null) continue;
        handle = await open(abs, OPEN_DIRECTORY);
      } catch (err) {
        if (isRefusal(err) || isGone(err)) continue;
        throw err;
      }
      try {
        this.ctx.incomplete(header.name, await applyToHandle(handle, header, entryMode(header, policy), policy));
      } finally {
        await handle.close();
      }
    }
    this.pending.length = 0;
  }
}

/** Replaced since (by a file, a symlink) or removed: nothing of this entry left to finish. */
function isGone(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP';
}
