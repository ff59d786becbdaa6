import { Digest } from '../digest/digest.js';
import { isStowageError } from '../errors/error.js';
import { parseManifest } from '../oci/manifest.js';
import { exists as pathExists, listNames, readLink } from '../registry/store/links.js';
import { legacyMediaType, referencesOf } from '../registry/store/manifests.js';
import { blobDataPath, manifestsPath, revisionLinkPath, tagCurrentLinkPath, tagsPath } from '../registry/store/paths.js';
import type { StorageDriver } from '../storage/driver.js';
import { createLimiter } from '../transport/limiter.js';

export interface ManifestRow {
  digest: string;
  mediaType: string;
  size: number;
  subject: string | null;
  references: string[];
}

/** A repository's manifests and tags as its storage holds them: what the database's rows for it must say. */
export interface RepositorySnapshot {
  /** It has `_manifests` (distribution's test of a repository, for the catalog). */
  exists: boolean;
  manifests: ManifestRow[];
  tags: { tag: string; digest: string }[];
}

/** Storage reads at once within one repository. */
const CONCURRENCY = 16;

/**
 * Reads a repository from storage without touching anything (no use is recorded: an import
 * does not keep things from a collection). A revision counts when its link names it and its
 * blob is there; a tag when its `current/link` names such a revision (what a GET would serve,
 * as RepositoryTags.list decides).
 */
export async function readRepository(driver: StorageDriver, name: string): Promise<RepositorySnapshot> {
  const limit = createLimiter(CONCURRENCY);
  const revisionsDir = `${manifestsPath(name)}/revisions`;
  const [algorithms, tagNames] = await Promise.all([listNames(driver, revisionsDir), listNames(driver, tagsPath(name))]);
  // `_manifests` as a directory (a prefix on S3): a repository whose last manifest was deleted is still listed.
  const exists = algorithms.length > 0 || tagNames.length > 0 || (await pathExists(driver, manifestsPath(name)));
  const candidates: Digest[] = [];
  for (const algorithm of algorithms) {
    for (const hex of await listNames(driver, `${revisionsDir}/${algorithm}`)) {
      if (Digest.isValid(`${algorithm}:${hex}`)) candidates.push(Digest.parse(`${algorithm}:${hex}`));
    }
  }
  const manifests = (await Promise.all(candidates.map((digest) => limit(() => readRevision(driver, name, digest))))).filter((row) => row !== undefined);
  const held = new Set(manifests.map((row) => row.digest));
  const tags = (
    await Promise.all(
      tagNames.map((tag) =>
        limit(async () => {
          const digest = await readLink(driver, tagCurrentLinkPath(name, tag));
          return digest && held.has(digest.toString()) ? { tag, digest: digest.toString() } : undefined;
        }),
      ),
    )
  ).filter((row) => row !== undefined);
  return { exists, manifests, tags };
}

async function readRevision(driver: StorageDriver, name: string, digest: Digest): Promise<ManifestRow | undefined> {
  const linked = await readLink(driver, revisionLinkPath(name, digest));
  if (!linked?.equals(digest)) return undefined;
  let bytes: Buffer;
  try {
    bytes = await driver.getContent(blobDataPath(digest));
  } catch (err) {
    if (isStowageError(err, 'PATH_NOT_FOUND')) return undefined;
    throw err;
  }
  try {
    const parsed = parseManifest(bytes);
    return {
      digest: digest.toString(),
      mediaType: parsed.mediaType,
      size: bytes.length,
      subject: parsed.subject?.digest ?? null,
      references: referencesOf(parsed),
    };
  } catch {
    // What Stowage would not accept today but an older registry stored (schema 1): served as stored.
    return { digest: digest.toString(), mediaType: legacyMediaType(bytes), size: bytes.length, subject: null, references: [] };
  }
}
