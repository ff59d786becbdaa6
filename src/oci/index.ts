export {
  MediaType,
  MANIFEST_MEDIA_TYPES,
  MEDIA_TYPE_PATTERN,
  isDockerMediaType,
  isIndexMediaType,
  isManifestMediaType,
  isSchema1MediaType,
  isValidMediaType,
  stripParameters,
} from './media-types.js';
export { descriptorSchema, type Descriptor, type Platform } from './descriptor.js';
export { parseManifest, referrerDescriptor, type ParsedManifest } from './manifest.js';
export type { ManifestBytes } from './manifest-bytes.js';
export { chainIds, parseImageConfig, type ImageConfig, type ContainerConfig, type HistoryEntry } from './config.js';
