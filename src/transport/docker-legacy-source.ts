import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { detectCompression, MAGIC_LENGTH } from '../compression/decompress.js';
import { Digest } from '../digest/digest.js';
import { StowageError } from '../errors/error.js';
import type { ImageConfig } from '../oci/config.js';
import type { Descriptor } from '../oci/descriptor.js';
import { MediaType } from '../oci/media-types.js';
import type { DockerManifestEntry } from './docker-manifest-json.js';
import type { LayoutFiles } from './layout-files.js';
import type { ImageSource } from './types.js';
import type { ManifestBytes } from '../oci/manifest-bytes.js';

/**
 * An image of a `docker save` archive without a matching OCI manifest (Docker <= 24, skopeo's
 * docker-archive:): such archives hold no manifest, so one is synthesized from manifest.json,
 * a Docker schema 2 manifest whose blobs are the archive's files exactly as stored. The config
 * digest is that of the config file's bytes; each layer's digest, size and media type are those
 * of its file (usually an uncompressed layer.tar, whose digest is then its diff ID), hashed by
 * streaming it once when the source is opened.
 */

const CONFIG_LIMIT = 16 << 20;

interface LayerFile {
  descriptor: Descriptor;
  path: string;
}

export class LegacyDockerSource implements ImageSource {
  readonly name: string;
  private readonly files: LayoutFiles;
  private readonly manifest: ManifestBytes;
  /** Blob digest -> archive path. */
  private readonly paths: Map<string, string>;

  private constructor(name: string, files: LayoutFiles, manifest: ManifestBytes, paths: Map<string, string>) {
    this.name = name;
    this.files = files;
    this.manifest = manifest;
    this.paths = paths;
  }

  static async open(files: LayoutFiles, name: string, entry: DockerManifestEntry): Promise<LegacyDockerSource> {
    const config = await files.read(entry.Config, CONFIG_LIMIT);
    if (config === undefined) throw missing(files, entry.Config);
    checkDiffIdCount(config, entry, files.location);
    const configDigest = Digest.of(config);
    const paths = new Map<string, string>([[configDigest.toString(), entry.Config]]);
    // One hash per file, however many times manifest.json lists it.
    const hashed = new Map<string, LayerFile>();
    const layers: Descriptor[] = [];
    for (const path of entry.Layers) {
      let layer = hashed.get(path);
      if (layer === undefined) {
        layer = { path, descriptor: await describeLayer(files, path) };
        hashed.set(path, layer);
        paths.set(layer.descriptor.digest, path);
      }
      layers.push(layer.descriptor);
    }
    const body = {
      schemaVersion: 2,
      mediaType: MediaType.DOCKER_MANIFEST,
      config: { mediaType: MediaType.DOCKER_CONFIG, size: config.length, digest: configDigest.toString() },
      layers,
    };
    const bytes = Buffer.from(JSON.stringify(body));
    return new LegacyDockerSource(name, files, { bytes, mediaType: MediaType.DOCKER_MANIFEST, digest: Digest.of(bytes) }, paths);
  }

  async getManifest(digest?: Digest): Promise<ManifestBytes> {
    if (digest !== undefined && !digest.equals(this.manifest.digest)) {
      throw new StowageError('MANIFEST_UNKNOWN', `manifest ${digest} is not in ${this.files.location}`);
    }
    return this.manifest;
  }

  async getBlob(descriptor: Descriptor): Promise<Readable> {
    const path = this.paths.get(descriptor.digest);
    const file = path === undefined ? undefined : await this.files.open(path);
    if (file === undefined) throw new StowageError('BLOB_UNKNOWN', `blob ${descriptor.digest} is not in ${this.files.location}`);
    if (file.size !== descriptor.size) {
      file.stream.destroy();
      throw new StowageError('SIZE_INVALID', `blob ${descriptor.digest} is ${file.size} bytes, expected ${descriptor.size}`);
    }
    return file.stream;
  }

  async close(): Promise<void> {
    // Nothing held open.
  }
}

/** Digest, size and media type of a layer file, from one streaming pass over it. */
async function describeLayer(files: LayoutFiles, path: string): Promise<Descriptor> {
  const file = await files.open(path);
  if (file === undefined) throw missing(files, path);
  const hash = createHash('sha256');
  let head = Buffer.alloc(0);
  let size = 0;
  for await (const chunk of file.stream) {
    const bytes = chunk as Buffer;
    if (head.length < MAGIC_LENGTH) head = Buffer.concat([head, bytes.subarray(0, MAGIC_LENGTH - head.length)]);
    hash.update(bytes);
    size += bytes.length;
  }
  // docker load takes zstd, bzip2 and xz layers too, but a Docker schema 2 manifest has no media type for them.
  const compression = detectCompression(head);
  if (compression !== 'none' && compression !== 'gzip') {
    throw new StowageError(
      'UNSUPPORTED',
      `${path} in ${files.location} is ${compression}-compressed; only uncompressed and gzip layers can be described by a Docker manifest`,
    );
  }
  const mediaType = compression === 'gzip' ? MediaType.DOCKER_LAYER : 'application/vnd.docker.image.rootfs.diff.tar';
  return { mediaType, size, digest: `sha256:${hash.digest('hex')}` };
}

/** docker/image-v1.2.md: rootfs.diff_ids lists one diff ID per layer, in order. */
function checkDiffIdCount(config: Buffer, entry: DockerManifestEntry, location: string): void {
  let diffIds: unknown;
  try {
    diffIds = (JSON.parse(config.toString('utf8')) as ImageConfig | null)?.rootfs?.diff_ids;
  } catch {
    throw new StowageError('MANIFEST_INVALID', `${location}: the image config ${entry.Config} is not valid JSON`);
  }
  if (Array.isArray(diffIds) && diffIds.length !== entry.Layers.length) {
    throw new StowageError('MANIFEST_INVALID', `${location}: the image config lists ${diffIds.length} layers, manifest.json ${entry.Layers.length}`);
  }
}

function missing(files: LayoutFiles, path: string): StowageError {
  return new StowageError('MANIFEST_INVALID', `${files.location}: manifest.json names ${JSON.stringify(path)}, which is not in the archive`);
}
