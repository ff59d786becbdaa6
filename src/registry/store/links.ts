import { Digest } from '../../digest/digest.js';
import { isStowageError } from '../../errors/error.js';
import type { StorageDriver } from '../../storage/driver.js';
import { statIfExists } from './quarantine.js';

/**
 * A link file holds a digest as text (distribution writes it without a newline). Undefined
 * when it is missing, or does not hold a digest: distribution's filesystem driver wrote links
 * in place before 3.0 (3.0 renames a temporary file), so a crash can leave one empty or cut
 * short, and such a link names nothing.
 */
export async function readLink(driver: StorageDriver, path: string): Promise<Digest | undefined> {
  let content: Buffer;
  try {
    content = await driver.getContent(path);
  } catch (err) {
    if (isStowageError(err, 'PATH_NOT_FOUND')) return undefined;
    throw err;
  }
  const text = content.toString('utf8').trim();
  return Digest.isValid(text) ? Digest.parse(text) : undefined;
}

export async function writeLink(driver: StorageDriver, path: string, digest: Digest): Promise<void> {
  await driver.putContent(path, Buffer.from(digest.toString(), 'utf8'));
}

/** Whether a file or a directory is at `path` (on an object store, a prefix some key has). */
export async function exists(driver: StorageDriver, path: string): Promise<boolean> {
  try {
    await driver.stat(path);
    return true;
  } catch (err) {
    if (isStowageError(err, 'PATH_NOT_FOUND')) return false;
    throw err;
  }
}

/** Whether a file (a link, a marker, blob data) is at `path`: one request on an object store (statFile). */
export async function fileExists(driver: StorageDriver, path: string): Promise<boolean> {
  return (await statIfExists(driver, path)) !== undefined;
}

/** Deletes a path, treating "already gone" as success: deletions race with each other. */
export async function deleteIfExists(driver: StorageDriver, path: string): Promise<boolean> {
  try {
    await driver.delete(path);
    return true;
  } catch (err) {
    if (isStowageError(err, 'PATH_NOT_FOUND')) return false;
    throw err;
  }
}

/** Lists a directory's child names, or [] when it does not exist. */
export async function listNames(driver: StorageDriver, path: string): Promise<string[]> {
  try {
    const children = await driver.list(path);
    return children.map((child) => child.slice(child.lastIndexOf('/') + 1));
  } catch (err) {
    if (isStowageError(err, 'PATH_NOT_FOUND')) return [];
    throw err;
  }
}
