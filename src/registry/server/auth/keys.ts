import { X509Certificate, createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type JsonWebKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { isStowageError, StowageError } from '../../../errors/error.js';
import type { StorageDriver } from '../../../storage/driver.js';
import { FilesystemDriver } from '../../../storage/fs/driver.js';

/** The header fields jwt.md names for finding the signing key. */
export interface KeyHeader {
  alg?: string;
  kid?: string;
  x5c?: string[];
  jwk?: JsonWebKey | object;
}

const MAX_CHAIN = 8;

/**
 * The keys and certificates the registry trusts to sign tokens (jwt.md, "Verifying the
 * token"): the roots of `auth.token.rootcertbundle`, the keys of `auth.token.jwks`, and the
 * built-in issuer's own key. A token names its key by an `x5c` chain that must lead to a
 * root, by an embedded `jwk` that must be a trusted key, or by `kid`.
 */
export class TrustStore {
  private readonly roots: X509Certificate[] = [];
  private readonly keys = new Map<string, KeyObject>();

  constructor(private readonly clock: () => number = Date.now) {}

  static async load(files: { rootCertBundle?: string; jwks?: string }, clock?: () => number): Promise<TrustStore> {
    const store = new TrustStore(clock);
    if (files.rootCertBundle)
      for (const cert of parseCertificates(await readConfigFile(files.rootCertBundle, 'auth.token.rootcertbundle'), files.rootCertBundle)) store.addRoot(cert);
    if (files.jwks) store.addJwks(await readConfigFile(files.jwks, 'auth.token.jwks'), files.jwks);
    return store;
  }

  /**
   * A trusted root. Its key is also trusted by `kid`, under both names distribution has used:
   * libtrust's key ID and the RFC 7638 thumbprint.
   */
  addRoot(cert: X509Certificate): void {
    this.roots.push(cert);
    this.addKey(cert.publicKey);
  }

  addKey(key: KeyObject, kid?: string): void {
    if (kid) this.keys.set(kid, key);
    this.keys.set(libtrustKeyId(key), key);
    this.keys.set(jwkThumbprint(key), key);
  }

  get size(): number {
    return this.roots.length + this.keys.size;
  }

  /** The key a token's header points at, if it is trusted; throws with the reason otherwise. */
  resolve(header: KeyHeader): KeyObject {
    if (Array.isArray(header.x5c) && header.x5c.length > 0) return this.verifyChain(header.x5c);
    if (header.jwk && typeof header.jwk === 'object') {
      let thumbprint: string;
      try {
        thumbprint = jwkThumbprint(createPublicKey({ key: header.jwk as JsonWebKey, format: 'jwk' }));
      } catch {
        throw new Error('the embedded jwk is not a public key');
      }
      const key = this.keys.get(thumbprint);
      if (!key) throw new Error('token signed by an untrusted embedded key');
      return key;
    }
    if (typeof header.kid === 'string') {
      const key = this.keys.get(header.kid);
      if (!key) throw new Error(`token signed by an untrusted key (kid ${header.kid.slice(0, 80)})`);
      return key;
    }
    throw new Error('the token names no key (x5c, jwk or kid)');
  }

  /** x5c[0] signed the token; each certificate is issued by the next or by a trusted root. */
  private verifyChain(x5c: string[]): KeyObject {
    if (x5c.length > MAX_CHAIN) throw new Error('x5c chain too long');
    let chain: X509Certificate[];
    try {
      chain = x5c.map((der) => new X509Certificate(Buffer.from(der, 'base64')));
    } catch {
      throw new Error('x5c holds something that is not a certificate');
    }
    for (const cert of chain) this.checkValidity(cert);
    let current = chain[0]!;
    for (let i = 0; ; i++) {
      if (this.roots.some((root) => root.fingerprint256 === current.fingerprint256)) return chain[0]!.publicKey;
      const root = this.roots.find((r) => current.checkIssued(r) && current.verify(r.publicKey));
      if (root) {
        this.checkValidity(root);
        return chain[0]!.publicKey;
      }
      const next = chain[i + 1];
      if (!next?.ca || !current.checkIssued(next) || !current.verify(next.publicKey)) {
        throw new Error('the x5c chain does not lead to a trusted root certificate');
      }
      current = next;
    }
  }

  private checkValidity(cert: X509Certificate): void {
    const now = this.clock();
    if (now < Date.parse(cert.validFrom) || now > Date.parse(cert.validTo))
      throw new Error(`certificate ${cert.subject.split('\n')[0]} is outside its validity period`);
  }

  private addJwks(text: string, path: string): void {
    let keys: unknown;
    try {
      keys = (JSON.parse(text) as { keys?: unknown }).keys;
    } catch {
      throw new StowageError('CONFIG_INVALID', `auth.token.jwks ${path} is not JSON`);
    }
    if (!Array.isArray(keys) || keys.length === 0) throw new StowageError('CONFIG_INVALID', `auth.token.jwks ${path} has no "keys" array`);
    for (const [i, jwk] of keys.entries()) {
      try {
        // Only the public half is kept, whatever the file holds.
        this.addKey(createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' }), typeof jwk?.kid === 'string' ? jwk.kid : undefined);
      } catch (err) {
        throw new StowageError('CONFIG_INVALID', `auth.token.jwks ${path}: key ${i} is not a usable public key: ${(err as Error).message}`);
      }
    }
  }
}

/** Every certificate of a PEM bundle; a bundle without one is a configuration error. */
export function parseCertificates(pem: string, path: string): X509Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) throw new StowageError('CONFIG_INVALID', `auth.token.rootcertbundle ${path} holds no PEM certificate`);
  return blocks.map((block, i) => {
    try {
      return new X509Certificate(block);
    } catch (err) {
      throw new StowageError('CONFIG_INVALID', `auth.token.rootcertbundle ${path}: certificate ${i + 1} does not parse: ${(err as Error).message}`);
    }
  });
}

