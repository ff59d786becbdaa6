import { StowageError } from '../../../errors/error.js';
import type { StorageDriver } from '../../../storage/driver.js';
import { AccessRules, type AccessRule, type Groups } from './access.js';
import { BasicAccessController } from './basic.js';
import { HtpasswdFile } from './htpasswd.js';
import { TokenIssuer } from './issuer.js';
import { TrustStore, ephemeralSigningKey, loadOrCreateStoredSigningKey, loadSigningKey, type SigningKey } from './keys.js';
import { BearerAccessController, TOKEN_PATH, TokenVerifier } from './token.js';
import type { AccessController } from './types.js';

/** The `auth`, `access` and `groups` sections of the serve configuration, resolved. */
export interface AuthSettings {
  /** distribution's `auth.htpasswd`. */
  htpasswd?: { realm: string; path: string };
  /** distribution's `auth.token`, plus Stowage's `builtin` issuer. */
  token?: {
    realm?: string;
    service: string;
    issuer: string;
    rootCertBundle?: string;
    jwks?: string;
    /** Token signature algorithms accepted (distribution's `signingalgorithms`); default all asymmetric ones. */
    signingAlgorithms?: string[];
    builtin?: { htpasswd: string; expirationSeconds: number; key?: string };
  };
  access?: AccessRule[];
  groups?: Groups;
}

export interface AccessControlSetup {
  controller: AccessController;
  /** One line for the start-up output. */
  description: string;
}

export interface BuildOptions {
  /**
   * The registry's storage, where the built-in issuer keeps the key it generates
   * (TOKEN_KEY_PATH); absent: a key for this process only.
   */
  storage?: StorageDriver;
  /** Runtime problems (an htpasswd file gone bad). */
  onError?: (message: string) => void;
}

/** Builds the access controller `stowage serve` runs with; file problems are CONFIG_INVALID. */
export async function createAccessController(settings: AuthSettings, options: BuildOptions = {}): Promise<AccessControlSetup> {
  const rules = new AccessRules(settings.access, settings.groups);
  const policy = settings.access?.length ? `${settings.access.length} access rule(s)` : 'default policy (authenticated users may do everything)';
  const htpasswdOptions = options.onError ? { onError: options.onError } : {};
  if (settings.htpasswd) {
    const users = await HtpasswdFile.load(settings.htpasswd.path, htpasswdOptions);
    return {
      controller: new BasicAccessController({ realm: settings.htpasswd.realm, users, rules }),
      description: `htpasswd (Basic) with ${users.size} user(s) from ${settings.htpasswd.path}; ${policy}`,
    };
  }
  const token = settings.token;
  if (!token) throw new StowageError('CONFIG_INVALID', 'access control needs auth.htpasswd or auth.token');
  const trust = await TrustStore.load({
    ...(token.rootCertBundle ? { rootCertBundle: token.rootCertBundle } : {}),
    ...(token.jwks ? { jwks: token.jwks } : {}),
  });
  let issuer: TokenIssuer | undefined;
  let description = `token (issuer ${token.issuer}, service ${token.service}, realm ${token.realm ?? TOKEN_PATH})`;
  if (token.builtin) {
    const users = await HtpasswdFile.load(token.builtin.htpasswd, htpasswdOptions);
    const key = await builtinKey(token.builtin.key, options.storage);
    if (token.signingAlgorithms && !token.signingAlgorithms.includes(key.alg)) {
      throw new StowageError('CONFIG_INVALID', `auth.token.signingalgorithms leaves out ${key.alg}, the algorithm of the built-in issuer's key`);
    }
    trust.addKey(key.publicKey, key.kid);
    issuer = new TokenIssuer({ issuer: token.issuer, service: token.service, key, users, rules, expirationSeconds: token.builtin.expirationSeconds });
    description += `; built-in issuer at ${TOKEN_PATH}, ${users.size} user(s), ${key.alg} key ${key.kid}`;
  } else if (trust.size === 0) {
    throw new StowageError('CONFIG_INVALID', 'auth.token needs rootcertbundle or jwks (or builtin) to know which signatures to trust');
  }
  const verifier = new TokenVerifier({
    issuer: token.issuer,
    service: token.service,
    trust,
    ...(token.signingAlgorithms ? { algorithms: token.signingAlgorithms } : {}),
  });
  const controller = new BearerAccessController({
    ...(token.realm ? { realm: token.realm } : {}),
    service: token.service,
    verifier,
    rules,
    ...(issuer ? { issuer } : {}),
  });
  return { controller, description: `${description}; ${policy}` };
}

async function builtinKey(path: string | undefined, storage: StorageDriver | undefined): Promise<SigningKey> {
  if (path) return loadSigningKey(path);
  if (storage) return loadOrCreateStoredSigningKey(storage);
  return ephemeralSigningKey();
}
