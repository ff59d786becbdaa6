import path from 'node:path';
import type { ConfinedFs } from '../confined-fs.js';
import type { DockerContainer } from '../model.js';
import type { LegacyDriver } from './driver.js';
import { isLegacyId, shortId } from './ids.js';

/**
 * containers/<id>/config.json, the pre-1.10 container record (docker 1.9 daemon/container.go;
 * 1.10 renamed it config.v2.json, migrate/v1 migrateContainers). `Image` is the legacy image
 * ID. The writable layer is the driver entry named after the container itself, with
 * `<id>-init` (the mount points docker set up) below it.
 */
interface LegacyContainerJson {
  ID?: unknown;
  Name?: unknown;
  Image?: unknown;
  Created?: unknown;
  Path?: unknown;
  Args?: unknown;
  Config?: { Image?: unknown } | null;
  State?: { Running?: unknown; Paused?: unknown; Restarting?: unknown; Dead?: unknown; ExitCode?: unknown; StartedAt?: unknown; FinishedAt?: unknown } | null;
}

export async function readLegacyContainers(fs: ConfinedFs, driver: LegacyDriver, problems: string[]): Promise<DockerContainer[]> {
  const ids = (await fs.list('containers')).filter((name) => isLegacyId(name));
  return Promise.all(ids.map((id) => readContainer(fs, driver, id, problems)));
}

async function readContainer(fs: ConfinedFs, driver: LegacyDriver, id: string, problems: string[]): Promise<DockerContainer> {
  const config = await readConfig(fs, id, problems);
  const own = await driver.paths(fs, id);
  const init = await driver.paths(fs, `${id}-init`);
  const hasInit = init.length > 0;
  const files = driver.layerFiles(id);
  const filesPresent = files !== undefined && (await fs.exists(files));
  const image = isLegacyId(config.Image) ? config.Image : undefined;
  const state = config.State ?? {};
  const args = Array.isArray(config.Args) ? config.Args.filter((a): a is string => typeof a === 'string') : [];
  return {
    id,
    image,
    name: typeof config.Name === 'string' ? config.Name.replace(/^\//, '') : undefined,
    mountId: own.length > 0 ? id : undefined,
    initId: hasInit ? `${id}-init` : undefined,
    // Each legacy image is one layer whose chain ID is the image ID (ids.ts).
    parent: image,
    directory: filesPresent && files !== undefined ? fs.join(files) : undefined,
    // vfs keeps full copies: what the container changed is found against its init layer.
    ...(driver.name === 'vfs' && hasInit && driver.layerFiles(`${id}-init`) !== undefined
      ? { diffBase: fs.join(driver.layerFiles(`${id}-init`) as string) }
      : {}),
    paths: [fs.join('containers', id), ...[...own, ...init].map((p) => fs.join(p))],
    ...(typeof config.Config?.Image === 'string' ? { imageName: config.Config.Image } : {}),
    ...(typeof config.Created === 'string' ? { created: config.Created } : {}),
    command: [config.Path, ...args].filter((part) => typeof part === 'string' && part !== '').join(' '),
    state: stateWord(state),
    ...(typeof state.ExitCode === 'number' ? { exitCode: state.ExitCode } : {}),
    ...(typeof state.FinishedAt === 'string' ? { finishedAt: state.FinishedAt } : {}),
  };
}

async function readConfig(fs: ConfinedFs, id: string, problems: string[]): Promise<LegacyContainerJson> {
  const file = path.join('containers', id, 'config.json');
  try {
    const parsed = await fs.readJson<unknown>(file);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed as LegacyContainerJson;
    problems.push(`container ${shortId(id)}: ${fs.join(file)} is not a JSON object`);
  } catch (err) {
    problems.push(`container ${shortId(id)}: ${(err as Error).message}`);
  }
  return {};
}

/** docker's State.StateString() of the era. */
function stateWord(state: NonNullable<LegacyContainerJson['State']>): string {
  if (state.Running === true) return state.Paused === true ? 'paused' : state.Restarting === true ? 'restarting' : 'running';
  if (state.Dead === true) return 'dead';
  if (typeof state.StartedAt !== 'string' || state.StartedAt.startsWith('0001-01-01')) return 'created';
  return 'exited';
}
