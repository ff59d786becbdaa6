import type { CredentialStore } from '../../src/registry/client/auth/credentials.js';

/** A credential store with nothing in it: tests never read the developer's ~/.docker/config.json. */
export const noCredentials: CredentialStore = { get: async () => undefined, store: async () => undefined, erase: async () => false };
