// A graph-driver image (overlay2, vfs, aufs, the legacy graph) as an ImageSource. Docker keeps
// no manifest for it, and its layers only unpacked; like `docker save` and `docker push`, we
// rebuild each layer's tar from its tar-split and directory. The manifest is synthesised as
// Docker schema 2 (docker/manifest-v2-2.md) with uncompressed layers, so every layer's digest
// is its diff ID and the config is the stored one: `docker load` of the result gives the same
// IMAGE ID.

import { Readable } from 'node:stream';
import { Digest } from '../digest/digest.js';
import { StowageError } from '../errors/error.js';
import type { Descriptor } from '../oci/descriptor.js';
import { MediaType } from '../oci/media-types.js';
import type { ImageSource } from '../transport/types.js';
import type { ManifestBytes } from '../oci/manifest-bytes.js';
import type { ConfinedFs } from './confined-fs.js';
import type { DockerImage, DockerLayer } from './model.js';
import { assembleLayer, layerTarSize } from './tarsplit/index.js';

/** docker/manifest-v2-2.md: an uncompressed layer (MediaType has only the gzip one). */
export const DOCKER_LAYER_TAR = 'application/vnd.docker.image.rootfs.diff.tar';

interface RebuildableLayer {
  diffId: string;
  directory: string;
  tarSplit: string;
  label: string;
}

export async function createLayerSource(fs: ConfinedFs, image: DockerImage): Promise<ImageSource> {
  const layers = image.layers.map((layer, i) => rebuildable(layer, i, image));
  checkDiffIds(image);
  return new GraphLayerSource(fs, image, layers);
}

class GraphLayerSource implements ImageSource {
  readonly name: string;
  private readonly configDigest: string;
  private manifest: Promise<ManifestBytes> | undefined;

  constructor(
    private readonly fs: ConfinedFs,
    private readonly image: DockerImage,
    private readonly layers: RebuildableLayer[],
  ) {
    this.name = `docker-root:${image.repoTags[0] ?? image.id}`;
    this.configDigest = Digest.of(image.configBytes).toString();
  }

  getManifest(digest?: Digest): Promise<ManifestBytes> {
    // Each size means reading a whole tar-split: done once, and only when asked for.
    this.manifest ??= this.synthesise();
    const manifest = this.manifest;
    if (digest === undefined) return manifest;
    return manifest.then((m) => {
      if (!m.digest.equals(digest)) throw new StowageError('MANIFEST_UNKNOWN', `manifest ${digest} is not in ${this.name}`);
      return m;
    });
  }

  async getBlob(descriptor: Descriptor): Promise<Readable> {
    if (descriptor.digest === this.configDigest) return Readable.from([this.image.configBytes], { objectMode: false });
    const layer = this.layers.find((l) => l.diffId === descriptor.digest);
    if (layer === undefined) throw new StowageError('BLOB_UNKNOWN', `blob ${descriptor.digest} is not in ${this.name}`);
    return assembleLayer({ fs: this.fs, directory: layer.directory, tarSplit: layer.tarSplit, label: layer.label });
  }

  async close(): Promise<void> {
    // Nothing held open: each blob stream opens and closes its own files.
  }

  private async synthesise(): Promise<ManifestBytes> {
    const layers: Descriptor[] = [];
    for (const layer of this.layers) {
      const size = await layerTarSize({ fs: this.fs, tarSplit: layer.tarSplit, label: layer.label });
      layers.push({ mediaType: DOCKER_LAYER_TAR, size, digest: layer.diffId });
    }
    const body = {
      schemaVersion: 2,
      mediaType: MediaType.DOCKER_MANIFEST,
      config: { mediaType: MediaType.DOCKER_CONFIG, size: this.image.configBytes.length, digest: this.configDigest },
      layers,
    };
    const bytes = Buffer.from(JSON.stringify(body));
    return { bytes, mediaType: MediaType.DOCKER_MANIFEST, digest: Digest.of(bytes) };
  }
}

/** A layer with what a rebuild needs, or an error naming what the store lacks. */
function rebuildable(layer: DockerLayer, index: number, image: DockerImage): RebuildableLayer {
  const label = `layer ${layer.diffId}`;
  const lacking = (what: string): StowageError =>
    new StowageError('LAYER_INVALID', `${label} (layer ${index + 1} of image ${image.repoTags[0] ?? image.id}): ${what}; its tar cannot be rebuilt`);
  if (!Digest.isValid(layer.diffId)) throw lacking('the diff ID is not a digest');
  if (layer.tarSplit === undefined) throw lacking('the store has no tar-split for it');
  if (layer.directory === undefined) throw lacking('the store has no directory for it');
  return { diffId: layer.diffId, directory: layer.directory, tarSplit: layer.tarSplit, label };
}

/** The config's rootfs.diff_ids and the layers found must agree, or the manifest would lie. */
function checkDiffIds(image: DockerImage): void {
  const expected = image.config.rootfs?.diff_ids ?? [];
  const found = image.layers.map((l) => l.diffId);
  if (expected.length !== found.length || expected.some((d, i) => d !== found[i])) {
    throw new StowageError('CONFIG_INVALID', `image ${image.id}: its config lists ${expected.length} diff IDs, the store ${found.length} layers, not the same`);
  }
}
