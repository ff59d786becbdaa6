import { isStowageError } from '../../errors/error.js';
import type { FileInfo, StorageDriver } from '../../storage/driver.js';
import { TEMP_PREFIX } from '../../storage/path.js';
import { deleteIfExists, listNames, readLink } from './links.js';
import { ROOT } from './paths.js';
import { QUARANTINE_PREFIX } from './quarantine.js';

/**
 * How old a crash's leftover must be before the sweep removes it. The entries it judges live
 * for moments when all is well: a temporary file is written, fsync'ed and renamed in one call,
 * a new tag's staging directory likewise, and an empty blob directory is made just before the
 * rename that fills it. Another `stowage serve` on the same root (or this one) may be in the
 * middle of exactly that, so nothing is removed by name alone: an hour is far beyond any of
 * those moments (a doomed tree still being removed by its own delete may be old, but removing
 * it twice is harmless).
 */
export const LEFTOVER_AGE_MS = 60 * 60 * 1000;

export interface LeftoverSweep {
  /** Temporary entries (`.stowage-tmp-*`: a file being written, a new tag, a tree being deleted) removed. */
  temporary: number;
  /** Blob directories (`blobs/<alg>/<xx>/<hex>/`) without `data` removed. */
  emptyBlobDirectories: number;
  /** Tag directories without a `current/link` that holds a digest removed. */
  brokenTags: number;
}

/**
 * Removes what a crash or a full disk left under the storage root, when last changed before
 * `olderThan`: temporary entries anywhere but garbage collection's quarantine (list and walk hide them, so they are invisible
 * but hold space), and blob directories that hold no `data` (a move that made the directory
 * and never renamed into it), and tag directories without a `current/link` that holds a
 * digest (distribution writes a new tag's index entry before `current/link`, and before 3.0 links in
 * place, so its crash can leave either). None of these is listed or served by Stowage;
 * distribution lists tag directories as they are, so removing them keeps both registries
 * in step on a shared root. A tag whose link names a missing manifest is kept: that is damage
 * (a copy cut short) that restoring the manifest repairs, not a crash's leftover.
 */
export async function sweepLeftovers(driver: StorageDriver, olderThan: Date): Promise<LeftoverSweep> {
  const stale = (info: FileInfo): boolean => info.modTime.getTime() < olderThan.getTime();
  const temporary: string[] = [];
  const emptyBlobDirectories: string[] = [];
  const tagDirectories: string[] = [];
  // The blob directory being visited, while no entry of its own has been seen in it.
  let candidate: string | undefined;
  const settle = (path: string | undefined): void => {
    if (candidate !== undefined && (path === undefined || !path.startsWith(`${candidate}/`))) {
      emptyBlobDirectories.push(candidate);
      candidate = undefined;
    }
  };
  try {
    await driver.walk(
      '/',
      (info) => {
        settle(info.path);
        const base = info.path.slice(info.path.lastIndexOf('/') + 1);
        // Garbage collection's quarantine is its own to finish: a crash can leave a blob there that
        // a manifest pushed since references (and readers rescue), so age alone proves nothing.
        if (base.startsWith(QUARANTINE_PREFIX)) {
          candidate = undefined;
          return false;
        }
        if (base.startsWith(TEMP_PREFIX)) {
          if (stale(info)) temporary.push(info.path);
          // A fresh one may still become the blob's data: the directory is in use.
          else if (candidate !== undefined) candidate = undefined;
          return false;
        }
        if (candidate !== undefined) candidate = undefined;
        if (info.isDirectory && isBlobDirectory(info.path) && stale(info)) candidate = info.path;
        if (info.isDirectory && isTagDirectory(info.path) && stale(info)) tagDirectories.push(info.path);
        return true;
      },
      { temporary: true },
    );
  } catch (err) {
    if (isStowageError(err, 'PATH_NOT_FOUND')) return { temporary: 0, emptyBlobDirectories: 0, brokenTags: 0 };
    throw err;
  }
  settle(undefined);
  let removedTemporary = 0;
  for (const path of temporary) if (await deleteIfExists(driver, path)) removedTemporary++;
  let removedDirectories = 0;
  for (const path of emptyBlobDirectories) {
    // Checked again just before: a blob may have arrived since the walk passed.
    if ((await listNames(driver, path)).length === 0 && (await deleteIfExists(driver, path))) removedDirectories++;
  }
  let brokenTags = 0;
  for (const path of tagDirectories) if (await removeIfBroken(driver, path, stale)) brokenTags++;
  return { temporary: removedTemporary, emptyBlobDirectories: removedDirectories, brokenTags };
}

/** Removes a tag directory whose `current/link` is missing or holds no digest, and is not being written now. */
async function removeIfBroken(driver: StorageDriver, path: string, stale: (info: FileInfo) => boolean): Promise<boolean> {
  const link = `${path}/current/link`;
  if (await readLink(driver, link)) return false;
  // A link written in place (distribution before 3.0) may be in the middle of its write: judged by its own age.
  try {
    if (!stale(await driver.stat(link))) return false;
  } catch (err) {
    if (!isStowageError(err, 'PATH_NOT_FOUND')) throw err;
  }
  return deleteIfExists(driver, path);
}

const BLOBS = `${ROOT}/blobs/`;

/** `…/repositories/<name>/_manifests/tags/<tag>`: repository names never have a `_` component. */
function isTagDirectory(path: string): boolean {
  const at = path.lastIndexOf('/_manifests/tags/');
  return at !== -1 && path.startsWith(`${ROOT}/repositories/`) && !path.slice(at + '/_manifests/tags/'.length).includes('/');
}

/** `/docker/registry/v2/blobs/<alg>/<xx>/<hex>`: where a blob's `data` lives. */
function isBlobDirectory(path: string): boolean {
  return path.startsWith(BLOBS) && path.slice(BLOBS.length).split('/').length === 3;
}
