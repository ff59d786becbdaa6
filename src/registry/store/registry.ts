import { isStowageError } from '../../errors/error.js';
import { checkRepositoryName } from '../../reference/reference.js';
import type { StorageDriver } from '../../storage/driver.js';
import { ManifestCache } from './manifest-cache.js';
import type { MetadataHook } from './metadata-hook.js';
import type { QuotaHook } from './quota-hook.js';
import { KeyedMutex } from './mutex.js';
import { REPOSITORIES } from './paths.js';
import { Repository, type RepositoryContext } from './repository.js';
import { UploadHashes } from './uploads.js';

export interface RegistryStoreOptions {
  driver: StorageDriver;
  /** Bytes of manifests kept in memory (default 64 MiB). */
  manifestCacheBytes?: number;
  /** Repository quotas (src/registry/usage/quota.ts); absent: none. */
  quota?: QuotaHook;
  /** The metadata index several replicas share (src/database); absent: the storage is read for everything. */
  metadata?: MetadataHook;
}

/**
 * The registry's content over one storage driver, in distribution's layout. It knows
 * repositories, blobs, manifests and tags; it knows nothing of HTTP.
 */
export class RegistryStore {
  readonly driver: StorageDriver;
  readonly metadata: MetadataHook | undefined;
  private readonly context: RepositoryContext;

  constructor(options: RegistryStoreOptions) {
    this.driver = options.driver;
    this.context = {
      driver: options.driver,
      hashes: new UploadHashes(),
      mutex: new KeyedMutex(),
      cache: new ManifestCache(options.manifestCacheBytes),
      ...(options.quota ? { quota: options.quota } : {}),
      ...(options.metadata ? { metadata: options.metadata } : {}),
    };
    this.metadata = options.metadata;
  }

  /** A repository by name; NAME_INVALID before any path is built from a bad name. */
  repository(name: string): Repository {
    checkRepositoryName(name);
    return new Repository(this.context, name);
  }

  /**
   * Every repository name, sorted. A repository is a directory holding `_manifests`, as
   * distribution's catalog defines it; `_`-prefixed directories are never descended into.
   * With a database, its list: one query instead of a walk of the whole storage.
   */
  async catalog(): Promise<string[]> {
    if (this.metadata) return this.metadata.repositories();
    return this.walkCatalog();
  }

  /** The catalog as the storage has it (what `db import` reads). */
  async walkCatalog(): Promise<string[]> {
    const names: string[] = [];
    const prefix = `${REPOSITORIES}/`;
    try {
      await this.driver.walk(REPOSITORIES, (info) => {
        if (!info.isDirectory) return false;
        const base = info.path.slice(info.path.lastIndexOf('/') + 1);
        if (base === '_manifests') names.push(info.path.slice(prefix.length, -'/_manifests'.length));
        return !base.startsWith('_');
      });
    } catch (err) {
      if (isStowageError(err, 'PATH_NOT_FOUND')) return [];
      throw err;
    }
    return names.sort();
  }
}
