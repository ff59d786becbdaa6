import type { Digest } from '../../digest/digest.js';
import { StowageError } from '../../errors/error.js';
import type { StorageDriver } from '../../storage/driver.js';
import { deleteIfExists, listNames, readLink, writeLink } from './links.js';
import { tagCurrentLinkPath, tagIndexLinkPath, tagPath, tagsPath } from './paths.js';

/** Tags of one repository: `_manifests/tags/<tag>/current/link` names the manifest. */
export class RepositoryTags {
  constructor(
    private readonly driver: StorageDriver,
    private readonly name: string,
  ) {}

  async resolve(tag: string): Promise<Digest> {
    const digest = await readLink(this.driver, tagCurrentLinkPath(this.name, tag));
    if (!digest) throw tagUnknown(this.name, tag);
    return digest;
  }

  /** Points a tag at a manifest; the index entry records the history, as distribution does. */
  async tag(tag: string, digest: Digest): Promise<void> {
    await writeLink(this.driver, tagIndexLinkPath(this.name, tag, digest), digest);
    await writeLink(this.driver, tagCurrentLinkPath(this.name, tag), digest);
  }

  async untag(tag: string): Promise<void> {
    if (!(await deleteIfExists(this.driver, tagPath(this.name, tag)))) throw tagUnknown(this.name, tag);
  }

  /** All tags, in the "ASCIIbetical" order the spec asks for. */
  async list(): Promise<string[]> {
    return (await listNames(this.driver, tagsPath(this.name))).sort();
  }

  /** The tags that currently point at `digest`. */
  async lookup(digest: Digest): Promise<string[]> {
    const tags = await this.list();
    const targets = await Promise.all(tags.map((tag) => readLink(this.driver, tagCurrentLinkPath(this.name, tag))));
    return tags.filter((_, i) => targets[i]?.equals(digest));
  }
}

function tagUnknown(name: string, tag: string): StowageError {
  return new StowageError('MANIFEST_UNKNOWN', `manifest unknown: ${name}:${tag}`, { tag });
}
