import type { Digest } from '../../digest/digest.js';
import { isStowageError } from '../../errors/error.js';
import type { StorageDriver } from '../../storage/driver.js';
import { statBlob } from './blobs.js';
import { fileExists } from './links.js';
import { layerLinkPath, REPOSITORIES } from './paths.js';

/**
 * The first repository, in name order, that links `digest` as a blob and that `accept`
 * allows (the caller may pull it): the source of a mount without `from` (spec, "Mounting a
 * blob from another repository": the registry "MAY cross-mount the blob if it can be found").
 * Repositories are found by their `_layers` directory, not the catalog's `_manifests`: a
 * repository that holds only blobs so far is a source too. Blob data no repository links is
 * garbage awaiting collection and is never a source. Walks every repository: opt-in only.
 */
export async function findBlobSource(driver: StorageDriver, digest: Digest, accept: (name: string) => boolean): Promise<string | undefined> {
  try {
    await statBlob(driver, digest);
  } catch (err) {
    if (isStowageError(err, 'BLOB_UNKNOWN')) return undefined;
    throw err;
  }
  const names: string[] = [];
  const prefix = `${REPOSITORIES}/`;
  try {
    await driver.walk(REPOSITORIES, (info) => {
      if (!info.isDirectory) return false;
      const base = info.path.slice(info.path.lastIndexOf('/') + 1);
      if (base === '_layers') names.push(info.path.slice(prefix.length, -'/_layers'.length));
      return !base.startsWith('_');
    });
  } catch (err) {
    if (isStowageError(err, 'PATH_NOT_FOUND')) return undefined;
    throw err;
  }
  for (const name of names.sort()) {
    if (accept(name) && (await fileExists(driver, layerLinkPath(name, digest)))) return name;
  }
  return undefined;
}
