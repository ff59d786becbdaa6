import { createHash } from 'node:crypto';
import { StowageError } from '../../errors/error.js';
import type { ImageConfig } from '../../oci/config.js';
import type { ImageSource } from '../../transport/types.js';
import type { ConfinedFs } from '../confined-fs.js';
import { createLayerSource } from '../layer-source.js';
import type { DockerImage, DockerLayer } from '../model.js';
import { assembleLayer } from '../tarsplit/index.js';
import type { Chain } from './chains.js';
import type { GraphEntry } from './graph-entry.js';
import { shortId } from './ids.js';
import { v12Config } from './v12-config.js';

/**
 * Exporting a legacy image. Nothing before 1.10 recorded a diff ID, so each layer's tar is
 * first rebuilt from its tar-data.json.gz and hashed (as docker 1.10's migration did,
 * layer/migration.go ChecksumForGraphID), then the image is served as a graph-driver image
 * would be: the config docker 1.10 would have made of it (v12-config.ts), a schema 2 manifest
 * with uncompressed layers (layer-source.ts), the tars rebuilt again as they are read.
 */

/** What load.ts keeps of a root for exporting its images. */
export interface LegacyStore {
  fs: ConfinedFs;
  entries: ReadonlyMap<string, GraphEntry>;
  chains: ReadonlyMap<string, Chain>;
  /** Legacy layer ID -> its diff ID being or already computed: each tar is hashed once per view. */
  diffIds: Map<string, Promise<string>>;
}

export async function openLegacySource(store: LegacyStore, image: DockerImage): Promise<ImageSource> {
  const chain = store.chains.get(image.id);
  if (chain === undefined) throw new StowageError('NAME_UNKNOWN', `image ${shortId(image.id)} is not an image of the legacy root ${store.fs.root}`);
  if (chain.broken !== undefined) throw new StowageError('LAYER_INVALID', `image ${shortId(image.id)} cannot be exported: ${chain.broken}`);
  const diffIds: string[] = [];
  for (const layer of image.layers) {
    const diffId = await diffIdOf(store, layer, image);
    // The view's layer learns its diff ID (see layerOf in load.ts).
    layer.diffId = diffId;
    diffIds.push(diffId);
  }
  const chainJson = chain.ids.map((id) => {
    const entry = store.entries.get(id) as GraphEntry;
    return { bytes: entry.jsonBytes, json: entry.json };
  });
  const configBytes = v12Config(chainJson, diffIds);
  const synthesised: DockerImage = {
    ...image,
    configBytes,
    config: JSON.parse(configBytes.toString('utf8')) as ImageConfig,
    layers: image.layers.map((layer) => ({ ...layer })),
  };
  return createLayerSource(store.fs, synthesised);
}

function diffIdOf(store: LegacyStore, layer: DockerLayer, image: DockerImage): Promise<string> {
  let pending = store.diffIds.get(layer.chainId);
  if (pending === undefined) {
    pending = hashLayer(store.fs, layer, image);
    store.diffIds.set(layer.chainId, pending);
    // A failure is not remembered: the next export tries again (a file may have been restored).
    pending.catch(() => store.diffIds.delete(layer.chainId));
  }
  return pending;
}

/** sha256 of the layer's tar rebuilt from its tar-split: its diff ID (image-spec, "DiffID"). */
async function hashLayer(fs: ConfinedFs, layer: DockerLayer, image: DockerImage): Promise<string> {
  const label = `legacy layer ${shortId(layer.chainId)}`;
  const lacking = (what: string): StowageError =>
    new StowageError('LAYER_INVALID', `${label} (of image ${image.repoTags[0] ?? shortId(image.id)}): ${what}; its tar cannot be rebuilt`);
  if (layer.tarSplit === undefined) throw lacking('graph/<id>/tar-data.json.gz is missing');
  if (layer.directory === undefined) throw lacking('its layer directory is missing or unreadable');
  const hash = createHash('sha256');
  for await (const chunk of assembleLayer({ fs, directory: layer.directory, tarSplit: layer.tarSplit, label })) {
    hash.update(chunk as Buffer);
  }
  return `sha256:${hash.digest('hex')}`;
}
