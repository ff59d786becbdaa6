import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { request } from 'undici';
import { makeTempDir, skopeo, startDistribution, type ServerHandle } from '../test/support/process.js';
import { alternate, median, timeCommand, type Row } from './measure.js';
import { PROXY_HOST, startCountingProxy, startDistributionWith, startStowageCache, writeRandomImage } from './proxy-setup.js';
import type { BenchContext } from './scenarios.js';

/**
 * Scenarios 12–14: the pull-through cache (src/registry/proxy/). The upstream is a local
 * distribution 2.8 holding images of random (incompressible) gzip layers; the client is
 * skopeo into a fresh `dir:` (which keeps the layers as they come, so only transfer is timed),
 * or raw blob GETs for the 50 concurrent clients. Server CPU seconds are read from /proc.
 */

interface Image {
  dir: string;
  bytes: number;
  label: string;
}

let generated: Promise<{ medium: Image; large: Image }> | undefined;

/** ~200 MB (4 layers) for 12 and 13, ~400 MB (4 layers) for 14; written once per bench run. */
function images(ctx: BenchContext): Promise<{ medium: Image; large: Image }> {
  generated ??= (async () => {
    const base = await makeTempDir('bench-proxyimg-');
    const make = async (name: string, layers: number, layerBytes: number): Promise<Image> => {
      const dir = join(base, name);
      const { bytes } = await writeRandomImage(dir, layers, layerBytes);
      return { dir, bytes, label: `${layers}×${layerBytes >> 20} MiB random` };
    };
    const mib = 1024 * 1024;
    return ctx.quick
      ? { medium: await make('medium', 4, 4 * mib), large: await make('large', 4, 8 * mib) }
      : { medium: await make('medium', 4, 50 * mib), large: await make('large', 4, 100 * mib) };
  })();
  return generated;
}

/** A fresh distribution with `image` pushed as `bench/proxy:1`. Tracked: run.ts's stopAll ends it. */
async function upstreamWith(image: Image): Promise<ServerHandle> {
  const upstream = await startDistribution({ root: await makeTempDir('bench-upstream-') });
  await skopeo(['copy', '-q', '--dest-tls-verify=false', `oci:${image.dir}:img`, `docker://${upstream.host}/bench/proxy:1`]);
  return upstream;
}

/** Whole-process time of `skopeo copy docker://HOST/NAME:1 dir:NEW`. */
async function pull(host: string, name: string): Promise<number> {
  const dest = join(await makeTempDir('bench-proxypull-'), 'd');
  return timeCommand('skopeo', ['copy', '-q', '--src-tls-verify=false', `docker://${host}/${name}:1`, `dir:${dest}`]);
}

async function bytesFetched(cache: ServerHandle): Promise<number> {
  const res = await request(`${cache.url}/admin/cache`);
  const report = (await res.body.json()) as { upstreams: Array<{ bytesFetched: number }> };
  return report.upstreams.reduce((sum, u) => sum + u.bytesFetched, 0);
}

