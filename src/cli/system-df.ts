import type { CatalogUsage } from '../catalog/usage.js';
import { diskUsage, usageTotals, type UsageTotal } from '../ops/disk-usage.js';
import { openStoreCatalog, type OpenCatalog } from './catalogs.js';
import { parseFormat, renderDiskUsage, renderRows, type Row } from './format/go-template.js';
import { firstName, imageRow } from './format/image-rows.js';
import { renderTable } from './format/table.js';
import { humanSizePrecise } from './format/units.js';
import { CONTAINER_DU_COLUMNS, containerCells, containerRow, VOLUME_DU_COLUMNS, volumeRow } from './format/usage-rows.js';
import { optionalString, print } from './verb-output.js';

/**
 * `stowage system df [-v]` and `stowage docker df [-v] [--exact]`: docker's disk usage table
 * (cli/command/formatter/disk_usage.go): TYPE TOTAL ACTIVE SIZE RECLAIMABLE with its Images,
 * Containers, Local Volumes and Build Cache rows, over a catalog. Images counts what docker
 * counts: each layer once, at its unpacked size. The local store runs nothing (no containers or
 * volumes, no image ACTIVE, as docker shows images without containers) and adds an "Unpacked"
 * row for unpacked layers and a "Content" row for the blobs as stored. A Docker root's sizes
 * come from layerdb (`--exact` walks the layer directories instead); containers' writable
 * layers and volumes are walked, as the daemon does. Build cache is not read (0B).
 */

export const DF_TABLE = '{{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}';
export const DF_HEADERS = { Type: 'TYPE', TotalCount: 'TOTAL', Active: 'ACTIVE', Size: 'SIZE', Reclaimable: 'RECLAIMABLE' };
export const IMAGE_DU_TABLE = '{{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}\t{{.SharedSize}}\t{{.UniqueSize}}\t{{.Containers}}';

export async function systemDf(options: Record<string, unknown>, open: OpenCatalog = openStoreCatalog): Promise<void> {
  const usage = await diskUsage(await open(options), { exact: options.exact === true });
  const format = optionalString(options.format);
  print(options.verbose === true ? verbose(usage, format, Date.now()) : summary(usage, format));
}

export function summary(usage: CatalogUsage, format: string | undefined): string {
  return renderRows(parseFormat(format, DF_TABLE), usageTotals(usage).map(dfRow), DF_HEADERS, '*formatter.diskUsageImagesContext');
}

function dfRow({ type, total, active, size, reclaimable }: UsageTotal): Row {
  // docker: "1.2MB (45%)", the percentage an integer division; no percentage when SIZE is 0.
  const share = size > 0 ? ` (${Math.trunc((reclaimable * 100) / size)}%)` : '';
  return {
    Type: type,
    TotalCount: String(total),
    Active: String(active),
    Size: humanSizePrecise(size),
    Reclaimable: `${humanSizePrecise(reclaimable)}${share}`,
  };
}

/** `-v`: docker's four sections, then a line each for what the catalog holds beyond them. */
export function verbose(usage: CatalogUsage, format: string | undefined, now: number): string {
  const truncate = format === undefined || format === '' || format.startsWith('table');
  const imageRows = usage.images.map(({ image, sharedSize, uniqueSize, containers }) => {
    const { repository, tag } = firstName(image);
    return imageRow(image, repository, tag, '', {
      truncate,
      showDigests: false,
      needDigest: false,
      now,
      usage: () => ({ sharedSize, uniqueSize, containers: containers ?? 0 }),
    });
  });
  const containerRows = (usage.containers ?? []).map((c) => containerRow(c, now, truncate));
  const volumeRows = (usage.volumes ?? []).map(volumeRow);
  if (format !== undefined && format !== '' && format !== 'table') {
    return renderDiskUsage(format, { Images: imageRows, Containers: containerRows, Volumes: volumeRows, BuildCache: [] });
  }
  return [
    'Images space usage:\n\n',
    renderRows(parseFormat('table', IMAGE_DU_TABLE), imageRows, IMAGE_DU_HEADERS, '*formatter.imageContext'),
    '\nContainers space usage:\n\n',
    renderTable(CONTAINER_DU_COLUMNS, containerRows.map(containerCells)),
    '\nLocal Volumes space usage:\n\n',
    renderTable(
      VOLUME_DU_COLUMNS,
      volumeRows.map((r) => [r.Name, r.Links, r.Size] as string[]),
    ),
    `\nBuild cache usage: ${humanSizePrecise(0)}\n\n`,
    renderTable(['CACHE ID', 'CACHE TYPE', 'SIZE', 'CREATED', 'LAST USED', 'USAGE', 'SHARED'], []),
    ...closingLines(usage),
  ].join('');
}

/** What the catalog holds beyond docker's sections, after a blank line: the local store's unpacked layers and blobs. */
function closingLines(usage: CatalogUsage): string[] {
  const lines: string[] = [];
  if (usage.unpackedLayers !== undefined) lines.push(`Unpacked layers usage: ${counted(usage.unpackedLayers.bytes, usage.unpackedLayers.count, 'layer')}\n`);
  if (usage.blobCount !== undefined && usage.totalBlobBytes !== undefined)
    lines.push(`Content usage: ${counted(usage.totalBlobBytes, usage.blobCount, 'blob')}\n`);
  return lines.length > 0 ? ['\n', ...lines] : [];
}

function counted(bytes: number, count: number, noun: string): string {
  return `${humanSizePrecise(bytes)} in ${count} ${noun}${count === 1 ? '' : 's'}`;
}

export const IMAGE_DU_HEADERS = {
  Repository: 'REPOSITORY',
  Tag: 'TAG',
  ID: 'IMAGE ID',
  CreatedSince: 'CREATED',
  Size: 'SIZE',
  SharedSize: 'SHARED SIZE',
  UniqueSize: 'UNIQUE SIZE',
  Containers: 'CONTAINERS',
};
