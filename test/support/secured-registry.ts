/**
 * A real Stowage registry behind Stowage's own access control (src/registry/server/auth), in
 * this process: htpasswd users, `access` rules, and either the built-in token issuer
 * (`mode: 'token'`) or Basic auth (`mode: 'basic'`), over a fresh temp directory.
 */
import { createPrivateKey } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AccessRule, Groups } from '../../src/registry/server/auth/access.js';
import { createAccessController } from '../../src/registry/server/auth/build.js';
import { signingKey, type SigningKey } from '../../src/registry/server/auth/keys.js';
import type { AdminServices } from '../../src/registry/server/handlers/admin.js';
import { createRegistryServer } from '../../src/registry/server/server.js';
import { RegistryStore } from '../../src/registry/store/registry.js';
import { FilesystemDriver } from '../../src/storage/fs/driver.js';
import { writeHtpasswd } from './htpasswd.js';

export const SECURED_SERVICE = 'stowage-secured';
export const SECURED_ISSUER = 'stowage-test-issuer';

export interface SecuredRegistryOptions {
  mode: 'token' | 'basic';
  users: Record<string, string>;
  access?: AccessRule[];
  groups?: Groups;
  expirationSeconds?: number;
  /** The server policy's automaticCrossMount (mount without `from`). */
  automaticCrossMount?: boolean;
  /** What the admin API runs (a fake collector, a fake usage). */
  admin?: Partial<AdminServices>;
  readOnly?: boolean;
}

export interface SecuredRegistry {
  url: string;
  /** '127.0.0.1:PORT' */
  host: string;
  root: string;
  /** The built-in issuer's signing key (token mode), for tests that mint their own tokens. */
  key(): Promise<SigningKey>;
  close(): Promise<void>;
}

export async function startSecuredRegistry(options: SecuredRegistryOptions): Promise<SecuredRegistry> {
  const root = await mkdtemp(join(tmpdir(), 'stowage-secured-'));
  const htpasswd = join(root, 'htpasswd');
  await writeHtpasswd(htpasswd, options.users);
  const policy = { ...(options.access ? { access: options.access } : {}), ...(options.groups ? { groups: options.groups } : {}) };
  const settings =
    options.mode === 'token'
      ? { token: { service: SECURED_SERVICE, issuer: SECURED_ISSUER, builtin: { htpasswd, expirationSeconds: options.expirationSeconds ?? 3600 } }, ...policy }
      : { htpasswd: { realm: 'Stowage Test', path: htpasswd }, ...policy };
  const storage = join(root, 'storage');
  const driver = new FilesystemDriver(storage);
  const { controller } = await createAccessController(settings, { storage: driver });
  const app = createRegistryServer({
    store: new RegistryStore({ driver }),
    auth: controller,
    ...(options.automaticCrossMount !== undefined ? { policy: { automaticCrossMount: options.automaticCrossMount } } : {}),
    ...(options.admin ? { admin: options.admin } : {}),
    ...(options.readOnly !== undefined ? { readOnly: options.readOnly } : {}),
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('registry did not bind a TCP port');
  const host = `127.0.0.1:${address.port}`;
  return {
    url: `http://${host}`,
    host,
    root,
    key: async () => signingKey(createPrivateKey(await readFile(join(storage, 'auth', 'token-key.pem'), 'utf8'))),
    close: async () => {
      await app.close();
      await rm(root, { recursive: true, force: true });
    },
  };
}
