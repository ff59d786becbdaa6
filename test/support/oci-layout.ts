// Deterministic fixture builder for OCI image layouts (OCI Image Spec image-layout.md).
//
// Everything is derived from a seed: the same options always produce byte-identical
// blobs (fixed mtimes, fixed owners, pseudo-random file content from AES-CTR keyed by
// the seed), so digests are stable across runs and differ across seeds. No network.

import { createCipheriv, createHash } from 'node:crypto';
import { mkdir, readFile, readdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { exists } from './files.js';

export const MEDIA_TYPE_OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const MEDIA_TYPE_OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const MEDIA_TYPE_OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
export const MEDIA_TYPE_OCI_LAYER_GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip';
export const MEDIA_TYPE_DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
export const MEDIA_TYPE_DOCKER_MANIFEST_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
export const ANNOTATION_REF_NAME = 'org.opencontainers.image.ref.name';

/** Fixed timestamp used for tar mtimes and config/history dates. */
export const FIXTURE_EPOCH = new Date('2024-01-01T00:00:00Z');

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: Platform;
  annotations?: Record<string, string>;
}

export interface ImageLayoutOptions {
  /** Number of layers (0 or more). */
  layers: number;
  /** Seed for all generated content. */
  seed: string;
  /** Tag recorded as org.opencontainers.image.ref.name in index.json; default "latest". */
  tag?: string;
  /** Platform of the image; default linux/amd64. */
  platform?: Platform;
  /** Approximate uncompressed file content per layer in bytes; default 8192. */
  sizeBytes?: number;
}

export interface IndexLayoutOptions {
  platforms: Platform[];
  seed: string;
  /** Tag recorded in index.json; default "latest". */
  tag?: string;
  /** Layers per platform image; default 2. */
  layers?: number;
  /** Approximate uncompressed file content per layer in bytes; default 8192. */
  sizeBytes?: number;
}

export interface LayerInfo {
  digest: string;
  size: number;
  /** sha256 of the uncompressed tar. */
  diffId: string;
}

export interface BuiltImage {
  /** Digest of the image manifest. */
  digest: string;
  mediaType: typeof MEDIA_TYPE_OCI_MANIFEST;
  size: number;
  manifest: Buffer;
  platform: Platform;
  config: { digest: string; size: number };
  layers: LayerInfo[];
  /** Every blob digest written for this image: manifest, config, layers. */
  blobs: string[];
}

export interface BuiltIndex {
  /** Digest of the image index. */
  digest: string;
  mediaType: typeof MEDIA_TYPE_OCI_INDEX;
  size: number;
  index: Buffer;
  images: BuiltImage[];
  /** Every blob digest written: index, manifests, configs, layers. */
  blobs: string[];
}

export function sha256(data: Buffer | string): string {
  return 'sha256:' + createHash('sha256').update(data).digest('hex');
}

/** Deterministic pseudo-random bytes: AES-256-CTR keystream keyed by sha256(label). */
export function pseudoRandomBytes(label: string, length: number): Buffer {
  const key = createHash('sha256')
    .update('stowage-fixture-key\0' + label)
    .digest();
  const iv = createHash('sha256')
    .update('stowage-fixture-iv\0' + label)
    .digest()
    .subarray(0, 16);
  const cipher = createCipheriv('aes-256-ctr', key, iv);
  return Buffer.concat([cipher.update(Buffer.alloc(length)), cipher.final()]);
}

function platformString(p: Platform): string {
  return p.variant ? `${p.os}/${p.architecture}/${p.variant}` : `${p.os}/${p.architecture}`;
}

function blobPath(dir: string, digest: string): string {
  const [alg, hex] = digest.split(':');
  if (!alg || !hex) throw new Error(`bad digest ${digest}`);
  return join(dir, 'blobs', alg, hex);
}

/** Writes a blob under blobs/sha256/ (atomically) and returns its digest. */
async function putBlob(dir: string, data: Buffer): Promise<string> {
  const digest = sha256(data);
  const path = blobPath(dir, digest);
  if (!(await exists(path))) {
    await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
    const tmp = `${path}.tmp-${process.pid}`;
    await writeFile(tmp, data);
    await rename(tmp, path);
  }
  return digest;
}

