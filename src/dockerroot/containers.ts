import path from 'node:path';
import type { ConfinedFs } from './confined-fs.js';
import type { DockerContainer } from './model.js';

/**
 * containers/<id>/config.v2.json (moby container/container.go, written on every state change):
 * what `docker ps -a` and `docker system df -v` show of a container. The writable layer's
 * location is filled in by the store reader (layerdb/mounts for graph drivers).
 */

interface ConfigV2 {
  ID?: string;
  Name?: string;
  Image?: string;
  Created?: string;
  Path?: string;
  Args?: string[];
  Config?: { Image?: string };
  State?: { Running?: boolean; Paused?: boolean; Restarting?: boolean; Dead?: boolean; ExitCode?: number; StartedAt?: string; FinishedAt?: string };
  MountPoints?: Record<string, { Name?: string; Type?: string; Driver?: string }>;
}

const HEX64 = /^[a-f0-9]{64}$/;

export async function readContainerConfigs(fs: ConfinedFs, problems: string[]): Promise<Map<string, Partial<DockerContainer>>> {
  const out = new Map<string, Partial<DockerContainer>>();
  for (const id of (await fs.list('containers')).filter((name) => HEX64.test(name))) {
    const file = path.join('containers', id, 'config.v2.json');
    let config: ConfigV2;
    try {
      config = await fs.readJson<ConfigV2>(file);
    } catch (err) {
      // A legacy (pre-1.10) container has config.json instead; the legacy reader handles those.
      if (!(await fs.exists(path.join('containers', id, 'config.json')))) problems.push(`container ${id.slice(0, 12)}: ${(err as Error).message}`);
      continue;
    }
    out.set(id, {
      id,
      name: typeof config.Name === 'string' ? config.Name.replace(/^\//, '') : undefined,
      image: typeof config.Image === 'string' ? config.Image : undefined,
      imageName: config.Config?.Image,
      created: config.Created,
      command: [config.Path, ...(config.Args ?? [])].filter((part) => typeof part === 'string' && part !== '').join(' '),
      state: stateWord(config),
      exitCode: config.State?.ExitCode,
      startedAt: config.State?.StartedAt,
      finishedAt: config.State?.FinishedAt,
      volumes: Object.values(config.MountPoints ?? {})
        .filter((mount) => mount.Type === 'volume' && typeof mount.Name === 'string')
        .map((mount) => mount.Name as string),
      paths: [fs.join('containers', id)],
    });
  }
  return out;
}

/** docker's State.StateString(); a container recorded as running whose daemon is gone still says running, as docker would on restart. */
function stateWord(config: ConfigV2): string {
  const state = config.State ?? {};
  if (state.Running) return state.Paused ? 'paused' : state.Restarting ? 'restarting' : 'running';
  if (state.Dead) return 'dead';
  if (state.StartedAt === undefined || state.StartedAt.startsWith('0001-01-01')) return 'created';
  return 'exited';
}
