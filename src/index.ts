/**
 * Stowage as a library: the same code the CLI and the server run.
 *
 *   import { RegistryClient, copyImage, parseImageName, openSource, openSink } from 'stowage';
 */
export { StowageError, isStowageError, type ErrorCode } from './errors/error.js';
export { Digest, Digester, type DigestAlgorithm } from './digest/index.js';
export * from './reference/index.js';
export * from './oci/index.js';
export { hostPlatform, parsePlatform, formatPlatform, selectPlatform, type PlatformSpec } from './oci/platform.js';
/** Storage drivers: the StorageDriver interface, the factory (createDriver, openDriver over DRIVERS), FilesystemDriver and MemoryDriver. */
export * from './storage/index.js';
export * from './registry/client/index.js';
export { RegistryStore, purgeUploads, type RegistryStoreOptions } from './registry/store/index.js';
export { createRegistryServer, DEFAULT_POLICY, type RegistryServerOptions, type RegistryPolicy } from './registry/server/index.js';
/** The registry server as one object (options → start → shutdown) that `stowage serve` runs; see Registry. */
export {
  Registry,
  type AuthSettings,
  type OriginSettings,
  type RegistryAddress,
  type RegistryLimits,
  type RegistryOptions,
  type RegistryStarted,
  type RegistryStopped,
  type UploadPurging,
} from './registry/server/index.js';
export * from './transport/index.js';
/** The operations the CLI verbs call: pull, push, copy, save, load, inspectImage, exportRootfs, tag, remove, prune. */
export * from './ops/index.js';
/** The local image store (an OCI layout plus images.json) that pull, load and the store verbs use. */
export { ImageStore } from './store/store.js';
/** Where images are held by name: the local store and a Docker root (read-only) implement one interface. */
export type { ImageCatalog, CatalogImage, CatalogInfo } from './catalog/catalog.js';
export { StoreCatalog } from './store/catalog.js';
export { DockerRootCatalog } from './dockerroot/catalog.js';
