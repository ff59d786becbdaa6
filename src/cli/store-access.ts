import type { Command } from 'commander';
import type { ImageStore } from '../store/store.js';

/** The store the command works on: its --root, the program's --root, STOWAGE_ROOT, or the per-user default. */
export async function openStore(options: Record<string, unknown>, command?: Command): Promise<ImageStore> {
  const [{ ImageStore }, { resolveRoot }] = await Promise.all([import('../store/store.js'), import('../store/root.js')]);
  const flag = (options.root as string | undefined) ?? (command?.optsWithGlobals().root as string | undefined);
  return ImageStore.open(resolveRoot(flag, process.env));
}
