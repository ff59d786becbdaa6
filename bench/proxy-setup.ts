import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import tar from 'tar-stream';
import { makeTempDir, startDistribution, startStowage, type ServerHandle } from '../test/support/process.js';

/**
 * An OCI layout of `layers` gzip layers of random bytes (gzip level 0: stored blocks, so the
 * blobs are as large as their content and cost nothing to produce or to send compressed).
 * Random, not reproducible: the upstream is new each bench run.
 */
export async function writeRandomImage(dir: string, layers: number, layerBytes: number): Promise<{ bytes: number }> {
  await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
  const written: Array<{ digest: string; size: number; diffId: string }> = [];
  for (let i = 0; i < layers; i++) {
    const pack = tar.pack();
    const diff = createHash('sha256');
    const blob = createHash('sha256');
    let size = 0;
    const temp = join(dir, `layer-${i}.tmp`);
    const tarBytes = new PassThrough();
    tarBytes.on('data', (chunk: Buffer) => diff.update(chunk));
    const out = pipeline(
      pack,
      tarBytes,
      createGzip({ level: 0 }),
      async function* (source: AsyncIterable<Buffer>) {
        for await (const chunk of source) {
          blob.update(chunk);
          size += chunk.length;
          yield chunk;
        }
      },
      createWriteStream(temp),
    );
    pack.entry({ name: `data/random-${i}.bin`, mtime: new Date('2024-01-01T00:00:00Z'), mode: 0o644 }, randomBytes(layerBytes));
    pack.finalize();
    await out;
    const digest = `sha256:${blob.digest('hex')}`;
    await rename(temp, join(dir, 'blobs', 'sha256', digest.slice(7)));
    written.push({ digest, size, diffId: `sha256:${diff.digest('hex')}` });
  }
  const put = async (bytes: Buffer) => {
    const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    await writeFile(join(dir, 'blobs', 'sha256', digest.slice(7)), bytes);
    return { digest, size: bytes.length };
  };
  const config = await put(
    Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: written.map((l) => l.diffId) } })),
  );
  const manifestBytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
      layers: written.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: l.digest, size: l.size })),
    }),
  );
  const manifest = await put(manifestBytes);
  await writeFile(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  await writeFile(
    join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest, annotations: { 'org.opencontainers.image.ref.name': 'img' } }],
    }),
  );
  return { bytes: written.reduce((sum, l) => sum + l.size, 0) + config.size + manifest.size };
}

/** `docker-registry serve` with `extra` appended to the config (a `proxy:` section makes it a pull-through cache); the caller stops the handle. */
export function startDistributionWith(root: string, extra: string): Promise<ServerHandle> {
  return startDistribution({ root, extraConfig: extra, logLevel: 'error' });
}

/** The pull-through host name Stowage's `proxies:` entry gets: clients pull `<stowage>/upstream.bench/<repo>`. */
export const PROXY_HOST = 'upstream.bench';

/** `stowage serve` on a fresh root with one `proxies:` entry pointing at `remote` (never revalidating during a run). */
export async function startStowageCache(remote: string): Promise<ServerHandle> {
  const root = await makeTempDir('bench-cache-');
  const config = join(await makeTempDir('bench-cacheconf-'), 'config.yml');
  await writeFile(
    config,
    [
      'version: 0.1',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${JSON.stringify(root)}`,
      'proxies:',
      `  - host: ${PROXY_HOST}`,
      `    remoteurl: ${remote}`,
      '',
    ].join('\n'),
  );
  return startStowage({ config, root, args: ['--log-level', 'error'] });
}

/** A pass-through HTTP proxy that counts the response body bytes it relays (what the upstream sent). */
export async function startCountingProxy(target: string): Promise<{ url: string; bodyBytes(): number; requests(): string[]; close(): Promise<void> }> {
  const upstream = new URL(target);
  let bytes = 0;
  const seen: string[] = [];
  const server: Server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    const forward = httpRequest(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host } },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.on('data', (chunk: Buffer) => (bytes += chunk.length));
        up.pipe(res);
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    bodyBytes: () => bytes,
    requests: () => seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
