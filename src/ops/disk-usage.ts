import type { CatalogImage, ImageCatalog } from '../catalog/catalog.js';
import type { CatalogContainer, CatalogUsage, UsageOptions } from '../catalog/usage.js';

/** `docker system df` over any catalog. */
export function diskUsage<I extends CatalogImage>(catalog: ImageCatalog<I>, options: UsageOptions = {}): Promise<CatalogUsage<I>> {
  return catalog.diskUsage(options);
}

/** One row of `system df`'s summary, in bytes and counts. */
export interface UsageTotal {
  type: 'Images' | 'Containers' | 'Local Volumes' | 'Build Cache' | 'Unpacked' | 'Content';
  total: number;
  active: number;
  size: number;
  reclaimable: number;
}

/**
 * The summary as docker's CLI computes it (formatter/disk_usage.go): what images with
 * containers use cannot be reclaimed, nor can running containers' layers or volumes in use.
 * Build cache is not read (0B). A catalog's own kinds follow docker's four: "Unpacked" (a TYPE
 * no wider than "Local Volumes" keeps docker's column widths) and "Content", the blobs as
 * stored; nothing runs from them, so all of both is reclaimable.
 */
export function usageTotals(usage: CatalogUsage): UsageTotal[] {
  const images = usage.images;
  const containers = usage.containers ?? [];
  const volumes = usage.volumes ?? [];
  let used = 0;
  for (const image of images) if ((image.containers ?? 0) > 0) used += (image.size ?? image.image.size) - image.sharedSize;
  const active = containers.filter((c) => isActive(c.container));
  const totals: UsageTotal[] = [
    {
      type: 'Images',
      total: images.length,
      active: images.filter((image) => (image.containers ?? 0) > 0).length,
      size: usage.layersSize,
      reclaimable: usage.layersSize - used,
    },
    {
      type: 'Containers',
      total: containers.length,
      active: active.length,
      size: sum(containers.map((c) => c.sizeRw)),
      reclaimable: sum(containers.filter((c) => !isActive(c.container)).map((c) => c.sizeRw)),
    },
    {
      type: 'Local Volumes',
      total: volumes.length,
      active: volumes.filter((v) => v.links > 0).length,
      size: sum(volumes.map((v) => v.size)),
      reclaimable: sum(volumes.filter((v) => v.links === 0).map((v) => v.size)),
    },
    { type: 'Build Cache', total: 0, active: 0, size: 0, reclaimable: 0 },
  ];
  if (usage.unpackedLayers !== undefined) totals.push(idle('Unpacked', usage.unpackedLayers.count, usage.unpackedLayers.bytes));
  if (usage.blobCount !== undefined && usage.totalBlobBytes !== undefined) totals.push(idle('Content', usage.blobCount, usage.totalBlobBytes));
  return totals;
}

function idle(type: UsageTotal['type'], total: number, size: number): UsageTotal {
  return { type, total, active: 0, size, reclaimable: size };
}

function isActive(container: CatalogContainer): boolean {
  return container.state === 'running' || container.state === 'paused' || container.state === 'restarting';
}

function sum(values: number[]): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}
