import path from 'node:path';
import { ConfinedFs } from '../confined-fs.js';
import type { DockerImage, DockerLayer, DockerRootView } from '../model.js';
import { readVolumes } from '../volumes.js';
import { chainOf, checkAufsLayers, type Chain } from './chains.js';
import { readLegacyContainers } from './containers.js';
import { chooseDriver, isReadableDriver, legacyDriver, type LegacyDriver } from './driver.js';
import { GRAPH_DIR, readGraphEntry, type GraphEntry } from './graph-entry.js';
import { isLegacyId, shortId } from './ids.js';
import { readRepositories } from './repositories.js';
import type { LegacyStore } from './source.js';

/**
 * The pre-1.10 graph (Docker up to 1.9): graph/<id>/ per image, tags in
 * repositories-<driver>, layer files in the driver's directory (aufs/diff/<id>, vfs/dir/<id>).
 * Read-only and metadata-only: loading opens no layer file; openSource (source.ts) rebuilds
 * the tars when an image is exported. See ids.ts for how legacy IDs appear in the view.
 */
export async function loadLegacyRoot(root: string): Promise<DockerRootView> {
  const fs = await ConfinedFs.open(root);
  const problems: string[] = [];
  const { driver: driverName, others } = await chooseDriver(fs);
  if (driverName === undefined) {
    problems.push(`${fs.root}: no repositories-<driver> file and no driver directory; layer files cannot be found`);
  } else if (!isReadableDriver(driverName)) {
    problems.push(`storage driver ${driverName}: its layers are not plain directories (only aufs and vfs are read); images are listed, not exportable`);
  }
  for (const other of others) {
    problems.push(`${fs.join(`repositories-${other}`)}: tags kept while the ${other} driver was used; not read (this root is read as ${driverName})`);
  }
  const driver = legacyDriver(driverName ?? 'unknown');
  const entries = await readGraph(fs, problems);
  const layers = new Map<string, DockerLayer>();
  for (const entry of entries.values()) layers.set(entry.id, await layerOf(fs, driver, entry, problems));

  const names = await readRepositories(fs, driverName, problems);
  const chains = new Map<string, Chain>();
  const images: DockerImage[] = [];
  for (const entry of entries.values()) {
    const chain = chainOf(entry.id, entries);
    chains.set(entry.id, chain);
    if (chain.broken !== undefined && !problems.includes(chain.broken)) problems.push(chain.broken);
    if (driverName === 'aufs') {
      const mismatch = await checkAufsLayers(fs, chain);
      if (mismatch !== undefined) problems.push(mismatch);
    }
    images.push({
      id: entry.id,
      repoTags: names.tags.get(entry.id) ?? [],
      repoDigests: names.digests.get(entry.id) ?? [],
      configBytes: entry.jsonBytes,
      config: entry.json,
      layers: chain.ids.map((id) => layers.get(id) as DockerLayer),
      parent: entry.parent,
      // Docker 1.9 recorded no tag times.
      lastTagTime: undefined,
      paths: [fs.join(GRAPH_DIR, entry.id, 'json')],
    });
  }
  for (const [id, refs] of [...names.tags, ...names.digests]) {
    if (!entries.has(id)) problems.push(`${fs.join(`repositories-${driverName}`)}: ${refs.join(', ')} name image ${shortId(id)}, which graph/ does not hold`);
  }

  const containers = await readLegacyContainers(fs, driver, problems);
  problems.push(
    ...(await orphanedLayers(
      fs,
      driver,
      entries,
      containers.map((c) => c.id),
    )),
  );
  const store: LegacyStore = { fs, entries, chains, diffIds: new Map() };
  return {
    root: fs.root,
    kind: 'legacy-graph',
    driver: driverName ?? 'unknown',
    images,
    layers: [...layers.values()],
    containers,
    volumes: await readVolumes(fs),
    problems,
    openSource: async (image) => {
      // The tar rebuilding code is loaded only when an image is exported, not to list images.
      const { openLegacySource } = await import('./source.js');
      return openLegacySource(store, image);
    },
  };
}

/**
 * Whether `root` holds a pre-1.10 graph and nothing newer: Docker 1.10 migrated graph/ into
 * image/<driver>/ on its first start and left graph/ behind until removed by hand, so a root
 * with an imagedb is read as the graph-driver store it became.
 */
export async function isLegacyRoot(root: string): Promise<boolean> {
  let fs: ConfinedFs;
  try {
    fs = await ConfinedFs.open(root);
  } catch {
    return false;
  }
  for (const driver of await fs.list('image')) {
    if (await fs.exists(path.join('image', driver, 'imagedb'))) return false;
  }
  return (await fs.list(GRAPH_DIR)).some((name) => isLegacyId(name));
}

async function readGraph(fs: ConfinedFs, problems: string[]): Promise<Map<string, GraphEntry>> {
  // Other names (_tmp, the migration's .migration-* files) are not images, as for docker 1.9.
  const ids = (await fs.list(GRAPH_DIR)).filter((name) => isLegacyId(name));
  const read = await Promise.all(ids.map((id) => readGraphEntry(fs, id, problems)));
  const entries = new Map<string, GraphEntry>();
  for (const result of read) {
    if (typeof result === 'string') problems.push(result);
    else entries.set(result.id, result);
  }
  return entries;
}

/**
 * The layer of a legacy image. Its diff ID is not recorded anywhere before 1.10 (docker
 * computed it only when migrating): `diffId` is '' until openSource has hashed the rebuilt
 * tar, and is filled in then, on this same object.
 */
async function layerOf(fs: ConfinedFs, driver: LegacyDriver, entry: GraphEntry, problems: string[]): Promise<DockerLayer> {
  const own = await driver.paths(fs, entry.id);
  const directory = await layerDirectory(fs, driver, entry.id, problems);
  if (entry.tarSplit === undefined) {
    problems.push(
      `image ${shortId(entry.id)}: no ${fs.join(GRAPH_DIR, entry.id, 'tar-data.json.gz')} (written by docker 1.8 and later); its layer tar cannot be rebuilt exactly`,
    );
  }
  return {
    diffId: '',
    chainId: entry.id,
    cacheId: entry.id,
    directory,
    paths: [...entry.sideFiles, ...own].map((p) => fs.join(p)),
    size: entry.size,
    parent: entry.parent,
    tarSplit: entry.tarSplit === undefined ? undefined : fs.join(entry.tarSplit),
  };
}

/** The layer's files, if present and inside the root (a symlink leading out is reported, not followed). */
async function layerDirectory(fs: ConfinedFs, driver: LegacyDriver, id: string, problems: string[]): Promise<string | undefined> {
  const files = driver.layerFiles(id);
  if (files === undefined) return undefined;
  try {
    await fs.resolve(files);
  } catch (err) {
    problems.push(`image ${shortId(id)}: layer files: ${(err as Error).message}`);
    return undefined;
  }
  return fs.join(files);
}

/** Driver entries no image or container owns: left by an interrupted delete or a copied root. */
async function orphanedLayers(fs: ConfinedFs, driver: LegacyDriver, entries: ReadonlyMap<string, GraphEntry>, containerIds: string[]): Promise<string[]> {
  if (driver.entries === undefined) return [];
  const owned = new Set([...entries.keys(), ...containerIds, ...containerIds.map((id) => `${id}-init`)]);
  return (await fs.list(driver.entries))
    .filter((name) => !owned.has(name) && !name.startsWith('.'))
    .map((name) => `${fs.join(driver.entries as string, name)}: no image or container of graph/ or containers/ uses it`);
}
