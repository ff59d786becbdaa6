import { Digest } from '../../digest/digest.js';
import { StowageError, isStowageError } from '../../errors/error.js';
import { parseManifest, type ParsedManifest } from '../../oci/manifest.js';
import { checkRepositoryName, checkTag } from '../../reference/reference.js';
import type { StorageDriver } from '../../storage/driver.js';
import { listNames, readLink } from '../store/links.js';
import type { ManifestReference } from '../store/manifests.js';
import { blobDataPath, manifestsPath, revisionLinkPath, tagCurrentLinkPath } from '../store/paths.js';
import { statIfExists } from '../store/quarantine.js';
import type { RegistryStore } from '../store/registry.js';
import type { ProxyCache } from './cache.js';
import type { ProxyTarget } from './routing.js';

/**
 * `stowage registry cache ls|rm` (and warm.ts's routing of an IMAGE), over the registry's store
 * and its proxy configuration (a ProxyCache built from it: its router says which repositories
 * are cached). Listing reads links and blobs straight from the driver: loading a manifest
 * through the store counts as a pull (it touches the revision link), and `ls` must not renew
 * what it reports.
 */

/** One cached image: a tag, or a manifest no tag (and no tagged index) reaches. */
export interface CachedImage {
  /** The repository in this registry's storage: `docker.io/library/alpine`. */
  repository: string;
  /** Absent for an untagged manifest. */
  tag?: string;
  digest: string;
  mediaType: string;
  /** The upstream's host (`docker.io`; the remote URL's host in distribution's `proxy:` form). */
  upstream: string;
  /** When a client last pulled the manifest (its revision link's time), ISO 8601. */
  lastPulled?: string;
  /** The manifest, and the blobs (and, for an index, the child manifests and their blobs) the store has, each once. */
  size: number;
}

/** An IMAGE argument: `docker.io/library/alpine`, `…:3`, `…@sha256:…` (tag and digest: the digest decides). */
export interface ImageRef {
  name: string;
  tag?: string;
  digest?: Digest;
}

export function parseImage(image: string): ImageRef {
  const at = image.indexOf('@');
  let name = at === -1 ? image : image.slice(0, at);
  const digest = at === -1 ? undefined : Digest.parse(image.slice(at + 1));
  let tag: string | undefined;
  const colon = name.lastIndexOf(':');
  if (colon > name.lastIndexOf('/')) {
    tag = name.slice(colon + 1);
    name = name.slice(0, colon);
    checkTag(tag);
  }
  checkRepositoryName(name);
  return { name, ...(tag !== undefined ? { tag } : {}), ...(digest ? { digest } : {}) };
}

/**
 * The cached repository an IMAGE names, routed as a client's pull would be (`docker.io/alpine`
 * and, with a docker.io default, `alpine` are `docker.io/library/alpine`).
 */
export async function cachedTarget(cache: ProxyCache, name: string): Promise<ProxyTarget> {
  let target: ProxyTarget | undefined;
  // `quay.io/org/app` names a registry: with no upstream for it, it is not cached, whatever the
  // default upstream would make of the name (`docker.io/quay.io/org/app`: nobody pulls that).
  const slash = name.indexOf('/');
  const host = slash === -1 ? undefined : name.slice(0, slash);
  try {
    const hostLike = host !== undefined && (/[.:]/.test(host) || host === 'localhost');
    if (!hostLike || cache.router.upstreamOf(name)) target = await cache.resolve(name, new URLSearchParams());
  } catch (err) {
    if (!isStowageError(err, 'NAME_UNKNOWN')) throw err;
  }
  if (!target) {
    const hosts = cache.router.upstreams.map((upstream) => upstream.name).join(', ');
    throw new StowageError('NAME_UNKNOWN', `${name} is not a cached repository: no upstream is configured for it (upstreams: ${hosts || 'none'})`, { name });
  }
  return target;
}

