import { StowageError } from '../errors/error.js';
import { formatReference, parseReference, type Reference } from '../reference/reference.js';
import type { StoreMetadata, StoredImage } from './metadata.js';

export interface Resolved {
  image: StoredImage;
  /** The tag the user named, when they named one (rmi of a tag only untags). */
  tag?: string;
}

const FULL_ID = /^sha256:[0-9a-f]{64}$/;
const ID_PREFIX = /^(?:sha256:)?([0-9a-f]{1,64})$/;

/**
 * Finds an image the way docker does: a full ID or manifest digest; a reference by tag
 * (`alpine` → `docker.io/library/alpine:latest`) or by digest (`alpine@sha256:…`, matched
 * against repo digests and the manifest); else a unique image-ID prefix.
 */
export function resolveImage(metadata: StoreMetadata, input: string): Resolved {
  const images = Object.values(metadata.images);
  if (FULL_ID.test(input)) {
    const image = images.find((i) => i.id === input || i.manifest.digest === input);
    if (image) return { image };
  }
  const reference = tryReference(input);
  if (reference?.digest) {
    const name = `${reference.domain}/${reference.path}@${reference.digest}`;
    const image = images.find((i) => i.manifest.digest === reference.digest || i.repoDigests.includes(name));
    if (image) return { image };
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

function tryReference(input: string): Reference | undefined {
  try {
    return parseReference(input);
  } catch {
    return undefined;
  }
}
