import { createHash } from 'node:crypto';
import path from 'node:path';
import { tryParseReference } from '../../reference/reference.js';
import type { ConfinedFs } from '../confined-fs.js';
import type { ImageConfig } from '../../oci/config.js';
import type { DockerImage, DockerLayer } from '../model.js';

/**
 * image/<driver>/imagedb (moby image/fsstore.go): `content/sha256/<id>` is each image's config
 * exactly as pulled or built (its sha256 is the image ID), `metadata/sha256/<id>/` holds
 * `parent` (locally built images) and `lastUpdated` (set by `docker tag`).
 * image/<driver>/repositories.json (moby reference/store.go) maps familiar names to IDs.
 */

const HEX64 = /^[a-f0-9]{64}$/;

export interface RepositoryNames {
  tags: Map<string, string[]>;
  digests: Map<string, string[]>;
}

/** repositories.json: `{"Repositories": {"alpine": {"alpine:latest": "sha256:…", "alpine@sha256:…": "sha256:…"}}}`. */
export async function readRepositories(fs: ConfinedFs, driver: string, problems: string[]): Promise<RepositoryNames> {
  const names: RepositoryNames = { tags: new Map(), digests: new Map() };
  const file = path.join('image', driver, 'repositories.json');
  if (!(await fs.exists(file))) return names;
  let parsed: unknown;
  try {
    parsed = await fs.readJson(file);
  } catch (err) {
    problems.push(`${(err as Error).message}; images are listed without names`);
    return names;
  }
  const repositories = (parsed as { Repositories?: unknown })?.Repositories;
  if (typeof repositories !== 'object' || repositories === null) {
    problems.push(`${fs.join(file)}: no "Repositories" object; images are listed without names`);
    return names;
  }
  for (const entries of Object.values(repositories as Record<string, unknown>)) {
    if (typeof entries !== 'object' || entries === null) continue;
    for (const [name, id] of Object.entries(entries as Record<string, unknown>)) {
      if (typeof id !== 'string') continue;
      // A name docker could have written parses as a reference; anything else (control
      // characters meant for a terminal, garbage) is reported, shown escaped, and dropped.
      if (tryParseReference(name) === undefined) {
        problems.push(`${fs.join(file)}: ${JSON.stringify(name.slice(0, 200))} is not an image reference; ignored`);
        continue;
      }
      const target = name.includes('@') ? names.digests : names.tags;
      const list = target.get(id) ?? [];
      list.push(name);
      target.set(id, list);
    }
  }
  return names;
}

/** Every image in imagedb, its layers resolved through layerdb by chain ID (synchronous fast path: one small file each). */
export function readImages(fs: ConfinedFs, driver: string, layers: Map<string, DockerLayer>, names: RepositoryNames, problems: string[]): DockerImage[] {
  const content = path.join('image', driver, 'imagedb', 'content', 'sha256');
  const metadata = path.join('image', driver, 'imagedb', 'metadata', 'sha256');
  const withMetadata = new Set(
    fs
      .listTypedSync(metadata)
      .filter((d) => d.isDirectory())
      .map((d) => d.name),
  );
  const contentDir = fs.join(content);
  const metadataDir = fs.join(metadata);
  const images: DockerImage[] = [];
  for (const entry of fs.listTypedSync(content)) {
    if (!HEX64.test(entry.name)) continue;
    const image = readImage(fs, contentDir, metadataDir, entry.name, withMetadata.has(entry.name), layers, names, problems);
    if (image !== undefined) images.push(image);
  }
  return images;
}

function readImage(
  fs: ConfinedFs,
  contentDir: string,
  metadataDir: string,
  hex: string,
  hasMetadata: boolean,
  layers: Map<string, DockerLayer>,
  names: RepositoryNames,
  problems: string[],
): DockerImage | undefined {
  const id = `sha256:${hex}`;
  let configBytes: Buffer | undefined;
  try {
    configBytes = fs.readInCheckedDirSync(contentDir, hex);
  } catch (err) {
    problems.push(`image ${hex.slice(0, 12)}: ${(err as Error).message}`);
    return undefined;
  }
  // Removed by the daemon since the directory was listed.
  if (configBytes === undefined) return undefined;
  // Not hashed here: listing 1,000 images would spend more on it than on reading them. Export
  // checks every blob's digest as it streams (a config changed on disk is named there), and
  // `stowage docker inspect` says when its bytes do not match (see inspect.ts).
  let config: ImageConfig;
  try {
    config = JSON.parse(configBytes.toString('utf8')) as ImageConfig;
  } catch {
    problems.push(`image ${hex.slice(0, 12)}: its config is not JSON`);
    return undefined;
  }
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    problems.push(`image ${hex.slice(0, 12)}: its config is not a JSON object`);
    return undefined;
  }
  const meta = `${metadataDir}/${hex}`;
  const parent = hasMetadata ? metadataText(fs, meta, 'parent') : undefined;
  const lastUpdated = hasMetadata ? metadataText(fs, meta, 'lastUpdated') : undefined;
  return {
    id,
    repoTags: names.tags.get(id) ?? [],
    repoDigests: names.digests.get(id) ?? [],
    configBytes,
    config,
    layers: imageLayers(hex, config, layers, problems),
    parent: parent !== undefined && /^sha256:[a-f0-9]{64}$/.test(parent) ? parent : undefined,
    lastTagTime: lastUpdated,
    paths: hasMetadata ? [`${contentDir}/${hex}`, meta] : [`${contentDir}/${hex}`],
  };
}

function imageLayers(hex: string, config: ImageConfig, layers: Map<string, DockerLayer>, problems: string[]): DockerLayer[] {
  const diffIds = config.rootfs?.diff_ids;
  if (!Array.isArray(diffIds) || !diffIds.every((d) => typeof d === 'string' && /^sha256:[a-f0-9]{64}$/.test(d))) {
    problems.push(`image ${hex.slice(0, 12)}: its config has no valid rootfs.diff_ids`);
    return [];
  }
  const out: DockerLayer[] = [];
  let chain: string | undefined;
  for (const [i, diffId] of diffIds.entries()) {
    // Chain IDs (image-spec config.md): inlined rather than chainIds() to skip Digest objects on a hot path.
    chain = chain === undefined ? diffId : `sha256:${createHash('sha256').update(`${chain} ${diffId}`).digest('hex')}`;
    const layer = layers.get(chain);
    if (layer === undefined) {
      problems.push(`image ${hex.slice(0, 12)}: layer ${i + 1} (chain ${chain.slice(7, 19)}) is missing from layerdb`);
      continue;
    }
    out.push(layer);
  }
  return out;
}

function metadataText(fs: ConfinedFs, dir: string, name: string): string | undefined {
  try {
    return fs.readInCheckedDirSync(dir, name, 4096)?.toString('utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}
