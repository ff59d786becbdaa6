import type { ImageStore } from '../store/store.js';
import type { ImageRecord } from '../store/types.js';
import { readConfigView } from './config-view.js';
import { parseFormat, renderRows } from './format/go-template.js';
import { filterImages, imageTime, parseImageFilters, sortNewestFirst, type FilterContext } from './format/image-filters.js';
import { IMAGE_HEADERS, IMAGE_TABLE, IMAGE_TABLE_WITH_DIGEST, imageRows } from './format/image-rows.js';
import { truncateId } from './format/table.js';
import { openStore } from './store-access.js';
import { optionalString, print, stringList } from './verb-output.js';

/**
 * `stowage images [REPOSITORY[:TAG]]` / `image ls`: docker's `images` over the local store.
 * Flags as docker's: -a (no intermediate images here, so all are shown anyway), -q, --digests,
 * --no-trunc, --filter (dangling, reference, before, since, label), --format.
 */
export async function images(repository: string | undefined, options: Record<string, unknown>): Promise<void> {
  const filterArgs = stringList(options.filter);
  if (repository !== undefined && repository !== '') filterArgs.push(`reference=${repository}`);
  const spec = parseImageFilters(filterArgs);
  const store = await openStore(options);
  const all = await store.list();
  const context: FilterContext<ImageRecord> = {
    before: await boundary(store, spec.before, Math.min),
    since: await boundary(store, spec.since, Math.max),
  };
  if (spec.labels.length > 0) context.labelsOf = await labelLookup(store, all);
  const selected = sortNewestFirst(filterImages(all, spec, context));
  print(renderImages(selected, options, Date.now()));
}

/** The listing for images already filtered and sorted; `now` dates the CREATED column. */
export function renderImages(selected: ImageRecord[], options: Record<string, unknown>, now: number): string {
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
function quietIds(selected: ImageRecord[], truncate: boolean): string {
  const ids = new Set(selected.map((image) => (truncate ? truncateId(image.id) : image.id)));
  return [...ids].map((id) => `${id}\n`).join('');
}

/** `before=`/`since=` name images; several of one kind narrow to the strictest, as moby does. */
async function boundary(store: ImageStore, names: string[], pick: (...times: number[]) => number): Promise<number | undefined> {
  if (names.length === 0) return undefined;
  const times = await Promise.all(names.map(async (name) => imageTime(await store.resolve(name))));
  return pick(...times);
}

async function labelLookup(store: ImageStore, all: ImageRecord[]): Promise<(image: ImageRecord) => Record<string, string> | undefined> {
  const labels = new Map<string, Record<string, string> | undefined>();
  for (const image of all) {
    if (labels.has(image.id)) continue;
    const config = await readConfigView(store, image);
    labels.set(image.id, config.config?.Labels ?? undefined);
  }
  return (image) => labels.get(image.id);
}
