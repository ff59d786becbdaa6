import { createHash } from 'node:crypto';
import path from 'node:path';
import { chainIds } from '../../store/chain.js';
import { Digest } from '../../digest/digest.js';
import { createLimiter } from '../../transport/limiter.js';
import type { ConfinedFs } from '../confined-fs.js';
import type { DockerImage, DockerLayer, ImageConfigJson } from '../model.js';

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
      const target = name.includes('@') ? names.digests : names.tags;
      const list = target.get(id) ?? [];
      list.push(name);
      target.set(id, list);
    }
  }
  return names;
}

/** Every image in imagedb, its layers resolved through layerdb by chain ID. */
export async function readImages(
  fs: ConfinedFs,
  driver: string,
  layers: Map<string, DockerLayer>,
  names: RepositoryNames,
  problems: string[],
): Promise<DockerImage[]> {
  const content = path.join('image', driver, 'imagedb', 'content', 'sha256');
  const ids = (await fs.list(content)).filter((name) => HEX64.test(name));
  const limit = createLimiter(32);
  const images = await Promise.all(ids.map((hex) => limit(() => readImage(fs, driver, hex, layers, names, problems))));
  return images.filter((image): image is DockerImage => image !== undefined);
}

async function readImage(
  fs: ConfinedFs,
  driver: string,
  hex: string,
  layers: Map<string, DockerLayer>,
  names: RepositoryNames,
  problems: string[],
): Promise<DockerImage | undefined> {
  const id = `sha256:${hex}`;
  const file = path.join('image', driver, 'imagedb', 'content', 'sha256', hex);
  const meta = path.join('image', driver, 'imagedb', 'metadata', 'sha256', hex);
  let configBytes: Buffer;
  try {
    configBytes = await fs.readBuffer(file);
  } catch (err) {
    problems.push(`image ${hex.slice(0, 12)}: ${(err as Error).message}`);
    return undefined;
  }
  // imagedb verifies content against its name on read (fsstore.Get); so do we.
  if (createHash('sha256').update(configBytes).digest('hex') !== hex) {
    problems.push(`image ${hex.slice(0, 12)}: ${fs.join(file)} does not match its digest (changed on disk)`);
    return undefined;
  }
  let config: ImageConfigJson;
  try {
    config = JSON.parse(configBytes.toString('utf8')) as ImageConfigJson;
  } catch {
    problems.push(`image ${hex.slice(0, 12)}: its config is not JSON`);
    return undefined;
  }
  const [parent, lastUpdated] = await Promise.all([optionalText(fs, path.join(meta, 'parent')), optionalText(fs, path.join(meta, 'lastUpdated'))]);
  return {
    id,
    repoTags: names.tags.get(id) ?? [],
    repoDigests: names.digests.get(id) ?? [],
    configBytes,
    config,
    layers: imageLayers(hex, config, layers, problems),
    parent: parent !== undefined && /^sha256:[a-f0-9]{64}$/.test(parent) ? parent : undefined,
    lastTagTime: lastUpdated,
    paths: [fs.join(file), ...((await fs.lstat(meta)) ? [fs.join(meta)] : [])],
  };
}

function imageLayers(hex: string, config: ImageConfigJson, layers: Map<string, DockerLayer>, problems: string[]): DockerLayer[] {
  const diffIds = config.rootfs?.diff_ids;
  if (!Array.isArray(diffIds) || !diffIds.every((d) => typeof d === 'string' && /^sha256:[a-f0-9]{64}$/.test(d))) {
    problems.push(`image ${hex.slice(0, 12)}: its config has no valid rootfs.diff_ids`);
    return [];
  }
  const out: DockerLayer[] = [];
  for (const [i, chain] of chainIds(diffIds.map((d) => Digest.parse(d))).entries()) {
    const layer = layers.get(chain.toString());
    if (layer === undefined) {
      problems.push(`image ${hex.slice(0, 12)}: layer ${i + 1} (chain ${chain.hex.slice(0, 12)}) is missing from layerdb`);
      continue;
    }
    out.push(layer);
  }
  return out;
}

async function optionalText(fs: ConfinedFs, rel: string): Promise<string | undefined> {
  try {
    return (await fs.readTrimmed(rel)) || undefined;
  } catch {
    return undefined;
  }
}
