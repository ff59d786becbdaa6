import { Digest } from '../../digest/digest.js';
import { StowageError, isStowageError } from '../../errors/error.js';
import type { StorageDriver } from '../../storage/driver.js';
import { parseManifest, type ParsedManifest } from '../../oci/manifest.js';
import { deleteIfExists, writeLink } from './links.js';
import type { ManifestCache } from './manifest-cache.js';
import { admit, type QuotaHook } from './quota-hook.js';
import { checkManifestReferences } from './manifest-references.js';
import { blobDataPath, revisionLinkPath, revisionPath } from './paths.js';
import { rescue, useFile } from './quarantine.js';
import { recordUse } from './use-ledger.js';
import type { RepositoryReferrers } from './referrers.js';
import type { RepositoryTags } from './tags.js';
import { changingUsage } from './usage-marks.js';
import { record, type MetadataHook } from './metadata-hook.js';

export type ManifestReference = { tag: string } | { digest: Digest };

export interface StoredManifest {
  digest: Digest;
  bytes: Buffer;
  mediaType: string;
  /** Absent for what Stowage would not accept today but an older registry stored (schema 1). */
  parsed?: ParsedManifest;
}

export interface PutManifestResult {
  digest: Digest;
  /** The type it is stored as (its own mediaType field, else the request's Content-Type). */
  mediaType: string;
  tags: string[];
  subject?: Digest;
}

/**
 * Manifests of one repository. The bytes are stored exactly as pushed, as a blob, and linked
 * from `_manifests/revisions`; tags point at revisions.
 */
export class RepositoryManifests {
  constructor(
    private readonly driver: StorageDriver,
    private readonly name: string,
    private readonly tags: RepositoryTags,
    private readonly referrers: () => RepositoryReferrers,
    private readonly cache: ManifestCache,
    private readonly quota?: QuotaHook,
    private readonly metadata?: MetadataHook,
  ) {}

  async get(reference: ManifestReference): Promise<StoredManifest> {
    const digest = 'tag' in reference ? await this.tags.resolve(reference.tag) : reference.digest;
    const manifest = await this.load(digest);
    if (!manifest) throw manifestUnknown(this.name, digest.toString());
    return manifest;
  }

  /**
   * A manifest of this repository by digest, or undefined when the repository has no such
   * revision. A use of the revision (quarantine.ts useFile): a client that finds it may push an
   * index or a tag that references it next.
   */
  async load(digest: Digest): Promise<StoredManifest | undefined> {
    if (!(await useFile(this.driver, revisionLinkPath(this.name, digest)))) return undefined;
    const key = digest.toString();
    const cached = this.cache.get(key);
    if (cached) return { digest, bytes: cached.bytes, mediaType: cached.parsed.mediaType, parsed: cached.parsed };
    let bytes: Buffer;
    try {
      bytes = await this.readBlob(digest);
    } catch (err) {
      if (isStowageError(err, 'PATH_NOT_FOUND')) return undefined;
      throw err;
    }
    try {
      const parsed = parseManifest(bytes);
      this.cache.set(key, { bytes, parsed });
      return { digest, bytes, mediaType: parsed.mediaType, parsed };
    } catch {
      return { digest, bytes, mediaType: legacyMediaType(bytes) };
    }
  }

