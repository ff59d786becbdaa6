import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * Where the local store lives: `--root`, else `STOWAGE_ROOT`, else the per-user data
 * directory (`$XDG_DATA_HOME/stowage`, `~/.local/share/stowage`), as `docker info` has its
 * "Docker Root Dir" but without needing root.
 */
export function resolveRoot(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (flag) return resolve(flag);
  if (env.STOWAGE_ROOT) return resolve(env.STOWAGE_ROOT);
  const data = env.XDG_DATA_HOME || join(env.HOME || homedir(), '.local', 'share');
  return join(data, 'stowage');
}

/** How the user named the root, for errors about it: `--root x`, `STOWAGE_ROOT=x`, or `store root /default`. */
export function rootLabel(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (flag) return `--root ${flag}`;
  if (env.STOWAGE_ROOT) return `STOWAGE_ROOT=${env.STOWAGE_ROOT}`;
  return `store root ${resolveRoot(undefined, env)}`;
}
