import { diskUsage } from '../../dockerroot/disk-usage.js';
import { humanSizePrecise } from '../format/units.js';
import { print } from '../verb-output.js';
import { openRoot } from './open-root.js';

/** `stowage docker info`: docker info's store lines, from the files. */
export async function dockerInfo(options: Record<string, unknown>): Promise<void> {
  const { view, discovered, fs } = await openRoot(options);
  const usage = await diskUsage(view, fs);
  const running = view.containers.filter((c) => c.state === 'running').length;
  const containersSize = usage.containers.reduce((n, c) => n + c.sizeRw, 0);
  const volumesSize = usage.volumes.reduce((n, v) => n + v.size, 0);
  const store = view.kind === 'containerd' ? 'containerd image store' : view.kind === 'legacy-graph' ? 'legacy graph (Docker before 1.10)' : `graph driver (image/${view.driver})`;
  print(
    [
      `Docker Root Dir: ${view.root}`,
      ` Found by: ${discovered.source}`,
      `Storage Driver: ${view.driver}`,
      `Image Store: ${store}`,
      `Images: ${view.images.length}`,
      `Layers: ${view.layers.length}`,
      `Containers: ${view.containers.length}`,
      ` Running: ${running}`,
      ` Stopped: ${view.containers.length - running}`,
      `Volumes: ${view.volumes.length}`,
      'Disk Use:',
      ` Layers: ${humanSizePrecise(usage.layersSize)}`,
      ` Containers: ${humanSizePrecise(containersSize)}`,
      ` Volumes: ${humanSizePrecise(volumesSize)}`,
      ...(view.problems.length > 0 ? [`Problems: ${view.problems.length}`, ...view.problems.map((p) => ` ${p}`)] : []),
      '',
    ].join('\n'),
  );
}
