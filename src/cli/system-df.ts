import type { DiskUsage } from '../store/types.js';
import { parseFormat, renderDiskUsage, renderRows, type Row } from './format/go-template.js';
import { firstName, imageRow } from './format/image-rows.js';
import { renderTable } from './format/table.js';
import { humanSizePrecise } from './format/units.js';
import { openStore } from './store-access.js';
import { optionalString, print } from './verb-output.js';

/**
 * `stowage system df [-v]`: docker's disk usage table (cli/command/formatter/disk_usage.go):
 * TYPE TOTAL ACTIVE SIZE RECLAIMABLE with its Images, Containers, Local Volumes and Build
 * Cache rows (the last three always 0 here), plus an "Unpacked" row for unpacked layers and a
 * "Content" row for the blobs as stored. Images counts what docker counts: each layer once, at
 * its unpacked size. Nothing runs from the store, so no image is ACTIVE, as docker shows images
 * without containers.
 */

export const DF_TABLE = '{{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}';
export const DF_HEADERS = { Type: 'TYPE', TotalCount: 'TOTAL', Active: 'ACTIVE', Size: 'SIZE', Reclaimable: 'RECLAIMABLE' };
export const IMAGE_DU_TABLE = '{{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}\t{{.SharedSize}}\t{{.UniqueSize}}\t{{.Containers}}';

export async function systemDf(options: Record<string, unknown>): Promise<void> {
  const store = await openStore(options);
  const usage = await store.diskUsage();
  const format = optionalString(options.format);
  print(options.verbose === true ? verbose(usage, format, Date.now()) : summary(usage, format));
}

export function summary(usage: DiskUsage, format: string | undefined): string {
  return renderRows(parseFormat(format, DF_TABLE), summaryRows(usage), DF_HEADERS, '*formatter.diskUsageImagesContext');
}

export function summaryRows(usage: DiskUsage): Row[] {
  return [
    // docker's numbers: every layer once, unpacked; all reclaimable, since no container uses them.
    dfRow('Images', usage.images.length, 0, usage.layersSize, usage.layersSize),
    dfRow('Containers', 0, 0, 0, 0),
    dfRow('Local Volumes', 0, 0, 0, 0),
    dfRow('Build Cache', 0, 0, 0, 0),
    // "Unpacked": a TYPE no wider than docker's "Local Volumes" keeps docker's column widths.
    dfRow('Unpacked', usage.unpackedLayers.count, 0, usage.unpackedLayers.bytes, usage.unpackedLayers.bytes),
    // What the store's files take: its blobs as stored (layers as pulled), Docker 29's CONTENT SIZE.
    dfRow('Content', usage.blobCount, 0, usage.totalBlobBytes, usage.totalBlobBytes),
  ];
}

export function dfRow(type: string, total: number, active: number, size: number, reclaimable: number): Row {
  // docker: "1.2MB (45%)", the percentage an integer division; no percentage when SIZE is 0.
  const share = size > 0 ? ` (${Math.trunc((reclaimable * 100) / size)}%)` : '';
  return { Type: type, TotalCount: String(total), Active: String(active), Size: humanSizePrecise(size), Reclaimable: `${humanSizePrecise(reclaimable)}${share}` };
}

/** `-v`: docker's four sections (three empty here) and one for unpacked layers. */
export function verbose(usage: DiskUsage, format: string | undefined, now: number): string {
  const truncate = format === undefined || format === '' || format.startsWith('table');
  const rows = usage.images.map(({ image, sharedSize, uniqueSize }) => {
    const { repository, tag } = firstName(image);
    return imageRow(image, repository, tag, '', { truncate, showDigests: false, needDigest: false, now, usage: () => ({ sharedSize, uniqueSize, containers: 0 }) });
  });
  if (format !== undefined && format !== '' && format !== 'table') return renderDiskUsage(format, { Images: rows, Containers: [], Volumes: [], BuildCache: [] });
  return [
    'Images space usage:\n\n',
    renderRows(parseFormat('table', IMAGE_DU_TABLE), rows, IMAGE_DU_HEADERS, '*formatter.imageContext'),
    '\nContainers space usage:\n\n',
    renderTable(['CONTAINER ID', 'IMAGE', 'COMMAND', 'LOCAL VOLUMES', 'SIZE', 'CREATED', 'STATUS', 'NAMES'], []),
    '\nLocal Volumes space usage:\n\n',
    renderTable(['VOLUME NAME', 'LINKS', 'SIZE'], []),
    `\nBuild cache usage: ${humanSizePrecise(0)}\n\n`,
    renderTable(['CACHE ID', 'CACHE TYPE', 'SIZE', 'CREATED', 'LAST USED', 'USAGE', 'SHARED'], []),
    `\nUnpacked layers usage: ${humanSizePrecise(usage.unpackedLayers.bytes)} in ${usage.unpackedLayers.count} layer${usage.unpackedLayers.count === 1 ? '' : 's'}\n`,
    `Content usage: ${humanSizePrecise(usage.totalBlobBytes)} in ${usage.blobCount} blob${usage.blobCount === 1 ? '' : 's'}\n`,
  ].join('');
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
