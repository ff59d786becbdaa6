import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { z } from 'zod';
import { defineDriver } from '../definition.js';
import { FilesystemDriver } from './driver.js';

/** distribution's filesystem driver's default root, for `storage: filesystem: {}`. */
const DISTRIBUTION_ROOT = '/var/lib/registry';

/** `storage.filesystem`: distribution's filesystem driver, same keys, same layout on disk. */
export const filesystemDriver = defineDriver({
  name: 'filesystem',
  keys: {
    rootdirectory: { value: z.string().min(1), env: 'text' },
    maxthreads: { ignored: "a limit on Go's threads; Stowage's I/O needs none" },
  },
  options: (values): { rootDirectory: string } => ({ rootDirectory: resolve(values.rootdirectory ?? DISTRIBUTION_ROOT) }),
  create: ({ rootDirectory }) => new FilesystemDriver(rootDirectory),
  prepare: async ({ rootDirectory }) => void (await mkdir(rootDirectory, { recursive: true })),
  describe: ({ rootDirectory }) => `filesystem at ${rootDirectory}`,
});
