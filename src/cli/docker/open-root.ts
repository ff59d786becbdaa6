import type { OpenedRoot, OpenOptions, StoreChoice } from '../../dockerroot/load.js';
import { StowageError } from '../../errors/error.js';
import { optionalString, warn } from '../verb-output.js';

/** Opens the Docker root the `stowage docker` flags name; the store's problems go to stderr, one line each. */
export async function openRoot(options: Record<string, unknown>): Promise<OpenedRoot> {
  const { openDockerRoot } = await import('../../dockerroot/load.js');
  const opened = await openDockerRoot(openOptions(options));
  if (options.quiet !== true) {
    for (const problem of opened.view.problems) warn(problem);
  }
  return opened;
}

export function openOptions(options: Record<string, unknown>): OpenOptions {
  const store = optionalString(options.store);
  if (store !== undefined && !['graph', 'containerd', 'legacy'].includes(store)) {
    throw new StowageError('CONFIG_INVALID', `--store must be graph, containerd or legacy, not ${JSON.stringify(store)}`);
  }
  const out: OpenOptions = {};
  const root = optionalString(options.dockerRoot);
  if (root !== undefined) out.dockerRoot = root;
  if (store !== undefined) out.store = store as StoreChoice;
  const driver = optionalString(options.storageDriver);
  if (driver !== undefined) out.storageDriver = driver;
  const namespace = optionalString(options.namespace);
  if (namespace !== undefined) out.namespace = namespace;
  return out;
}