async function packTar(entries: Array<{ name: string; type: 'file' | 'directory'; data?: Buffer; mode?: number }>): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const chunk of pack) chunks.push(chunk as Buffer);
  })();
  for (const e of entries) {
    const header = {
      name: e.name,
      type: e.type,
      mode: e.mode ?? (e.type === 'directory' ? 0o755 : 0o644),
      mtime: FIXTURE_EPOCH,
      uid: 0,
      gid: 0,
      uname: 'root',
      gname: 'root',
    };
    await new Promise<void>((resolve, reject) => {
      if (e.type === 'directory') {
        pack.entry(header, (err) => (err ? reject(err) : resolve()));
      } else {
        pack.entry({ ...header, size: e.data?.length ?? 0 }, e.data ?? Buffer.alloc(0), (err) => (err ? reject(err) : resolve()));
      }
    });
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** Builds one gzip'd tar layer; returns compressed bytes and the diff_id. */
export async function buildLayer(label: string, index: number, sizeBytes: number): Promise<{ blob: Buffer; diffId: string }> {
  const dirName = `layer${index}`;
  // Several files per layer; sizes split the budget unevenly (1/2, 1/3, 1/6).
  const a = Math.max(1, Math.floor(sizeBytes / 2));
  const b = Math.max(1, Math.floor(sizeBytes / 3));
  const c = Math.max(1, sizeBytes - a - b);
  const text = Buffer.from(`stowage fixture\nlabel: ${label}\nlayer: ${index}\n` + pseudoRandomBytes(`${label}#${index}#text`, 96).toString('hex') + '\n');
  const tarBytes = await packTar([
    { name: `${dirName}/`, type: 'directory' },
    { name: `${dirName}/a.bin`, type: 'file', data: pseudoRandomBytes(`${label}#${index}#a`, a) },
    { name: `${dirName}/b.bin`, type: 'file', data: pseudoRandomBytes(`${label}#${index}#b`, b) },
    { name: `${dirName}/sub/`, type: 'directory' },
    {
      name: `${dirName}/sub/c.bin`,
      type: 'file',
      data: pseudoRandomBytes(`${label}#${index}#c`, c),
    },
    { name: `${dirName}/README.txt`, type: 'file', data: text },
    {
      name: `${dirName}/run.sh`,
      type: 'file',
      data: Buffer.from(`#!/bin/sh\necho layer ${index}\n`),
      mode: 0o755,
    },
  ]);
  const blob = gzipSync(tarBytes, { level: 6 });
  return { blob, diffId: sha256(tarBytes) };
}

/** Builds an image (layers, config, manifest) into dir's blobs without touching index.json. */
export async function buildImage(dir: string, opts: { layers: number; seed: string; platform?: Platform; sizeBytes?: number }): Promise<BuiltImage> {
  const platform: Platform = opts.platform ?? { os: 'linux', architecture: 'amd64' };
  const sizeBytes = opts.sizeBytes ?? 8192;
  const label = `${opts.seed}@${platformString(platform)}`;
  const layers: LayerInfo[] = [];
  for (let i = 0; i < opts.layers; i++) {
    const { blob, diffId } = await buildLayer(label, i, sizeBytes);
    const digest = await putBlob(dir, blob);
    layers.push({ digest, size: blob.length, diffId });
  }
  const created = FIXTURE_EPOCH.toISOString().replace('.000Z', 'Z');
  const config: Record<string, unknown> = {
    created,
    architecture: platform.architecture,
    os: platform.os,
    ...(platform.variant ? { variant: platform.variant } : {}),
    config: {
      Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
      Cmd: ['/bin/sh'],
      WorkingDir: '/',
      Labels: { 'org.stowage.fixture.seed': opts.seed },
    },
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
    history: layers.map((_, i) => ({
      created,
      created_by: `stowage-fixture: ADD layer${i} /layer${i}`,
      comment: `seed ${opts.seed}`,
    })),
  };
  const configBytes = Buffer.from(JSON.stringify(config));
  const configDigest = await putBlob(dir, configBytes);
  const manifest = {
    schemaVersion: 2,
    mediaType: MEDIA_TYPE_OCI_MANIFEST,
    config: { mediaType: MEDIA_TYPE_OCI_CONFIG, digest: configDigest, size: configBytes.length },
    layers: layers.map((l) => ({ mediaType: MEDIA_TYPE_OCI_LAYER_GZIP, digest: l.digest, size: l.size })),
    annotations: { 'org.opencontainers.image.created': created },
  };
  const manifestBytes = Buffer.from(JSON.stringify(manifest));
  const digest = await putBlob(dir, manifestBytes);
  return {
    digest,
    mediaType: MEDIA_TYPE_OCI_MANIFEST,
    size: manifestBytes.length,
    manifest: manifestBytes,
    platform,
    config: { digest: configDigest, size: configBytes.length },
    layers,
    blobs: [digest, configDigest, ...layers.map((l) => l.digest)],
  };
}

export interface IndexJson {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Descriptor[];
}

export async function readIndexJson(dir: string): Promise<IndexJson> {
  return JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as IndexJson;
}

/**
 * Creates the layout skeleton if needed and records desc under tag in index.json,
 * replacing any earlier entry of the same tag (other tags are kept).
 */
async function addRef(dir: string, desc: Descriptor, tag: string): Promise<void> {
  await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
  await writeFile(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  let index: IndexJson = { schemaVersion: 2, mediaType: MEDIA_TYPE_OCI_INDEX, manifests: [] };
  if (await exists(join(dir, 'index.json'))) index = await readIndexJson(dir);
  index.manifests = index.manifests.filter((m) => m.annotations?.[ANNOTATION_REF_NAME] !== tag);
  index.manifests.push({ ...desc, annotations: { ...desc.annotations, [ANNOTATION_REF_NAME]: tag } });
  await writeFile(join(dir, 'index.json'), JSON.stringify(index));
}

/**
 * Writes a single-platform OCI image into the layout at dir (created if needed; an
 * existing layout keeps its other tags) and tags it in index.json.
 */
export async function writeImageLayout(dir: string, opts: ImageLayoutOptions): Promise<BuiltImage> {
  if (!Number.isInteger(opts.layers) || opts.layers < 0) throw new Error('layers must be >= 0');
  const image = await buildImage(dir, opts);
  await addRef(dir, { mediaType: image.mediaType, digest: image.digest, size: image.size }, opts.tag ?? 'latest');
  return image;
}

/** Writes a multi-platform OCI image index (one image per platform) into the layout at dir. */
export async function writeIndexLayout(dir: string, opts: IndexLayoutOptions): Promise<BuiltIndex> {
  if (opts.platforms.length === 0) throw new Error('platforms must not be empty');
  const images: BuiltImage[] = [];
  for (const platform of opts.platforms) {
    images.push(
      await buildImage(dir, {
        layers: opts.layers ?? 2,
        seed: opts.seed,
        platform,
        ...(opts.sizeBytes !== undefined ? { sizeBytes: opts.sizeBytes } : {}),
      }),
    );
  }
  const index = {
    schemaVersion: 2,
    mediaType: MEDIA_TYPE_OCI_INDEX,
    manifests: images.map((img) => ({
      mediaType: img.mediaType,
      digest: img.digest,
      size: img.size,
      platform: { ...img.platform },
    })),
    annotations: { 'org.opencontainers.image.created': FIXTURE_EPOCH.toISOString().replace('.000Z', 'Z') },
  };
  const indexBytes = Buffer.from(JSON.stringify(index));
  const digest = await putBlob(dir, indexBytes);
  await addRef(dir, { mediaType: MEDIA_TYPE_OCI_INDEX, digest, size: indexBytes.length }, opts.tag ?? 'latest');
  return {
    digest,
    mediaType: MEDIA_TYPE_OCI_INDEX,
    size: indexBytes.length,
    index: indexBytes,
    images,
    blobs: [digest, ...images.flatMap((i) => i.blobs)],
  };
}

// ---------------------------------------------------------------------------
// Reading layouts back (for comparing round trips).

/** The descriptor that index.json records for tag, or undefined. */
export async function findRef(dir: string, tag: string): Promise<Descriptor | undefined> {
  const index = await readIndexJson(dir);
  return index.manifests.find((m) => m.annotations?.[ANNOTATION_REF_NAME] === tag);
}

/** Reads a blob and verifies its content matches its digest. */
export async function readBlob(dir: string, digest: string): Promise<Buffer> {
  const data = await readFile(blobPath(dir, digest));
  const actual = sha256(data);
  if (actual !== digest) throw new Error(`blob ${digest} in ${dir} has content digest ${actual}`);
  return data;
}

/** All blob digests present under blobs/sha256/. */
export async function listBlobs(dir: string): Promise<string[]> {
  const names = await readdir(join(dir, 'blobs', 'sha256')).catch(() => [] as string[]);
  return names
    .filter((n) => /^[a-f0-9]{64}$/.test(n))
    .map((n) => `sha256:${n}`)
    .sort();
}

/**
 * Every blob reachable from digest (a manifest or an index), including digest itself,
 * sorted. Throws if a reachable blob is missing or corrupt.
 */
export async function reachableBlobs(dir: string, digest: string): Promise<string[]> {
  const seen = new Set<string>();
  const visit = async (d: string, mediaType: string | undefined): Promise<void> => {
    if (seen.has(d)) return;
    const data = await readBlob(dir, d);
    seen.add(d);
    const isManifestLike =
      mediaType === undefined ||
      mediaType === MEDIA_TYPE_OCI_MANIFEST ||
      mediaType === MEDIA_TYPE_OCI_INDEX ||
      mediaType === MEDIA_TYPE_DOCKER_MANIFEST ||
      mediaType === MEDIA_TYPE_DOCKER_MANIFEST_LIST;
    if (!isManifestLike) return;
    const doc = JSON.parse(data.toString('utf8')) as {
      config?: Descriptor;
      layers?: Descriptor[];
      manifests?: Descriptor[];
    };
    if (doc.config) await visit(doc.config.digest, doc.config.mediaType ?? 'config');
    for (const l of doc.layers ?? []) await visit(l.digest, l.mediaType ?? 'layer');
    for (const m of doc.manifests ?? []) await visit(m.digest, m.mediaType);
  };
  await visit(digest, undefined);
  return [...seen].sort();
}

/**
 * Asserts that tag srcTag in layout srcDir and tag dstTag in layout dstDir name the same
 * manifest/index digest and media type, and that every blob reachable from it is present
 * in both layouts with identical bytes (and content matching its digest).
 * Returns the reachable digests.
 */
export async function assertSameImage(srcDir: string, srcTag: string, dstDir: string, dstTag: string): Promise<string[]> {
  const src = await findRef(srcDir, srcTag);
  const dst = await findRef(dstDir, dstTag);
  if (!src) throw new Error(`tag ${srcTag} not in ${srcDir}/index.json`);
  if (!dst) throw new Error(`tag ${dstTag} not in ${dstDir}/index.json`);
  if (src.digest !== dst.digest || src.mediaType !== dst.mediaType || src.size !== dst.size) {
    throw new Error(
      `index.json descriptors differ: ${srcDir}:${srcTag} = ${src.mediaType} ${src.digest} (${src.size}), ` +
        `${dstDir}:${dstTag} = ${dst.mediaType} ${dst.digest} (${dst.size})`,
    );
  }
  const a = await reachableBlobs(srcDir, src.digest);
  const b = await reachableBlobs(dstDir, dst.digest);
  if (a.join(',') !== b.join(',')) {
    throw new Error(`reachable blobs differ:\n  ${srcDir}: ${a.join(' ')}\n  ${dstDir}: ${b.join(' ')}`);
  }
  for (const d of a) {
    const x = await readBlob(srcDir, d);
    const y = await readBlob(dstDir, d);
    if (!x.equals(y)) throw new Error(`blob ${d} differs between ${srcDir} and ${dstDir}`);
  }
  return a;
}
