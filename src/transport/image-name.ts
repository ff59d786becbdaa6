import { StowageError } from '../errors/error.js';
import { parseReference, type Reference } from '../reference/reference.js';

/**
 * An image location in skopeo's transport syntax (containers-transports(5)):
 *   docker://host/repo[:tag|@digest]   a registry
 *   oci:DIR[:REF]                       an OCI image layout directory
 *   oci-archive:FILE[:REF]              an OCI layout in a tar file
 *   docker-archive:FILE[:NAME:TAG|:@N]  the `docker save` format
 *   docker-root:[/ROOT:]IMAGE           an image in Docker's own store on disk (read-only)
 */
export type ImageName =
  | { transport: 'docker'; reference: Reference }
  | { transport: 'oci' | 'oci-archive' | 'docker-archive'; path: string; ref?: string }
  | { transport: 'docker-root'; root?: string; image: string };

const TRANSPORTS = ['docker', 'oci', 'oci-archive', 'docker-archive', 'docker-root'];

export function parseImageName(text: string): ImageName {
  const colon = text.indexOf(':');
  const transport = colon > 0 ? text.slice(0, colon) : '';
  if (!TRANSPORTS.includes(transport)) {
    throw new StowageError(
      'REFERENCE_INVALID',
      `"${text}" names no transport: use docker://REF, oci:DIR[:REF], oci-archive:FILE[:REF], docker-archive:FILE[:REF] or docker-root:[/ROOT:]IMAGE`,
    );
  }
  const rest = text.slice(colon + 1);
  if (transport === 'docker-root') return parseDockerRootName(text, rest);
  if (transport === 'docker') {
    if (!rest.startsWith('//')) throw new StowageError('REFERENCE_INVALID', `"${text}": the docker transport is written docker://REF`);
    return { transport: 'docker', reference: parseReference(rest.slice(2)) };
  }
  if (rest === '') throw new StowageError('REFERENCE_INVALID', `"${text}": a path is required after ${transport}:`);
  // FILE:REF split at the first colon, as containers/image does: the path cannot hold one,
  // the reference may (`docker.io/library/alpine:latest`, `host:5000/x:t`).
  const at = rest.indexOf(':');
  const path = at === -1 ? rest : rest.slice(0, at);
  const ref = at === -1 ? '' : rest.slice(at + 1);
  const kind = transport as 'oci' | 'oci-archive' | 'docker-archive';
  return ref ? { transport: kind, path, ref } : { transport: kind, path };
}

/**
 * `docker-root:alpine:latest` reads the Docker root found as dockerd would find it;
 * `docker-root:/mnt/disk/var/lib/docker:alpine:latest` names the root: a path (starting with
 * `/` or `.`) up to the first colon.
 */
function parseDockerRootName(text: string, rest: string): ImageName {
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
