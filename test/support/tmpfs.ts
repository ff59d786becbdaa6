// A small real filesystem that fills up: a size-limited tmpfs (needs root, as CI runs).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runOk } from './process.js';

export interface Tmpfs {
  dir: string;
  unmount(): Promise<void>;
}

/** Mounts a tmpfs of `sizeBytes` (rounded to pages by the kernel) on a fresh directory. */
export async function mountTmpfs(sizeBytes: number): Promise<Tmpfs> {
  const dir = await mkdtemp(join(tmpdir(), 'stowage-tmpfs-'));
  await runOk('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes},mode=0755`, 'tmpfs', dir]);
  return {
    dir,
    unmount: async () => {
      await runOk('umount', ['-l', dir]);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
