import { StowageError } from '../errors/error.js';
import { formatReference, tryParseReference } from '../reference/reference.js';
import type { DockerImage, DockerRootView } from './model.js';

/**
 * An image named as docker names one: `alpine`, `alpine:3.19`, `host:5000/a/b@sha256:…`, a full
 * or short ID (`sha256:0123…`, `0123ab`). Names are compared in normalised form, so
 * `docker.io/library/alpine:latest` finds what repositories.json calls `alpine:latest`.
 */
export function resolveImage(view: DockerRootView, name: string): DockerImage {
  const byId = findById(view, name);
  if (byId !== undefined) return byId;
  const ref = tryParseReference(name);
  if (ref !== undefined) {
    const wanted = formatReference(ref.digest === undefined && ref.tag === undefined ? { ...ref, tag: 'latest' } : ref);
    for (const image of view.images) {
      const names = ref.digest !== undefined ? image.repoDigests : image.repoTags;
      if (names.some((n) => normalise(n) === wanted)) return image;
    }
  }
  throw new StowageError('PATH_NOT_FOUND', `No such image: ${name}`);
}

function findById(view: DockerRootView, name: string): DockerImage | undefined {
  const match = /^(?:sha256:)?([a-f0-9]{1,64})$/.exec(name);
  if (match === null) return undefined;
  const prefix = match[1] as string;
  // docker accepts a short ID only when it is not also a name (`docker image inspect abc` finds the repository abc first).
  if (!name.startsWith('sha256:') && prefix.length < 64 && view.images.some((image) => image.repoTags.some((tag) => normalise(tag) === normalise(`${name}:latest`)))) return undefined;
  const found = view.images.filter((image) => idHex(image.id).startsWith(prefix));
  if (found.length > 1) throw new StowageError('REFERENCE_INVALID', `${name}: ambiguous, ${found.length} images have IDs starting with it`);
  return found[0];
}

function idHex(id: string): string {
  return id.slice(id.indexOf(':') + 1);
}

function normalise(name: string): string {
  const ref = tryParseReference(name);
  return ref === undefined ? name : formatReference(ref);
}
