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
  /** When `current/link` was last written (read only when retention needs it, else the epoch). */
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
  /** Layer links by digest; their times are read only for those the sweep may remove. */
  layers: Map<string, Digest>;
}

export interface ScanOptions {
  /** Look for what an interrupted run left in quarantine, and move it back (lock.ts `recover`). */
  recover: boolean;
  /** Read when each tag was pushed (retention needs it). */
  tagTimes: boolean;
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
export async function scanRepository(driver: StorageDriver, name: string, options: ScanOptions): Promise<RepositoryScan> {
  const limit = createLimiter(CONCURRENCY);
  if (options.recover) await recoverTags(driver, name);
  const tagNames = await listNames(driver, tagsPath(name));
  const tags = (
    await Promise.all(
      tagNames.map((tag) =>
        limit(async (): Promise<TagScan | undefined> => {
          const path = tagCurrentLinkPath(name, tag);
          const info = options.tagTimes ? await statIfExists(driver, path) : undefined;
          if (options.tagTimes && !info) return undefined;
          const digest = await readLink(driver, path);
          return digest ? { tag, digest, pushedAt: info?.modTime ?? new Date(0) } : undefined;
        }),
      ),
    )
  ).filter((tag): tag is TagScan => tag !== undefined);

  const revisions = new Map<string, RevisionScan>();
  for (const link of await scanLinks(driver, `${manifestsPath(name)}/revisions`, limit, options.recover)) {
    revisions.set(link.digest.toString(), { ...link, references: undefined });
  }
  await Promise.all(
    [...revisions.values()].map((revision) =>
      limit(async () => {
        revision.references = await readReferences(driver, revision.digest, options.recover);
      }),
    ),
  );
  const layers = new Map<string, Digest>();
  if (options.recover) {
    for (const link of await scanLinks(driver, `${repositoryPath(name)}/_layers`, limit, true)) layers.set(link.digest.toString(), link.digest);
  } else {
    for (const digest of await linkDirectories(driver, `${repositoryPath(name)}/_layers`)) layers.set(digest.toString(), digest);
  }
  return { name, tags, revisions, layers };
}

/** Digests named by `<base>/<alg>/<hex>` directories. */
async function linkDirectories(driver: StorageDriver, base: string): Promise<Digest[]> {
  const digests: Digest[] = [];
  for (const algorithm of await listNames(driver, base)) {
    for (const hex of await listNames(driver, `${base}/${algorithm}`)) {
      if (Digest.isValid(`${algorithm}:${hex}`)) digests.push(Digest.parse(`${algorithm}:${hex}`));
    }
  }
  return digests;
}

/** `<base>/<alg>/<hex>/link` entries whose directory names a digest, with their times; when recovering, a quarantined link is moved back. */
async function scanLinks(driver: StorageDriver, base: string, limit: ReturnType<typeof createLimiter>, recover: boolean): Promise<LinkScan[]> {
  const candidates = await linkDirectories(driver, base);
  const links = await Promise.all(
    candidates.map((digest) =>
      limit(async (): Promise<LinkScan | undefined> => {
        const path = `${base}/${digest.algorithm}/${digest.hex}/link`;
        let info = await statIfExists(driver, path);
        if (!info && recover && (await rescue(driver, path))) info = await statIfExists(driver, path);
        return info ? { digest, time: info.modTime.getTime() } : undefined;
      }),
    ),
  );
  return links.filter((link): link is LinkScan => link !== undefined);
}

/** What a stored manifest references; undefined when its blob is missing or is no manifest Stowage can read. */
async function readReferences(driver: StorageDriver, digest: Digest, recover: boolean): Promise<References | undefined> {
  let bytes: Buffer;
  try {
    bytes = await driver.getContent(blobDataPath(digest));
  } catch (err) {
    if (!isStowageError(err, 'PATH_NOT_FOUND')) throw err;
    // Its data moved aside by an interrupted run: back, and decided afresh.
    if (!recover || !(await rescue(driver, blobDataPath(digest)))) return { blobs: [], children: [] };
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
