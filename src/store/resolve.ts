import { StowageError } from '../errors/error.js';
import { formatReference, parseReference, type Reference } from '../reference/reference.js';
import type { StoreMetadata, StoredImage } from './metadata.js';

export interface Resolved {
  image: StoredImage;
  /** The tag the user named, when they named one (rmi of a tag only untags). */
  tag?: string;
  /** The `domain/path@digest` the user named, when they named one (rmi removes that reference only). */
  digestReference?: string;
}

const FULL_ID = /^sha256:[0-9a-f]{64}$/;
const ID_PREFIX = /^(?:sha256:)?([0-9a-f]{1,64})$/;

/**
 * Finds an image the way docker does: a full ID or manifest digest; a reference by tag
 * (`alpine` → `docker.io/library/alpine:latest`) or by digest (`alpine@sha256:…`); else a
 * unique image-ID prefix. A digest reference names an image only in its repository: when it is
 * one of the image's repo digests, or when the digest is the image's manifest digest and the
 * image has a tag in that repository (docker/daemon/images/image_delete.go, with the containerd
 * store's view that a tag also gives its repository's `name@digest`).
 */
export function resolveImage(metadata: StoreMetadata, input: string): Resolved {
  const images = Object.values(metadata.images);
  if (FULL_ID.test(input)) {
    const image = images.find((i) => i.id === input || i.manifest.digest === input);
    if (image) return { image };
  }
  const reference = tryReference(input);
  if (reference?.digest) {
    const repository = `${reference.domain}/${reference.path}`;
    const name = `${repository}@${reference.digest}`;
    const image =
      images.find((i) => i.repoDigests.includes(name)) ??
      images.find((i) => i.manifest.digest === reference.digest && tagsIn(metadata, i, repository).length > 0);
    if (image) return { image, digestReference: name };
  } else if (reference) {
    const tag = formatReference(reference);
    const digest = metadata.tags[tag];
    const image = digest ? metadata.images[digest] : undefined;
    if (image) return { image, tag };
  }
  const prefix = ID_PREFIX.exec(input)?.[1];
  if (prefix) {
    const matches = images.filter((i) => i.id.slice('sha256:'.length).startsWith(prefix));
    const ids = new Set(matches.map((i) => i.id));
    if (ids.size > 1) throw new StowageError('NAME_INVALID', `short ID ${input} is ambiguous: it matches ${ids.size} images`);
    if (matches[0]) return { image: matches[0] };
  }
  throw new StowageError('MANIFEST_UNKNOWN', `No such image: ${input}`);
}

/** The image's tags in one repository (`docker.io/library/alpine`). */
export function tagsIn(metadata: StoreMetadata, image: StoredImage, repository: string): string[] {
  return Object.keys(metadata.tags).filter((t) => metadata.tags[t] === image.manifest.digest && repositoryOf(t) === repository);
}

/** `docker.io/library/alpine:latest` or `…@sha256:…` → `docker.io/library/alpine`. */
export function repositoryOf(reference: string): string {
  const parsed = tryReference(reference);
  return parsed ? `${parsed.domain}/${parsed.path}` : reference;
}

function tryReference(input: string): Reference | undefined {
  try {
    return parseReference(input);
  } catch {
    return undefined;
  }
}
