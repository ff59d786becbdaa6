import type { Command } from 'commander';
import { namePath } from '../errors/errno-words.js';
import type { ImageStore } from '../store/store.js';

/** The store the command works on: its --root, the program's --root, STOWAGE_ROOT, or the per-user default. */
export async function openStore(options: Record<string, unknown>, command?: Command): Promise<ImageStore> {
  const [{ ImageStore }, { resolveRoot, rootLabel }] = await Promise.all([import('../store/store.js'), import('../store/root.js')]);
  const flag = (options.root as string | undefined) ?? (command?.optsWithGlobals().root as string | undefined);
  const root = resolveRoot(flag, process.env);
  namePath(root, { label: rootLabel(flag, process.env), noun: 'the store root' });
  return ImageStore.open(root);
}