const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(0)} MB`;

/** user + sys CPU seconds a process has used so far (/proc/PID/stat, clock ticks of 10 ms). */
async function cpuSeconds(server: ServerHandle): Promise<number> {
  const fields = (await readFile(`/proc/${server.process.pid}/stat`, 'utf8')).split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Median of the values, as `1.23`. */
const med = (values: number[]): string => median(values).toFixed(2);

/** 12: a cold pull through Stowage (new root each round) against the same pull straight from the upstream. */
export async function coldPullThroughCache(ctx: BenchContext): Promise<Row> {
  const { medium } = await images(ctx);
  const upstream = await upstreamWith(medium);
  const fetched: number[] = [];
  const cpu = { stowage: [] as number[], upstream: [] as number[] };
  const r = await alternate(ctx.rounds, {
    stowage: async () => {
      const cache = await startStowageCache(upstream.url);
      try {
        const before = await cpuSeconds(cache);
        const seconds = await pull(cache.host, `${PROXY_HOST}/bench/proxy`);
        cpu.stowage.push((await cpuSeconds(cache)) - before);
        fetched.push(await bytesFetched(cache));
        return seconds;
      } finally {
        await cache.stop();
      }
    },
    peer: async () => {
      const before = await cpuSeconds(upstream);
      const seconds = await pull(upstream.host, 'bench/proxy');
      cpu.upstream.push((await cpuSeconds(upstream)) - before);
      return seconds;
    },
  });
  return {
    scenario: `12 cold pull through the cache, ${medium.label} (${mb(medium.bytes)}), skopeo → dir:`,
    unit: 's',
    ...r,
    peerName: 'straight from the upstream',
    target: { ratio: 1.1, better: 'lower' },
    note: `cache fetched ${fetched.map(mb).join(', ')}; server CPU per pull: stowage ${med(cpu.stowage)} s, upstream alone ${med(cpu.upstream)} s`,
  };
}

/** 13: pulls from a warm Stowage cache against pulls from a warm distribution proxy (`proxy: remoteurl:`). */
export async function warmPullFromCache(ctx: BenchContext): Promise<Row> {
  const { medium } = await images(ctx);
  const upstream = await upstreamWith(medium);
  // One counter in front of the upstream per cache: what each still fetches once warm.
  const toStowage = await startCountingProxy(upstream.url);
  const toDistribution = await startCountingProxy(upstream.url);
  const cache = await startStowageCache(toStowage.url);
  const peer = await startDistributionWith(await makeTempDir('bench-distproxy-'), `proxy:\n  remoteurl: ${toDistribution.url}`);
  try {
    await pull(cache.host, `${PROXY_HOST}/bench/proxy`);
    await pull(peer.host, 'bench/proxy');
    const warm = { stowage: toStowage.bodyBytes(), peer: toDistribution.bodyBytes() };
    const cpu = { stowage: [] as number[], peer: [] as number[] };
    const timed = async (server: ServerHandle, name: string, into: number[]) => {
      const before = await cpuSeconds(server);
      const seconds = await pull(server.host, name);
      into.push((await cpuSeconds(server)) - before);
      return seconds;
    };
    const r = await alternate(ctx.rounds, {
      stowage: () => timed(cache, `${PROXY_HOST}/bench/proxy`, cpu.stowage),
      peer: () => timed(peer, 'bench/proxy', cpu.peer),
    });
    const later = { stowage: toStowage.bodyBytes() - warm.stowage, peer: toDistribution.bodyBytes() - warm.peer };
    return {
      scenario: `13 warm pull from the cache, ${medium.label} (${mb(medium.bytes)}), skopeo → dir:`,
      unit: 's',
      ...r,
      peerName: 'distribution proxy, warm',
      target: { ratio: 0.8, better: 'lower' },
      note: `server CPU per pull: stowage ${med(cpu.stowage)} s, distribution ${med(cpu.peer)} s; upstream bytes during the timed pulls: stowage ${later.stowage}, distribution ${later.peer}`,
    };
  } finally {
    await Promise.all([cache.stop(), peer.stop()]);
    await Promise.all([toStowage.close(), toDistribution.close()]);
  }
}

/**
 * What one raw client does: the manifest, then every blob at once, each counted against the
 * manifest's size and, with `hash`, checked against its digest (one client hashes: 50 would
 * add ~16 CPU-seconds of sha256 to a 2-core machine and measure the bench process).
 */
async function pullBlobs(base: string, name: string, hash: boolean): Promise<number> {
  const res = await request(`${base}/v2/${name}/manifests/1`, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } });
  if (res.statusCode !== 200) throw new Error(`manifest ${res.statusCode}: ${await res.body.text()}`);
  type Descriptor = { digest: string; size: number };
  const manifest = (await res.body.json()) as { config: Descriptor; layers: Descriptor[] };
  const sizes = await Promise.all(
    [manifest.config, ...manifest.layers].map(async ({ digest, size: expected }) => {
      const blob = await request(`${base}/v2/${name}/blobs/${digest}`);
      if (blob.statusCode !== 200) throw new Error(`blob ${digest}: ${blob.statusCode}`);
      const hasher = hash ? createHash('sha256') : undefined;
      let size = 0;
      for await (const chunk of blob.body) {
        hasher?.update(chunk as Buffer);
        size += (chunk as Buffer).length;
      }
      if (size !== expected) throw new Error(`blob ${digest}: ${size} bytes, the manifest says ${expected}`);
      if (hasher && `sha256:${hasher.digest('hex')}` !== digest) throw new Error(`blob ${digest}: the bytes do not match their digest`);
      return size;
    }),
  );
  return sizes.reduce((a, b) => a + b, 0);
}

/**
 * 14: many clients pull one cold image through Stowage at the same moment. Upstream bytes are
 * counted by a proxy in front of the upstream (and by Stowage's own bytesFetched): the cache
 * must fetch each blob once, so the ratio to the image's size is 1. One round: it is a count.
 */
export async function concurrentColdPulls(ctx: BenchContext): Promise<Row[]> {
  const { large } = await images(ctx);
  const clients = ctx.quick ? 10 : 50;
  const upstream = await upstreamWith(large);
  const counter = await startCountingProxy(upstream.url);
  const cache = await startStowageCache(counter.url);
  try {
    const began = performance.now();
    const results = await Promise.allSettled(Array.from({ length: clients }, (_, i) => pullBlobs(cache.url, `${PROXY_HOST}/bench/proxy`, i === 0)));
    const seconds = (performance.now() - began) / 1000;
    const failures = results.filter((r) => r.status === 'rejected');
    if (failures.length > 0) throw new Error(`${failures.length} of ${clients} clients failed: ${(failures[0] as PromiseRejectedResult).reason}`);
    const delivered = results.reduce((sum, r) => sum + (r.status === 'fulfilled' ? r.value : 0), 0);
    const upstreamBytes = counter.bodyBytes();
    const stowageCount = await bytesFetched(cache);
    const blobGets = counter.requests().filter((line) => line.startsWith('GET ') && line.includes('/blobs/')).length;
    return [
      {
        scenario: `14a ${clients} concurrent cold pulls of ${large.label} (${mb(large.bytes)}): upstream bytes / image size`,
        unit: 'MB',
        stowage: upstreamBytes / 1e6,
        peer: large.bytes / 1e6,
        peerName: 'image size',
        target: { ratio: 1, better: 'lower' },
        note: `counted ${upstreamBytes} bytes in ${blobGets} blob GETs upstream (Stowage's bytesFetched ${stowageCount}, blobs only); image ${large.bytes} bytes`,
      },
      {
        scenario: `14b ${clients} concurrent cold pulls, wall time (sizes checked, one client hashing)`,
        unit: 's',
        stowage: seconds,
        peer: NaN,
        peerName: '',
        note: `${(delivered / 1e6 / seconds).toFixed(0)} MB/s delivered in all`,
      },
    ];
  } finally {
    await cache.stop();
    await counter.close();
  }
}
