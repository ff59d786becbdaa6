import type { DockerImage } from '../../dockerroot/model.js';
import { imageSize, withoutIntermediates } from '../../dockerroot/disk-usage.js';
import { parseFormat, renderRows } from '../format/go-template.js';
import { filterImages, parseImageFilters, sortNewestFirst } from '../format/image-filters.js';
import { IMAGE_HEADERS, IMAGE_TABLE, IMAGE_TABLE_WITH_DIGEST, imageRows, type ListedImage } from '../format/image-rows.js';
import { truncateId } from '../format/table.js';
import { optionalString, print, stringList } from '../verb-output.js';
import { openRoot } from './open-root.js';

/**
 * `stowage docker images [REPOSITORY[:TAG]]`: `docker images` answered from the files of a
 * Docker root. Same columns and flags (-a, -q, --digests, --no-trunc, --filter, --format);
 * SIZE is the sum of the layers' recorded sizes, as the daemon computes it.
 */
export async function dockerImages(repository: string | undefined, options: Record<string, unknown>): Promise<void> {
  const filterArgs = stringList(options.filter);
  if (repository !== undefined && repository !== '') filterArgs.push(`reference=${repository}`);
  const spec = parseImageFilters(filterArgs);
  const { view } = await openRoot(options);
  const shown = options.all === true ? view.images : withoutIntermediates(view.images);
  const listed = shown.map(toListed);
  const labels = new Map(shown.map((image) => [image.id, labelsOf(image)]));
  const selected = sortNewestFirst(filterImages(listed, spec, { labelsOf: (image) => labels.get(image.id) }));
  print(renderListing(selected, options, Date.now()));
}

export function toListed(image: DockerImage): ListedImage {
  return { id: image.id, repoTags: image.repoTags, repoDigests: image.repoDigests, created: image.config.created, pulled: image.lastTagTime, size: imageSize(image) };
}

function labelsOf(image: DockerImage): Record<string, string> | undefined {
  const labels = (image.config.config as { Labels?: unknown } | undefined)?.Labels;
  return typeof labels === 'object' && labels !== null ? (labels as Record<string, string>) : undefined;
}

function renderListing(selected: ListedImage[], options: Record<string, unknown>, now: number): string {
  const source = optionalString(options.format);
  const truncate = options.trunc !== false;
  const showDigests = options.digests === true;
  if (options.quiet === true && (source === undefined || source === '' || source === 'table')) {
    // docker prints an ID once per row; -q de-duplicates as `docker images -q` does.
    const ids = new Set(selected.map((image) => (truncate ? truncateId(image.id) : image.id)));
    return [...ids].map((id) => `${id}\n`).join('');
  }
  const format = parseFormat(source, showDigests ? IMAGE_TABLE_WITH_DIGEST : IMAGE_TABLE);
  if (format.mode === 'table' && showDigests && !format.template.includes('{{.Digest}}')) format.template += '\t{{.Digest}}';
  const needDigest = showDigests || (format.mode !== 'json' && format.template.includes('{{.Digest}}'));
  return renderRows(format, imageRows(selected, { truncate, showDigests, needDigest, now }), IMAGE_HEADERS, '*formatter.imageContext');
}
