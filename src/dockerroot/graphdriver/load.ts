import { readlinkSync } from 'node:fs';
import path from 'node:path';
import { StowageError } from '../../errors/error.js';
import type { ConfinedFs } from '../confined-fs.js';
import { readContainerConfigs } from '../containers.js';
import type { DockerContainer, DockerImage, DockerRootView } from '../model.js';
import { readVolumes } from '../volumes.js';
import { DIRECTORY_DRIVERS, driverDirs } from './driver-dirs.js';
import { readImages, readRepositories } from './imagedb.js';
import { readLayers, readMounts } from './layerdb.js';

/**
 * A graph-driver store (Docker 1.10 to 28, and hosts upgraded since): image/<driver>/ holds
 * the metadata, <driver>/ the layer directories. Reads only metadata files; sizes come from
 * layerdb (`size`), as `docker images` takes them.
 */

/** Drivers with an image/<driver>/ metadata directory, most recently used first. */
export async function graphDrivers(fs: ConfinedFs): Promise<string[]> {
  const found: Array<{ driver: string; mtime: number }> = [];
  for (const driver of await fs.list('image')) {
    if (!/^[a-z0-9-]+$/.test(driver)) continue;
    const imagedb = await fs.lstat(path.join('image', driver, 'imagedb'));
    if (!imagedb?.isDirectory()) continue;
    const repositories = await fs.lstat(path.join('image', driver, 'repositories.json'));
    found.push({ driver, mtime: repositories?.mtimeMs ?? imagedb.mtimeMs });
  }
  return found.sort((a, b) => b.mtime - a.mtime || DIRECTORY_DRIVERS.indexOf(a.driver) - DIRECTORY_DRIVERS.indexOf(b.driver)).map((f) => f.driver);
}

export async function loadGraphDriverRoot(fs: ConfinedFs, driver: string, openSource: DockerRootView['openSource']): Promise<DockerRootView> {
  if (!/^[a-z0-9-]+$/.test(driver)) throw new StowageError('CONFIG_INVALID', `storage driver ${JSON.stringify(driver)}: not a driver name`);
  const problems: string[] = [];
  const dirs = driverDirs(fs, driver);
  if (dirs === undefined) problems.push(`storage driver ${driver}: its layers are not plain directories; sizes and names are shown, files cannot be read`);
  const [names, configs, volumes] = await Promise.all([readRepositories(fs, driver, problems), readContainerConfigs(fs, problems), readVolumes(fs)]);
  const layerList = readLayers(fs, driver, dirs, problems);
  const mounts = readMounts(fs, driver, problems);
  const layers = new Map(layerList.map((layer) => [layer.chainId, layer]));
  const images: DockerImage[] = readImages(fs, driver, layers, names, problems);
  const containers = await Promise.all(
    mounts.map(async (mount): Promise<DockerContainer> => {
      const config = configs.get(mount.containerId) ?? {};
      const paths = [...(config.paths ?? []), fs.join('image', driver, 'layerdb', 'mounts', mount.containerId)];
      if (dirs !== undefined) {
        for (const id of [mount.mountId, mount.initId]) {
          if (id !== undefined) paths.push(...dirs.paths(id).map((p) => fs.join(p)));
        }
      }
      return {
        ...config,
        id: mount.containerId,
        image: config.image,
        name: config.name,
        mountId: mount.mountId,
        initId: mount.initId,
        parent: mount.parent,
        directory: dirs !== undefined && mount.mountId !== undefined && dirs.exists(mount.mountId) ? fs.join(dirs.files(mount.mountId)) : undefined,
        ...(dirs?.naiveDiff && mount.initId !== undefined ? { diffBase: fs.join(dirs.files(mount.initId)) } : {}),
        paths,
      };
    }),
  );
  if (driver === 'overlay2' || driver === 'fuse-overlayfs') await checkShortLinks(fs, driver, problems);
  return { root: fs.root, kind: driver, driver, images, layers: layerList, containers, volumes, problems, openSource };
}

/**
 * overlay2/l/ holds symlinks to layers' diff/ directories; one leading elsewhere is named,
 * never followed. The usual `../<id>/diff` to a real directory is accepted as written (no
 * realpath per link: a root has thousands); anything else is resolved and checked.
 */
async function checkShortLinks(fs: ConfinedFs, driver: string, problems: string[]): Promise<void> {
  const dir = path.join(driver, 'l');
  const layerDirs = new Set(
    fs
      .listTypedSync(driver)
      .filter((d) => d.isDirectory())
      .map((d) => d.name),
  );
  for (const entry of fs.listTypedSync(dir)) {
    let target: string;
    try {
      target = readlinkSync(fs.join(dir, entry.name));
    } catch {
      continue;
    }
    const canonical = /^\.\.\/([A-Za-z0-9_.-]+)\/diff$/.exec(target);
    if (canonical !== null && canonical[1] !== '..' && canonical[1] !== '.' && layerDirs.has(canonical[1] as string)) continue;
    try {
      await fs.followLink(path.join(dir, entry.name));
    } catch (err) {
      if (err instanceof StowageError && err.code === 'PATH_INVALID')
        problems.push(`${fs.join(dir, entry.name)}: ${err.message.replace(/^.*? leads outside/, 'leads outside')}`);
    }
  }
}
