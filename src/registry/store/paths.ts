import { createHash } from 'node:crypto';
import type { Digest } from '../../digest/digest.js';
import { TEMP_PREFIX } from '../../storage/path.js';

/**
 * The whole on-disk layout of the registry, in one place, as CNCF distribution's
 * registry/storage/paths.go defines it, so that a root written by `registry:2` is served by
 * Stowage unchanged and the other way round:
 *
 *   /docker/registry/v2/blobs/<alg>/<hex[0:2]>/<hex>/data
 *   /docker/registry/v2/repositories/<name>/_layers/<alg>/<hex>/link
 *   /docker/registry/v2/repositories/<name>/_manifests/revisions/<alg>/<hex>/link
 *   /docker/registry/v2/repositories/<name>/_manifests/tags/<tag>/current/link
 *   /docker/registry/v2/repositories/<name>/_manifests/tags/<tag>/index/<alg>/<hex>/link
 *   /docker/registry/v2/repositories/<name>/_uploads/<uuid>/{data,startedat}
 *
 * One addition of Stowage's own, which distribution skips because its name starts with `_`
 * (its catalog walk ignores such directories):
 *
 *   /docker/registry/v2/repositories/<name>/_referrers/<alg>/<subject hex>/<alg>/<hex>/link
 *
 * A new tag is assembled under a hidden name beside `tags/` and renamed into place (tags.ts),
 * so that neither registry ever lists a tag whose links are not all written:
 *
 *   /docker/registry/v2/repositories/<name>/_manifests/.stowage-tmp-tag-<random>/{current,index}/...
 *
 * Callers pass names, tags and digests that are already validated; the driver checks every
 * path component again.
 */
export const ROOT = '/docker/registry/v2';
export const REPOSITORIES = `${ROOT}/repositories`;

export function blobDataPath(digest: Digest): string {
  return `${ROOT}/blobs/${digest.algorithm}/${digest.hex.slice(0, 2)}/${digest.hex}/data`;
}

export function repositoryPath(name: string): string {
  return `${REPOSITORIES}/${name}`;
}

export function layerPath(name: string, digest: Digest): string {
  return `${repositoryPath(name)}/_layers/${digest.algorithm}/${digest.hex}`;
}

export function layerLinkPath(name: string, digest: Digest): string {
  return `${layerPath(name, digest)}/link`;
}

export function manifestsPath(name: string): string {
  return `${repositoryPath(name)}/_manifests`;
}

export function revisionPath(name: string, digest: Digest): string {
  return `${manifestsPath(name)}/revisions/${digest.algorithm}/${digest.hex}`;
}

export function revisionLinkPath(name: string, digest: Digest): string {
  return `${revisionPath(name, digest)}/link`;
}

export function tagsPath(name: string): string {
  return `${manifestsPath(name)}/tags`;
}

export function tagPath(name: string, tag: string): string {
  return `${tagsPath(name)}/${tag}`;
}

export function tagCurrentLinkPath(name: string, tag: string): string {
  return `${tagPath(name, tag)}/current/link`;
}

export function tagIndexLinkPath(name: string, tag: string, digest: Digest): string {
  return `${tagPath(name, tag)}/index/${digest.algorithm}/${digest.hex}/link`;
}

/** A new tag's links before the rename that makes it a tag (hidden from list and walk by TEMP_PREFIX). */
export function tagStagingPath(name: string, id: string): string {
  return `${manifestsPath(name)}/${TEMP_PREFIX}tag-${id}`;
}

export function uploadPath(name: string, uuid: string): string {
  return `${repositoryPath(name)}/_uploads/${uuid}`;
}

export function uploadDataPath(name: string, uuid: string): string {
  return `${uploadPath(name, uuid)}/data`;
}

export function uploadStartedAtPath(name: string, uuid: string): string {
  return `${uploadPath(name, uuid)}/startedat`;
}

export function referrersPath(name: string, subject: Digest): string {
  return `${repositoryPath(name)}/_referrers/${subject.algorithm}/${subject.hex}`;
}

export function referrerPath(name: string, subject: Digest, referrer: Digest): string {
  return `${referrersPath(name, subject)}/${referrer.algorithm}/${referrer.hex}`;
}

export function referrerLinkPath(name: string, subject: Digest, referrer: Digest): string {
  return `${referrerPath(name, subject, referrer)}/link`;
}

/**
 * Stowage's usage bookkeeping (src/registry/usage/usage-index.ts), under a `_` directory at the
 * top of `repositories/`, which distribution's catalog walk (and Stowage's) skips: the index
 * of every repository's linked blobs, and one marker per repository changed since it was built.
 */
export const USAGE_DIR = `${REPOSITORIES}/_stowage`;
export const USAGE_INDEX = `${USAGE_DIR}/usage.json`;
export const USAGE_CHANGED = `${USAGE_DIR}/changed`;

/** Which database indexes this storage (src/database/binding.ts): its id, so a database never serves another storage's metadata. */
export const DATABASE_MARKER = `${USAGE_DIR}/database.json`;

/** A repository's change marker, named by a hash of its name (a name may hold `/` and be 255 characters). */
export function usageChangedPath(name: string): string {
  return `${USAGE_CHANGED}/${createHash('sha256').update(name).digest('hex')}`;
}
