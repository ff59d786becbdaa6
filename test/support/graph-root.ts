// A small overlay2 Docker root written from the formats (moby image/fsstore.go, layer/filestore.go,
// reference/store.go, daemon/graphdriver/overlay2), for unit tests that need no daemon: the
// interop suite checks the same reader against roots a real dockerd wrote.

import { createHash } from 'node:crypto';
import { mkdir, rename, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeGraphLayer } from './tar-split-writer.js';

export interface FixtureLayer {
  diffId: string;
  chainId: string;
  cacheId: string;
  link: string;
  size: number;
}

export interface FixtureImage {
  id: string;
  config: Buffer;
  layers: FixtureLayer[];
}

const sha = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

export class GraphRootBuilder {
  readonly layers = new Map<string, FixtureLayer>();
  private readonly repositories: Record<string, Record<string, string>> = {};
  constructor(
    readonly root: string,
    readonly driver = 'overlay2',
  ) {}

  /**
   * A layer whose files are `files` (name → content) under <driver>/<cache>/diff. Or, given a
   * tar, that tar unpacked there, with its real diff ID and its tar-split (so export rebuilds it).
   */
  async layer(parent: FixtureLayer | undefined, label: string, files: Record<string, string> | Buffer): Promise<FixtureLayer> {
    const tar = Buffer.isBuffer(files) ? files : undefined;
    const diffId = `sha256:${tar ? sha(tar) : sha(`diff:${label}`)}`;
    const chainId = parent === undefined ? diffId : `sha256:${sha(`${parent.chainId} ${diffId}`)}`;
    const existing = this.layers.get(chainId);
    if (existing) return existing;
    const cacheId = sha(`cache:${label}`);
    const link = sha(`link:${label}`)
      .toUpperCase()
      .replace(/[^A-Z0-9]/g, '')
      .slice(0, 26)
      .padEnd(26, 'A');
    const size = tar ? tar.length : Object.values(files).reduce((n, c) => n + Buffer.byteLength(c), 0);
    const meta = join(this.root, 'image', this.driver, 'layerdb', 'sha256', chainId.slice(7));
    await mkdir(meta, { recursive: true });
    await writeFile(join(meta, 'diff'), diffId);
    await writeFile(join(meta, 'size'), String(size));
    await writeFile(join(meta, 'cache-id'), cacheId);
    if (parent) await writeFile(join(meta, 'parent'), parent.chainId);
    const dir = join(this.root, this.driver, cacheId);
    await mkdir(join(dir, 'diff'), { recursive: true });
    await writeFile(join(dir, 'link'), link);
    if (tar) await rename((await writeGraphLayer(tar, dir)).tarSplit, join(meta, 'tar-split.json.gz'));
    else for (const [name, content] of Object.entries(files)) await writeFile(join(dir, 'diff', name), content);
    await mkdir(join(this.root, this.driver, 'l'), { recursive: true });
    await symlink(`../${cacheId}/diff`, join(this.root, this.driver, 'l', link));
    const layer = { diffId, chainId, cacheId, link, size };
    this.layers.set(chainId, layer);
    return layer;
  }

  /** An image over these layers, with names as repositories.json keeps them (familiar). */
  async image(layers: FixtureLayer[], names: string[], extra: Record<string, unknown> = {}, parent?: string): Promise<FixtureImage> {
    const config = Buffer.from(
      JSON.stringify({
        architecture: 'amd64',
        os: 'linux',
        created: '2024-01-01T00:00:00Z',
        config: { Cmd: ['/bin/sh'], Labels: { team: 'a' } },
        rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
        ...extra,
      }),
    );
    const id = `sha256:${sha(config)}`;
    const base = join(this.root, 'image', this.driver, 'imagedb');
    await mkdir(join(base, 'content', 'sha256'), { recursive: true });
    await writeFile(join(base, 'content', 'sha256', id.slice(7)), config);
    if (parent !== undefined) {
      await mkdir(join(base, 'metadata', 'sha256', id.slice(7)), { recursive: true });
      await writeFile(join(base, 'metadata', 'sha256', id.slice(7), 'parent'), parent);
    }
    for (const name of names) {
      const repo = name.replace(/[:@].*$/, '');
      (this.repositories[repo] ??= {})[name] = id;
    }
    await this.writeRepositories();
    return { id, config, layers };
  }

  /** A created container over an image's top layer, with a writable layer holding `files`. */
  async container(id: string, name: string, image: FixtureImage, files: Record<string, string>, volumes: string[] = []): Promise<void> {
    const mountId = sha(`mount:${id}`);
    const mounts = join(this.root, 'image', this.driver, 'layerdb', 'mounts', id);
    await mkdir(mounts, { recursive: true });
    await writeFile(join(mounts, 'mount-id'), mountId);
    await writeFile(join(mounts, 'init-id'), `${mountId}-init`);
    await writeFile(join(mounts, 'parent'), image.layers[image.layers.length - 1]!.chainId);
    for (const dir of [mountId, `${mountId}-init`]) await mkdir(join(this.root, this.driver, dir, 'diff'), { recursive: true });
    for (const [file, content] of Object.entries(files)) await writeFile(join(this.root, this.driver, mountId, 'diff', file), content);
    await mkdir(join(this.root, 'containers', id), { recursive: true });
    const mountPoints = Object.fromEntries(volumes.map((v) => [`/data/${v}`, { Name: v, Type: 'volume', Driver: 'local' }]));
    await writeFile(
      join(this.root, 'containers', id, 'config.v2.json'),
      JSON.stringify({
        ID: id,
        Name: `/${name}`,
        Image: image.id,
        Created: '2024-01-02T00:00:00Z',
        Path: '/bin/sh',
        Args: ['-c', 'echo hello'],
        Config: { Image: 'app:1' },
        State: { Running: false, StartedAt: '0001-01-01T00:00:00Z' },
        MountPoints: mountPoints,
      }),
    );
  }

  async volume(name: string, files: Record<string, string>): Promise<void> {
    const dir = join(this.root, 'volumes', name, '_data');
    await mkdir(dir, { recursive: true });
    for (const [file, content] of Object.entries(files)) await writeFile(join(dir, file), content);
  }

  private async writeRepositories(): Promise<void> {
    await writeFile(join(this.root, 'image', this.driver, 'repositories.json'), JSON.stringify({ Repositories: this.repositories }));
  }
}
