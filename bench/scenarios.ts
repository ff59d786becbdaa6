import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { request } from 'undici';
import { makeTempDir, skopeo, startDistribution, startStowage, type ServerHandle } from '../test/support/process.js';
import { load } from './load.js';
import { alternate, bundledCli, peakRssMb, timeCommand, type Row } from './measure.js';

const exec = promisify(execFile);

export interface BenchContext {
  quick: boolean;
  rounds: number;
  /** OCI layouts: `small:img` and `large:img`. */
  small: string;
  large: string;
  largeBytes: number;
}

type Side = 'stowage' | 'peer';
const start = (side: Side, root: string): Promise<ServerHandle> =>
  side === 'stowage' ? startStowage({ root, args: ['--log-level', 'error'] }) : startDistribution({ root, deleteEnabled: true });

/** A fresh server of each kind per round, on an empty root on the same disk. */
async function withServer<T>(side: Side, work: (server: ServerHandle) => Promise<T>): Promise<T> {
  const server = await start(side, await makeTempDir(`bench-${side}-`));
  try {
    return await work(server);
  } finally {
    await server.stop();
  }
}

export async function pushWithSkopeo(ctx: BenchContext): Promise<Row> {
  const push = (side: Side) => () =>
    withServer(side, (s) => timeCommand('skopeo', ['copy', '-q', '--dest-tls-verify=false', `oci:${ctx.large}:img`, `docker://${s.host}/bench/large:1`]));
  const r = await alternate(ctx.rounds, { stowage: push('stowage'), peer: push('peer') });
  return { scenario: '1 push (skopeo oci → registry)', unit: 's', ...r, peerName: 'distribution', target: { ratio: 0.75, better: 'lower' } };
}

export async function pullWithSkopeo(ctx: BenchContext): Promise<Row> {
  const pull = (side: Side) => () =>
    withServer(side, async (s) => {
      await skopeo(['copy', '-q', '--dest-tls-verify=false', `oci:${ctx.large}:img`, `docker://${s.host}/bench/large:1`]);
      const out = join(await makeTempDir('bench-pull-'), 'oci');
      return timeCommand('skopeo', ['copy', '-q', '--src-tls-verify=false', `docker://${s.host}/bench/large:1`, `oci:${out}:img`]);
    });
  const r = await alternate(ctx.rounds, { stowage: pull('stowage'), peer: pull('peer') });
  return { scenario: '2 pull (skopeo registry → oci)', unit: 's', ...r, peerName: 'distribution', target: { ratio: 0.85, better: 'lower' } };
}

export async function stowagePullVsSkopeo(ctx: BenchContext): Promise<Row> {
  return withServer('peer', async (dist) => {
    await skopeo(['copy', '-q', '--dest-tls-verify=false', `oci:${ctx.large}:img`, `docker://${dist.host}/bench/large:1`]);
    const r = await alternate(ctx.rounds, {
      stowage: async () =>
        timeCommand(process.execPath, [await bundledCli(), '--root', await makeTempDir('bench-store-'), 'pull', '-q', `${dist.host}/bench/large:1`]),
      peer: async () =>
        timeCommand('skopeo', [
          'copy',
          '-q',
          '--src-tls-verify=false',
          `docker://${dist.host}/bench/large:1`,
          `oci:${join(await makeTempDir('bench-skopeo-'), 'o')}:img`,
        ]),
    });
    return { scenario: '3 stowage pull vs skopeo copy (from distribution)', unit: 's', ...r, peerName: 'skopeo', target: { ratio: 0.75, better: 'lower' } };
  });
}

