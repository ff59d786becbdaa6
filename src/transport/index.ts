export type { ImageSource, ImageSink, BlobOrigin } from './types.js';
export { copyImage, type CopyOptions, type CopyProgress, type CopyResult } from './copy.js';
export { parseImageName, type ImageName } from './image-name.js';
export { openSource, openSink, type OpenContext } from './open.js';
export { RemoteSource, RemoteSink } from './remote.js';
export { OciLayoutSource, OciLayoutSink } from './oci-layout.js';
export { OciArchiveSource, OciArchiveSink } from './oci-archive.js';
export { DockerArchiveSource, DockerArchiveSink } from './docker-archive.js';
