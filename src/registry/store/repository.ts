import type { Digest } from '../../digest/digest.js';
import type { StorageDriver } from '../../storage/driver.js';
import { RepositoryBlobs, statBlob } from './blobs.js';
import { exists } from './links.js';
import type { ManifestCache } from './manifest-cache.js';
import { RepositoryManifests } from './manifests.js';
import type { MetadataHook } from './metadata-hook.js';
import type { KeyedMutex } from './mutex.js';
import { repositoryPath } from './paths.js';
import { admit, type QuotaHook } from './quota-hook.js';
import { RepositoryReferrers } from './referrers.js';
import { RepositoryTags } from './tags.js';
import { RepositoryUploads, type UploadHashes } from './uploads.js';

/** Shared, process-wide state the per-request repository objects use. */
export interface RepositoryContext {
  driver: StorageDriver;
  hashes: UploadHashes;
  mutex: KeyedMutex;
  cache: ManifestCache;
  quota?: QuotaHook;
  metadata?: MetadataHook;
}

/** One repository, seen through a storage driver. Cheap: made per request; state lives in the context. */
export class Repository {
  readonly blobs: RepositoryBlobs;
  readonly uploads: RepositoryUploads;
  readonly tags: RepositoryTags;
  readonly manifests: RepositoryManifests;
  readonly referrers: RepositoryReferrers;

  constructor(
    private readonly context: RepositoryContext,
    readonly name: string,
  ) {
    const { driver } = context;
    this.blobs = new RepositoryBlobs(driver, name);
    this.uploads = new RepositoryUploads(driver, name, this.blobs, context.hashes, context.mutex, context.quota);
    this.tags = new RepositoryTags(driver, name, context.metadata);
    this.manifests = new RepositoryManifests(driver, name, this.tags, () => this.referrers, context.cache, context.quota, context.metadata);
    this.referrers = new RepositoryReferrers(driver, name, (digest) => this.manifests.load(digest));
  }

  /** Links a blob the store holds (a cross-repository mount), within the repository's quota; its size. */
  async mount(digest: Digest): Promise<number> {
    const { size } = await statBlob(this.context.driver, digest);
    await admit(this.context.quota, this.name, [{ digest, size, link: 'layer' }], () => this.blobs.link(digest));
    return size;
  }

  /** Whether anything was ever stored for this name. */
  async exists(): Promise<boolean> {
    return exists(this.context.driver, repositoryPath(this.name));
  }
}
