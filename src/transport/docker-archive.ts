import type { Readable } from 'node:stream';
import { Digest } from '../digest/digest.js';
import { isStowageError, StowageError } from '../errors/error.js';
import type { Descriptor } from '../oci/descriptor.js';
import { parseManifest } from '../oci/manifest.js';
import { isManifestMediaType } from '../oci/media-types.js';
import { formatReference } from '../reference/reference.js';
import { LegacyDockerSource } from './docker-legacy-source.js';
import {
  entryMatches,
  IMAGE_NAME_ANNOTATION,
  MANIFEST_JSON_LIMIT,
  normaliseArchiveName,
  parseArchiveReference,
  parseManifestJson,
  selectManifestEntry,
  type DockerManifestEntry,
} from './docker-manifest-json.js';
import { ArchiveFiles, type LayoutFiles } from './layout-files.js';
import { blobPath, LayoutSource, MANIFEST_LIMIT, readLayoutIndex } from './layout-source.js';
import { TarIndex } from '../tar/file-index.js';
import type { ImageSource } from './types.js';
import type { ManifestBytes } from '../oci/manifest-bytes.js';

export { DockerArchiveSink, DockerArchiveWriter } from './docker-archive-sink.js';

/**
 * `docker-archive:FILE[:NAME:TAG|:@N]`, the `docker save` format, read in place. An archive
 * written by Docker 25+ (or by DockerArchiveSink) is also an OCI layout holding the original
 * manifests: the image is then served from it, digests identical. Older archives (Docker <= 24,
 * skopeo) hold only manifest.json, and a manifest is synthesized (LegacyDockerSource).
 */
export class DockerArchiveSource implements ImageSource {
  readonly name: string;
  private readonly inner: ImageSource;

  private constructor(name: string, inner: ImageSource) {
    this.name = name;
    this.inner = inner;
  }

  static async open(file: string, ref?: string): Promise<DockerArchiveSource> {
    const name = ref === undefined ? `docker-archive:${file}` : `docker-archive:${file}:${ref}`;
    const files = new ArchiveFiles(await TarIndex.open(file));
    return new DockerArchiveSource(name, await openImage(files, file, name, ref));
  }

  getManifest(digest?: Digest): Promise<ManifestBytes> {
    return this.inner.getManifest(digest);
  }

  getBlob(descriptor: Descriptor): Promise<Readable> {
    return this.inner.getBlob(descriptor);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

async function openImage(files: ArchiveFiles, file: string, name: string, ref: string | undefined): Promise<ImageSource> {
  const manifestJson = await files.read('manifest.json', MANIFEST_JSON_LIMIT);
  if (manifestJson === undefined) {
    throw new StowageError('MANIFEST_INVALID', `${file} is not a docker-archive: it has no manifest.json (an OCI archive is read with oci-archive:)`);
  }
  const entries = parseManifestJson(manifestJson, file);
  const layout = (await files.size('oci-layout')) !== undefined ? await readLayoutIndex(files) : undefined;

  // An index.json entry named directly: the whole index of a multi-arch save, or the manifest.
  if (layout !== undefined) {
    const direct = directEntry(layout, ref);
    if (direct !== undefined && (await servesEntry(files, direct, entries, ref === undefined))) {
      return new LayoutSource(files, name, direct);
    }
  }
  const entry = selectManifestEntry(entries, ref, file);
  if (layout !== undefined) {
    const match = await findManifest(files, layout, entry);
    if (match !== undefined) return new LayoutSource(files, name, match);
  }
  return LegacyDockerSource.open(files, name, entry);
}

/** Without a ref, the only index.json entry; with NAME:TAG, the entry Docker 25+ annotated with that name. */
function directEntry(layout: Descriptor[], ref: string | undefined): Descriptor | undefined {
  if (ref === undefined) return layout.length === 1 ? layout[0] : undefined;
  if (ref.startsWith('@')) return undefined;
  const wanted = formatReference(parseArchiveReference(ref));
  return layout.find((d) => {
    const annotated = d.annotations?.[IMAGE_NAME_ANNOTATION];
    return annotated !== undefined && normaliseArchiveName(annotated) === wanted;
  });
}

/**
 * Whether an index.json entry can be served as it stands. An index is (it is the multi-arch
 * image whole). A manifest must be one manifest.json describes: an archive whose OCI part
 * disagrees with manifest.json (a tool that wrote an incomplete one) is read the legacy way.
 * Unnamed, a manifest is the answer only if it is the archive's only image: Docker lists
 * untagged images in manifest.json but not in index.json, so one entry there proves nothing.
 */
async function servesEntry(files: LayoutFiles, entry: Descriptor, images: DockerManifestEntry[], unnamed: boolean): Promise<boolean> {
  const manifest = await readManifest(files, entry.digest);
  if (manifest === undefined) return false;
  if (manifest.kind === 'index') return true;
  if (unnamed && images.length > 1) return false;
  return images.some((image) => entryMatches(image, manifest));
}

/** Bounds on the walk through the archive's indexes, against a hostile or looping archive. */
const WALK_LIMIT = 1000;

/** The image manifest in the OCI part that a manifest.json entry describes (config and layers equal). */
async function findManifest(files: LayoutFiles, layout: Descriptor[], entry: DockerManifestEntry): Promise<Descriptor | undefined> {
  const queue = [...layout];
  const seen = new Set<string>();
  for (let i = 0; i < queue.length && seen.size < WALK_LIMIT; i++) {
    const descriptor = queue[i];
    if (descriptor === undefined || seen.has(descriptor.digest) || !isManifestMediaType(descriptor.mediaType)) continue;
    seen.add(descriptor.digest);
    const manifest = await readManifest(files, descriptor.digest);
    if (manifest === undefined) continue;
    if (manifest.kind === 'index') queue.push(...manifest.manifests);
    else if (entryMatches(entry, manifest)) return descriptor;
  }
  return undefined;
}

/** A manifest of the OCI part, parsed; undefined when absent, corrupt or not a manifest (the caller falls back). */
async function readManifest(files: LayoutFiles, digest: string): Promise<ReturnType<typeof parseManifest> | undefined> {
  try {
    const parsed = Digest.parse(digest);
    const bytes = await files.read(blobPath(parsed), MANIFEST_LIMIT);
    if (bytes === undefined || !Digest.of(bytes, parsed.algorithm).equals(parsed)) return undefined;
    return parseManifest(bytes);
  } catch (err) {
    if (isStowageError(err)) return undefined;
    throw err;
  }
}
