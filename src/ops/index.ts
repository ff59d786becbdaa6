// The operations every shell calls (the CLI, `stowage serve`, a Node program): typed options,
// typed results, progress as events, and each closes what it opens.
export { copy, type CopyImageOptions, type SinkSpec, type SourceSpec } from './copy.js';
export { exportRootfs, type ExportRootfsResult, type RootfsTarget } from './export.js';
export { inspectImage, type ConfigInspection, type ImageInspection, type ImageSummary, type InspectOptions, type ManifestInspection } from './inspect.js';
export { load, type LoadedImage, type LoadOptions } from './load.js';
export type { CopyEvent, ImageLoadedEvent, ImageRemovedEvent, ProgressEvent } from './progress.js';
export { prune, type PruneOptions } from './prune.js';
export type { PruneResult } from '../store/types.js';
export { pull, type PullOptions, type PullResult } from './pull.js';
export { push, type PushOptions, type PushResult } from './push.js';
export { remove, type RemoveOptions, type RemoveResult } from './remove.js';
export type { RegistryAccess } from './resources.js';
export { save, type SavedImage, type SaveOptions } from './save.js';
export { tag } from './tag.js';
export { dockerRootTransport } from './transports.js';
// Over any ImageCatalog (the local store's StoreCatalog, a Docker root's DockerRootCatalog).
export { listImages, type ListImagesOptions } from './images.js';
export { inspectImages, type InspectResult } from './image-inspect.js';
export { diskUsage, usageTotals, type UsageTotal } from './disk-usage.js';
export { info } from './info.js';
