import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { familiarString, formatReference, parseReference, tryParseReference } from '../reference/reference.js';
import type { ImageStore } from '../store/store.js';
import type { ImageRecord } from '../store/types.js';
import { DockerArchiveWriter } from '../transport/docker-archive.js';
import { imageNameAnnotations, normaliseArchiveName, savedTag } from '../transport/docker-manifest-json.js';
import { LayoutArchiveBuilder } from '../transport/oci-archive.js';
import type { ImageSink } from '../transport/types.js';
import { copyBetween } from './copy.js';
import type { CopyEvent } from './progress.js';
import { Scratch, withResources } from './resources.js';

export interface SaveOptions {
  store: ImageStore;
  /**
   * A file (replaced atomically: never a truncated archive under its name), or a stream. An
   * archive needs seeking to write, so one for a stream is built in a scratch directory under
   * the store root first (the store's file system holds the images already; the system's tmpdir
   * is often a small tmpfs), removed afterwards.
   */
  output: string | Writable;
  /** `docker` (the `docker save` format, the default) or `oci` (an OCI archive, images named as Docker 25+ names them). */
  format?: 'docker' | 'oci';
  /** Stops the save; scratch directories are removed at once (see Scratch). */
  signal?: AbortSignal;
  onProgress?: (event: CopyEvent) => void;
}

export interface SavedImage {
  image: ImageRecord;
  /** The tag it is saved under (its RepoTag in the archive); none for an image saved by ID or digest. */
  tag: string | undefined;
}

/**
 * `docker save IMAGE...`: every image named in one archive, the layers they share stored once.
 * Returns what was saved, in archive order.
 */
export async function save(names: readonly string[], options: SaveOptions): Promise<SavedImage[]> {
  const { store, output } = options;
  const images = await savedImages(store, names);
  await withResources(async (scope) => {
    const scratch = scope.own(new Scratch(store, options.signal));
    const file = typeof output === 'string' ? output : join(await scratch.make(), 'image.tar');
    await writeArchive(file, images, options);
    if (typeof output !== 'string') await pipeline(createReadStream(file), output);
  });
  return images;
}

/** The archive, its working copy discarded before a copy to a stream starts (the disk holds one archive at a time). */
async function writeArchive(file: string, images: SavedImage[], options: SaveOptions): Promise<void> {
  await withResources(async (scope) => {
    const archive = await openArchiveWriter(file, options.format === 'oci');
    scope.defer(() => archive.discard());
    for (const { image, tag } of images) {
      await copyBetween(options.store.source(image), archive.image(tag), { signal: options.signal, onProgress: options.onProgress });
    }
    await archive.write();
  });
}

/**
 * The images `docker save NAME...` writes, each with the tag it is saved under (moby
 * tarexport/save.go parseNames): a bare repository name is every tag of it; NAME:TAG that tag;
 * an ID or NAME@DIGEST the image untagged (docker load then answers with its ID).
 */
async function savedImages(store: ImageStore, names: readonly string[]): Promise<SavedImage[]> {
  const result: SavedImage[] = [];
  const add = (image: ImageRecord, tag: string | undefined): void => {
    if (!result.some((r) => r.image.manifest.digest === image.manifest.digest && r.tag === tag)) result.push({ image, tag });
  };
  for (const name of names) {
    const reference = tryParseReference(name);
    const nameOnly = reference !== undefined && !name.includes('@') && !/:[^/]*$/.test(name);
    if (nameOnly) {
      const repository = formatReference({ domain: reference.domain, path: reference.path });
      const tagged = (await store.list()).flatMap((image) =>
        image.repoTags.filter((t) => normalise(t).startsWith(`${repository}:`)).map((t) => ({ image, tag: familiarString(parseReference(t)) })),
      );
      if (tagged.length > 0) {
        tagged
          .sort((a, b) => (a.tag < b.tag ? -1 : 1))
          .forEach(({ image, tag }) => {
            add(image, tag);
          });
        continue;
      }
    }
    const image = await store.resolve(name);
    add(image, savedTag(name, image.repoTags));
  }
  return result;
}

/** The archive save writes: docker-archive, or with --format oci an OCI archive named as Docker 25+ names images. */
async function openArchiveWriter(
  file: string,
  oci: boolean,
): Promise<{ image(tag: string | undefined): ImageSink; write(): Promise<void>; discard(): Promise<void> }> {
  if (!oci) {
    const writer = await DockerArchiveWriter.create(file);
    return { image: (tag) => writer.image(`docker-archive:${file}${tag ? `:${tag}` : ''}`, tag), write: () => writer.write(), discard: () => writer.discard() };
  }
  const builder = await LayoutArchiveBuilder.create(file);
  return {
    image: (tag) => builder.image(`oci-archive:${file}`, tag === undefined ? {} : imageNameAnnotations(parseReference(tag))),
    write: () => builder.write(),
    discard: () => builder.discard(),
  };
}

function normalise(tag: string): string {
  return normaliseArchiveName(tag) ?? tag;
}
