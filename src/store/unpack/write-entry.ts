// Putting one non-directory entry on disk. Every writer starts from ConfinedRoot.parentsOf (no
// symlinked parent) and removes whatever is at the path first (layer.md, "Changeset over existing
// files": unlink, then recreate), which also means an existing symlink or hard link at the path
// is replaced, never written through. Files are opened O_EXCL|O_NOFOLLOW as a second guard.

import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { link, open, symlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { promisify } from 'node:util';
import { applyToHandle, applyToLink, entryMode, type AttributePolicy } from './attributes.js';
import { normaliseEntryPath, refusal, type ConfinedRoot } from './safe-path.js';
import type { TarEntry, TarHeader } from './tar-entries.js';

export interface WriteContext {
  root: ConfinedRoot;
  policy: AttributePolicy;
  /** Make device nodes and fifos (ApplyOptions.devices, and root). */
  devices: boolean;
  /** An entry written without some of its attributes (an xattr the filesystem or our privileges refuse). */
  incomplete(name: string, reasons: string[]): void;
}

const CREATE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/** A regular file, its data streamed chunk by chunk to disk. Returns the bytes written. */
export async function writeFile(ctx: WriteContext, rel: string, header: TarHeader, data: TarEntry): Promise<number> {
  const abs = await placeFor(ctx, rel);
  const handle = await open(abs, CREATE_FLAGS, 0o600);
  let bytes = 0;
  try {
    // A failed write must not abandon the entry's stream half-read (that would destroy the
    // whole archive's stream): keep draining, then report the first failure.
    let failure: unknown = null;
    for await (const chunk of data) {
      if (failure !== null) continue;
      try {
        await writeAll(handle, chunk as Buffer);
        bytes += (chunk as Buffer).length;
      } catch (err) {
        failure = err;
      }
    }
    if (failure !== null) throw failure;
    ctx.incomplete(header.name, await applyToHandle(handle, header, entryMode(header, ctx.policy), ctx.policy));
  } finally {
    await handle.close();
  }
  return bytes;
}

async function writeAll(handle: FileHandle, chunk: Buffer): Promise<void> {
  let offset = 0;
  while (offset < chunk.length) {
    const { bytesWritten } = await handle.write(chunk, offset, chunk.length - offset);
    offset += bytesWritten;
  }
}

/** A symlink is data: it may point anywhere, it is only never followed by later entries. */
export async function writeSymlink(ctx: WriteContext, rel: string, header: TarHeader): Promise<void> {
  const target = header.linkname;
  if (target === '') throw refusal('symlink without a target');
  if (target.includes('\0')) throw refusal('symlink target contains a NUL byte');
  const abs = await placeFor(ctx, rel);
  await symlink(target, abs);
  ctx.incomplete(header.name, await applyToLink(abs, header, ctx.policy));
}

/**
 * A hard link names another entry of the archive (or a file a lower layer left): the same
 * normalisation and parent checks confine it, and it must be an existing non-directory that is
 * not a symlink (POSIX leaves open whether link(2) follows one; Linux does not, but a link
 * to a link to outside is refused rather than left to that detail). The link shares the
 * target's inode, so no attributes are applied (they would change the target too).
 */
export async function writeHardlink(ctx: WriteContext, rel: string, header: TarHeader): Promise<void> {
  let targetRel: string;
  try {
    targetRel = normaliseEntryPath(header.linkname);
  } catch (err) {
    throw refusal(`hard link target: ${(err as Error).message}`);
  }
  if (targetRel === '') throw refusal('hard link to the root');
  if (targetRel === rel) throw refusal('hard link to itself');
  const targetAbs = await ctx.root.parentsOf(targetRel, false);
  const st = targetAbs === null ? null : await ctx.root.lstat(targetRel);
  if (targetAbs === null || st === null) throw refusal(`hard link target ${targetRel} does not exist`);
  if (st.isSymbolicLink()) throw refusal(`hard link target ${targetRel} is a symlink`);
  if (st.isDirectory()) throw refusal(`hard link target ${targetRel} is a directory`);
  if (rel.startsWith(`${targetRel}/`) || targetRel.startsWith(`${rel}/`)) throw refusal('hard link inside its own target');
  const abs = await placeFor(ctx, rel);
  await link(targetAbs, abs);
}

const execFileAsync = promisify(execFile);

/**
 * Device nodes and fifos, only when asked and root (Node has no mknod(2), so mknod(1) makes them;
 * the path it gets has been checked like any other). Otherwise the caller skips them.
 */
export async function writeDevice(ctx: WriteContext, rel: string, header: TarHeader): Promise<void> {
  const abs = await placeFor(ctx, rel);
  const mode = entryMode(header, ctx.policy).toString(8);
  const args =
    header.type === 'fifo'
      ? ['-m', mode, '--', abs, 'p']
      : ['-m', mode, '--', abs, header.type === 'block-device' ? 'b' : 'c', String(header.devmajor), String(header.devminor)];
  await execFileAsync('mknod', args);
  ctx.incomplete(header.name, await applyToLink(abs, header, ctx.policy));
}

/** Parents checked (and made), then whatever was at the path removed: a free name to create. */
async function placeFor(ctx: WriteContext, rel: string): Promise<string> {
  const abs = await ctx.root.parentsOf(rel, true);
  if (abs === null) throw refusal('parent directory missing'); // unreachable with create
  await ctx.root.remove(rel);
  return abs;
}
