import { randomBytes } from 'node:crypto';
import { Digest } from '../../digest/digest.js';
import { StowageError, isStowageError } from '../../errors/error.js';
import type { StorageDriver } from '../../storage/driver.js';
import { createLimiter } from '../../transport/limiter.js';
import { record, type MetadataHook } from './metadata-hook.js';
import { deleteIfExists, fileExists, listNames, readLink, writeLink } from './links.js';
import { blobDataPath, revisionLinkPath, tagCurrentLinkPath, tagIndexLinkPath, tagPath, tagStagingPath, tagsPath } from './paths.js';
import { recordUse } from './use-ledger.js';

/** Tags checked at once when listing: each costs a read and two stats. */
const LIST_CONCURRENCY = 32;

/** Tags of one repository: `_manifests/tags/<tag>/current/link` names the manifest. */
export class RepositoryTags {
  constructor(
    private readonly driver: StorageDriver,
    private readonly name: string,
    private readonly metadata?: MetadataHook,
  ) {}

  /**
   * The manifest a tag points at. With a database, its row: one indexed query instead of a read
   * of `current/link` (on an object store a GetObject, half the S3 requests of a GET by tag),
   * and the same answer `tags/list` gives. The row is written after the storage's link, before
   * the PUT that moved the tag is answered (database/metadata.ts), so a client reads its own writes.
   */
  async resolve(tag: string): Promise<Digest> {
    const digest = this.metadata
      ? await this.metadata.tagDigest(this.name, tag).then((d) => (d ? Digest.parse(d) : undefined))
      : await readLink(this.driver, tagCurrentLinkPath(this.name, tag));
    if (!digest) throw tagUnknown(this.name, tag);
    return digest;
  }

  /**
   * Points a tag at a manifest, whose revision link and blob are already written. The index
   * entry records the history, as distribution does. An existing tag gets its index entry
   * first and then `current/link`, replaced atomically: readers see the old target or the new.
   * A new tag appears whole (create).
   */
  async tag(tag: string, digest: Digest): Promise<void> {
    await record(
      this.metadata,
      this.name,
      async () => {
        // A collection removing this tag now (gc/tag-quarantine.ts) judges it before this write or after (use-ledger.ts).
        await recordUse(this.driver, tagCurrentLinkPath(this.name, tag));
        if ((await fileExists(this.driver, tagCurrentLinkPath(this.name, tag))) || !(await this.create(tag, digest))) {
          await writeLink(this.driver, tagIndexLinkPath(this.name, tag, digest), digest);
          await writeLink(this.driver, tagCurrentLinkPath(this.name, tag), digest);
        }
      },
      { kind: 'tag', tag, digest },
    );
  }

  async untag(tag: string): Promise<void> {
    const removed = await record(this.metadata, this.name, () => deleteIfExists(this.driver, tagPath(this.name, tag)), { kind: 'untag', tag });
    if (!removed) throw tagUnknown(this.name, tag);
  }

  /**
   * The tags a GET resolves, in the "ASCIIbetical" order the spec asks for. A tag directory
   * whose `current/link` is missing or torn, or names a revision or blob that is not there,
   * is left out: distribution lists every directory under `tags/`, and one of its own crashes
   * (it writes the index entry before `current/link`; before 3.0, links in place) or a copy cut short can leave
   * such a directory, which neither registry can serve. With a database, its list (it holds
   * only tags whose manifest it holds).
   */
  async list(): Promise<string[]> {
    if (this.metadata) return this.metadata.tags(this.name);
    return this.listStored();
  }

  /** The tags as the storage has them. */
  async listStored(): Promise<string[]> {
    const tags = await listNames(this.driver, tagsPath(this.name));
    const limit = createLimiter(LIST_CONCURRENCY);
    const served = await Promise.all(tags.map((tag) => limit(() => this.resolves(tag))));
    return tags.filter((_, i) => served[i]).sort();
  }

  /** The tags that currently point at `digest` (whether or not they resolve). */
  async lookup(digest: Digest): Promise<string[]> {
    const tags = await listNames(this.driver, tagsPath(this.name));
    const targets = await Promise.all(tags.map((tag) => readLink(this.driver, tagCurrentLinkPath(this.name, tag))));
    return tags.filter((_, i) => targets[i]?.equals(digest)).sort();
  }

  /**
   * Writes a new tag's two links in a hidden staging directory and renames it to
   * `tags/<tag>`: the tag directory appears with both links or not at all, so a crash never
   * leaves a listed tag that does not resolve, for Stowage or for distribution on the same
   * root. False when `tags/<tag>` appeared meanwhile (a concurrent push of the same tag, or a
   * directory a crash left): the caller writes into it instead.
   */
  private async create(tag: string, digest: Digest): Promise<boolean> {
    const staging = tagStagingPath(this.name, randomBytes(8).toString('hex'));
    try {
      await writeLink(this.driver, `${staging}/index/${digest.algorithm}/${digest.hex}/link`, digest);
      await writeLink(this.driver, `${staging}/current/link`, digest);
      await this.driver.move(staging, tagPath(this.name, tag));
      return true;
    } catch (err) {
      await deleteIfExists(this.driver, staging).catch(() => undefined);
      if (isStowageError(err, 'PATH_EXISTS')) return false;
      throw err;
    }
  }

  /** Whether GET by `tag` finds a manifest: what RepositoryManifests.load needs is all there. */
  private async resolves(tag: string): Promise<boolean> {
    const digest = await readLink(this.driver, tagCurrentLinkPath(this.name, tag));
    if (!digest) return false;
    const [revision, blob] = await Promise.all([fileExists(this.driver, revisionLinkPath(this.name, digest)), fileExists(this.driver, blobDataPath(digest))]);
    return revision && blob;
  }
}

function tagUnknown(name: string, tag: string): StowageError {
  return new StowageError('MANIFEST_UNKNOWN', `manifest unknown: ${name}:${tag}`, { tag });
}
