// File attributes from the header (layer.md, "File Attributes": mtime, uid, gid, mode, and the
// xattrs of "Changeset over existing files"). They are applied through an open file descriptor
// where there is one, so no path is resolved again after the checks; for symlinks and device
// nodes, only through the l* calls (and setfattr -h), which never follow.

import { lchown, lutimes } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { timestampToSeconds, type Timestamp } from '../../tar/index.js';
import type { TarHeader } from './tar-entries.js';
import { setXattrs } from './xattrs.js';

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
export function entryMode(header: TarHeader, policy: AttributePolicy): number {
  const mode = header.mode & 0o7777;
  return policy.root ? mode : mode & ~0o6000;
}

/** The last instant a Go time.Duration since the epoch holds: 2262-04-11T23:47:16.854775807Z. */
const MAX_TIME = { seconds: 9_223_372_036, nanoseconds: 854_775_807 };

/**
 * The mtime docker and containerd give a file: the header's, except one before 1970 or after
 * 2262-04-11 becomes the epoch (moby's system.Chtimes, containerd's archive boundTime: "undefined
 * behaviour" of os.Chtimes there). So a 1960 mtime in a layer is 1970-01-01 in `docker export`,
 * in docker's overlay2 directories, and in what Stowage exports and unpacks.
 */
export function boundedMtime(ts: Timestamp): Timestamp {
  const late = ts.seconds > MAX_TIME.seconds || (ts.seconds === MAX_TIME.seconds && ts.nanoseconds > MAX_TIME.nanoseconds);
  return ts.seconds < 0 || late ? { seconds: 0, nanoseconds: 0 } : ts;
}

/**
 * The mtime as node:fs takes it (bounded as above), as close as it can. node:fs takes a double,
 * whose error near today is ~240 ns. libuv up to 1.51 (Node 20, 22) then drops the nanoseconds
 * (uv__fs_to_timespec), so the middle of the wanted microsecond is passed and the time set is
 * the header's truncated to the microsecond; libuv 1.52 (Node 24, 26) keeps them, so the
 * header's own time is passed and the time set is within ~120 ns of it (measured on each).
 */
function fsTime(mtime: Timestamp): string {
  const ts = boundedMtime(mtime);
  if (ts.nanoseconds === 0) return String(ts.seconds);
  const nanoseconds = LIBUV_KEEPS_NANOSECONDS ? ts.nanoseconds : Math.floor(ts.nanoseconds / 1000) * 1000 + 500;
  return String(timestampToSeconds({ seconds: ts.seconds, nanoseconds }));
}

const LIBUV_KEEPS_NANOSECONDS = ((): boolean => {
  const [major = 0, minor = 0] = process.versions.uv.split('.').map(Number);
  return major > 1 || (major === 1 && minor >= 52);
})();

/**
 * Owner, then mode (chown clears set-id bits), then xattrs (chown also clears
 * security.capability), then times. Returns the attributes that could not be set.
 */
export async function applyToHandle(handle: FileHandle, header: TarHeader, mode: number, policy: AttributePolicy): Promise<string[]> {
  if (policy.preserveOwner) await handle.chown(header.uid, header.gid);
  await handle.chmod(mode);
  const failures = header.xattrs.size > 0 ? await setXattrs({ handle }, header.xattrs) : [];
  const mtime = fsTime(header.mtime);
  await handle.utimes(mtime, mtime);
  return failures;
}

/** For a symlink or device node just made at `abs`: owner, xattrs and times without following it. */
export async function applyToLink(abs: string, header: TarHeader, policy: AttributePolicy): Promise<string[]> {
  if (policy.preserveOwner) await lchown(abs, header.uid, header.gid);
  const failures = header.xattrs.size > 0 ? await setXattrs({ symlink: abs }, header.xattrs) : [];
  const mtime = fsTime(header.mtime);
  await lutimes(abs, mtime, mtime);
  return failures;
}
