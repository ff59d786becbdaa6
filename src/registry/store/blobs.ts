import type { Readable } from 'node:stream';
import type { Digest } from '../../digest/digest.js';
import { StowageError, isStowageError } from '../../errors/error.js';
import type { StorageDriver } from '../../storage/driver.js';
import { deleteIfExists, writeLink } from './links.js';
import { blobDataPath, layerLinkPath, layerPath, revisionLinkPath } from './paths.js';
import { rescue, useFile } from './quarantine.js';
import { recordUse } from './use-ledger.js';
import { changingUsage } from './usage-marks.js';

export interface BlobInfo {
  digest: Digest;
  size: number;
}

/**
 * The blobs one repository can see. Blob data is global and content-addressed; a repository
 * sees a blob when it holds a link to it: a layer link, or (as distribution also allows, so
 * that manifests can be fetched through the blob endpoint) a manifest revision link.
 */
export class RepositoryBlobs {
  constructor(
    private readonly driver: StorageDriver,
    private readonly name: string,
  ) {}

  /**
   * Size of a blob this repository links to; BLOB_UNKNOWN otherwise. A use, as garbage
   * collection counts them (quarantine.ts useFile): a client that finds the blob here may
   * reference it in a manifest it pushes next.
   */
  async stat(digest: Digest): Promise<BlobInfo> {
    if (!(await this.isLinked(digest))) throw blobUnknown(digest);
    return statBlob(this.driver, digest);
  }

  async has(digest: Digest): Promise<boolean> {
    try {
      await this.stat(digest);
      return true;
    } catch (err) {
      if (isStowageError(err, 'BLOB_UNKNOWN')) return false;
      throw err;
    }
  }

  /** Streams a linked blob, optionally a byte range (inclusive). */
  async reader(digest: Digest, range?: { start: number; end: number }): Promise<Readable> {
    const path = blobDataPath(digest);
    const options = range ? { offset: range.start, end: range.end } : {};
    try {
      return await this.driver.reader(path, options);
    } catch (err) {
      if (!isStowageError(err, 'PATH_NOT_FOUND')) throw err;
      // Moved aside by a collection after the stat that found it: it comes back for this read.
      await rescue(this.driver, path);
      try {
        return await this.driver.reader(path, options);
      } catch (again) {
        if (isStowageError(again, 'PATH_NOT_FOUND')) throw blobUnknown(digest);
        throw again;
      }
    }
  }

  /**
   * Where a client can fetch a linked blob itself (storage.redirect), or undefined when the
   * driver has no such URL. Call after stat: the URL says nothing of the blob's existence.
   */
  async redirectUrl(digest: Digest): Promise<string | undefined> {
    return this.driver.redirectUrl?.(blobDataPath(digest));
  }

  /** Makes an existing global blob visible in this repository (after upload or mount). */
  async link(digest: Digest): Promise<void> {
    await recordUse(this.driver, layerLinkPath(this.name, digest));
    await changingUsage(this.driver, this.name, () => writeLink(this.driver, layerLinkPath(this.name, digest), digest));
  }

  /** Removes this repository's layer link; the data stays until garbage collection. */
  async unlink(digest: Digest): Promise<void> {
    const removed = await changingUsage(this.driver, this.name, () => deleteIfExists(this.driver, layerPath(this.name, digest)));
    if (!removed) throw blobUnknown(digest);
  }

  private async isLinked(digest: Digest): Promise<boolean> {
    return (
      (await useFile(this.driver, layerLinkPath(this.name, digest))) !== undefined ||
      (await useFile(this.driver, revisionLinkPath(this.name, digest))) !== undefined
    );
  }
}

/** A blob's size, as a use (quarantine.ts useFile); BLOB_UNKNOWN when there is no such blob. */
export async function statBlob(driver: StorageDriver, digest: Digest): Promise<BlobInfo> {
  const info = await useFile(driver, blobDataPath(digest));
  if (!info) throw blobUnknown(digest);
  return { digest, size: info.size };
}

export function blobUnknown(digest: Digest): StowageError {
  return new StowageError('BLOB_UNKNOWN', `blob unknown to registry: ${digest}`, { digest: digest.toString() });
}
