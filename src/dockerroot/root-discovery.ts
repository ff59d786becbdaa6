import { readFile, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/**
 * Where Docker keeps its store on this machine, found the way dockerd itself decides:
 * `--docker-root`, else `data-root` (or the pre-17.05 `graph`) in daemon.json, else the
 * default. Rootless Docker and the snap package have their own defaults and daemon.json.
 */

export interface RootCandidate {
  path: string;
  /** Why this path: "--docker-root", "/etc/docker/daemon.json data-root", "default", … */
  source: string;
  exists: boolean;
}

export interface DiscoveredRoot {
  /** The root to read (the first existing candidate, or the first one when none exists). */
  root: string;
  source: string;
  candidates: RootCandidate[];
  /** daemon.json settings that change how the root is read. */
  daemonConfig: { file: string; storageDriver?: string; containerdSnapshotter?: boolean } | undefined;
  /** On macOS and Windows: where Docker Desktop's VM disk is, since images live inside it. */
  desktopDisk?: string;
}

interface DaemonJson {
  'data-root'?: unknown;
  graph?: unknown;
  'storage-driver'?: unknown;
  features?: { 'containerd-snapshotter'?: unknown };
}

/** A daemon.json and the root dockerd uses when it sets none. */
export interface RootLocation {
  file: string;
  fallback: string;
  label: string;
}

export async function discoverRoot(
  explicit: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
  locations: RootLocation[] = defaultLocations(env),
): Promise<DiscoveredRoot> {
  type Config = DiscoveredRoot['daemonConfig'];
  // Each candidate keeps the daemon.json of its own location: the settings that apply are
  // those of the daemon whose root is read (snap's for the snap root, and so on).
  const candidates: Array<Omit<RootCandidate, 'exists'> & { config: Config }> = [];
  const home = env.HOME ?? os.homedir();
  for (const { file, fallback, label } of locations) {
    const json = await readDaemonJson(file);
    const config: Config =
      json === undefined
        ? undefined
        : {
            file,
            ...(typeof json['storage-driver'] === 'string' ? { storageDriver: json['storage-driver'] } : {}),
            ...(typeof json.features?.['containerd-snapshotter'] === 'boolean' ? { containerdSnapshotter: json.features['containerd-snapshotter'] } : {}),
          };
    const configured = typeof json?.['data-root'] === 'string' ? json['data-root'] : typeof json?.graph === 'string' ? json.graph : undefined;
    if (configured !== undefined)
      candidates.push({ path: path.resolve(configured), source: `${file} ${json?.['data-root'] !== undefined ? 'data-root' : 'graph'}`, config });
    // A daemon.json that moves the root does not describe the default path any more.
    candidates.push({ path: fallback, source: label, config: configured === undefined ? config : undefined });
  }
  if (explicit !== undefined && explicit !== '') {
    const given = path.resolve(explicit);
    candidates.unshift({ path: given, source: '--docker-root', config: candidates.find((c) => c.path === given)?.config });
  }
  const checked = await Promise.all(candidates.map(async (c) => ({ ...c, exists: await isDirectory(c.path) })));
  const unique = checked.filter((c, i) => checked.findIndex((o) => o.path === c.path) === i);
  const chosen = explicit !== undefined && explicit !== '' ? unique[0] : (unique.find((c) => c.exists) ?? unique[0]);
  const daemonConfig = chosen?.config;
  const desktopDisk = desktopVmDisk(home, env);
  return {
    root: chosen?.path ?? '/var/lib/docker',
    source: chosen?.source ?? 'default',
    candidates: unique.map(({ path: p, source, exists }) => ({ path: p, source, exists })),
    daemonConfig,
    ...(desktopDisk !== undefined ? { desktopDisk } : {}),
  };
}

/** Rootless Docker (for a non-root user), the system daemon, and the snap package, in that order. */
export function defaultLocations(env: NodeJS.ProcessEnv): RootLocation[] {
  const home = env.HOME ?? os.homedir();
  const rootless = process.getuid?.() !== 0;
  return [
    ...(rootless
      ? [
          {
            file: path.join(env.XDG_CONFIG_HOME ?? path.join(home, '.config'), 'docker', 'daemon.json'),
            fallback: path.join(env.XDG_DATA_HOME ?? path.join(home, '.local', 'share'), 'docker'),
            label: 'rootless',
          },
        ]
      : []),
    { file: '/etc/docker/daemon.json', fallback: '/var/lib/docker', label: 'default' },
    { file: '/var/snap/docker/current/config/daemon.json', fallback: '/var/snap/docker/common/var-lib-docker', label: 'snap package' },
  ];
}

/** Docker Desktop keeps images inside a Linux VM whose disk is one file on the host. */
export function desktopVmDisk(home: string, env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): string | undefined {
  if (platform === 'darwin') return path.join(home, 'Library', 'Containers', 'com.docker.docker', 'Data', 'vms', '0', 'data', 'Docker.raw');
  if (platform === 'win32') {
    const local = env.LOCALAPPDATA ?? path.join(home, 'AppData', 'Local');
    return path.win32.join(local, 'Docker', 'wsl', 'disk', 'docker_data.vhdx');
  }
  return undefined;
}

async function readDaemonJson(file: string): Promise<DaemonJson | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const parsed = JSON.parse(text) as unknown;
    return typeof parsed === 'object' && parsed !== null ? (parsed as DaemonJson) : undefined;
  } catch {
    return undefined;
  }
}

async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}
