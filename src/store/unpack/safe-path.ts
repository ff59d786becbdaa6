// Entry names in a layer tar are attacker-controlled (layer.md, "Distributable Format": a layer
// is just a tar archive). Following node-tar's model, confinement is a property of this file:
// a name is normalised lexically and refused if it leaves the root, and every parent directory
// on disk is checked with lstat, component by component, so that nothing is ever written,
// linked or deleted through a symlink, whatever earlier entries (or lower layers) left there.

import { lstat, mkdir, chmod, readdir, rmdir, unlink } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import path from 'node:path';
import { StowageError } from '../../errors/error.js';

/** An entry the extractor refuses: caught per entry and reported in `skipped`, never thrown out of a layer. */
export function refusal(reason: string): StowageError {
  return new StowageError('LAYER_INVALID', reason);
}

export function isRefusal(err: unknown): err is StowageError {
  return err instanceof StowageError && err.code === 'LAYER_INVALID';
}

/**
 * The entry's path relative to the root, `''` for the root itself: leading `./` stripped, empty
 * and `.` components dropped, `..` resolved lexically. Refused: NUL bytes (no syscall can carry
 * them, and they truncate names in C tools), absolute names (even after `./` prefixes: `.//etc`),
 * and `..` that climbs above the root. A `..` that stays inside (`a/../b`) is resolved to `b`
 * here, on the string, so the kernel never walks through `a` (which may be a symlink).
 */
export function normaliseEntryPath(name: string): string {
  if (name.includes('\0')) throw refusal('name contains a NUL byte');
  let rest = name;
  while (rest.startsWith('./')) rest = rest.slice(2);
  if (rest.startsWith('/')) throw refusal('absolute path');
  const parts: string[] = [];
  for (const part of rest.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.length === 0) throw refusal("path escapes the target with '..'");
      parts.pop();
      continue;
    }
    parts.push(part);
  }
  return parts.join('/');
}

/** `a/b/c` → `['a', 'a/b']`: the proper ancestors, the root excluded. */
export function ancestors(rel: string): string[] {
  const parts = rel.split('/');
  const out: string[] = [];
  for (let i = 1; i < parts.length; i++) out.push(parts.slice(0, i).join('/'));
  return out;
}

function errnoCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | null)?.code;
}

/**
 * A directory that entries are confined to. It remembers which relative directories it has
 * verified as real (non-symlink) directories, and forgets them as soon as this object removes or
 * replaces one: the cache can only be as stale as an outside process racing the extraction,
 * which is outside the threat model (the target is ours while we write, as with node-tar).
 */
export class ConfinedRoot {
  private readonly verified = new Set<string>();

  constructor(readonly root: string) {}

  abs(rel: string): string {
    return rel === '' ? this.root : path.join(this.root, rel);
  }

  /**
   * The absolute path of `rel` once every parent is a real directory. With `create`, missing
   * parents are made 0o755 (set explicitly after mkdir, so the umask does not decide); without
   * it a missing parent gives `null` (there is nothing there to touch).
   * A parent that is a symlink or a non-directory refuses the entry.
   */
  async parentsOf(rel: string, create: boolean): Promise<string | null> {
    for (const dir of ancestors(rel)) {
      if (this.verified.has(dir)) continue;
      const abs = this.abs(dir);
      let st: Stats | null = null;
      try {
        st = await lstat(abs);
      } catch (err) {
        if (errnoCode(err) !== 'ENOENT') throw err;
      }
      if (st === null) {
        if (!create) return null;
        await mkdir(abs);
        await chmod(abs, 0o755);
      } else if (st.isSymbolicLink()) {
        throw refusal(`parent ${dir} is a symlink`);
      } else if (!st.isDirectory()) {
        throw refusal(`parent ${dir} is not a directory`);
      }
      this.verified.add(dir);
    }
    return this.abs(rel);
  }

  /** lstat of `rel` itself (never followed), or null when nothing is there. */
  async lstat(rel: string): Promise<Stats | null> {
    try {
      return await lstat(this.abs(rel));
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return null;
      throw err;
    }
  }

  /** Records a directory this extraction just made or checked, keeping the cache ancestor-closed. */
  noteDirectory(rel: string): void {
    const parent = path.posix.dirname(rel);
    if (rel !== '' && (parent === '.' || this.verified.has(parent))) this.verified.add(rel);
  }

  /**
   * Removes whatever is at `rel` (parents already checked): a symlink is unlinked, never
   * followed; a directory is emptied by the same rule, recursively (layer.md, "Changeset over
   * existing files": remove the path, then recreate it). Returns what was there.
   */
  async remove(rel: string): Promise<Stats | null> {
    const st = await this.lstat(rel);
    if (st === null) return null;
    this.forget(rel);
    await removeTree(this.abs(rel), st);
    return st;
  }

  /**
   * The cache is closed under ancestors (directories enter it only through parentsOf, or after
   * it), so if `rel` is not in it neither is anything beneath it. Replacing a verified directory
   * is rare (a layer turning a directory into a file or link, a whiteout): start over then.
   */
  private forget(rel: string): void {
    if (this.verified.has(rel)) this.verified.clear();
  }
}

/** `rm -r` that decides by lstat at every level, so a symlink is only ever unlinked. */
async function removeTree(abs: string, st: Stats): Promise<void> {
  if (!st.isDirectory()) {
    await unlink(abs);
    return;
  }
  for (const name of await readdir(abs)) {
    const child = path.join(abs, name);
    await removeTree(child, await lstat(child));
  }
  await rmdir(abs);
}