/** Every cached image, or those of one repository (an IMAGE's name), sorted by repository then tag (untagged last). */
export async function listCached(store: RegistryStore, cache: ProxyCache, options: { repository?: string } = {}): Promise<CachedImage[]> {
  const names = options.repository !== undefined ? [(await cachedTarget(cache, options.repository)).local] : await store.catalog();
  const images: CachedImage[] = [];
  for (const name of names) {
    const upstream = cache.router.upstreamOf(name);
    if (upstream) images.push(...(await repositoryImages(store.driver, name, upstream.name)));
  }
  return images;
}

async function repositoryImages(driver: StorageDriver, name: string, upstream: string): Promise<CachedImage[]> {
  const manifests = new Map<string, ParsedManifest | undefined>();
  const read = async (digest: Digest): Promise<ParsedManifest | undefined> => {
    const key = digest.toString();
    if (!manifests.has(key)) manifests.set(key, await readManifest(driver, digest));
    return manifests.get(key);
  };
  const image = async (digest: Digest, tag: string | undefined): Promise<CachedImage | undefined> => {
    const revision = await statIfExists(driver, revisionLinkPath(name, digest));
    const parsed = await read(digest);
    if (!revision || !(await statIfExists(driver, blobDataPath(digest)))) return undefined;
    return {
      repository: name,
      ...(tag !== undefined ? { tag } : {}),
      digest: digest.toString(),
      mediaType: parsed?.mediaType ?? 'unknown',
      upstream,
      lastPulled: revision.modTime.toISOString(),
      size: await imageSize(driver, name, digest, read),
    };
  };

  const rows: CachedImage[] = [];
  const reached = new Set<string>();
  for (const tag of (await listNames(driver, `${manifestsPath(name)}/tags`)).sort()) {
    const digest = await readLink(driver, tagCurrentLinkPath(name, tag));
    const row = digest && (await image(digest, tag));
    if (!row || !digest) continue;
    rows.push(row);
    for (const child of await reachable(digest, read)) reached.add(child);
  }
  for (const digest of await revisions(driver, name)) {
    if (reached.has(digest.toString())) continue;
    const row = await image(digest, undefined);
    if (!row) continue;
    rows.push(row);
    for (const child of await reachable(digest, read)) reached.add(child);
  }
  return rows;
}

/** The manifest and, for an index, its children (recursively) that this repository holds. */
async function reachable(digest: Digest, read: (digest: Digest) => Promise<ParsedManifest | undefined>): Promise<Set<string>> {
  const seen = new Set<string>();
  const visit = async (d: Digest): Promise<void> => {
    if (seen.has(d.toString())) return;
    seen.add(d.toString());
    for (const child of (await read(d))?.manifests ?? []) await visit(Digest.parse(child.digest));
  };
  await visit(digest);
  return seen;
}

async function imageSize(driver: StorageDriver, name: string, digest: Digest, read: (digest: Digest) => Promise<ParsedManifest | undefined>): Promise<number> {
  const counted = new Set<string>();
  let size = 0;
  const add = async (d: Digest): Promise<void> => {
    if (counted.has(d.toString())) return;
    counted.add(d.toString());
    size += (await statIfExists(driver, blobDataPath(d)))?.size ?? 0;
  };
  const visit = async (d: Digest): Promise<void> => {
    await add(d);
    const parsed = await read(d);
    if (!parsed) return;
    for (const blob of [...(parsed.config ? [parsed.config] : []), ...parsed.layers]) await add(Digest.parse(blob.digest));
    for (const child of parsed.manifests) {
      const childDigest = Digest.parse(child.digest);
      // A child the cache never fetched (another platform) takes no space here.
      if (!counted.has(childDigest.toString()) && (await statIfExists(driver, revisionLinkPath(name, childDigest)))) await visit(childDigest);
    }
  };
  await visit(digest);
  return size;
}

async function revisions(driver: StorageDriver, name: string): Promise<Digest[]> {
  const digests: Digest[] = [];
  const base = `${manifestsPath(name)}/revisions`;
  for (const algorithm of await listNames(driver, base)) {
    for (const hex of await listNames(driver, `${base}/${algorithm}`)) {
      const text = `${algorithm}:${hex}`;
      if (Digest.isValid(text)) digests.push(Digest.parse(text));
    }
  }
  return digests.sort((a, b) => a.toString().localeCompare(b.toString()));
}

