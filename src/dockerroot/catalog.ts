import type { CatalogImage, CatalogInfo, ImageCatalog, InfoDescription } from '../catalog/catalog.js';
import type { ImageConfig } from '../oci/config.js';
import type { CatalogUsage, ContainerUsage, UsageOptions, VolumeUsage } from '../catalog/usage.js';
import type { ImageSource } from '../transport/types.js';
import { diskUsage, imageSize, withoutIntermediates } from './disk-usage.js';
import { openDockerRoot, type OpenOptions } from './load.js';
import { inspectDockerImage } from './inspect.js';
import type { OpenedRoot } from './load.js';
import type { DockerImage } from './model.js';
import { resolveImage } from './resolve.js';

/** An image of a Docker root as the catalog lists it, with the store's own record of it. */
export interface RootImage extends CatalogImage {
  readonly docker: DockerImage;
}

/** What `stowage docker info` reports; docker info's names where it has the fact (system.Info). */
/** A Docker root's disk usage always says what its containers and volumes take. */
export type DockerRootUsage = CatalogUsage<RootImage> & { containers: ContainerUsage[]; volumes: VolumeUsage[] };

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

/** `stowage docker info`'s lines: docker info's store lines, from the files. */
export const DOCKER_ROOT_INFO: InfoDescription = {
  type: 'stowage.DockerRootInfo',
  fields: [
    { name: 'DockerRootDir', label: 'Docker Root Dir', kind: 'string' },
    { name: 'FoundBy', label: 'Found by', kind: 'string', indent: 1 },
    { name: 'Driver', label: 'Storage Driver', kind: 'string' },
    { name: 'ImageStore', label: 'Image Store', kind: 'string' },
    { name: 'Images', label: 'Images', kind: 'count' },
    { name: 'Layers', label: 'Layers', kind: 'count' },
    { name: 'Containers', label: 'Containers', kind: 'count' },
    { name: 'ContainersRunning', label: 'Running', kind: 'count', indent: 1 },
    { name: 'ContainersStopped', label: 'Stopped', kind: 'count', indent: 1 },
    { name: 'Volumes', label: 'Volumes', kind: 'count' },
    { name: 'LayersSize', label: 'Layers', kind: 'bytes', indent: 1, heading: 'Disk Use:' },
    { name: 'ContainersSize', label: 'Containers', kind: 'bytes', indent: 1 },
    { name: 'VolumesSize', label: 'Volumes', kind: 'bytes', indent: 1 },
    { name: 'Problems', label: 'Problems', kind: 'lines' },
  ],
};

/**
 * A Docker root (graph driver, containerd image store or legacy graph: one DockerRootView) as an
 * ImageCatalog, read-only: what `stowage docker images|inspect|df|info` read.
 */
export class DockerRootCatalog implements ImageCatalog<RootImage> {
  private readonly listed = new WeakMap<DockerImage, RootImage>();

  constructor(readonly opened: OpenedRoot) {}

  /** The root the options name (discovered when they name none), read once. */
  static async open(options: OpenOptions = {}): Promise<DockerRootCatalog> {
    return new DockerRootCatalog(await openDockerRoot(options));
  }

  async list(options: { all?: boolean } = {}): Promise<RootImage[]> {
    const images = this.opened.view.images;
    return (options.all === true ? images : withoutIntermediates(images)).map((image) => this.catalogImage(image));
  }

  async resolve(name: string): Promise<RootImage> {
    return this.catalogImage(resolveImage(this.opened.view, name));
  }

  async config(image: RootImage): Promise<ImageConfig> {
    return image.docker.config;
  }

  source(image: RootImage): Promise<ImageSource> {
    return this.opened.view.openSource(image.docker);
  }

  async inspect(image: RootImage): Promise<Record<string, unknown>> {
    return inspectDockerImage(this.opened.view, image.docker, this.opened.fs);
  }

  async diskUsage(options: UsageOptions = {}): Promise<DockerRootUsage> {
    const usage = await diskUsage(this.opened.view, this.opened.fs, options);
    return { ...usage, images: usage.images.map((entry) => ({ ...entry, image: this.catalogImage(entry.image) })) };
  }

  async info(): Promise<CatalogInfo<DockerRootInfo>> {
    const { view, discovered } = this.opened;
    const usage = await diskUsage(view, this.opened.fs);
    const running = view.containers.filter((c) => c.state === 'running').length;
    const values: DockerRootInfo = {
      DockerRootDir: view.root,
      FoundBy: discovered.source,
      Driver: view.driver,
      ImageStore:
        view.kind === 'containerd'
          ? 'containerd image store'
          : view.kind === 'legacy-graph'
            ? 'legacy graph (Docker before 1.10)'
            : `graph driver (image/${view.driver})`,
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
    return { description: DOCKER_ROOT_INFO, values };
  }

  /** The same object each time for one image, so a listing and a resolve agree. */
  private catalogImage(image: DockerImage): RootImage {
    let listed = this.listed.get(image);
    if (listed === undefined) {
      listed = {
        id: image.id,
        repoTags: image.repoTags,
        repoDigests: image.repoDigests,
        created: image.config.created,
        pulled: image.lastTagTime,
        size: imageSize(image),
        docker: image,
      };
      this.listed.set(image, listed);
    }
    return listed;
  }
}