/** wrk with 64 connections: requests per second and p99 latency. */
export async function requestRates(ctx: BenchContext): Promise<Row[]> {
  const seconds = ctx.quick ? 3 : 10;
  const measure = (side: Side) =>
    withServer(side, async (s) => {
      await skopeo(['copy', '-q', '--dest-tls-verify=false', `oci:${ctx.small}:img`, `docker://${s.host}/bench/small:1`]);
      const manifest = JSON.parse((await skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${s.host}/bench/small:1`])).stdout) as {
        layers: Array<{ digest: string }>;
      };
      const wrk = async (path: string, method: string) => {
        const script = join(await makeTempDir('bench-wrk-'), 'm.lua');
        await writeFile(script, `wrk.method = "${method}"\nwrk.headers["Accept"] = "application/vnd.oci.image.manifest.v1+json"\n`);
        const { stdout } = await exec('wrk', ['-t2', '-c64', `-d${seconds}s`, '--latency', '-s', script, `${s.url}${path}`]);
        return { rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1]), p99: latencyMs(/99%\s+([\d.]+\w+)/.exec(stdout)?.[1] ?? '') };
      };
      const head = await load(`${s.url}/v2/bench/small/blobs/${manifest.layers[0]?.digest}`, { method: 'HEAD', connections: 64, seconds });
      return { manifest: await wrk('/v2/bench/small/manifests/1', 'GET'), blob: head };
    });
  const stowage = await measure('stowage');
  const peer = await measure('peer');
  return [
    {
      scenario: '4a manifest GET, 64 connections',
      unit: 'req/s',
      stowage: stowage.manifest.rps,
      peer: peer.manifest.rps,
      peerName: 'distribution',
      target: { ratio: 1.5, better: 'higher' },
    },
    { scenario: '4b manifest GET p99', unit: 'ms', stowage: stowage.manifest.p99, peer: peer.manifest.p99, peerName: 'distribution' },
    { scenario: '4c blob HEAD, 64 connections (undici load)', unit: 'req/s', stowage: stowage.blob.rps, peer: peer.blob.rps, peerName: 'distribution' },
    { scenario: '4d blob HEAD p99', unit: 'ms', stowage: stowage.blob.p99, peer: peer.blob.p99, peerName: 'distribution' },
  ];
}

function latencyMs(text: string): number {
  const m = /^([\d.]+)(us|ms|s)$/.exec(text);
  if (!m) return NaN;
  const n = Number(m[1]);
  return m[2] === 'us' ? n / 1000 : m[2] === 's' ? n * 1000 : n;
}

/** Many distinct images pushed at once by one client (Stowage's own, the same against both). */
export async function parallelPushes(ctx: BenchContext): Promise<Row> {
  const count = ctx.quick ? 10 : 50;
  const size = ctx.quick ? 2 * 1024 * 1024 : 20 * 1024 * 1024;
  const run = (side: Side) => () =>
    withServer(side, async (s) => {
      const began = performance.now();
      const results = await Promise.allSettled(Array.from({ length: count }, (_, i) => pushRandomImage(s.url, `bench/p${i}`, size)));
      const errors = results.filter((r) => r.status === 'rejected').length;
      if (errors > 0) throw new Error(`${side}: ${errors} of ${count} pushes failed`);
      return (performance.now() - began) / 1000;
    });
  const r = await alternate(ctx.rounds, { stowage: run('stowage'), peer: run('peer') });
  return {
    scenario: `5 ${count} parallel pushes of ${size >> 20} MB`,
    unit: 's',
    ...r,
    peerName: 'distribution',
    note: '0 errors',
    target: { ratio: 0.8, better: 'lower' },
  };
}

export async function pushRandomImage(base: string, repo: string, size: number): Promise<void> {
  const layer = randomBytes(size);
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }));
  const put = async (bytes: Buffer) => {
    const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    const post = await request(`${base}/v2/${repo}/blobs/uploads/`, { method: 'POST' });
    await post.body.dump();
    const location = new URL(String(post.headers.location), base);
    location.searchParams.set('digest', digest);
    const done = await request(location, { method: 'PUT', body: bytes, headers: { 'content-type': 'application/octet-stream' } });
    await done.body.dump();
    if (done.statusCode !== 201) throw new Error(`blob upload ${done.statusCode}`);
    return { digest, size: bytes.length };
  };
  const [c, l] = [await put(config), await put(layer)];
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...c },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...l }],
  });
  const res = await request(`${base}/v2/${repo}/manifests/1`, {
    method: 'PUT',
    body: manifest,
    headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
  });
  await res.body.dump();
  if (res.statusCode !== 201) throw new Error(`manifest ${res.statusCode}`);
}

/** The Stowage server's peak RSS while one big blob is pushed and pulled: it must stay flat. */
export async function serverMemory(ctx: BenchContext): Promise<Row> {
  const bytes = ctx.quick ? 256 * 1024 * 1024 : 4 * 1024 * 1024 * 1024;
  const measure = (side: Side) =>
    withServer(side, async (s) => {
      const hash = createHash('sha256');
      const chunk = randomBytes(1024 * 1024);
      async function* body() {
        for (let sent = 0; sent < bytes; sent += chunk.length) {
          chunk[0] = (chunk[0] ?? 0) + 1;
          hash.update(chunk);
          yield Buffer.from(chunk);
        }
      }
      const post = await request(`${s.url}/v2/bench/big/blobs/uploads/`, { method: 'POST' });
      await post.body.dump();
      const patch = await request(new URL(String(post.headers.location), s.url), {
        method: 'PATCH',
        body: Readable.from(body()),
        headers: { 'content-type': 'application/octet-stream' },
      });
      await patch.body.dump();
      const location = new URL(String(patch.headers.location), s.url);
      const digest = `sha256:${hash.digest('hex')}`;
      location.searchParams.set('digest', digest);
      const put = await request(location, { method: 'PUT' });
      await put.body.dump();
      if (put.statusCode !== 201) throw new Error(`${side}: big upload ${put.statusCode}`);
      const get = await request(`${s.url}/v2/bench/big/blobs/${digest}`);
      for await (const _ of get.body) void _;
      return peakRssMb(s.process.pid ?? 0);
    });
  const stowage = await measure('stowage');
  const peer = await measure('peer');
  return {
    scenario: `6 server peak RSS, ${Math.round(bytes / 2 ** 20)} MB blob pushed+pulled`,
    unit: 'MB',
    stowage,
    peer,
    peerName: 'distribution',
    target: { absolute: 64, better: 'lower' },
  };
}

/** Whole-process time of store verbs with 1,000 images in the store. */
export async function storeVerbs(ctx: BenchContext): Promise<Row[]> {
  const root = await makeTempDir('bench-store1000-');
  await mkdir(join(root, 'stowage'), { recursive: true });
  const images: Record<string, unknown> = {};
  const tags: Record<string, string> = {};
  const layerSizes: Record<string, number> = {};
  for (let i = 0; i < 1000; i++) {
    const h = (s: string) => `sha256:${createHash('sha256').update(`${s}${i}`).digest('hex')}`;
    images[h('m')] = {
      id: h('c'),
      manifest: { digest: h('m'), mediaType: 'application/vnd.oci.image.manifest.v1+json', size: 500 },
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: h('c'), size: 1000 },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: h('l'), size: 3_000_000 }],
      diffIds: [h('d')],
      repoDigests: [],
      created: new Date(Date.UTC(2024, 0, 1) - i * 3_600_000).toISOString(),
      pulled: '2024-06-01T00:00:00Z',
      platform: { os: 'linux', architecture: 'amd64' },
    };
    tags[`docker.io/library/image${i}:latest`] = h('m');
    layerSizes[h('l')] = 7_340_032;
  }
  // As a pull writes it: each layer's unpacked size measured once (src/store/layer-sizes.ts).
  await writeFile(join(root, 'stowage', 'images.json'), JSON.stringify({ version: 1, images, tags, layerSizes }));
  // inspect reads the config: give the images real config blobs (the layers are never read).
  await mkdir(join(root, 'blobs', 'sha256'), { recursive: true });
  for (const image of Object.values(images) as Array<{ config: { digest: string } }>) {
    await writeFile(
      join(root, 'blobs', 'sha256', image.config.digest.slice(7)),
      '{"architecture":"amd64","os":"linux","config":{},"rootfs":{"type":"layers","diff_ids":[]}}',
    );
  }
  await writeFile(join(root, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  /** Median whole-process time; `args` may differ per run (rmi needs a new image each time). */
  const time = async (args: string[] | ((run: number) => string[])) => {
    const runs: number[] = [];
    const cli = await bundledCli();
    for (let i = 0; i < (ctx.quick ? 3 : 10); i++)
      runs.push(await timeCommand(process.execPath, [cli, '--root', root, ...(Array.isArray(args) ? args : args(i))]));
    return runs.sort((a, b) => a - b)[Math.floor(runs.length / 2)] ?? NaN;
  };
  const baseline = await time(['--version']);
  return [
    {
      scenario: '7a stowage images (1,000 images)',
      unit: 'ms',
      stowage: (await time(['images'])) * 1000,
      peer: NaN,
      peerName: '(docker images needs a daemon)',
      target: { absolute: 150, better: 'lower' },
    },
    { scenario: '7b stowage image inspect', unit: 'ms', stowage: (await time(['image', 'inspect', 'image500'])) * 1000, peer: NaN, peerName: '' },
    { scenario: '7c stowage rmi', unit: 'ms', stowage: (await time((run) => ['rmi', `image${999 - run}`])) * 1000, peer: NaN, peerName: '' },
    { scenario: '7d stowage --version (start-up floor)', unit: 'ms', stowage: baseline * 1000, peer: NaN, peerName: '' },
  ];
}
