// File attributes from the header (layer.md, "File Attributes": mtime, uid, gid, mode). They are
// applied through an open file descriptor where there is one, so no path is resolved again after
// the checks; for symlinks and device nodes, only through the l* calls, which never follow.

import { lchown, lutimes } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import type { TarHeader } from './tar-entries.js';

export interface AttributePolicy {
  /** Running as root: setuid/setgid bits are kept, devices may be made. */
  root: boolean;
  /** chown to the header's uid/gid (only ever true as root). */
  preserveOwner: boolean;
}

export function attributePolicy(options: { preserveOwner?: boolean }): AttributePolicy {
  const root = process.getuid?.() === 0;
  return { root, preserveOwner: root && (options.preserveOwner ?? true) };
}

/**
 * Permission bits from the header: 0o7777 at most, and without setuid/setgid unless root (an
 * unprivileged user unpacking an image must not end up with set-id files of their own).
 */
export function entryMode(header: TarHeader, fallback: number, policy: AttributePolicy): number {
  const mode = (header.mode ?? fallback) & 0o7777;
  return policy.root ? mode : mode & ~0o6000;
}

export function entryMtime(header: TarHeader): Date {
  return header.mtime instanceof Date && !Number.isNaN(header.mtime.getTime()) ? header.mtime : new Date(0);
}

/** Owner, then mode (chown clears set-id bits, so the order matters), then times. */
export async function applyToHandle(handle: FileHandle, header: TarHeader, mode: number, policy: AttributePolicy): Promise<void> {
  if (policy.preserveOwner) await handle.chown(header.uid ?? 0, header.gid ?? 0);
  await handle.chmod(mode);
  const mtime = entryMtime(header);
  await handle.utimes(mtime, mtime);
}

/** For a symlink or device node just made at `abs`: owner and times without following it. */
export async function applyToLink(abs: string, header: TarHeader, policy: AttributePolicy): Promise<void> {
  if (policy.preserveOwner) await lchown(abs, header.uid ?? 0, header.gid ?? 0);
  const mtime = entryMtime(header);
  await lutimes(abs, mtime, mtime);
}
