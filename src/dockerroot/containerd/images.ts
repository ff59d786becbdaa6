// An image of the containerd store: the names pointing at one target (a manifest or an index),
// the platform manifest chosen from it, its config and its layers, each joined with the
// snapshot unpacked for it. containerd fetches only the platform it unpacks, so an index's
// other manifests are usually absent: that is normal, not a problem.

import { Digest } from '../../digest/digest.js';
import { isStowageError, StowageError } from '../../errors/error.js';
import type { Descriptor } from '../../oci/descriptor.js';
import { parseManifest, type ParsedManifest } from '../../oci/manifest.js';
import { formatPlatform, platformMatches, type PlatformSpec } from '../../oci/platform.js';
import { chainIds, parseImageConfig, validateDiffIds } from '../../oci/config.js';
import { blobPath, MANIFEST_LIMIT } from '../../transport/layout-source.js';
import { METADATA_LIMIT, type ConfinedFs } from '../confined-fs.js';
import type { DockerImage, DockerLayer } from '../model.js';
import { contentBlobPath, type ContentStoreFiles } from './content-store.js';
import type { ImageRecord } from './metadata.js';
import { imageNames } from './names.js';
import type { Snapshot } from './snapshots.js';

/** An index nested in an index nested in an index is as deep as any real image goes. */
const MAX_INDEX_DEPTH = 3;

export interface ContainerdImage extends DockerImage {
  target: { digest: string; mediaType: string; size: number };
  manifestDigest: string;
  /**
   * Bytes the image takes: the sizes the snapshotter recorded when every layer is unpacked
   * (what its files take on disk), else the sum of the compressed layer blobs.
   */
  size: number;
  sizeSource: 'snapshots' | 'compressed';
}

export interface ImageContext {
  fs: ConfinedFs;
  files: ContentStoreFiles;
  platform: PlatformSpec;
  /** Committed snapshots by name (chain ID). */
  snapshots: Map<string, Snapshot>;
  /** Layers by chain ID, shared by every image that has them. */
  layers: Map<string, DockerLayer>;
  problems: string[];
}

interface PlatformManifest {
  digest: string;
  parsed: ParsedManifest;
  config: Descriptor;
}

/** The image the records (names with one target digest) point to; undefined, with a problem line, when it cannot be read. */
export async function resolveImage(ctx: ImageContext, records: ImageRecord[]): Promise<ContainerdImage | undefined> {
  const [first] = records;
  if (first === undefined) return undefined;
  const target = first.target;
  const label = `image ${records.map((r) => r.name).join(', ')}`;
  try {
    const top = await readBlob(ctx, target.digest, MANIFEST_LIMIT);
    if (top === undefined) {
      ctx.problems.push(`${label}: its target ${target.digest} is not in the content store`);
      return undefined;
    }
    const chosen = await choosePlatform(ctx, target.digest, top, target.mediaType, 0);
    if (chosen === undefined) {
      ctx.problems.push(`${label}: no ${formatPlatform(ctx.platform)} manifest with its config in the content store`);
      return undefined;
    }
    const configBytes = await readBlob(ctx, chosen.config.digest, METADATA_LIMIT);
    if (configBytes === undefined) throw new StowageError('BLOB_UNKNOWN', `config ${chosen.config.digest} is not in the content store`);
    const config = parseImageConfig(configBytes, `config ${chosen.config.digest}`, 'CONFIG_INVALID');
    const diffIds = validateDiffIds(config.rootfs?.diff_ids, chosen.parsed.layers.length, chosen.config.digest);
    const layers = await imageLayers(ctx, diffIds, chosen.parsed.layers);
    const unpacked = layers.every((l) => l.size !== undefined);
    const { repoTags, repoDigests } = imageNames(
      records.map((r) => r.name),
      target.digest,
    );
    const updated = records
      .map((r) => r.updatedAt)
      .filter((t): t is string => t !== undefined)
      .sort();
    return {
      id: target.digest,
      repoTags,
      repoDigests,
      configBytes,
      config,
      layers,
      parent: undefined,
      lastTagTime: updated[updated.length - 1],
      paths: [...new Set([target.digest, chosen.digest, chosen.config.digest])].map((d) => ctx.fs.join(contentBlobPath(d))),
      target: { ...target },
      manifestDigest: chosen.digest,
      size: unpacked ? sum(layers.map((l) => l.size ?? 0)) : sum(chosen.parsed.layers.map((l) => l.size)),
      sizeSource: unpacked ? 'snapshots' : 'compressed',
    };
  } catch (err) {
    ctx.problems.push(`${label}: ${(err as Error).message}`);
    return undefined;
  }
}

