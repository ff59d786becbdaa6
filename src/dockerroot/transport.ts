import { StowageError } from '../errors/error.js';
import { formatReference, tryParseReference } from '../reference/reference.js';
import type { Transport } from '../transport/table.js';

/**
 * `docker-root:`, the transport of Docker's own store on disk, read-only. It registers itself
 * in the transport table (src/ops/transports.ts does the registering), so src/transport never
 * imports this folder; the reader itself is loaded only when such a name is opened.
 */

declare module '../transport/image-name.js' {
  interface ImageNames {
    'docker-root': { root?: string; image: string };
  }
}

export const dockerRootTransport: Transport<'docker-root'> = {
  scheme: 'docker-root',
  syntax: 'docker-root:[/ROOT:]IMAGE',
  description: "an image in Docker's own store on disk, as `stowage docker` reads it",
  readOnly: 'Stowage never writes under a Docker root (use docker-archive: and `docker load`)',
  parse: parseDockerRootName,
  async openSource(name, context) {
    const { openDockerRoot } = await import('./load.js');
    const { resolveImage } = await import('./resolve.js');
    const { view } = await openDockerRoot(name.root !== undefined ? { dockerRoot: name.root } : {});
    for (const problem of view.problems) context.warn?.(problem);
    return view.openSource(resolveImage(view, name.image));
  },
  // As skopeo's docker-daemon: names a repository when the image is named, not given by ID.
  repository(name) {
    if (/^(?:sha256:)?[a-f0-9]{1,64}$/.test(name.image)) return undefined;
    const reference = tryParseReference(name.image);
    return reference ? formatReference({ domain: reference.domain, path: reference.path }) : undefined;
  },
};

/**
 * `docker-root:alpine:latest` reads the Docker root found as dockerd would find it;
 * `docker-root:/mnt/disk/var/lib/docker:alpine:latest` names the root: a path (starting with
 * `/` or `.`) up to the first colon.
 */
function parseDockerRootName(rest: string, text: string): { transport: 'docker-root'; root?: string; image: string } {
  let root: string | undefined;
  let image = rest;
  if (rest.startsWith('/') || rest.startsWith('.')) {
    const at = rest.indexOf(':');
    if (at === -1) throw new StowageError('REFERENCE_INVALID', `"${text}": name the image after the root, docker-root:ROOT:IMAGE`);
    root = rest.slice(0, at);
    image = rest.slice(at + 1);
  }
  if (image === '') throw new StowageError('REFERENCE_INVALID', `"${text}": an image (name, name:tag or ID) is required after docker-root:`);
  return root !== undefined ? { transport: 'docker-root', root, image } : { transport: 'docker-root', image };
}
