import { diskUsage } from '../../dockerroot/disk-usage.js';
import { renderInfoFormat } from '../format/go-template.js';
import { INT, INT64, STRING, STRINGS, type StructType } from '../format/template/values.js';
import { humanSizePrecise } from '../format/units.js';
import { optionalString, print } from '../verb-output.js';
import { openRoot } from './open-root.js';

/** What `stowage docker info` reports; docker info's names where it has the fact (system.Info). */
export interface DockerRootInfo {
  DockerRootDir: string;
  FoundBy: string;
  Driver: string;
  ImageStore: string;
  Images: number;
  Layers: number;
  Containers: number;
  ContainersRunning: number;
  ContainersStopped: number;
  Volumes: number;
  LayersSize: number;
  ContainersSize: number;
  VolumesSize: number;
  Problems: string[];
}

/** The Go type templates see: `{{.Images}}` is an int, a name it lacks an error. */
const INFO_TYPE: StructType = {
  k: 'struct',
  name: 'stowage.DockerRootInfo',
  fields: [
    ...['DockerRootDir', 'FoundBy', 'Driver', 'ImageStore'].map((name) => ({ name, type: STRING })),
    ...['Images', 'Layers', 'Containers', 'ContainersRunning', 'ContainersStopped', 'Volumes'].map((name) => ({ name, type: INT })),
    ...['LayersSize', 'ContainersSize', 'VolumesSize'].map((name) => ({ name, type: INT64 })),
    { name: 'Problems', type: STRINGS },
  ],
};

/** `stowage docker info [--format json|TEMPLATE]`: docker info's store lines, from the files. */
export async function dockerInfo(options: Record<string, unknown>): Promise<void> {
  const { view, discovered, fs } = await openRoot(options);
  const usage = await diskUsage(view, fs);
  const running = view.containers.filter((c) => c.state === 'running').length;
  const data: DockerRootInfo = {
    DockerRootDir: view.root,
    FoundBy: discovered.source,
    Driver: view.driver,
    ImageStore: view.kind === 'containerd' ? 'containerd image store' : view.kind === 'legacy-graph' ? 'legacy graph (Docker before 1.10)' : `graph driver (image/${view.driver})`,
    Images: view.images.length,
    Layers: view.layers.length,
    Containers: view.containers.length,
    ContainersRunning: running,
    ContainersStopped: view.containers.length - running,
    Volumes: view.volumes.length,
    LayersSize: usage.layersSize,
    ContainersSize: usage.containers.reduce((n, c) => n + c.sizeRw, 0),
    VolumesSize: usage.volumes.reduce((n, v) => n + v.size, 0),
    Problems: view.problems,
  };
  print(renderDockerInfo(data, optionalString(options.format)));
}

function renderDockerInfo(data: DockerRootInfo, format: string | undefined): string {
  return renderInfoFormat(data, INFO_TYPE, format) ?? [
    `Docker Root Dir: ${data.DockerRootDir}`,
    ` Found by: ${data.FoundBy}`,
    `Storage Driver: ${data.Driver}`,
    `Image Store: ${data.ImageStore}`,
    `Images: ${data.Images}`,
    `Layers: ${data.Layers}`,
    `Containers: ${data.Containers}`,
    ` Running: ${data.ContainersRunning}`,
    ` Stopped: ${data.ContainersStopped}`,
    `Volumes: ${data.Volumes}`,
    'Disk Use:',
    ` Layers: ${humanSizePrecise(data.LayersSize)}`,
    ` Containers: ${humanSizePrecise(data.ContainersSize)}`,
    ` Volumes: ${humanSizePrecise(data.VolumesSize)}`,
    ...(data.Problems.length > 0 ? [`Problems: ${data.Problems.length}`, ...data.Problems.map((p) => ` ${p}`)] : []),
    '',
  ].join('\n');
}
