import type { CatalogImage } from '../catalog/catalog.js';
import { listImages } from '../ops/images.js';
import { openStoreCatalog, type OpenCatalog } from './catalogs.js';
import { parseFormat, renderRows } from './format/go-template.js';
import { IMAGE_HEADERS, IMAGE_TABLE, IMAGE_TABLE_WITH_DIGEST, imageRows } from './format/image-rows.js';
import { truncateId } from './format/table.js';
import { optionalString, print, stringList } from './verb-output.js';

/**
 * `stowage images [REPOSITORY[:TAG]]` / `image ls`, and `stowage docker images`: docker's
 * `images` over a catalog (the local store, or a Docker root). Flags as docker's: -a
 * (intermediate images; the local store keeps none), -q, --digests, --no-trunc, --filter
 * (dangling, reference, before, since, label), --format. SIZE is docker's: the layers unpacked.
 */
export async function images(repository: string | undefined, options: Record<string, unknown>, open: OpenCatalog = openStoreCatalog): Promise<void> {
  const catalog = await open(options);
  const selected = await listImages(catalog, { reference: repository, filters: stringList(options.filter), all: options.all === true });
  print(renderImages(selected, options, Date.now()));
}

/** The listing for images already filtered and sorted; `now` dates the CREATED column. */
export function renderImages(selected: readonly CatalogImage[], options: Record<string, unknown>, now: number): string {
  const source = optionalString(options.format);
  const truncate = options.trunc !== false;
  const showDigests = options.digests === true;
  // docker: -q only replaces the default table; an explicit --format wins.
  if (options.quiet === true && (source === undefined || source === '' || source === 'table')) {
    return quietIds(selected, truncate);
  }
  const format = parseFormat(source, showDigests ? IMAGE_TABLE_WITH_DIGEST : IMAGE_TABLE);
  if (format.mode === 'table' && showDigests && !format.template.includes('{{.Digest}}')) format.template += '\t{{.Digest}}';
  const needDigest = showDigests || (format.mode !== 'json' && format.template.includes('{{.Digest}}'));
  const rows = imageRows(selected, { truncate, showDigests, needDigest, now });
  return renderRows(format, rows, IMAGE_HEADERS, '*formatter.imageContext');
}

/** -q: each image once (docker repeats an ID per tag; scripts feeding `rmi` want each once). */
function quietIds(selected: readonly CatalogImage[], truncate: boolean): string {
  const ids = new Set(selected.map((image) => (truncate ? truncateId(image.id) : image.id)));
  return [...ids].map((id) => `${id}\n`).join('');
}
