import { isSupportedAlgorithm } from '../../digest/digest.js';
import { isValidRepositoryName } from '../../reference/reference.js';
import type { StorageDriver } from '../../storage/driver.js';
import { REPOSITORIES, ROOT } from '../store/paths.js';
import { listDirectory, type Limit } from './links.js';

export interface FoundRepository {
  name: string;
}

/**
 * Every repository: a directory holding `_layers` or `_manifests` (distribution's catalog counts
 * `_manifests`; one that holds only blobs so far takes space too, as mount-sources.ts counts it).
 * `_`-prefixed directories are never descended into. Listings run concurrently (driver.walk
 * visits one directory at a time, which over 10,000 repositories is most of a second by itself);
 * names that are not valid repository names are skipped, as no request could reach them.
 */
export async function findRepositories(driver: StorageDriver, limit: Limit): Promise<FoundRepository[]> {
  const found: FoundRepository[] = [];
  const visit = async (name: string): Promise<void> => {
    const children = await limit(() => listDirectory(driver, name === '' ? REPOSITORIES : `${REPOSITORIES}/${name}`));
    if (!children) return;
    if (name !== '' && (children.includes('_layers') || children.includes('_manifests'))) {
      found.push({ name });
    }
    await Promise.all(
      children
        .filter((child) => !child.startsWith('_'))
        .map((child) => (name === '' ? child : `${name}/${child}`))
        .filter(isValidRepositoryName)
        .map(visit),
    );
  };
  await visit('');
  return found.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * The digests whose blob directory exists (`blobs/<alg>/<xx>/<hex>`): a few hundred listings
 * for the whole root, so that recorded sizes are only counted while their blob is there
 * (a garbage collection, Stowage's or distribution's, may have removed it since).
 */
export async function presentBlobs(driver: StorageDriver, limit: Limit): Promise<Set<string>> {
  const present = new Set<string>();
  const algorithms = (await listDirectory(driver, `${ROOT}/blobs`)) ?? [];
  await Promise.all(
    algorithms.filter(isSupportedAlgorithm).map(async (algorithm) => {
      const prefixes = (await limit(() => listDirectory(driver, `${ROOT}/blobs/${algorithm}`))) ?? [];
      await Promise.all(
        prefixes.map(async (prefix) => {
          for (const hex of (await limit(() => listDirectory(driver, `${ROOT}/blobs/${algorithm}/${prefix}`))) ?? []) present.add(`${algorithm}:${hex}`);
        }),
      );
    }),
  );
  return present;
}
