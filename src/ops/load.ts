import type { Readable } from 'node:stream';
import { plainArchive } from '../compression/plain-archive.js';
import { StowageError } from '../errors/error.js';
import { formatReference, parseReference } from '../reference/reference.js';
import type { ImageStore } from '../store/store.js';
import { DockerArchiveSource } from '../transport/docker-archive.js';
import { IMAGE_NAME_ANNOTATION, normaliseArchiveName, parseManifestJson } from '../transport/docker-manifest-json.js';
import { ArchiveFiles } from '../transport/layout-files.js';
import { readLayoutIndex, REF_NAME_ANNOTATION } from '../transport/layout-source.js';
import { OciArchiveSource } from '../transport/oci-archive.js';
import { TarIndex } from '../tar/file-index.js';
import type { ImageSource } from '../transport/types.js';
import { copyBetween } from './copy.js';
import type { CopyEvent, ImageLoadedEvent } from './progress.js';
import { Scratch, withResources } from './resources.js';

export interface LoadOptions {
  store: ImageStore;
  /**
   * A docker-archive (as `docker save` writes it) or OCI archive, plain or compressed with
   * gzip, zstd, bzip2 or xz: a file, or a stream. A compressed archive, or a stream, is first
   * written out plain to a scratch directory under the store root (an archive is read by seeking).
   */
  input: string | Readable;
  /** Stops the load; scratch directories are removed at once (see Scratch). Images loaded before stay. */
  signal?: AbortSignal;
  /** `image-loaded` as each image is in the store, then the next is read. */
  onProgress?: (event: CopyEvent | ImageLoadedEvent) => void;
}

export interface LoadedImage {
  /** The image ID, `sha256:…` of the config. */
  id: string;
  /** Full references, as `docker load` names them; empty when the archive names the image nowhere. */
  tags: string[];
}

/** `docker load`: every image of the archive into the store, with the names the archive gives them. */
export async function load(options: LoadOptions): Promise<LoadedImage[]> {
  const { store, input, onProgress } = options;
  return withResources(async (scope) => {
    const scratch = scope.own(new Scratch(store, options.signal));
    const { file } = await plainArchive(input, () => scratch.make());
    const loaded: LoadedImage[] = [];
    for (const { open, tags } of await archiveImages(file, typeof input === 'string' ? input : 'standard input')) {
      const id = await withResources(async (image) => {
        const source = image.own(await open());
        const sink = image.own(await store.sink({ tags, repoDigests: [] }));
        const result = await copyBetween(source, sink, { signal: options.signal, onProgress });
        return (await store.resolve(result.digest.toString())).id;
      });
      loaded.push({ id, tags });
      onProgress?.({ type: 'image-loaded', id, tags });
    }
    return loaded;
  });
}

/** The images an archive holds, with the tags `docker load` would give them. */
async function archiveImages(file: string, label: string): Promise<Array<{ open: () => Promise<ImageSource>; tags: string[] }>> {
  const files = new ArchiveFiles(await TarIndex.open(file));
  const manifestJson = await files.read('manifest.json', 16 << 20);
  if (manifestJson) {
    return parseManifestJson(manifestJson, label).map((entry, index) => ({
      open: () => DockerArchiveSource.open(file, `@${index}`),
      tags: (entry.RepoTags ?? []).map((t) => formatReference(parseReference(t))),
    }));
  }
  const entries = await readLayoutIndex(files);
  if (entries.length === 0) throw new StowageError('MANIFEST_UNKNOWN', `${label} holds no image`);
  return entries.map((entry, index) => {
    const name = entry.annotations?.[IMAGE_NAME_ANNOTATION] ?? entry.annotations?.[REF_NAME_ANNOTATION];
    const tag = name && /[/:]/.test(name) ? normaliseArchiveName(name) : undefined;
    return { open: () => OciArchiveSource.open(file, `@${index}`), tags: tag ? [tag] : [] };
  });
}
