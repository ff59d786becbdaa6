import { StowageError } from '../errors/error.js';
import { formatReference, tryParseReference } from '../reference/reference.js';

/**
 * Finding an image by what a user types, the same way in every catalog, in the docker daemon's
 * order (moby daemon/images GetImage): a full ID; a reference by digest (in its repository) or
 * by tag (`alpine` → `docker.io/library/alpine:latest`); else a unique image-ID prefix. So a
 * short hex that is also a name (`docker image inspect abc`) finds the repository first.
 */

/** How a catalog answers each step; names given in full form (`docker.io/library/alpine:1`). */
export interface NameIndex<I extends { id: string }> {
  /** `sha256:<64 hex>`: the image with this ID (or that a catalog also names by it, e.g. its manifest digest). */
  byId(id: string): I | undefined;
  /** A tag reference in full form. */
  byTag(reference: string): I | undefined;
  /** An image pulled or pushed as `repository@digest` (`docker.io/library/alpine`, `sha256:…`). */
  byDigest(repository: string, digest: string): I | undefined;
  /** Every image whose ID's hex starts with this. */
  byIdPrefix(hex: string): I[];
}

export interface Resolution<I> {
  image: I;
  /** The tag the user named, in full form, when they named one (rmi of a tag only untags). */
  tag?: string;
  /** The `domain/path@digest` the user named, when they named one (rmi removes that reference only). */
  digestReference?: string;
}

const FULL_ID = /^sha256:[0-9a-f]{64}$/;
const ID_PREFIX = /^(?:sha256:)?([0-9a-f]{1,64})$/;

export function resolveName<I extends { id: string }>(index: NameIndex<I>, input: string): Resolution<I> {
  if (FULL_ID.test(input)) {
    const image = index.byId(input);
    if (image) return { image };
  }
  const reference = tryParseReference(input);
  if (reference?.digest) {
    // A tag beside the digest is ignored: the digest names the content (moby's reference store).
    const repository = `${reference.domain}/${reference.path}`;
    const image = index.byDigest(repository, reference.digest);
    if (image) return { image, digestReference: `${repository}@${reference.digest}` };
  } else if (reference) {
    const tag = formatReference(reference);
    const image = index.byTag(tag);
    if (image) return { image, tag };
  }
  const prefix = ID_PREFIX.exec(input)?.[1];
  if (prefix) {
    const matches = index.byIdPrefix(prefix);
    const ids = new Set(matches.map((i) => i.id));
    if (ids.size > 1) throw new StowageError('REFERENCE_INVALID', `short ID ${input} is ambiguous: it matches ${ids.size} images`);
    if (matches[0]) return { image: matches[0] };
  }
  throw noSuchImage(input);
}

/** The one error for a name no image answers to, in docker's words, from every catalog. */
export function noSuchImage(name: string): StowageError {
  return new StowageError('MANIFEST_UNKNOWN', `No such image: ${name}`);
}

/** `alpine:latest` or `docker.io/library/alpine:latest` → the full form; what does not parse, as it is. */
export function fullName(name: string): string {
  const ref = tryParseReference(name);
  return ref === undefined ? name : formatReference(ref);
}