/**
 * libtrust's key ID, which distribution's token servers put in `kid`: SHA-256 of the DER
 * public key, first 240 bits, base32, in 12 groups of 4 joined by ':'.
 */
export function libtrustKeyId(key: KeyObject): string {
  const digest = createHash('sha256')
    .update(publicOf(key).export({ type: 'spki', format: 'der' }))
    .digest()
    .subarray(0, 30);
  return (base32(digest).match(/.{4}/g) ?? []).join(':');
}

/** RFC 7638 JWK thumbprint (SHA-256, base64url) of a public key. */
export function jwkThumbprint(key: KeyObject): string {
  const jwk = publicOf(key).export({ format: 'jwk' });
  const members =
    jwk.kty === 'EC'
      ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y }
      : jwk.kty === 'RSA'
        ? { e: jwk.e, kty: jwk.kty, n: jwk.n }
        : { crv: jwk.crv, kty: jwk.kty, x: jwk.x };
  return createHash('sha256').update(JSON.stringify(members)).digest('base64url');
}

function publicOf(key: KeyObject): KeyObject {
  return key.type === 'private' ? createPublicKey(key) : key;
}

function base32(bytes: Buffer): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31];
  return out;
}

export interface SigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  alg: string;
  kid: string;
}

/** The JWS algorithm for a private key: ES256/384/512 by curve, RS256 for RSA, EdDSA. */
export function signingKey(privateKey: KeyObject): SigningKey {
  const publicKey = createPublicKey(privateKey);
  const curve = privateKey.asymmetricKeyDetails?.namedCurve;
  const alg =
    privateKey.asymmetricKeyType === 'rsa'
      ? 'RS256'
      : privateKey.asymmetricKeyType === 'ed25519'
        ? 'EdDSA'
        : curve === 'prime256v1'
          ? 'ES256'
          : curve === 'secp384r1'
            ? 'ES384'
            : curve === 'secp521r1'
              ? 'ES512'
              : undefined;
  if (!alg)
    throw new StowageError(
      'CONFIG_INVALID',
      `token signing key: unsupported key type ${privateKey.asymmetricKeyType}${curve ? ` (${curve})` : ''}; use EC P-256 or RSA`,
    );
  return { privateKey, publicKey, alg, kid: jwkThumbprint(publicKey) };
}

/** The key named by `auth.token.builtin.key` (PEM: PKCS#8, SEC1 or PKCS#1). */
export async function loadSigningKey(path: string): Promise<SigningKey> {
  const pem = await readConfigFile(path, 'auth.token.builtin.key');
  try {
    return signingKey(createPrivateKey(pem));
  } catch (err) {
    if (err instanceof StowageError) throw err;
    throw new StowageError('CONFIG_INVALID', `auth.token.builtin.key ${path} is not a PEM private key`);
  }
}

/** Where the built-in issuer keeps the key it generates, in the registry's storage: `<root>/auth/token-key.pem` on the filesystem driver. */
export const TOKEN_KEY_PATH = '/auth/token-key.pem';

/**
 * The built-in issuer's key when none is configured: read from the registry's storage, or
 * generated (EC P-256) and stored there on first start, so tokens survive a restart. Through
 * the driver, so it lives wherever the registry's data does; written durably, owner-only (0600
 * in a 0700 directory on the filesystem driver) and exclusively: two servers starting at once
 * on one root must not replace each other's key, so the one that loses the race reads the winner's.
 */
export async function loadOrCreateStoredSigningKey(
  driver: StorageDriver,
  path = TOKEN_KEY_PATH,
  label = `${path} (${driver.name} storage)`,
): Promise<SigningKey> {
  try {
    return signingKey(createPrivateKey((await driver.getContent(path)).toString('utf8')));
  } catch (err) {
    if (!isStowageError(err, 'PATH_NOT_FOUND')) {
      if (err instanceof StowageError) throw err;
      throw new StowageError('CONFIG_INVALID', `token signing key ${label} cannot be used: ${(err as Error).message}`);
    }
  }
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  try {
    await driver.putContent(path, Buffer.from(privateKey.export({ type: 'pkcs8', format: 'pem' })), { private: true, exclusive: true });
  } catch (err) {
    if (isStowageError(err, 'PATH_EXISTS')) return loadOrCreateStoredSigningKey(driver, path, label);
    throw new StowageError('CONFIG_INVALID', `cannot write token signing key ${label}: ${(err as Error).message}`);
  }
  return signingKey(privateKey);
}

/** loadOrCreateStoredSigningKey for a key file of its own, outside any registry storage. */
export async function loadOrCreateSigningKey(path: string): Promise<SigningKey> {
  return loadOrCreateStoredSigningKey(new FilesystemDriver(dirname(path)), `/${basename(path)}`, path);
}

/** A key for this process only. */
export function ephemeralSigningKey(): SigningKey {
  return signingKey(generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey);
}

async function readConfigFile(path: string, key: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new StowageError('CONFIG_INVALID', `${key}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}
