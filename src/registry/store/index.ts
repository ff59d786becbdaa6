export { RegistryStore, type RegistryStoreOptions } from './registry.js';
export { Repository } from './repository.js';
export type { ManifestReference, StoredManifest, PutManifestResult } from './manifests.js';
export type { UploadStatus, Chunk } from './uploads.js';
export type { BlobInfo } from './blobs.js';
export { purgeUploads } from './purge.js';
