import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SignJWT, base64url } from 'jose';
import { AccessRules } from '../../../../../src/registry/server/auth/access.js';
import { HtpasswdFile } from '../../../../../src/registry/server/auth/htpasswd.js';
import { TokenIssuer } from '../../../../../src/registry/server/auth/issuer.js';
import { TrustStore, jwkThumbprint, libtrustKeyId, loadOrCreateSigningKey, signingKey } from '../../../../../src/registry/server/auth/keys.js';
import { TokenVerifier, parseAccessClaim } from '../../../../../src/registry/server/auth/token.js';
import { makePki, type TestPki } from '../../../../support/certs.js';
import { writeHtpasswd } from '../../../../support/htpasswd.js';

const ISSUER = 'test-issuer';
const SERVICE = 'test-registry';
const ACCESS = [{ type: 'repository', name: 'team/app', actions: ['pull', 'push'] }];

interface Claims {
  iss?: string;
  aud?: string | string[];
  sub?: string;
  exp?: number;
  nbf?: number;
  access?: unknown;
}

/** A token as an external issuer makes it, every field overridable. */
async function sign(key: KeyObject, header: Record<string, unknown>, claims: Claims = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const payload = { iss: ISSUER, aud: SERVICE, sub: 'alice', iat: now, nbf: now, exp: now + 300, access: ACCESS, ...claims };
  const alg = (header.alg as string | undefined) ?? 'ES256';
  return new SignJWT(payload as Record<string, unknown>).setProtectedHeader({ typ: 'JWT', ...header, alg }).sign(key);
}

describe('token verification (jwt.md, "Verifying the token")', () => {
  let dir: string;
  let pki: TestPki;
  let verifier: TokenVerifier;
  let jwksKey: KeyObject;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stowage-token-'));
    pki = await makePki(dir);
    jwksKey = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
    const jwk = { ...jwksKey.export({ format: 'jwk' }), kid: 'jwks-key-1' };
    delete (jwk as { d?: string }).d;
    const jwksPath = join(dir, 'jwks.json');
    await writeFile(jwksPath, JSON.stringify({ keys: [jwk] }));
    verifier = new TokenVerifier({ issuer: ISSUER, service: SERVICE, trust: await TrustStore.load({ rootCertBundle: pki.bundlePath, jwks: jwksPath }) });
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('accepts a token whose x5c leads to a root of the bundle', async () => {
    const direct = await verifier.verify(await sign(pki.signer.key, { x5c: [pki.signer.x5c] }));
    assert.deepEqual(direct, { subject: 'alice', access: ACCESS });
    const chained = await verifier.verify(await sign(pki.chained.key, { x5c: [pki.chained.x5c, pki.intermediate.x5c] }));
    assert.equal(chained.subject, 'alice');
    // The root itself signing, with its own certificate as x5c.
    await verifier.verify(await sign(pki.root.key, { x5c: [pki.root.x5c] }));
  });

  it('accepts a root key named by kid (libtrust key ID or RFC 7638 thumbprint), and a JWKS key', async () => {
    const rootPublic = pki.root.key;
    await verifier.verify(await sign(rootPublic, { kid: libtrustKeyId(rootPublic) }));
    await verifier.verify(await sign(rootPublic, { kid: jwkThumbprint(rootPublic) }));
    await verifier.verify(await sign(jwksKey, { kid: 'jwks-key-1' }));
    const { d: _d, ...publicJwk } = pki.root.key.export({ format: 'jwk' });
    await verifier.verify(await sign(pki.root.key, { jwk: publicJwk }));
  });

  it('matches libtrust key IDs in their documented shape', () => {
    assert.match(libtrustKeyId(pki.root.key), /^([A-Z2-7]{4}:){11}[A-Z2-7]{4}$/);
  });

  const refusals: Array<[string, () => Promise<string>, RegExp]> = [
    ['expired', () => sign(pki.signer.key, { x5c: [pki.signer.x5c] }, { exp: Math.floor(Date.now() / 1000) - 120 }), /expired/],
    ['not yet valid', () => sign(pki.signer.key, { x5c: [pki.signer.x5c] }, { nbf: Math.floor(Date.now() / 1000) + 600 }), /not yet valid/],
    ['without exp', () => sign(pki.signer.key, { x5c: [pki.signer.x5c] }, { exp: undefined as unknown as number }), /exp/],
    ['from another issuer', () => sign(pki.signer.key, { x5c: [pki.signer.x5c] }, { iss: 'someone-else' }), /untrusted issuer/],
    ['for another service', () => sign(pki.signer.key, { x5c: [pki.signer.x5c] }, { aud: 'other-registry' }), /another service/],
    ['signed by an untrusted certificate', () => sign(pki.stranger.key, { x5c: [pki.stranger.x5c] }), /trusted root/],
    ['signed by another key than its x5c', () => sign(pki.stranger.key, { x5c: [pki.signer.x5c] }), /signature/],
    ['with an unknown kid', () => sign(pki.stranger.key, { kid: 'NOPE:NOPE' }), /untrusted key/],
    ['forged under a trusted kid', () => sign(pki.stranger.key, { kid: libtrustKeyId(pki.root.key) }), /signature/],
    ['with an untrusted embedded jwk', () => sign(pki.stranger.key, { jwk: strip(pki.stranger.key) }), /untrusted embedded key/],
    ['naming no key', () => sign(pki.root.key, {}), /names no key/],
    ['with a leaf posing as a CA in x5c', () => sign(pki.stranger.key, { x5c: [pki.stranger.x5c, pki.signer.x5c] }), /trusted root/],
  ];
  for (const [what, make, reason] of refusals) {
    it(`refuses a token ${what}`, async () => {
      await assert.rejects(verifier.verify(await make()), reason);
    });
  }

  it('refuses alg none and HMAC with the public key as secret', async () => {
    const now = Math.floor(Date.now() / 1000);
    const enc = (o: object): string => base64url.encode(JSON.stringify(o));
    const payload = enc({ iss: ISSUER, aud: SERVICE, sub: 'alice', exp: now + 300, access: ACCESS });
    await assert.rejects(verifier.verify(`${enc({ alg: 'none', typ: 'JWT' })}.${payload}.`), /not accepted|malformed/);
    await assert.rejects(verifier.verify(`${enc({ alg: 'none', typ: 'JWT', kid: libtrustKeyId(pki.root.key) })}.${payload}.`), /not accepted|malformed/);
    const secret = createPublicKey(pki.root.key).export({ type: 'spki', format: 'pem' }) as string;
    const hmac = await new SignJWT({ iss: ISSUER, aud: SERVICE, exp: now + 300, access: ACCESS })
      .setProtectedHeader({ alg: 'HS256', kid: libtrustKeyId(pki.root.key) })
      .sign(new TextEncoder().encode(secret));
    await assert.rejects(verifier.verify(hmac), /not accepted/);
    await assert.rejects(verifier.verify('not.a.jwt'), /malformed/);
    await assert.rejects(verifier.verify(randomBytes(30).toString('base64url')), /malformed/);
  });

  it('reads access claims, ignoring malformed entries and resource classes', () => {
    assert.deepEqual(
      parseAccessClaim([
        { type: 'repository(plugin)', name: 'a', actions: ['pull', 3] },
        { type: 'repository', name: 7, actions: [] },
        null,
        { type: 'registry', name: 'catalog', actions: ['*'] },
      ]),
      [
        { type: 'repository', name: 'a', actions: ['pull'] },
        { type: 'registry', name: 'catalog', actions: ['*'] },
      ],
    );
    assert.deepEqual(parseAccessClaim('repository:a:pull'), []);
  });
});

