// Applying one layer changeset to a directory holding the layers below it (layer.md, "Applying
// Changesets"). Entries are judged one at a time: a refused entry is recorded in `skipped` and
// the rest of the layer still applies; only an unreadable archive or a failing disk throws.

import { mkdir, realpath } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { attributePolicy } from './attributes.js';
import { DirectoryWriter } from './directories.js';
import { ConfinedRoot, isRefusal, normaliseEntryPath, refusal } from './safe-path.js';
import { hasEscapedBytes } from '../../tar/index.js';
import { drain, readTarEntries, type TarEntry, type TarHeader } from './tar-entries.js';
import { applyWhiteout, LayerPaths, parseWhiteout } from './whiteouts.js';
import { writeDevice, writeFile, writeHardlink, writeSymlink, type WriteContext } from './write-entry.js';

export interface ApplyOptions {
  /** Keep whiteout files as they are (`.wh.x`, for an unpacked single-layer diff dir like overlay2's) instead of applying them. Default false. */
  keepWhiteouts?: boolean;
  /** Create device nodes / fifos (only honoured when running as root). Default false: such entries are skipped and counted. */
  devices?: boolean;
  /** Preserve ownership (only as root). Default: process.getuid() === 0. */
  preserveOwner?: boolean;
}

export interface ApplyResult {
  files: number;
  directories: number;
  symlinks: number;
  hardlinks: number;
  whiteouts: number;
  skipped: Array<{ path: string; reason: string }>;
  bytes: number;
}

export function emptyApplyResult(): ApplyResult {
  return { files: 0, directories: 0, symlinks: 0, hardlinks: 0, whiteouts: 0, skipped: [], bytes: 0 };
}

/**
 * Failures that belong to one entry's shape (a name too long for the filesystem, a parent that a
 * later entry turned into a file, a link whose target went away): skipped like a refusal.
 * Anything else (ENOSPC, EIO, EACCES) is the disk's problem and aborts the layer.
 */
const ENTRY_ERRORS = new Set(['ENAMETOOLONG', 'ENOTDIR', 'EISDIR', 'ELOOP', 'EEXIST', 'ENOENT', 'EINVAL', 'EMLINK', 'EXDEV']);

/** Applies one uncompressed layer tar to `target` (which holds the lower layers already). */
export async function applyLayer(tar: Readable, target: string, options: ApplyOptions = {}): Promise<ApplyResult> {
  await mkdir(target, { recursive: true });
  const policy = attributePolicy(options);
  const result = emptyApplyResult();
  const ctx: WriteContext = {
    root: new ConfinedRoot(await realpath(target)),
    policy,
    devices: options.devices === true && policy.root,
    incomplete: (name, reasons) => {
      for (const reason of reasons) result.skipped.push({ path: name, reason });
    },
  };
  const directories = new DirectoryWriter(ctx);
  const current = new LayerPaths();

  for await (const entry of readTarEntries(tar)) {
    const header = entry.header;
    if (header.type === 'pax-global-header') continue; // records for no entry in particular (see src/tar)
    try {
      await applyEntry(header, entry);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException | null)?.code;
      if (isRefusal(err)) result.skipped.push({ path: header.name, reason: err.message });
      else if (code !== undefined && ENTRY_ERRORS.has(code)) result.skipped.push({ path: header.name, reason: `${code}: ${(err as Error).message}` });
      else throw err;
    } finally {
      await drain(entry); // whatever the entry's fate, the archive moves on (a no-op once read)
    }
  }
  await directories.finish();
  return result;

  async function applyEntry(header: TarHeader, entry: TarEntry): Promise<void> {
    // Names that are not UTF-8 are kept as bytes by src/tar, but node:fs takes paths as UTF-8 strings.
    if (hasEscapedBytes(header.name) || hasEscapedBytes(header.linkname)) throw refusal('name or link target is not valid UTF-8');
    const rel = normaliseEntryPath(header.name);
    const whiteout = parseWhiteout(rel);
    if (whiteout !== null) {
      result.whiteouts++;
      if (!options.keepWhiteouts) {
        await applyWhiteout(ctx.root, whiteout, current);
        return;
      }
      // Kept as a plain empty file, for a diff directory that is itself a layer's contents.
      await writeFile(ctx, rel, header, entry);
      current.add(rel);
      return;
    }
    if (rel === '') {
      // `./` itself: the target's own attributes stay the caller's.
      if (header.type === 'directory') return;
      throw refusal('entry names the target itself');
    }
    switch (header.type) {
      case 'file':
      case 'contiguous-file':
        result.bytes += await writeFile(ctx, rel, header, entry);
        result.files++;
        break;
      case 'directory':
        await directories.write(rel, header);
        result.directories++;
        break;
      case 'symlink':
        await writeSymlink(ctx, rel, header);
        result.symlinks++;
        break;
      case 'link':
        await writeHardlink(ctx, rel, header);
        result.hardlinks++;
        break;
      case 'character-device':
      case 'block-device':
      case 'fifo':
        if (!ctx.devices) {
          skip(header, `${header.type} not created (${policy.root ? 'devices option off' : 'not running as root'})`);
          return;
        }
        await writeDevice(ctx, rel, header);
        result.files++;
        break;
      default:
        skip(header, `unsupported entry type ${String(header.type)}`);
        return;
    }
    current.add(rel);
  }

  function skip(header: TarHeader, reason: string): void {
    result.skipped.push({ path: header.name, reason });
  }
}
