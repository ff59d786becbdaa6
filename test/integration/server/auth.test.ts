/**
 * The client's side of registry auth (docker/auth/token.md, oauth.md, scope.md) against a real
 * Stowage registry behind token (or Basic) auth: challenges, scoped tokens, reuse, expiry and
 * renewal, refresh tokens, Basic, anonymous pulls, and `login`'s check.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { Authenticator, repositoryScope } from '../../../src/registry/client/auth/authenticator.js';
import { parseWwwAuthenticate } from '../../../src/registry/client/auth/challenge.js';
import type { Credential, CredentialStore } from '../../../src/registry/client/auth/credentials.js';
import { TokenProvider } from '../../../src/registry/client/auth/token.js';
import { isStowageError } from '../../../src/errors/error.js';
import { startAuthRegistry, TEST_SERVICE, type AuthRegistry } from '../../support/token-server.js';

const USERS = { alice: 'wonderland-pw', bob: 'builder-pw' };

/** A CredentialStore over a map: these tests are about the protocol, not config.json. */
function credentials(entries: Record<string, Credential>): CredentialStore {
  return {
    get: async (registry) => entries[registry],
    store: async () => undefined,
    erase: async () => false,
  };
}

interface Sent {
  status: number;
  text: string;
  /** Authorization of the last attempt. */
  authorization: string | undefined;
  /** Whether the first attempt was answered with 401. */
  challenged: boolean;
}

/** What the registry client does: the cached header up front, one retry after a 401. */
async function send(reg: AuthRegistry, auth: Authenticator, method: 'GET' | 'HEAD' | 'POST', path: string, scopes: string[], body?: Buffer): Promise<Sent> {
  const attempt = async (authorization: string | undefined) => {
    const res = await request(`${reg.url}${path}`, {
      method,
      headers: { ...(authorization ? { authorization } : {}), ...(body ? { 'content-type': 'application/octet-stream' } : {}) },
      ...(body ? { body } : {}),
    });
    return { status: res.statusCode, text: await res.body.text(), challenge: res.headers['www-authenticate'] };
  };
  let authorization = auth.cached(reg.host, scopes);
  let res = await attempt(authorization);
  const challenged = res.status === 401;
  if (challenged) {
    authorization = await auth.respond(reg.host, parseWwwAuthenticate(res.challenge), scopes);
    if (authorization) res = await attempt(authorization);
  }
  return { status: res.status, text: res.text, authorization, challenged };
}

function pushBlob(reg: AuthRegistry, auth: Authenticator, repo: string, data = randomBytes(256)): Promise<Sent> & { digest: string } {
  const digest = `sha256:${createHash('sha256').update(data).digest('hex')}`;
  const sent = send(reg, auth, 'POST', `/v2/${repo}/blobs/uploads/?digest=${digest}`, [repositoryScope(repo, ['pull', 'push'])], data);
  return Object.assign(sent, { digest });
}

const repoName = (): string => `auth-${randomBytes(4).toString('hex')}`;
const alice = (reg: AuthRegistry): Record<string, Credential> => ({ [reg.host]: { username: 'alice', password: USERS.alice } });

