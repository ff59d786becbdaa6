export { createRegistryServer, DEFAULT_POLICY, type RegistryServerOptions } from './server.js';
export type { RegistryPolicy } from './context.js';
