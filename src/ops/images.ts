import type { CatalogImage, ImageCatalog } from '../catalog/catalog.js';
import { filterImages, imageTime, parseImageFilters, sortNewestFirst, type FilterContext } from './image-filters.js';

export interface ListImagesOptions {
  /** REPOSITORY[:TAG], `*` and `?` matching as in docker: the same as a `reference=` filter. */
  reference?: string | undefined;
  /** `--filter key=value`: dangling, reference, before, since, label (image-filters.ts). */
  filters?: readonly string[];
  /** Intermediate images too (docker's -a). */
  all?: boolean;
}

/**
 * `docker images` over any catalog: the images the filters keep, newest first, each with only
 * the names a `reference=` filter matched. Only `before=`/`since=` resolve images and only
 * `label=` reads configs, so a plain listing reads nothing per image.
 */
export async function listImages<I extends CatalogImage>(catalog: ImageCatalog<I>, options: ListImagesOptions = {}): Promise<I[]> {
  const filterArgs = [...(options.filters ?? [])];
  if (options.reference !== undefined && options.reference !== '') filterArgs.push(`reference=${options.reference}`);
  const spec = parseImageFilters(filterArgs);
  const all = await catalog.list({ all: options.all === true });
  const context: FilterContext<I> = {
    before: await boundary(catalog, spec.before, Math.min),
    since: await boundary(catalog, spec.since, Math.max),
  };
  if (spec.labels.length > 0) context.labelsOf = await labelLookup(catalog, all);
  return sortNewestFirst(filterImages(all, spec, context));
}

/** `before=`/`since=` name images; several of one kind narrow to the strictest, as moby does. */
async function boundary<I extends CatalogImage>(catalog: ImageCatalog<I>, names: string[], pick: (...times: number[]) => number): Promise<number | undefined> {
  if (names.length === 0) return undefined;
  const times = await Promise.all(names.map(async (name) => imageTime(await catalog.resolve(name))));
  return pick(...times);
}

async function labelLookup<I extends CatalogImage>(catalog: ImageCatalog<I>, all: I[]): Promise<(image: I) => Record<string, string> | undefined> {
  const labels = new Map<string, Record<string, string> | undefined>();
  for (const image of all) {
    if (labels.has(image.id)) continue;
    const config = await catalog.config(image);
    const found = config.config?.Labels;
    labels.set(image.id, typeof found === 'object' && found !== null ? (found as Record<string, string>) : undefined);
  }
  return (image) => labels.get(image.id);
}
