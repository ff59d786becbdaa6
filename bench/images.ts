import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import tar from 'tar-stream';

/**
 * Reproducible benchmark images as OCI layouts: `layers` layers of `layerBytes` each, made of
 * files that are half pseudo-random and half repeated text, so gzip has something to do, as
 * with real images. Same seed, same bytes, same digests.
 */
export async function writeBenchImage(
  dir: string,
  options: { seed: string; layers: number; layerBytes: number; tag: string },
): Promise<{ digest: string; bytes: number }> {
  await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
  const layers: Array<{ digest: string; size: number; diffId: string }> = [];
  for (let i = 0; i < options.layers; i++) layers.push(await writeLayer(dir, `${options.seed}/${i}`, options.layerBytes));
  const config = Buffer.from(
    JSON.stringify({
      created: '2024-01-01T00:00:00Z',
      architecture: 'amd64',
      os: 'linux',
      config: { Cmd: ['/bin/sh'] },
      rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
      history: layers.map((_, i) => ({ created: '2024-01-01T00:00:00Z', created_by: `bench layer ${i}` })),
    }),
  );
  const configDigest = await putBytes(dir, config);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.length },
      layers: layers.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: l.digest, size: l.size })),
    }),
  );
  const digest = await putBytes(dir, manifest);
  await writeFile(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  await writeFile(
    join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          digest,
          size: manifest.length,
          annotations: { 'org.opencontainers.image.ref.name': options.tag },
        },
      ],
    }),
  );
  return { digest, bytes: layers.reduce((sum, l) => sum + l.size, 0) + config.length + manifest.length };
}

async function writeLayer(dir: string, seed: string, bytes: number): Promise<{ digest: string; size: number; diffId: string }> {
  const pack = tar.pack();
  const diff = createHash('sha256');
  const temp = join(dir, 'blobs', `layer-${createHash('sha256').update(seed).digest('hex').slice(0, 12)}.tmp`);
  const tarBytes = new PassThrough();
  tarBytes.on('data', (chunk: Buffer) => diff.update(chunk));
  const written = pipeline(pack, tarBytes, createGzip({ level: 6 }), createWriteStream(temp));
  const fileSize = 4 * 1024 * 1024;
  for (let offset = 0, n = 0; offset < bytes; offset += fileSize, n++) {
    const size = Math.min(fileSize, bytes - offset);
    await new Promise<void>((resolve, reject) => {
      const entry = pack.entry({ name: `data/file-${n}.bin`, size, mtime: new Date('2024-01-01T00:00:00Z'), mode: 0o644 }, (err) =>
        err ? reject(err) : resolve(),
      );
      entry.end(content(`${seed}/${n}`, size));
    });
  }
  pack.finalize();
  await written;
  const digest = await hashFile(temp);
  await rename(temp, join(dir, 'blobs', 'sha256', digest.slice(7)));
  return { digest, size: (await stat(join(dir, 'blobs', 'sha256', digest.slice(7)))).size, diffId: `sha256:${diff.digest('hex')}` };
}

/** Half pseudo-random (sha256 counter mode), half a repeated line: compresses to roughly 55%. */
function content(seed: string, size: number): Buffer {
  const out = Buffer.alloc(size);
  const text = Buffer.from(`${seed}: the quick brown fox jumps over the lazy dog 0123456789\n`);
  let offset = 0;
  for (let block = 0; offset < size; block++) {
    if (block % 2 === 0) {
      for (let i = 0; i < 256 && offset < size; i++) offset += createHash('sha256').update(`${seed}#${block}#${i}`).digest().copy(out, offset);
    } else {
      for (let i = 0; i < 128 && offset < size; i++) offset += text.copy(out, offset);
    }
  }
  return out;
}

async function putBytes(dir: string, bytes: Buffer): Promise<string> {
  const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  await writeFile(join(dir, 'blobs', 'sha256', digest.slice(7)), bytes);
  return digest;
}

async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return `sha256:${hash.digest('hex')}`;
}
