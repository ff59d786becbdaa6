export { createRegistryServer, DEFAULT_POLICY, type RegistryServerOptions } from './server.js';
export type { RegistryPolicy } from './context.js';
export {
  AccessRules,
  BasicAccessController,
  BearerAccessController,
  HtpasswdFile,
  TokenIssuer,
  TokenVerifier,
  TrustStore,
  createAccessController,
  type AccessController,
  type AuthSettings,
  type Grant,
} from './auth/index.js';
