import { join } from 'node:path';
import { Digest } from '../digest/digest.js';
import type { Descriptor, Platform } from '../oci/descriptor.js';
import { parseManifest } from '../oci/manifest.js';
import { MediaType } from '../oci/media-types.js';
import { familiarString, type Reference } from '../reference/reference.js';
import { writeFileAtomic } from '../fs/durable.js';
import { imageNameAnnotations, parseArchiveReference, type DockerManifestEntry } from './docker-manifest-json.js';
import { blobPath } from './layout-source.js';
import { LayoutArchiveBuilder, OneImageArchiveSink } from './oci-archive.js';
import type { ImageSink } from './types.js';

/**
 * Writes a `docker save` archive the way Docker 25+ does (moby image/tarexport/save.go), so
 * digests survive a round trip: the archive is an OCI layout holding the manifests, configs and
 * layers exactly as copied (compressed layers stay compressed: docker load and skopeo decompress
 * them and compute diff IDs from the content), plus the legacy `manifest.json` and
 * `repositories` that older readers use. One archive holds any number of images (`docker save A
 * B`), each put through its own sink (image()); layers they share are stored once, an image saved
 * under two names is one manifest.json entry with both RepoTags and two index.json entries.
 *
 * Like skopeo, an existing file is replaced (atomically, at write), never added to.
 */
export class DockerArchiveWriter {
  private readonly builder: LayoutArchiveBuilder;
  /** Image manifests put, by digest: what manifest.json lists. */
  private readonly images = new Map<string, { config: Descriptor; layers: Descriptor[] }>();
  /** Indexes put, by digest: their children, to list images in index order with platforms. */
  private readonly indexes = new Map<string, Descriptor[]>();
  /** The images committed, in order, with the name each was saved by. */
  private readonly named: Array<{ top: string; reference: Reference | undefined }> = [];

  private constructor(builder: LayoutArchiveBuilder) {
    this.builder = builder;
  }

  static async create(file: string): Promise<DockerArchiveWriter> {
    return new DockerArchiveWriter(await LayoutArchiveBuilder.create(file));
  }

  /** A sink for one image, named NAME:TAG (the RepoTag `docker load` gives it) or unnamed (loaded by ID). */
  image(name: string, ref?: string): ImageSink {
    const reference = ref === undefined ? undefined : parseArchiveReference(ref);
    const annotations = reference === undefined ? {} : imageNameAnnotations(reference);
    let top: string | undefined;
    const inner = this.builder.image(name, annotations, (manifest) => {
      const parsed = parseManifest(manifest.bytes, manifest.mediaType);
      const digest = manifest.digest.toString();
      if (parsed.kind === 'index') this.indexes.set(digest, parsed.manifests);
      else if (parsed.config !== undefined) this.images.set(digest, { config: parsed.config, layers: parsed.layers });
    });
    return {
      name,
      hasBlob: (descriptor) => inner.hasBlob(descriptor),
      putBlob: (descriptor, stream) => inner.putBlob(descriptor, stream),
      putManifest: (manifest, options) => inner.putManifest(manifest, options).then(() => void (options.top && (top = manifest.digest.toString()))),
      commit: async () => {
        await inner.commit();
        if (top !== undefined) this.named.push({ top, reference });
      },
      close: () => inner.close(),
    };
  }

  /** Writes manifest.json, repositories, index.json and the archive. */
  async write(): Promise<void> {
    const dir = this.builder.workDir;
    const entries: DockerManifestEntry[] = [];
    const byImage = new Map<string, DockerManifestEntry & { RepoTags: string[] }>();
    const repositories: Record<string, Record<string, string>> = {};
    for (const { top, reference } of this.named) {
      const listed = this.imagesUnder(top, undefined, 0);
      const tagged = listed.find((i) => i.platform?.os === 'linux' && i.platform.architecture === 'amd64') ?? listed[0];
      for (const image of listed) {
        const key = [image.config.digest, ...image.layers.map((l) => l.digest)].join(' ');
        let entry = byImage.get(key);
        if (entry === undefined) {
          entry = { Config: path(image.config), RepoTags: [], Layers: image.layers.map(path) };
          byImage.set(key, entry);
          entries.push(entry);
        }
        if (image !== tagged || reference === undefined) continue;
        const tag = familiarString(reference);
        if (!entry.RepoTags.includes(tag)) entry.RepoTags.push(tag);
        // As Docker writes it: familiar name -> tag -> the top layer's file name (its legacy image ID slot).
        const topLayer = image.layers[image.layers.length - 1] ?? image.config;
        const name = familiarString({ ...reference, tag: undefined });
        repositories[name] = { ...repositories[name], [reference.tag ?? 'latest']: Digest.parse(topLayer.digest).hex };
      }
    }
    // docker's json.Encoder output: compact, newline-terminated.
    await writeFileAtomic(join(dir, 'manifest.json'), Buffer.from(`${JSON.stringify(entries)}\n`));
    if (Object.keys(repositories).length > 0) await writeFileAtomic(join(dir, 'repositories'), Buffer.from(`${JSON.stringify(repositories)}\n`));
    await this.builder.write();
  }

  discard(): Promise<void> {
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

/** `docker-archive:FILE[:NAME:TAG]`: an archive of one image (DockerArchiveWriter for several). */
export class DockerArchiveSink extends OneImageArchiveSink {
  static async create(file: string, ref?: string): Promise<DockerArchiveSink> {
    if (ref !== undefined) parseArchiveReference(ref);
    const writer = await DockerArchiveWriter.create(file);
    const name = ref === undefined ? `docker-archive:${file}` : `docker-archive:${file}:${ref}`;
    return new DockerArchiveSink(name, writer.image(name, ref), writer);
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
