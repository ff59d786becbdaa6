import { Digest } from '../../digest/digest.js';
import { isStowageError } from '../../errors/error.js';
import { parseManifest } from '../../oci/manifest.js';
import type { StorageDriver } from '../../storage/driver.js';
import { createLimiter } from '../../transport/limiter.js';
import { listNames, readLink } from '../store/links.js';
import { blobDataPath, manifestsPath, REPOSITORIES, repositoryPath, tagCurrentLinkPath, tagsPath } from '../store/paths.js';
import { rescue, statIfExists } from '../store/quarantine.js';
import { recoverTags } from './tag-quarantine.js';

/** What a manifest points at, as far as keeping things goes. */
export interface References {
  /** Digests to keep as blobs, and whose layer links the repository keeps: config, layers, index entries. */
  blobs: Digest[];
  /** Index entries: manifests kept with their index. */
  children: Digest[];
  subject?: Digest;
}

export interface RevisionScan {
  digest: Digest;
  /** Modification time of the revision link: the last push, or use (quarantine.ts useFile). */
  time: number;
  /** Undefined when the manifest cannot be read as one: then everything the repository links is kept with it. */
  references: References | undefined;
}

export interface TagScan {
  tag: string;
  digest: Digest;
  /** When `current/link` was last written. */
  pushedAt: Date;
}

export interface LinkScan {
  digest: Digest;
  time: number;
}

export interface RepositoryScan {
  name: string;
  tags: TagScan[];
  revisions: Map<string, RevisionScan>;
  layers: Map<string, LinkScan>;
}

/** Parallel storage operations within one repository's scan. */
const CONCURRENCY = 32;

/**
 * Every repository: a directory holding `_manifests` or `_layers` (one that so far holds only
 * uploaded blobs has links to sweep too). `_`-prefixed directories are not descended into.
 */
export async function listRepositories(driver: StorageDriver): Promise<string[]> {
  const names = new Set<string>();
  const prefix = `${REPOSITORIES}/`;
  try {
    await driver.walk(REPOSITORIES, (info) => {
      if (!info.isDirectory) return false;
      const base = info.path.slice(info.path.lastIndexOf('/') + 1);
      if (base === '_manifests' || base === '_layers') names.add(info.path.slice(prefix.length, -base.length - 1));
      return !base.startsWith('_');
    });
  } catch (err) {
    if (isStowageError(err, 'PATH_NOT_FOUND')) return [];
    throw err;
  }
  return [...names].sort();
}

/**
 * Reads one repository: its tags, revisions (with what each references) and layer links.
 * What an interrupted collection left in quarantine here is moved back first: this run
 * decides about it afresh.
 */
export async function scanRepository(driver: StorageDriver, name: string): Promise<RepositoryScan> {
  const limit = createLimiter(CONCURRENCY);
  await recoverTags(driver, name);
  const tagNames = await listNames(driver, tagsPath(name));
  const tags = (
    await Promise.all(
      tagNames.map((tag) =>
        limit(async (): Promise<TagScan | undefined> => {
          const path = tagCurrentLinkPath(name, tag);
          const info = await statIfExists(driver, path);
          const digest = info && (await readLink(driver, path));
          return digest ? { tag, digest, pushedAt: info.modTime } : undefined;
        }),
      ),
    )
  ).filter((tag): tag is TagScan => tag !== undefined);

  const revisions = new Map<string, RevisionScan>();
  for (const link of await scanLinks(driver, `${manifestsPath(name)}/revisions`, limit)) {
    revisions.set(link.digest.toString(), { ...link, references: undefined });
  }
  await Promise.all(
    [...revisions.values()].map((revision) =>
      limit(async () => {
        revision.references = await readReferences(driver, revision.digest);
      }),
    ),
  );
  const layers = new Map<string, LinkScan>();
  for (const link of await scanLinks(driver, `${repositoryPath(name)}/_layers`, limit)) layers.set(link.digest.toString(), link);
  return { name, tags, revisions, layers };
}

/** `<base>/<alg>/<hex>/link` entries whose directory names a digest; a quarantined link is moved back. */
async function scanLinks(driver: StorageDriver, base: string, limit: ReturnType<typeof createLimiter>): Promise<LinkScan[]> {
  const candidates: Digest[] = [];
  for (const algorithm of await listNames(driver, base)) {
    for (const hex of await listNames(driver, `${base}/${algorithm}`)) {
      if (Digest.isValid(`${algorithm}:${hex}`)) candidates.push(Digest.parse(`${algorithm}:${hex}`));
    }
  }
  const links = await Promise.all(
    candidates.map((digest) =>
      limit(async (): Promise<LinkScan | undefined> => {
        const path = `${base}/${digest.algorithm}/${digest.hex}/link`;
        let info = await statIfExists(driver, path);
        if (!info && (await rescue(driver, path))) info = await statIfExists(driver, path);
        return info ? { digest, time: info.modTime.getTime() } : undefined;
      }),
    ),
  );
  return links.filter((link): link is LinkScan => link !== undefined);
}

/** What a stored manifest references; undefined when its blob is missing or is no manifest Stowage can read. */
async function readReferences(driver: StorageDriver, digest: Digest): Promise<References | undefined> {
  let bytes: Buffer;
  try {
    bytes = await driver.getContent(blobDataPath(digest));
  } catch (err) {
    if (!isStowageError(err, 'PATH_NOT_FOUND')) throw err;
    // Its data moved aside by an interrupted run: back, and decided afresh.
    if (!(await rescue(driver, blobDataPath(digest)))) return { blobs: [], children: [] };
    bytes = await driver.getContent(blobDataPath(digest));
  }
  const digests = (descriptors: Array<{ digest: string }>): Digest[] => descriptors.filter((d) => Digest.isValid(d.digest)).map((d) => Digest.parse(d.digest));
  try {
    const parsed = parseManifest(bytes);
    const subject = parsed.subject && Digest.isValid(parsed.subject.digest) ? Digest.parse(parsed.subject.digest) : undefined;
    const children = parsed.kind === 'index' ? digests(parsed.manifests) : [];
    const blobs = parsed.kind === 'index' ? children : digests([...(parsed.config ? [parsed.config] : []), ...parsed.layers]);
    return subject ? { blobs, children, subject } : { blobs, children };
  } catch {
    return schema1References(bytes);
  }
}

/** docker's schema 1 (still stored by old registries): `fsLayers[].blobSum`, as distribution marks them. */
function schema1References(bytes: Buffer): References | undefined {
  try {
    const value = JSON.parse(bytes.toString('utf8')) as { schemaVersion?: unknown; fsLayers?: Array<{ blobSum?: unknown }> };
    if (value.schemaVersion !== 1 || !Array.isArray(value.fsLayers)) return undefined;
    const blobs = value.fsLayers.map((layer) => layer.blobSum).filter((d): d is string => typeof d === 'string' && Digest.isValid(d));
    return { blobs: blobs.map((d) => Digest.parse(d)), children: [] };
  } catch {
    return undefined;
  }
}
