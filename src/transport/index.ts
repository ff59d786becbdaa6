export type { ImageSource, ImageSink, BlobOrigin } from './types.js';
export { copyImage, type CopyOptions, type CopyProgress, type CopyResult } from './copy.js';
export {
  parseImageName,
  parseImageNameOrReference,
  isTransportName,
  type ImageName,
  type ImageNames,
  type PathName,
  type TransportScheme,
} from './image-name.js';
export { registerTransport, findTransport, listTransports, canRead, canWrite, type Transport, type AnyTransport } from './table.js';
export { transportForms, transportHelp, transportMarkdown } from './table-text.js';
export { openSource, openSink, transportOf, type OpenContext } from './open.js';
export { RemoteSource, RemoteSink } from './remote.js';
export { OciLayoutSource, OciLayoutSink } from './oci-layout.js';
export { OciArchiveSource, OciArchiveSink } from './oci-archive.js';
export { DockerArchiveSource, DockerArchiveSink } from './docker-archive.js';
