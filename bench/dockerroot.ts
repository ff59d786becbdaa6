import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { startDockerd } from '../test/support/dockerd.js';
import { makeTempDir } from '../test/support/process.js';
import { bundledCli, median, timeCommand, type Row } from './measure.js';
import type { BenchContext } from './scenarios.js';

/**
 * Scenario 8: `stowage docker images` and `stowage docker df` reading a Docker root that holds
 * N images, against `docker images` and `docker system df` answered by the running daemon
 * on the same root. Whole-process times, alternating, medians.
 */
export async function dockerRootVerbs(ctx: BenchContext): Promise<Row[]> {
  const count = ctx.quick ? 200 : 1000;
  const dir = await makeTempDir('bench-dockerroot-');
  const archive = join(dir, 'images.tar');
  await writeManyImagesArchive(archive, count);
  const dockerd = await startDockerd('overlay2');
  try {
    await dockerd.docker(['load', '-q', '-i', archive], 900_000);
    const cli = await bundledCli();
    const env = { ...process.env, DOCKER_HOST: `unix://${dockerd.socket}` };
    const runs = ctx.quick ? 5 : 15;
    const pair = async (ours: string[], theirs: string[]): Promise<{ stowage: number; peer: number }> => {
      const s: number[] = [];
      const p: number[] = [];
      for (let i = 0; i < runs; i++) {
        s.push(await timeCommand(process.execPath, [cli, 'docker', ...ours, '--docker-root', dockerd.root]));
        p.push(await timeCommand('docker', theirs, env));
      }
      return { stowage: median(s) * 1000, peer: median(p) * 1000 };
    };
    const images = await pair(['images'], ['images']);
    const df = await pair(['df'], ['system', 'df']);
    return [
      {
        scenario: `8a stowage docker images (${count} images, daemon-free)`,
        unit: 'ms',
        ...images,
        peerName: 'docker images',
        target: { ratio: 1, better: 'lower' },
      },
      { scenario: `8b stowage docker df (${count} images)`, unit: 'ms', ...df, peerName: 'docker system df', target: { ratio: 1, better: 'lower' } },
    ];
  } finally {
    await dockerd.stop();
  }
}

/** A `docker save` archive of `count` images that differ by config only and share one small layer. */
export async function writeManyImagesArchive(file: string, count: number): Promise<void> {
  const pack = tar.pack();
  const done = pipeline(pack, createWriteStream(file));
  const layer = await layerTar();
  const diffId = `sha256:${createHash('sha256').update(layer).digest('hex')}`;
  await entry(pack, 'layer.tar', layer);
  const manifest: Array<{ Config: string; RepoTags: string[]; Layers: string[] }> = [];
  for (let i = 0; i < count; i++) {
    const config = Buffer.from(
      JSON.stringify({
        architecture: 'amd64',
        os: 'linux',
        created: new Date(Date.UTC(2024, 0, 1) - i * 3_600_000).toISOString(),
        config: { Cmd: ['/bin/sh'], Labels: { n: String(i) } },
        rootfs: { type: 'layers', diff_ids: [diffId] },
        history: [{ created: '2024-01-01T00:00:00Z', created_by: 'bench' }],
      }),
    );
    const name = `${createHash('sha256').update(config).digest('hex')}.json`;
    await entry(pack, name, config);
    manifest.push({ Config: name, RepoTags: [`bench/image${i}:latest`], Layers: ['layer.tar'] });
  }
  await entry(pack, 'manifest.json', Buffer.from(JSON.stringify(manifest)));
  pack.finalize();
  await done;
}

async function layerTar(): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const collected = (async () => {
    for await (const chunk of pack) chunks.push(chunk as Buffer);
  })();
  await entry(pack, 'hello.txt', Buffer.from('hello from the bench\n'));
  pack.finalize();
  await collected;
  return Buffer.concat(chunks);
}

function entry(pack: tar.Pack, name: string, data: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    pack.entry({ name, size: data.length, mtime: new Date(0) }, data, (err) => (err ? reject(err) : resolve()));
  });
}
