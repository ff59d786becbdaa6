import { StowageError } from '../errors/error.js';
import { parseReference } from '../reference/reference.js';
import type { StoreMetadata, StoredImage } from './metadata.js';
import { familiar } from './records.js';
import { resolveImage } from './resolve.js';
import type { RemoveEvent } from './types.js';

/**
 * What `rmi` does to images.json, with docker's rules (docker/daemon/images/image_delete.go):
 * naming a tag untags it, and deletes the image only if that was its last tag; naming the
 * image by ID untags all its tags and deletes it, but refuses without force when the tags
 * span several repositories. Returns the events to print; blobs are collected afterwards.
 */
export function removeImage(metadata: StoreMetadata, input: string, force: boolean): RemoveEvent[] {
  const { image, tag } = resolveImage(metadata, input);
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
      throw new StowageError(
        'DENIED',
        `conflict: unable to delete ${shortId(image)} (must be forced) - image is referenced in multiple repositories`,
      );
    }
    for (const t of tags) {
      delete metadata.tags[t];
      events.push({ untagged: familiar(t) });
    }
  }
  return [...events, ...deleteRecord(metadata, image)];
}

/** Drops an image record (after its tags), reporting its repo digests and ID. */
export function deleteRecord(metadata: StoreMetadata, image: StoredImage): RemoveEvent[] {
  const events: RemoveEvent[] = image.repoDigests.map((d) => ({ untagged: familiar(d) }));
  delete metadata.images[image.manifest.digest];
  events.push({ deleted: image.id });
  return events;
}

function repositoryOf(reference: string): string {
  const parsed = parseReference(reference);
  return `${parsed.domain}/${parsed.path}`;
}

export function shortId(image: { id: string }): string {
  return image.id.slice('sha256:'.length, 'sha256:'.length + 12);
}
