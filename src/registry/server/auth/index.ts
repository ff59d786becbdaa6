export { AccessRules, AccessRuleSchema, GroupsSchema, type AccessRule, type Groups } from './access.js';
export { createAccessController, type AuthSettings } from './build.js';
export { AuthError } from './errors.js';
export { HtpasswdFile } from './htpasswd.js';
export { TokenIssuer } from './issuer.js';
export { TOKEN_KEY_PATH, TrustStore, loadOrCreateSigningKey, loadOrCreateStoredSigningKey, loadSigningKey, signingKey, type SigningKey } from './keys.js';
export { BasicAccessController } from './basic.js';
export { BearerAccessController, TokenVerifier, TOKEN_PATH } from './token.js';
export type { AccessController, AuthRequest, Grant, Identity, ResourceActions } from './types.js';
