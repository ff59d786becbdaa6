import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRegistryServer } from '../../src/registry/server/server.js';
import { RegistryStore } from '../../src/registry/store/registry.js';
import { FilesystemDriver } from '../../src/storage/fs/driver.js';

export interface TestRegistry {
  /** 'http://127.0.0.1:PORT' */
  url: string;
  /** The filesystem driver's root directory. */
  root: string;
  close(): Promise<void>;
}

/** A real registry server on a free loopback port over a fresh temp directory. */
export async function startRegistry(
  options: { deleteEnabled?: boolean; maxManifestBytes?: number; root?: string; automaticCrossMount?: boolean } = {},
): Promise<TestRegistry> {
  const root = options.root ?? (await mkdtemp(join(tmpdir(), 'stowage-registry-')));
  const store = new RegistryStore({ driver: new FilesystemDriver(root) });
  const app = createRegistryServer({
    store,
    policy: {
      deleteEnabled: options.deleteEnabled ?? true,
      ...(options.maxManifestBytes !== undefined ? { maxManifestBytes: options.maxManifestBytes } : {}),
      ...(options.automaticCrossMount !== undefined ? { automaticCrossMount: options.automaticCrossMount } : {}),
    },
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('registry did not bind a TCP port');
  return {
    url: `http://127.0.0.1:${address.port}`,
    root,
    close: async () => {
      await app.close();
      if (!options.root) await rm(root, { recursive: true, force: true });
    },
  };
}
