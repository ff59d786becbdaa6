import type { CatalogContainer, ContainerUsage, VolumeUsage } from '../../catalog/usage.js';
import { ellipsis, truncateId } from './table.js';
import { quote } from './template/quote.js';
import { createdSince, humanDuration, humanSizePrecise, humanSizeWithPrecision } from './units.js';

/**
 * The container and volume rows of `system df -v`, field for field docker's ContainerContext
 * and volumeContext (cli/command/formatter/container.go, volume.go).
 */

export const CONTAINER_DU_COLUMNS = ['CONTAINER ID', 'IMAGE', 'COMMAND', 'LOCAL VOLUMES', 'SIZE', 'CREATED', 'STATUS', 'NAMES'];
export const VOLUME_DU_COLUMNS = ['VOLUME NAME', 'LINKS', 'SIZE'];

export function containerRow({ container, sizeRw, volumes }: ContainerUsage, now: number, truncate: boolean): Record<string, string> {
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

/** A container row's table cells, in CONTAINER_DU_COLUMNS order. */
export function containerCells(row: Record<string, string>): string[] {
  return [row.ID, row.Image, row.Command, row.LocalVolumes, row.Size, row.RunningFor, row.Status, row.Names] as string[];
}

export function volumeRow(volume: VolumeUsage): Record<string, string> {
  return { Name: volume.name, Links: String(volume.links), Size: humanSizePrecise(volume.size) };
}

/** moby container/state.go String(). */
export function statusText(container: CatalogContainer, now: number): string {
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
