// Extended attributes from a layer's pax records (SCHILY.xattr.*), put on the files unpacked,
// every namespace the layer carries, as moby's archive.createTarFile applies them (unprivileged,
// the kernel refuses security.* and trusted.*, and the entry is reported). What images carry is
// security.capability (file capabilities: `ping` without them cannot open its raw socket) and user.*.
//
// Node has no setxattr(2), so setfattr(1) (Debian package `attr`) sets them. A native addon was
// the other way (fs-xattr builds with node-gyp at install, @napi-rs/xattr ships a binary per
// platform): either makes every install of Stowage carry a native module for a few files of a
// few images, and neither sets attributes through a file descriptor. setfattr is given
// /proc/<our pid>/fd/<fd> of the file we created and checked, so it acts on exactly that inode,
// whatever happens to the path meanwhile; a symlink (no descriptor to open) gets `-h` on its
// path, whose parents were checked just before. One process per attribute: images carry a
// handful of them.

import { execFile } from 'node:child_process';
import type { FileHandle } from 'node:fs/promises';

/** Where an attribute goes: an open file or directory, or a symlink's path (never followed). */
export type XattrTarget = { handle: FileHandle } | { symlink: string };

/** Sets every attribute; returns one line per attribute that could not be set (the entry is then reported, not lost). */
export async function setXattrs(target: XattrTarget, xattrs: Map<string, Buffer>): Promise<string[]> {
  const failures: string[] = [];
  for (const [name, value] of xattrs) {
    const failure = await setXattr(target, name, value);
    if (failure !== null) failures.push(`extended attribute ${name} not set: ${failure}`);
  }
  return failures;
}

function setXattr(target: XattrTarget, name: string, value: Buffer): Promise<string | null> {
  const path = 'handle' in target ? `/proc/${process.pid}/fd/${target.handle.fd}` : target.symlink;
  // `0s` + base64: setfattr's encoding for binary values (a capability has NULs in it).
  const args = ['handle' in target ? [] : ['-h'], ['-n', name, '-v', `0s${value.toString('base64')}`, '--', path]].flat();
  return new Promise((resolve) => {
    execFile('setfattr', args, (err, _stdout, stderr) => {
      if (err === null) resolve(null);
      else if ((err as NodeJS.ErrnoException).code === 'ENOENT') resolve('setfattr not found (install the attr package)');
      else resolve(stderr.trim().replace(/^setfattr: [^:]*: /, '') || err.message);
    });
  });
}