  /**
   * Validates and stores a manifest. Every blob and child manifest it references must be in
   * this repository, with the size the manifest gives it (manifest-references.ts; distribution
   * spec, "Pushing Manifests": MANIFEST_BLOB_UNKNOWN otherwise), except its `subject`, which
   * may be pushed later, and foreign layers that carry `urls`. `checkReferences: false` skips
   * that check (the proxy cache: the upstream vouched for the manifest, its blobs come on demand).
   */
  async put(
    reference: ManifestReference,
    bytes: Buffer,
    contentType: string | undefined,
    extraTags: string[] = [],
    options: { checkReferences?: boolean } = {},
  ): Promise<PutManifestResult> {
    const parsed = parseManifest(bytes, contentType);
    const digest = Digest.of(bytes, 'digest' in reference ? reference.digest.algorithm : 'sha256');
    if ('digest' in reference && !digest.equals(reference.digest)) {
      throw new StowageError('DIGEST_INVALID', `manifest digest ${digest} does not match ${reference.digest}`, {
        expected: reference.digest.toString(),
        actual: digest.toString(),
      });
    }
    // A pull-through cache stores a manifest before its blobs, which it fetches when they are asked for.
    if (options.checkReferences !== false) await checkManifestReferences(this.driver, this.name, parsed);

    await admit(this.quota, this.name, [{ digest, size: bytes.length, link: 'revision' }], async () => {
      // The blob's time is set if it is there (a use: a collection running now keeps it), written if not.
      if (!(await useFile(this.driver, blobDataPath(digest)))) await this.driver.putContent(blobDataPath(digest), bytes);
      await recordUse(this.driver, revisionLinkPath(this.name, digest));
      await record(
        this.metadata,
        this.name,
        () => changingUsage(this.driver, this.name, () => writeLink(this.driver, revisionLinkPath(this.name, digest), digest)),
        { kind: 'manifest', digest, mediaType: parsed.mediaType, size: bytes.length, ...subjectOf(parsed), references: referencesOf(parsed) },
      );
    });
    const tags = [...new Set(['tag' in reference ? [reference.tag] : [], extraTags].flat())];
    for (const tag of tags) await this.tags.tag(tag, digest);
    const subject = parsed.subject ? Digest.parse(parsed.subject.digest) : undefined;
    if (subject) await this.referrers().add(subject, digest);
    this.cache.set(digest.toString(), { bytes, parsed });
    return { digest, mediaType: parsed.mediaType, tags, ...(subject ? { subject } : {}) };
  }

  private async readBlob(digest: Digest): Promise<Buffer> {
    const path = blobDataPath(digest);
    try {
      return await this.driver.getContent(path);
    } catch (err) {
      if (!isStowageError(err, 'PATH_NOT_FOUND')) throw err;
      // Moved aside by a collection: it comes back for this read (brought back by this reader or another).
      await rescue(this.driver, path);
      return this.driver.getContent(path);
    }
  }

  /** By tag: removes the tag only. By digest: the revision, every tag on it, its referrer entry. */
  async delete(reference: ManifestReference): Promise<void> {
    if ('tag' in reference) {
      await this.tags.untag(reference.tag);
      return;
    }
    const manifest = await this.load(reference.digest);
    if (!manifest) throw manifestUnknown(this.name, reference.digest.toString());
    for (const tag of await this.tags.lookup(reference.digest)) await this.tags.untag(tag).catch(() => undefined);
    if (manifest.parsed?.subject) {
      await this.referrers().remove(Digest.parse(manifest.parsed.subject.digest), reference.digest);
    }
    const digest = reference.digest;
    await record(this.metadata, this.name, () => changingUsage(this.driver, this.name, () => deleteIfExists(this.driver, revisionPath(this.name, digest))), {
      kind: 'unmanifest',
      digest,
    });
  }
}

/** What a manifest references: its config, layers and index entries (for the database's reference counts). */
export function referencesOf(parsed: ParsedManifest): string[] {
  const descriptors = [...(parsed.config ? [parsed.config] : []), ...parsed.layers, ...parsed.manifests];
  return descriptors.map((descriptor) => descriptor.digest);
}

function subjectOf(parsed: ParsedManifest): { subject?: Digest } {
  return parsed.subject ? { subject: Digest.parse(parsed.subject.digest) } : {};
}

export function manifestUnknown(name: string, reference: string): StowageError {
  return new StowageError('MANIFEST_UNKNOWN', `manifest unknown: ${name}@${reference}`, { reference });
}

/** The media type of a stored manifest Stowage would not accept (e.g. schema 1 left by an old registry). */
export function legacyMediaType(bytes: Buffer): string {
  try {
    const value = JSON.parse(bytes.toString('utf8')) as { mediaType?: unknown; schemaVersion?: unknown; signatures?: unknown };
    if (typeof value.mediaType === 'string') return value.mediaType;
    if (value.schemaVersion === 1) {
      return value.signatures ? 'application/vnd.docker.distribution.manifest.v1+prettyjws' : 'application/vnd.docker.distribution.manifest.v1+json';
    }
  } catch {
    // Not JSON: served as opaque bytes.
  }
  return 'application/octet-stream';
}
