import { resolveName, type Resolution } from '../catalog/resolve.js';
import { tryParseReference } from '../reference/reference.js';
import type { StoreMetadata, StoredImage } from './metadata.js';

export type Resolved = Resolution<StoredImage>;

/**
 * Finds an image the way docker does (catalog/resolve.ts). The local store adds what the
 * containerd image store does: an image is also named by its manifest digest, and a digest
 * reference names an image in a repository when it is one of the image's repo digests, or when
 * the digest is the image's manifest digest and the image has a tag in that repository
 * (docker/daemon/images/image_delete.go, with the containerd store's view that a tag also gives
 * its repository's `name@digest`).
 */
export function resolveImage(metadata: StoreMetadata, input: string): Resolved {
  const images = Object.values(metadata.images);
  return resolveName<StoredImage>(
    {
      byId: (id) => images.find((i) => i.id === id || i.manifest.digest === id),
      byTag: (tag) => {
        const digest = metadata.tags[tag];
        return digest ? metadata.images[digest] : undefined;
      },
      byDigest: (repository, digest) =>
        images.find((i) => i.repoDigests.includes(`${repository}@${digest}`)) ??
        images.find((i) => i.manifest.digest === digest && tagsIn(metadata, i, repository).length > 0),
      byIdPrefix: (hex) => images.filter((i) => i.id.slice('sha256:'.length).startsWith(hex)),
    },
    input,
  );
}

/** The image's tags in one repository (`docker.io/library/alpine`). */
export function tagsIn(metadata: StoreMetadata, image: StoredImage, repository: string): string[] {
  return Object.keys(metadata.tags).filter((t) => metadata.tags[t] === image.manifest.digest && repositoryOf(t) === repository);
}

/** `docker.io/library/alpine:latest` or `…@sha256:…` → `docker.io/library/alpine`. */
export function repositoryOf(reference: string): string {
  const parsed = tryParseReference(reference);
  return parsed ? `${parsed.domain}/${parsed.path}` : reference;
}
