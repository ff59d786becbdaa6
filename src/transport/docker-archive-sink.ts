import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { Digest } from '../digest/digest.js';
import type { Descriptor, Platform } from '../oci/descriptor.js';
import { parseManifest } from '../oci/manifest.js';
import { MediaType } from '../oci/media-types.js';
import { familiarString, formatReference, type Reference } from '../reference/reference.js';
import { writeFileAtomic } from './atomic-file.js';
import { IMAGE_NAME_ANNOTATION, parseArchiveReference, type DockerManifestEntry } from './docker-manifest-json.js';
import { blobPath } from './layout-source.js';
import { LayoutArchiveBuilder } from './oci-archive.js';
import type { ImageSink, ManifestBytes } from './types.js';

/**
 * Writes `docker-archive:FILE[:NAME:TAG]` the way Docker 25+ `docker save` does (moby
 * image/tarexport/save.go), so digests survive a round trip: the archive is an OCI layout
 * holding the manifests, configs and layers exactly as copied (compressed layers stay
 * compressed: docker load and skopeo decompress them and compute diff IDs from the content),
 * plus the legacy `manifest.json` and `repositories` that older readers use.
 *
 * Like skopeo, an existing file is replaced (atomically, at commit), never added to.
 */
export class DockerArchiveSink implements ImageSink {
  readonly name: string;
  private readonly builder: LayoutArchiveBuilder;
  private readonly reference: Reference | undefined;
  /** Image manifests put, by digest: what manifest.json lists. */
  private readonly images = new Map<string, { config: Descriptor; layers: Descriptor[] }>();
  /** Indexes put, by digest: their children, to list images in index order with platforms. */
  private readonly indexes = new Map<string, Descriptor[]>();
  private top: string | undefined;

  private constructor(name: string, builder: LayoutArchiveBuilder, reference: Reference | undefined) {
    this.name = name;
    this.builder = builder;
    this.reference = reference;
  }

  static async create(file: string, ref?: string): Promise<DockerArchiveSink> {
    const reference = ref === undefined ? undefined : parseArchiveReference(ref);
    // Docker 25+ annotates each index.json entry with the full name and the tag.
    const builder = await LayoutArchiveBuilder.create(
      file,
      reference?.tag,
      reference === undefined ? {} : { annotations: { [IMAGE_NAME_ANNOTATION]: formatReference(reference) } },
    );
    return new DockerArchiveSink(ref === undefined ? `docker-archive:${file}` : `docker-archive:${file}:${ref}`, builder, reference);
  }

  hasBlob(descriptor: Descriptor): Promise<boolean> {
    return this.builder.layout.hasBlob(descriptor);
  }

  putBlob(descriptor: Descriptor, stream: Readable): Promise<void> {
    return this.builder.layout.putBlob(descriptor, stream);
  }

  async putManifest(manifest: ManifestBytes, options: { top: boolean }): Promise<void> {
    const parsed = parseManifest(manifest.bytes, manifest.mediaType);
    await this.builder.layout.putManifest(manifest, options);
    const digest = manifest.digest.toString();
    if (parsed.kind === 'index') this.indexes.set(digest, parsed.manifests);
    else if (parsed.config !== undefined) this.images.set(digest, { config: parsed.config, layers: parsed.layers });
    if (options.top) this.top = digest;
  }

  async commit(): Promise<void> {
    const dir = this.builder.workDir;
    const listed = this.top === undefined ? [] : this.imagesUnder(this.top, undefined, 0);
    const tagged = listed.find((i) => i.platform?.os === 'linux' && i.platform.architecture === 'amd64') ?? listed[0];
    const entries: DockerManifestEntry[] = listed.map((image) => ({
      Config: path(image.config),
      RepoTags: image === tagged && this.reference !== undefined ? [familiarString(this.reference)] : [],
      Layers: image.layers.map(path),
    }));
    // docker's json.Encoder output: compact, newline-terminated.
    await writeFileAtomic(join(dir, 'manifest.json'), Buffer.from(`${JSON.stringify(entries)}\n`));
    if (this.reference !== undefined && tagged !== undefined) {
      // As Docker writes it: familiar name -> tag -> the top layer's file name (its legacy image ID slot).
      const top = tagged.layers[tagged.layers.length - 1] ?? tagged.config;
      const name = familiarString({ ...this.reference, tag: undefined });
      const repositories = { [name]: { [this.reference.tag ?? 'latest']: Digest.parse(top.digest).hex } };
      await writeFileAtomic(join(dir, 'repositories'), Buffer.from(`${JSON.stringify(repositories)}\n`));
    }
    await this.builder.write();
  }

  close(): Promise<void> {
    return this.builder.discard();
  }

  /**
   * The images manifest.json lists, in index order. Attestation manifests (platform
   * unknown/unknown) and artifacts (a config that is not an image config) are left out: docker
   * load would try to load them as images. They stay in the OCI part.
   */
  private imagesUnder(digest: string, platform: Platform | undefined, depth: number): Array<ListedImage> {
    const image = this.images.get(digest);
    if (image !== undefined) {
      const isImage = image.config.mediaType === MediaType.OCI_CONFIG || image.config.mediaType === MediaType.DOCKER_CONFIG;
      const isAttestation = platform?.os === 'unknown' && platform.architecture === 'unknown';
      return isImage && !isAttestation ? [{ ...image, platform }] : [];
    }
    const children = this.indexes.get(digest);
    if (children === undefined || depth > 8) return [];
    return children.flatMap((child) => this.imagesUnder(child.digest, child.platform ?? platform, depth + 1));
  }
}

interface ListedImage {
  config: Descriptor;
  layers: Descriptor[];
  platform: Platform | undefined;
}

function path(descriptor: Descriptor): string {
  return blobPath(Digest.parse(descriptor.digest));
}