function strip(key: KeyObject): object {
  const { d: _d, ...jwk } = key.export({ format: 'jwk' });
  return jwk;
}

describe('the built-in issuer', () => {
  let dir: string;
  let users: HtpasswdFile;
  let issuer: TokenIssuer;
  let verifier: TokenVerifier;
  const htpasswd = (): string => join(dir, 'users');

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stowage-issuer-'));
    await writeHtpasswd(htpasswd(), { alice: 'alice-pw', bob: 'bob-pw' });
    users = await HtpasswdFile.load(htpasswd());
    const key = await loadOrCreateSigningKey(join(dir, 'auth', 'token-key.pem'));
    const rules = new AccessRules([{ users: ['alice'], repositories: ['team/*'], actions: ['pull', 'push'] }]);
    issuer = new TokenIssuer({ issuer: ISSUER, service: SERVICE, key, users, rules, expirationSeconds: 30 });
    const trust = new TrustStore();
    trust.addKey(key.publicKey, key.kid);
    verifier = new TokenVerifier({ issuer: ISSUER, service: SERVICE, trust });
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('persists a generated key with mode 0600 and reuses it', async () => {
    const path = join(dir, 'auth', 'token-key.pem');
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    assert.equal((await stat(join(dir, 'auth'))).mode & 0o777, 0o700);
    const again = await loadOrCreateSigningKey(path);
    assert.equal(again.kid, (await loadOrCreateSigningKey(path)).kid);
    assert.equal(again.alg, 'ES256');
    assert.equal(signingKey(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey).alg, 'RS256');
  });

  it('issues tokens holding the intersection of the request and the rules, never under 60 s', async () => {
    const issued = await issuer.issue({ kind: 'user', name: 'alice' }, [
      { type: 'repository', name: 'team/app', actions: ['pull', 'push', 'delete'] },
      { type: 'repository', name: 'other/app', actions: ['pull'] },
    ]);
    assert.equal(issued.expiresIn, 60);
    assert.deepEqual(issued.granted, [{ type: 'repository', name: 'team/app', actions: ['pull', 'push'] }]);
    assert.deepEqual(await verifier.verify(issued.token), { subject: 'alice', access: issued.granted });
    const anonymous = await issuer.issue({ kind: 'anonymous' }, [{ type: 'repository', name: 'team/app', actions: ['pull'] }]);
    assert.deepEqual(await verifier.verify(anonymous.token), { subject: '', access: [] });
  });

  it('redeems its refresh tokens, which registries refuse as access tokens', async () => {
    const refresh = await issuer.refreshToken('alice');
    assert.equal(await issuer.redeem(refresh), 'alice');
    await assert.rejects(verifier.verify(refresh), /another service/);
    assert.equal(await issuer.redeem(`${refresh.slice(0, -4)}AAAA`), undefined);
    const access = (await issuer.issue({ kind: 'user', name: 'alice' }, [])).token;
    assert.equal(await issuer.redeem(access), undefined);
  });

  it('revokes refresh tokens when the password changes or the user goes', async () => {
    const refresh = await issuer.refreshToken('bob');
    assert.equal(await issuer.redeem(refresh), 'bob');
    await writeHtpasswd(htpasswd(), { alice: 'alice-pw', bob: 'new-bob-pw' });
    assert.equal(await issuer.redeem(refresh), undefined);
    const again = await issuer.refreshToken('bob');
    await writeHtpasswd(htpasswd(), { alice: 'alice-pw' });
    assert.equal(await issuer.redeem(again), undefined);
  });
});
