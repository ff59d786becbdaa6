import { StowageError } from '../errors/error.js';
import type { StoreMetadata, StoredImage } from './metadata.js';
import { familiar } from './records.js';
import { repositoryOf, resolveImage, tagsIn } from './resolve.js';
import type { RemoveEvent } from './types.js';

/**
 * What `rmi` does to images.json, with docker's rules (docker/daemon/images/image_delete.go):
 * naming a tag untags it, and deletes the image only if that was its last tag; naming a
 * `name@digest` removes that reference only (see removeDigestReference); naming the image by
 * ID untags all its tags and deletes it, but refuses without force when the tags span several
 * repositories. Returns the events to print; blobs are collected afterwards.
 */
export function removeImage(metadata: StoreMetadata, input: string, force: boolean): RemoveEvent[] {
  const { image, tag, digestReference } = resolveImage(metadata, input);
  if (digestReference) return removeDigestReference(metadata, image, digestReference);
  const digest = image.manifest.digest;
  const tags = Object.keys(metadata.tags).filter((t) => metadata.tags[t] === digest);
  const events: RemoveEvent[] = [];
  if (tag) {
    delete metadata.tags[tag];
    events.push({ untagged: familiar(tag) });
    if (tags.length > 1) return events;
  } else {
    const repositories = new Set(tags.map((t) => repositoryOf(t)));
    if (repositories.size > 1 && !force) {
      throw new StowageError('DENIED', `conflict: unable to delete ${shortId(image)} (must be forced) - image is referenced in multiple repositories`);
    }
    for (const t of tags) {
      delete metadata.tags[t];
      events.push({ untagged: familiar(t) });
    }
  }
  return [...events, ...deleteRecord(metadata, image)];
}

/**
 * `rmi name@digest`: a recorded repo digest is removed (`Untagged: name@sha256:…`). One that is
 * not recorded named the image through its tags in that repository (resolve.ts), so those tags
 * are what it refers to: they are removed, and no other repository's. The image itself goes
 * only when neither a tag nor a repo digest is left.
 */
function removeDigestReference(metadata: StoreMetadata, image: StoredImage, reference: string): RemoveEvent[] {
  const events: RemoveEvent[] = [];
  if (image.repoDigests.includes(reference)) {
    image.repoDigests = image.repoDigests.filter((d) => d !== reference);
    events.push({ untagged: familiar(reference) });
  } else {
    for (const t of tagsIn(metadata, image, repositoryOf(reference))) {
      delete metadata.tags[t];
      events.push({ untagged: familiar(t) });
    }
  }
  const tagged = Object.values(metadata.tags).includes(image.manifest.digest);
  if (tagged || image.repoDigests.length > 0) return events;
  return [...events, ...deleteRecord(metadata, image)];
}

/** Drops an image record (after its tags), reporting its repo digests and ID. */
export function deleteRecord(metadata: StoreMetadata, image: StoredImage): RemoveEvent[] {
  const events: RemoveEvent[] = image.repoDigests.map((d) => ({ untagged: familiar(d) }));
  delete metadata.images[image.manifest.digest];
  events.push({ deleted: image.id });
  return events;
}

export function shortId(image: { id: string }): string {
  return image.id.slice('sha256:'.length, 'sha256:'.length + 12);
}
