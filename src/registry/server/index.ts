export { createRegistryServer, DEFAULT_POLICY, type RegistryServerOptions } from './server.js';
export { Registry, type RegistryAddress, type RegistryOptions, type RegistryStarted, type RegistryStopped } from './registry.js';
export type { UploadPurging } from './maintenance.js';
export type { RegistryLimits } from './limits.js';
export type { OriginSettings } from './auth/origin.js';
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
