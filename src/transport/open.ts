import { StowageError } from '../errors/error.js';
import type { RegistryClient } from '../registry/client/client.js';
import type { ImageName } from './image-name.js';
import type { ImageSink, ImageSource } from './types.js';

/** What opening a registry-backed location needs. */
export interface OpenContext {
  client: RegistryClient;
  /** Where a source reports what it found wrong but could read past (a damaged Docker root). */
  warn?: (line: string) => void;
}

/** The source for an image name; each transport's module is loaded only when used. */
export async function openSource(name: ImageName, context: OpenContext): Promise<ImageSource> {
  switch (name.transport) {
    case 'docker': {
      const { RemoteSource } = await import('./remote.js');
      return new RemoteSource(context.client, name.reference);
    }
    case 'oci': {
      const { OciLayoutSource } = await import('./oci-layout.js');
      return OciLayoutSource.open(name.path, name.ref);
    }
    case 'oci-archive': {
      const { OciArchiveSource } = await import('./oci-archive.js');
      return OciArchiveSource.open(name.path, name.ref);
    }
    case 'docker-archive': {
      const { DockerArchiveSource } = await import('./docker-archive.js');
      return DockerArchiveSource.open(name.path, name.ref);
    }
    case 'docker-root': {
      const { openDockerRoot } = await import('../dockerroot/load.js');
      const { resolveImage } = await import('../dockerroot/resolve.js');
      const { view } = await openDockerRoot(name.root !== undefined ? { dockerRoot: name.root } : {});
      for (const problem of view.problems) context.warn?.(problem);
      return view.openSource(resolveImage(view, name.image));
    }
  }
}

export async function openSink(name: ImageName, context: OpenContext): Promise<ImageSink> {
  switch (name.transport) {
    case 'docker': {
      const { RemoteSink } = await import('./remote.js');
      return new RemoteSink(context.client, name.reference);
    }
    case 'oci': {
      const { OciLayoutSink } = await import('./oci-layout.js');
      return OciLayoutSink.create(name.path, name.ref);
    }
    case 'oci-archive': {
      const { OciArchiveSink } = await import('./oci-archive.js');
      return OciArchiveSink.create(name.path, name.ref);
    }
    case 'docker-archive': {
      const { DockerArchiveSink } = await import('./docker-archive.js');
      return DockerArchiveSink.create(name.path, name.ref);
    }
    case 'docker-root':
      throw new StowageError('UNSUPPORTED', 'docker-root: is read-only: Stowage never writes under a Docker root (use docker-archive: and `docker load`)');
  }
}
