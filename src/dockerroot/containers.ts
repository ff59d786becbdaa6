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
    if (typeof config !== 'object' || config === null || Array.isArray(config)) {
      problems.push(`container ${id.slice(0, 12)}: ${fs.join(file)} is not a JSON object`);
      continue;
    }
    out.set(id, fromConfig(fs, id, config));
  }
  return out;
}

/** Every field checked for its type: the file comes from a root that may be damaged or hostile. */
function fromConfig(fs: ConfinedFs, id: string, config: ConfigV2): Partial<DockerContainer> {
  const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
  const args = Array.isArray(config.Args) ? config.Args.filter((a): a is string => typeof a === 'string') : [];
  const mountPoints = typeof config.MountPoints === 'object' && config.MountPoints !== null ? Object.values(config.MountPoints) : [];
  const state = typeof config.State === 'object' && config.State !== null ? config.State : {};
  const name = str(config.Name)?.replace(/^\//, '');
  return {
    id,
    // docker's own rule for names ([a-zA-Z0-9][a-zA-Z0-9_.-]*): nothing else reaches a terminal.
    name: name !== undefined && /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,254}$/.test(name) ? name : undefined,
    image: str(config.Image) !== undefined && /^sha256:[a-f0-9]{64}$/.test(config.Image as string) ? config.Image : undefined,
    imageName: printable(str(typeof config.Config === 'object' && config.Config !== null ? config.Config.Image : undefined)),
    created: str(config.Created),
    command: printable([str(config.Path), ...args].filter((part) => part !== undefined && part !== '').join(' ')),
    state: stateWord({ ...config, State: state }),
    exitCode: typeof state.ExitCode === 'number' ? state.ExitCode : undefined,
    startedAt: str(state.StartedAt),
    finishedAt: str(state.FinishedAt),
    volumes: mountPoints
      .filter((mount) => typeof mount === 'object' && mount !== null && mount.Type === 'volume' && typeof mount.Name === 'string')
      .map((mount) => mount.Name as string),
    paths: [fs.join('containers', id)],
  };
}

/** Control characters from a file never reach the terminal as such. */
function printable(text: string | undefined): string | undefined {
  return text === undefined ? undefined : text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}

/** docker's State.StateString(); a container recorded as running whose daemon is gone still says running, as docker would on restart. */
function stateWord(config: ConfigV2): string {
  const state = config.State ?? {};
  if (state.Running) return state.Paused ? 'paused' : state.Restarting ? 'restarting' : 'running';
  if (state.Dead) return 'dead';
  if (state.StartedAt === undefined || state.StartedAt.startsWith('0001-01-01')) return 'created';
  return 'exited';
}