/** A manifest's parsed form straight from its blob; undefined when it is missing or not one Stowage parses (schema 1). */
async function readManifest(driver: StorageDriver, digest: Digest): Promise<ParsedManifest | undefined> {
  try {
    return parseManifest(await driver.getContent(blobDataPath(digest)));
  } catch {
    return undefined;
  }
}

/** What `rm` removed: tags untagged, manifest revisions deleted. */
export interface RemovedCache {
  repository: string;
  tags: { tag: string; digest: string }[];
  manifests: string[];
}

/**
 * Removes an IMAGE from the cache: a tag, a manifest by digest (and every tag on it), or with
 * neither the whole repository. A manifest no remaining tag reaches goes with it, and so do its
 * children (an index's platform manifests) that nothing left reaches. The blobs stay until the
 * next garbage collection frees what no manifest references any more.
 */
export async function removeCached(store: RegistryStore, cache: ProxyCache, image: ImageRef): Promise<RemovedCache> {
  const target = await cachedTarget(cache, image.name);
  const repository = store.repository(target.local);
  const driver = store.driver;
  const shown = `${target.local}${image.digest ? `@${image.digest}` : image.tag !== undefined ? `:${image.tag}` : ''}`;
  const tagged = await tagTargets(driver, target.local);
  let doomed: string[];
  let roots: Digest[];
  if (image.digest) {
    const wanted = image.digest.toString();
    doomed = [...tagged].filter(([, digest]) => digest === wanted).map(([tag]) => tag);
    roots = (await statIfExists(driver, revisionLinkPath(target.local, image.digest))) ? [image.digest] : [];
  } else if (image.tag !== undefined) {
    const digest = tagged.get(image.tag);
    doomed = digest ? [image.tag] : [];
    roots = digest ? [Digest.parse(digest)] : [];
  } else {
    doomed = [...tagged.keys()];
    roots = await revisions(driver, target.local);
  }
  if (doomed.length === 0 && roots.length === 0) throw new StowageError('MANIFEST_UNKNOWN', `${shown} is not in the cache`);

  // What the tags left reach stays; of the rest, what the removed image reached goes.
  const read = (digest: Digest): Promise<ParsedManifest | undefined> => readManifest(driver, digest);
  const kept = new Map<string, string>();
  for (const [tag, digest] of tagged) {
    if (!doomed.includes(tag)) for (const d of await reachable(Digest.parse(digest), read)) if (!kept.has(d)) kept.set(d, tag);
  }
  if (image.digest && kept.has(image.digest.toString())) {
    const tag = kept.get(image.digest.toString())!;
    throw new StowageError('DENIED', `${shown} is a platform of the index ${target.local}:${tag}: remove that (or its digest) instead`);
  }

  const removed: RemovedCache = { repository: target.local, tags: [], manifests: [] };
  for (const tag of doomed) {
    await repository.manifests.delete({ tag } satisfies ManifestReference);
    removed.tags.push({ tag, digest: tagged.get(tag)! });
  }
  const candidates = new Set<string>();
  for (const root of roots) for (const d of await reachable(root, read)) candidates.add(d);
  for (const digest of [...candidates].sort()) {
    if (kept.has(digest) || !(await statIfExists(driver, revisionLinkPath(target.local, Digest.parse(digest))))) continue;
    await repository.manifests.delete({ digest: Digest.parse(digest) });
    removed.manifests.push(digest);
  }
  return removed;
}

async function tagTargets(driver: StorageDriver, name: string): Promise<Map<string, string>> {
  const targets = new Map<string, string>();
  for (const tag of (await listNames(driver, `${manifestsPath(name)}/tags`)).sort()) {
    const digest = await readLink(driver, tagCurrentLinkPath(name, tag));
    if (digest) targets.set(tag, digest.toString());
  }
  return targets;
}