describe('bearer token auth', () => {
  let reg: AuthRegistry;
  before(async () => {
    reg = await startAuthRegistry({ users: USERS, refreshTokens: true });
  });
  after(() => reg.close());

  test('the registry challenges with realm, service and the needed scope', async () => {
    const base = await request(`${reg.url}/v2/`);
    await base.body.dump();
    assert.equal(base.statusCode, 401);
    assert.deepEqual(parseWwwAuthenticate(base.headers['www-authenticate']), [
      { scheme: 'bearer', params: { realm: `${reg.url}/token`, service: TEST_SERVICE } },
    ]);

    const tags = await request(`${reg.url}/v2/some/repo/tags/list`);
    const body = (await tags.body.json()) as { errors: Array<{ code: string }> };
    assert.equal(tags.statusCode, 401);
    assert.equal(body.errors[0]?.code, 'UNAUTHORIZED');
    assert.equal(parseWwwAuthenticate(tags.headers['www-authenticate'])[0]?.params.scope, 'repository:some/repo:pull');
  });

  test('push then pull with scoped tokens', async () => {
    const auth = new Authenticator({ credentials: credentials(alice(reg)) });
    const repo = repoName();
    const before = reg.tokenRequests.length;
    const push = pushBlob(reg, auth, repo);
    const pushed = await push;
    assert.equal(pushed.status, 201, pushed.text);
    assert.ok(pushed.challenged);
    assert.deepEqual(reg.tokenRequests.slice(before), [{ method: 'GET', scopes: [`repository:${repo}:pull,push`], user: 'alice' }]);

    // A fresh client that only pulls asks for pull alone.
    const reader = new Authenticator({ credentials: credentials({ [reg.host]: { username: 'bob', password: USERS.bob } }) });
    const pulled = await send(reg, reader, 'GET', `/v2/${repo}/blobs/${push.digest}`, [repositoryScope(repo, ['pull'])]);
    assert.equal(pulled.status, 200);
    assert.deepEqual(reg.tokenRequests.at(-1), { method: 'GET', scopes: [`repository:${repo}:pull`], user: 'bob' });
  });

  test('a token is reused for its scopes and their subsets, and concurrent answers share one fetch', async () => {
    const auth = new Authenticator({ credentials: credentials(alice(reg)) });
    const repo = repoName();
    const before = reg.tokenRequests.length;
    const push = pushBlob(reg, auth, repo);
    assert.equal((await push).status, 201);
    for (let i = 0; i < 3; i++) {
      const again = await send(reg, auth, 'HEAD', `/v2/${repo}/blobs/${push.digest}`, [repositoryScope(repo, ['pull'])]);
      assert.equal(again.status, 200);
      assert.equal(again.challenged, false, 'the cached token is sent up front');
    }
    assert.equal(reg.tokenRequests.length - before, 1);

    const fresh = new Authenticator({ credentials: credentials(alice(reg)) });
    const start = reg.tokenRequests.length;
    const results = await Promise.all(
      Array.from({ length: 5 }, () => send(reg, fresh, 'HEAD', `/v2/${repo}/blobs/${push.digest}`, [repositoryScope(repo, ['pull'])])),
    );
    assert.deepEqual(
      results.map((r) => r.status),
      [200, 200, 200, 200, 200],
    );
    assert.equal(reg.tokenRequests.length - start, 1);
  });

  test('the catalog asks for registry:catalog:*', async () => {
    const auth = new Authenticator({ credentials: credentials(alice(reg)) });
    const res = await send(reg, auth, 'GET', '/v2/_catalog', ['registry:catalog:*']);
    assert.equal(res.status, 200);
    assert.deepEqual(reg.tokenRequests.at(-1)?.scopes, ['registry:catalog:*']);
  });

  test('a wrong password is UNAUTHORIZED with a clear message that never holds the password', async () => {
    const auth = new Authenticator({ credentials: credentials({ [reg.host]: { username: 'alice', password: 'not-the-password' } }) });
    await assert.rejects(send(reg, auth, 'GET', `/v2/${repoName()}/tags/list`, []), (err: unknown) => {
      assert.ok(isStowageError(err, 'UNAUTHORIZED'));
      assert.match(err.message, /^authentication failed for user alice at http:\/\/127\.0\.0\.1:\d+\/token: invalid username or password$/);
      assert.ok(!err.message.includes('not-the-password'));
      return true;
    });
  });

  test('a refresh token is exchanged with the oauth POST grant', async () => {
    // What a login with oauth does (oauth.md, "Example getting refresh token").
    const login = await request(`${reg.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'password',
        username: 'alice',
        password: USERS.alice,
        service: TEST_SERVICE,
        client_id: 'test',
        access_type: 'offline',
      }).toString(),
    });
    const { refresh_token: refresh } = (await login.body.json()) as { refresh_token: string };
    assert.ok(refresh);

    const auth = new Authenticator({ credentials: credentials({ [reg.host]: { identityToken: refresh } }) });
    const repo = repoName();
    const push = pushBlob(reg, auth, repo);
    assert.equal((await push).status, 201);
    assert.deepEqual(reg.tokenRequests.at(-1), { method: 'POST', scopes: [`repository:${repo}:pull,push`], user: 'alice', grant: 'refresh_token' });

    const bad = new Authenticator({ credentials: credentials({ [reg.host]: { identityToken: 'revoked' } }) });
    await assert.rejects(
      send(reg, bad, 'GET', `/v2/${repo}/tags/list`, []),
      (err: unknown) => isStowageError(err, 'UNAUTHORIZED') && /identity token/.test(err.message) && !err.message.includes('revoked'),
    );
  });

  test('a token without the needed scope gets insufficient_scope', async () => {
    const auth = new Authenticator({ credentials: credentials(alice(reg)) });
    const repo = repoName();
    const pull = await send(reg, auth, 'GET', `/v2/${repo}/tags/list`, [repositoryScope(repo, ['pull'])]);
    assert.equal(pull.status, 404); // authorised; the repository just does not exist
    const res = await request(`${reg.url}/v2/${repo}/blobs/uploads/`, { method: 'POST', headers: { authorization: pull.authorization! } });
    await res.body.dump();
    assert.equal(res.statusCode, 401);
    assert.equal(parseWwwAuthenticate(res.headers['www-authenticate'])[0]?.params.error, 'insufficient_scope');
  });
});

describe('token expiry and renewal', () => {
  let reg: AuthRegistry;
  before(async () => {
    reg = await startAuthRegistry({ users: USERS, tokenTtlSeconds: 1 });
  });
  after(() => reg.close());

  test('an expired token is not sent; a new one is fetched', async () => {
    let now = Date.now();
    const tokens = new TokenProvider({ clock: () => now });
    const auth = new Authenticator({ credentials: credentials(alice(reg)), tokens });
    const repo = repoName();
    const scopes = [repositoryScope(repo, ['pull'])];
    const start = reg.tokenRequests.length;
    await send(reg, auth, 'GET', `/v2/${repo}/tags/list`, scopes);
    const first = auth.cached(reg.host, scopes);
    assert.ok(first);
    assert.equal(auth.cached(reg.host, scopes), first);
    now += 1_000; // expires_in is 1: the token has expired by the client's clock
    assert.equal(auth.cached(reg.host, scopes), undefined);
    const again = await send(reg, auth, 'GET', `/v2/${repo}/tags/list`, scopes);
    assert.equal(again.status, 404);
    assert.ok(again.challenged);
    assert.notEqual(again.authorization, first);
    assert.equal(reg.tokenRequests.length - start, 2);
  });

  test('a token the registry refuses as expired is renewed, not resent', async () => {
    const frozen = Date.now();
    // A client clock that stands still: the token looks valid to the client after the server let it expire.
    const auth = new Authenticator({ credentials: credentials(alice(reg)), tokens: new TokenProvider({ clock: () => frozen }) });
    const repo = repoName();
    const scopes = [repositoryScope(repo, ['pull'])];
    const first = await send(reg, auth, 'GET', `/v2/${repo}/tags/list`, scopes);
    assert.equal(first.status, 404);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const start = reg.tokenRequests.length;
    const again = await send(reg, auth, 'GET', `/v2/${repo}/tags/list`, scopes);
    assert.ok(again.challenged, 'the stale token was sent and refused');
    assert.equal(again.status, 404);
    assert.notEqual(again.authorization, first.authorization);
    assert.equal(reg.tokenRequests.length - start, 1);
  });
});

describe('Basic auth', () => {
  let reg: AuthRegistry;
  before(async () => {
    reg = await startAuthRegistry({ users: USERS, mode: 'basic' });
  });
  after(() => reg.close());

  test('a Basic challenge is answered with the username and password, then sent up front', async () => {
    const auth = new Authenticator({ credentials: credentials(alice(reg)) });
    const repo = repoName();
    const push = pushBlob(reg, auth, repo);
    const pushed = await push;
    assert.equal(pushed.status, 201);
    assert.equal(pushed.authorization, `Basic ${Buffer.from(`alice:${USERS.alice}`).toString('base64')}`);
    const pulled = await send(reg, auth, 'GET', `/v2/${repo}/blobs/${push.digest}`, [repositoryScope(repo, ['pull'])]);
    assert.equal(pulled.status, 200);
    assert.equal(pulled.challenged, false);
    assert.equal(reg.tokenRequests.length, 0);
  });

  test('Basic cannot be answered without a password', async () => {
    const challenges = parseWwwAuthenticate(`Basic realm="${TEST_SERVICE}"`);
    assert.equal(await new Authenticator().respond(reg.host, challenges, []), undefined);
    const tokenOnly = new Authenticator({ credentials: credentials({ [reg.host]: { identityToken: 'x' } }) });
    assert.equal(await tokenOnly.respond(reg.host, challenges, []), undefined);
  });
});

describe('anonymous pull', () => {
  let reg: AuthRegistry;
  before(async () => {
    reg = await startAuthRegistry({ users: USERS, anonymousPull: true });
  });
  after(() => reg.close());

  test('an anonymous token pulls but does not push', async () => {
    const repo = repoName();
    const push = pushBlob(reg, new Authenticator({ credentials: credentials(alice(reg)) }), repo);
    assert.equal((await push).status, 201);

    const anonymous = new Authenticator();
    const pulled = await send(reg, anonymous, 'GET', `/v2/${repo}/blobs/${push.digest}`, [repositoryScope(repo, ['pull'])]);
    assert.equal(pulled.status, 200);
    assert.deepEqual(reg.tokenRequests.at(-1), { method: 'GET', scopes: [`repository:${repo}:pull`] });

    const refused = await pushBlob(reg, anonymous, repo);
    assert.equal(refused.status, 401);
  });
});

describe('TokenProvider against other token servers', () => {
  let server: Server;
  let realm: string;
  let answer: (req: IncomingMessage, body: string) => { status: number; body: string };
  const seen: Array<{ method: string; url: string; body: string; authorization?: string }> = [];
  before(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        seen.push({ method: req.method ?? '', url: req.url ?? '', body, ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}) });
        const out = answer(req, body);
        res.writeHead(out.status, { 'content-type': 'application/json' }).end(out.body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    realm = `http://127.0.0.1:${(server.address() as AddressInfo).port}/auth?x=1`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test('GET carries service, each scope and account; access_token is accepted; expires_in defaults to 60 s', async () => {
    let n = 0;
    answer = () => ({ status: 200, body: JSON.stringify({ access_token: `t${++n}` }) });
    let now = 1_000_000;
    const tokens = new TokenProvider({ clock: () => now });
    const req = { realm, service: 'svc', scopes: ['repository:b:pull', 'repository:a:pull,push'], credential: { username: 'u', password: 'p w' } };
    assert.equal(await tokens.token(req), 't1');
    const url = new URL(seen.at(-1)!.url, 'http://x');
    assert.equal(url.searchParams.get('x'), '1', "the realm's own query is kept");
    assert.equal(url.searchParams.get('service'), 'svc');
    assert.deepEqual(url.searchParams.getAll('scope'), ['repository:b:pull', 'repository:a:pull,push']);
    assert.equal(url.searchParams.get('account'), 'u');
    assert.equal(seen.at(-1)!.authorization, `Basic ${Buffer.from('u:p w').toString('base64')}`);
    // Same scopes in another order: the same token.
    assert.equal(await tokens.token({ ...req, scopes: [...req.scopes].reverse() }), 't1');
    now += 54_000;
    assert.equal(await tokens.token(req), 't1');
    now += 2_000; // within the last 5 s of 60: renewed early
    assert.equal(await tokens.token(req), 't2');
    tokens.invalidate(req);
    assert.equal(await tokens.token(req), 't3');
  });

  test("issued_at counts from the server's stamp", async () => {
    let now = Date.parse('2030-01-01T00:10:00Z');
    answer = () => ({ status: 200, body: JSON.stringify({ token: 'old', expires_in: 600, issued_at: '2030-01-01T00:00:00Z' }) });
    const tokens = new TokenProvider({ clock: () => now });
    const req = { realm, scopes: [] };
    assert.equal(await tokens.token(req), 'old');
    assert.equal(tokens.peek(req), undefined, 'issued 10 minutes ago with 600 s to live: already expired');
    answer = () => ({ status: 200, body: JSON.stringify({ token: 'future', expires_in: 600, issued_at: '2031-01-01T00:00:00Z' }) });
    assert.equal(await tokens.token(req), 'future');
    now += 500_000;
    assert.equal(tokens.peek(req), 'future', 'a stamp in the future is skew: the exchange time counts');
  });

  test('an identity token is a POST refresh_token grant with a space-separated scope', async () => {
    answer = () => ({ status: 200, body: JSON.stringify({ access_token: 'a', token: 'a' }) });
    const tokens = new TokenProvider();
    await tokens.token({ realm, service: 'svc', scopes: ['repository:a:pull', 'repository:b:push'], credential: { identityToken: 'rt' } });
    const last = seen.at(-1)!;
    assert.equal(last.method, 'POST');
    assert.deepEqual(Object.fromEntries(new URLSearchParams(last.body)), {
      grant_type: 'refresh_token',
      refresh_token: 'rt',
      client_id: 'stowage',
      service: 'svc',
      scope: 'repository:a:pull repository:b:push',
    });
  });

  test('concurrent requests for one key share one fetch; a failure is not cached', async () => {
    let calls = 0;
    answer = () => ({ status: ++calls === 1 ? 503 : 200, body: JSON.stringify({ token: `c${calls}` }) });
    const tokens = new TokenProvider();
    const req = { realm, scopes: ['repository:c:pull'] };
    const results = await Promise.allSettled([tokens.token(req), tokens.token(req), tokens.token(req)]);
    assert.equal(calls, 1);
    for (const r of results) assert.ok(r.status === 'rejected' && isStowageError(r.reason, 'INTERNAL') && /returned 503/.test((r.reason as Error).message));
    assert.equal(await tokens.token(req), 'c2');
  });

  test('Authenticator: challenge and caller scopes merge per resource; a token serves any subset', async () => {
    answer = () => ({ status: 200, body: JSON.stringify({ token: 'merged', expires_in: 300 }) });
    const auth = new Authenticator();
    const challenge = [{ scheme: 'bearer', params: { realm, service: 'svc', scope: 'repository:a:push' } }];
    assert.equal(await auth.respond('r.example', challenge, ['repository:a:pull', 'repository:b:pull']), 'Bearer merged');
    assert.deepEqual(new URL(seen.at(-1)!.url, 'http://x').searchParams.getAll('scope'), ['repository:a:pull,push', 'repository:b:pull']);
    assert.equal(auth.cached('r.example', ['repository:a:pull']), 'Bearer merged');
    assert.equal(auth.cached('r.example', ['repository:a:push', 'repository:b:pull']), 'Bearer merged');
    assert.equal(auth.cached('r.example', ['repository:a:delete']), undefined);
    assert.equal(auth.cached('other.example', ['repository:a:pull']), undefined);
  });

  test('Authenticator: a handed-out token that comes back refused is renewed, even without error=invalid_token', async () => {
    let n = 0;
    answer = () => ({ status: 200, body: JSON.stringify({ token: `h${++n}`, expires_in: 300 }) });
    const auth = new Authenticator();
    const challenge = [{ scheme: 'bearer', params: { realm, service: 'svc' } }];
    const scopes = ['repository:h:pull'];
    assert.equal(await auth.respond('r.example', challenge, scopes), 'Bearer h1');
    // Another 401 to a request sent before any token existed: the same token serves.
    assert.equal(await auth.respond('r.example', challenge, scopes), 'Bearer h1');
    assert.equal(auth.cached('r.example', scopes), 'Bearer h1');
    // h1 was handed out and is now refused: stale.
    assert.equal(await auth.respond('r.example', challenge, scopes), 'Bearer h2');
    // With the refused header named, only that one counts as stale.
    assert.equal(await auth.respond('r.example', challenge, scopes, 'Bearer h1'), 'Bearer h2');
    assert.equal(await auth.respond('r.example', challenge, scopes, 'Bearer h2'), 'Bearer h3');
  });

  test('failures are clear errors', async () => {
    const tokens = new TokenProvider();
    const cases: Array<[number, string, RegExp]> = [
      [
        401,
        JSON.stringify({ details: 'incorrect username or password' }),
        /^authentication failed for user u at http:\/\/127\.0\.0\.1:\d+\/auth: incorrect username or password$/,
      ],
      [
        403,
        JSON.stringify({ error: 'access_denied', error_description: 'nope, secret-pw is wrong' }),
        /^authentication failed for user u at .*: nope, \*\*\* is wrong$/,
      ],
      [429, '{}', /rate limiting/],
      [500, '<html>oops</html>', /returned 500$/],
      [200, 'not json', /answered something other than JSON/],
      [200, JSON.stringify({ expires_in: 300 }), /answered without a token/],
    ];
    for (const [status, body, expected] of cases) {
      answer = () => ({ status, body });
      await assert.rejects(
        tokens.token({ realm, scopes: [`repository:${status}:pull`], credential: { username: 'u', password: 'secret-pw' } }),
        (err: unknown) => {
          assert.ok(err instanceof Error);
          assert.match(err.message, expected);
          assert.ok(!err.message.includes('secret-pw'));
          return true;
        },
      );
    }
    await assert.rejects(tokens.token({ realm: 'ftp://x/token', scopes: [] }), /not http\(s\)/);
    await assert.rejects(
      tokens.token({ realm: 'http://127.0.0.1:1/token', scopes: [] }),
      (err: unknown) => isStowageError(err, 'INTERNAL') && /token request to http:\/\/127\.0\.0\.1:1\/token failed/.test(err.message),
    );
  });
});