/**
 * The manifest for the wanted platform whose config is present: the target itself when it is
 * a manifest, else the first matching entry of the index (recursively) that was fetched.
 */
async function choosePlatform(ctx: ImageContext, digest: string, bytes: Buffer, mediaType: string, depth: number): Promise<PlatformManifest | undefined> {
  const parsed = parseManifest(bytes, mediaType);
  if (parsed.kind === 'manifest') {
    if (parsed.config === undefined) return undefined;
    const present = await ctx.files.size(blobPath(Digest.parse(parsed.config.digest)));
    return present === undefined ? undefined : { digest, parsed, config: parsed.config };
  }
  if (depth >= MAX_INDEX_DEPTH) return undefined;
  const withPlatform = parsed.manifests.filter((m) => m.platform !== undefined);
  const candidates = withPlatform.length > 0 ? withPlatform.filter((m) => platformMatches(ctx.platform, m.platform)) : parsed.manifests;
  for (const child of candidates) {
    const childBytes = await readBlob(ctx, child.digest, MANIFEST_LIMIT);
    if (childBytes === undefined) continue;
    const found = await choosePlatform(ctx, child.digest, childBytes, child.mediaType, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** A blob of the content store, checked against its digest; undefined when absent. */
async function readBlob(ctx: ImageContext, digest: string, limit: number): Promise<Buffer | undefined> {
  const parsed = Digest.parse(digest);
  const bytes = await ctx.files.read(blobPath(parsed), limit);
  if (bytes === undefined) return undefined;
  const actual = Digest.of(bytes, parsed.algorithm);
  if (!actual.equals(parsed)) throw new StowageError('DIGEST_INVALID', `${ctx.fs.join(contentBlobPath(parsed))} has digest ${actual.toString()}`);
  return bytes;
}

/** The image's layers bottom-up, each the shared DockerLayer of its chain ID. */
async function imageLayers(ctx: ImageContext, diffIds: string[], compressed: Descriptor[]): Promise<DockerLayer[]> {
  const chains = chainIds(diffIds.map((d) => Digest.parse(d))).map((c) => c.toString());
  const out: DockerLayer[] = [];
  for (const [i, chainId] of chains.entries()) {
    const layer = ctx.layers.get(chainId) ?? newLayer(ctx, chainId, diffIds[i] as string, chains[i - 1]);
    ctx.layers.set(chainId, layer);
    const blob = compressed[i];
    const blobFile = blob === undefined ? undefined : await presentBlob(ctx, blob.digest);
    if (blobFile !== undefined && !layer.paths.includes(blobFile)) layer.paths.push(blobFile);
    out.push(layer);
  }
  return out;
}

/** The absolute path of a blob that is in the content store; a link leading outside the root is a problem, not a path. */
async function presentBlob(ctx: ImageContext, digest: string): Promise<string | undefined> {
  const file = contentBlobPath(digest);
  try {
    await ctx.fs.resolve(file);
    return ctx.fs.join(file);
  } catch (err) {
    if (!isStowageError(err, 'PATH_NOT_FOUND')) ctx.problems.push(`layer blob ${digest}: ${(err as Error).message}`);
    return undefined;
  }
}

/** A layer as the snapshotter holds it: snapshot `chainId` is its files. */
export function newLayer(ctx: Pick<ImageContext, 'snapshots'>, chainId: string, diffId: string, parent: string | undefined): DockerLayer {
  const snapshot = ctx.snapshots.get(chainId);
  return {
    diffId,
    chainId,
    cacheId: snapshot?.id,
    directory: snapshot?.fsDir,
    paths: snapshot ? [snapshot.dir] : [],
    size: snapshot?.size,
    parent,
    tarSplit: undefined,
  };
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
