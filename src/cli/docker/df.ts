import { diskUsage, type ContainerUsage, type RootUsage, type VolumeUsage } from '../../dockerroot/disk-usage.js';
import type { DockerContainer } from '../../dockerroot/model.js';
import { parseFormat, renderDiskUsage, renderRows, type Row } from '../format/go-template.js';
import { firstName, imageRow } from '../format/image-rows.js';
import { ellipsis, renderTable, truncateId } from '../format/table.js';
import { quote } from '../format/template/quote.js';
import { createdSince, humanDuration, humanSizePrecise, humanSizeWithPrecision } from '../format/units.js';
import { DF_HEADERS, DF_TABLE, dfRow, IMAGE_DU_HEADERS, IMAGE_DU_TABLE } from '../system-df.js';
import { optionalString, print } from '../verb-output.js';
import { toListed } from './images.js';
import { openRoot } from './open-root.js';

/**
 * `stowage docker df [-v]`: `docker system df [-v]` from the files of a Docker root. Sizes
 * come from layerdb (`--exact` walks the layer directories instead); containers' writable
 * layers and volumes are walked, as the daemon does. Build cache is not read (0B).
 */
export async function dockerDf(options: Record<string, unknown>): Promise<void> {
  const { view, fs } = await openRoot(options);
  const usage = await diskUsage(view, fs, { exact: options.exact === true });
  const format = optionalString(options.format);
  const now = Date.now();
  print(options.verbose === true ? verbose(usage, format, now) : summary(usage, format));
}

export function summary(usage: RootUsage, format: string | undefined): string {
  return renderRows(parseFormat(format, DF_TABLE), summaryRows(usage), DF_HEADERS, '*formatter.diskUsageImagesContext');
}

export function summaryRows(usage: RootUsage): Row[] {
  // docker's CLI (formatter/disk_usage.go): what images with containers use cannot be reclaimed.
  let used = 0;
  for (const image of usage.images) if (image.containers > 0) used += image.size - image.sharedSize;
  const activeImages = usage.images.filter((image) => image.containers > 0).length;
  const containerSize = sum(usage.containers.map((c) => c.sizeRw));
  const idleContainers = sum(usage.containers.filter((c) => !isActive(c.container)).map((c) => c.sizeRw));
  const volumeSize = sum(usage.volumes.map((v) => v.size));
  const idleVolumes = sum(usage.volumes.filter((v) => v.links === 0).map((v) => v.size));
  return [
    dfRow('Images', usage.images.length, activeImages, usage.layersSize, usage.layersSize - used),
    dfRow('Containers', usage.containers.length, usage.containers.filter((c) => isActive(c.container)).length, containerSize, idleContainers),
    dfRow('Local Volumes', usage.volumes.length, usage.volumes.filter((v) => v.links > 0).length, volumeSize, idleVolumes),
    dfRow('Build Cache', 0, 0, 0, 0),
  ];
}

export function verbose(usage: RootUsage, format: string | undefined, now: number): string {
  const truncate = format === undefined || format === '' || format.startsWith('table');
  const imageRows = usage.images.map(({ image, sharedSize, uniqueSize, containers }) => {
    const listed = toListed(image);
    const { repository, tag } = firstName(listed);
    return imageRow(listed, repository, tag, '', { truncate, showDigests: false, needDigest: false, now, usage: () => ({ sharedSize, uniqueSize, containers }) });
  });
  const containerRows = usage.containers.map((c) => containerRow(c, now, truncate));
  const volumeRows = usage.volumes.map(volumeRow);
  if (format !== undefined && format !== '' && format !== 'table') {
    return renderDiskUsage(format, { Images: imageRows, Containers: containerRows, Volumes: volumeRows, BuildCache: [] });
  }
  return [
    'Images space usage:\n\n',
    renderRows(parseFormat('table', IMAGE_DU_TABLE), imageRows, IMAGE_DU_HEADERS, '*formatter.imageContext'),
    '\nContainers space usage:\n\n',
    renderTable(
      ['CONTAINER ID', 'IMAGE', 'COMMAND', 'LOCAL VOLUMES', 'SIZE', 'CREATED', 'STATUS', 'NAMES'],
      containerRows.map((r) => [r.ID, r.Image, r.Command, r.LocalVolumes, r.Size, r.RunningFor, r.Status, r.Names] as string[]),
    ),
    '\nLocal Volumes space usage:\n\n',
    renderTable(['VOLUME NAME', 'LINKS', 'SIZE'], volumeRows.map((r) => [r.Name, r.Links, r.Size] as string[])),
    `\nBuild cache usage: ${humanSizePrecise(0)}\n\n`,
    renderTable(['CACHE ID', 'CACHE TYPE', 'SIZE', 'CREATED', 'LAST USED', 'USAGE', 'SHARED'], []),
  ].join('');
}

function containerRow({ container, sizeRw, volumes }: ContainerUsage, now: number, truncate: boolean): Record<string, string> {
  return {
    ID: truncate ? truncateId(container.id) : container.id,
    Image: container.imageName ?? (container.image !== undefined ? truncateId(container.image) : ''),
    // docker quotes the command after cutting it to 20 characters (strconv.Quote).
    Command: quote(truncate ? ellipsis(container.command ?? '', 20) : (container.command ?? '')),
    LocalVolumes: String(volumes),
    Size: humanSizeWithPrecision(sizeRw, 3),
    RunningFor: createdSince(container.created, now),
    Status: statusText(container, now),
    Names: container.name ?? '',
  };
}

function volumeRow(volume: VolumeUsage): Record<string, string> {
  return { Name: volume.name, Links: String(volume.links), Size: humanSizePrecise(volume.size) };
}

/** moby container/state.go String(). */
export function statusText(container: DockerContainer, now: number): string {
  const since = (iso: string | undefined): string => humanDuration(now - (iso === undefined ? now : Date.parse(iso)));
  switch (container.state) {
    case 'running':
      return `Up ${since(container.startedAt)}`;
    case 'paused':
      return `Up ${since(container.startedAt)} (Paused)`;
    case 'restarting':
      return `Restarting (${container.exitCode ?? 0}) ${since(container.finishedAt)} ago`;
    case 'dead':
      return 'Dead';
    case 'exited':
      return `Exited (${container.exitCode ?? 0}) ${since(container.finishedAt)} ago`;
    default:
      return 'Created';
  }
}

function isActive(container: DockerContainer): boolean {
  return container.state === 'running' || container.state === 'paused' || container.state === 'restarting';
}

function sum(values: number[]): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}
