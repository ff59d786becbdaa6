import { renderInfoFormat } from './format/go-template.js';
import { INT, INT64, STRING, type StructType } from './format/template/values.js';
import { humanSizePrecise } from './format/units.js';
import { openStore } from './store-access.js';
import { optionalString, print } from './verb-output.js';

/** What `stowage info` reports; the field names are those of `--format json` and templates. */
export interface StoreInfo {
  StowageRootDir: string;
  Layout: string;
  /** Stowage's own record of images and tags, beside the OCI layout. */
  ImagesJson: string;
  UnpackedLayersDir: string;
  Images: number;
  Tags: number;
  Blobs: number;
  BlobBytes: number;
  UnpackedLayers: number;
  UnpackedBytes: number;
}

/** The Go type templates see: `{{.Images}}` is an int, `{{.Foo}}` is "can't evaluate field Foo". */
const INFO_TYPE: StructType = {
  k: 'struct',
  name: 'stowage.StoreInfo',
  fields: [
    { name: 'StowageRootDir', type: STRING },
    { name: 'Layout', type: STRING },
    { name: 'ImagesJson', type: STRING },
    { name: 'UnpackedLayersDir', type: STRING },
    { name: 'Images', type: INT },
    { name: 'Tags', type: INT },
    { name: 'Blobs', type: INT },
    { name: 'BlobBytes', type: INT64 },
    { name: 'UnpackedLayers', type: INT },
    { name: 'UnpackedBytes', type: INT64 },
  ],
};

export const LAYOUT = 'OCI image layout (oci-layout, index.json, blobs/<algorithm>/<hex>)';

/** `stowage info` / `system info`: `docker info`-style lines, or `--format json` / a template. */
export async function info(options: Record<string, unknown>): Promise<void> {
  const store = await openStore(options);
  const facts = await store.info();
  const data: StoreInfo = {
    StowageRootDir: facts.root,
    Layout: LAYOUT,
    ImagesJson: store.layout.imagesJson,
    UnpackedLayersDir: store.layout.layersDir,
    Images: facts.images,
    Tags: facts.tags,
    Blobs: facts.blobs,
    BlobBytes: facts.blobBytes,
    UnpackedLayers: facts.unpackedLayers,
    UnpackedBytes: facts.unpackedBytes,
  };
  print(renderInfo(data, optionalString(options.format)));
}

export function renderInfo(data: StoreInfo, format: string | undefined): string {
  // docker info's shape: "Key: value", details indented one space under their heading.
  return renderInfoFormat(data, INFO_TYPE, format) ?? [
    `Stowage Root Dir: ${data.StowageRootDir}`,
    ` Layout: ${data.Layout}`,
    ` Images Record: ${data.ImagesJson}`,
    ` Unpacked Layers Dir: ${data.UnpackedLayersDir}`,
    `Images: ${data.Images}`,
    ` Tags: ${data.Tags}`,
    `Blobs: ${data.Blobs}`,
    ` Size: ${humanSizePrecise(data.BlobBytes)}`,
    `Unpacked Layers: ${data.UnpackedLayers}`,
    ` Size: ${humanSizePrecise(data.UnpackedBytes)}`,
    '',
  ].join('\n');
}
