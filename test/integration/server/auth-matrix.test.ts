/**
 * Every endpoint of the registry API against every kind of caller, on a real server with
 * Stowage's access control: the built-in token issuer (token mode) and htpasswd Basic auth
 * (basic mode), the same `access` rules in both. Expected outcomes come from a permission
 * table written out by hand below, not from the code under test. The run counts its cells
 * and asserts that no caller ever got a 2xx it was not entitled to.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { parseWwwAuthenticate } from '../../../src/registry/client/auth/challenge.js';
import type { AccessRule } from '../../../src/registry/server/auth/access.js';
import { HttpClient, type RequestOptions, type Res } from '../../support/http.js';
import { SECURED_ISSUER, SECURED_SERVICE, startSecuredRegistry, type SecuredRegistry } from '../../support/secured-registry.js';
import {
  MT,
  API_VERSION,
  pushBlob,
  pushImage,
  randomBlob,
  sha256,
  startUpload,
  withQuery,
  type BuiltManifest,
  type Descriptor,
} from '../../support/registry-images.js';

const USERS = { reader: 'reader-pw-1', writer: 'writer-pw-2', admin: 'admin-pw-3' };
const ACCESS: AccessRule[] = [
  { anonymous: true, repositories: ['public/**'], actions: ['pull'] },
  { groups: ['team'], repositories: ['team/*'], actions: ['pull'] },
  { users: ['writer'], repositories: ['team/*'], actions: ['push'] },
  { users: ['admin'], repositories: ['**'], actions: ['*'] },
];
const GROUPS = { team: ['reader', 'writer'] };

const TEAM = 'team/app';
const PUBLIC = 'public/base';
const SECRET = 'secret/vault';
const REPOS = [TEAM, PUBLIC];
type Action = 'pull' | 'push' | 'delete';

/** What each valid caller may do on each repository: the rules above, read by a person. */
const PERMS: Record<string, Record<string, Action[]>> = {
  anonymous: { [TEAM]: [], [PUBLIC]: ['pull'], [SECRET]: [] },
  reader: { [TEAM]: ['pull'], [PUBLIC]: ['pull'], [SECRET]: [] },
  writer: { [TEAM]: ['pull', 'push'], [PUBLIC]: ['pull'], [SECRET]: [] },
  admin: { [TEAM]: ['pull', 'push', 'delete'], [PUBLIC]: ['pull', 'push', 'delete'], [SECRET]: ['pull', 'push', 'delete'] },
};

type Caller =
  | { name: string; kind: 'anonymous' }
  | { name: string; kind: 'user'; user: keyof typeof USERS }
  | { name: string; kind: 'wrong-password'; user: string }
  /** A token minted by the test, presented as is. */
  | { name: string; kind: 'token'; token: () => Promise<string> };

interface Prepared {
  method: string;
  path: string;
  options?: RequestOptions;
}

interface Endpoint {
  name: string;
  /** 'authenticated' for /v2/, 'catalog' for _catalog, else the repository actions needed. */
  need: 'authenticated' | 'catalog' | Action[];
  ok: number;
  /** Fresh state for one call (an upload session, a manifest to delete...), made by the admin. */
  prepare(repo: string): Promise<Prepared>;
  /** The mount's answer depends on the source too. */
  okFor?(caller: string, repo: string): number;
}

interface Cell {
  mode: string;
  caller: string;
  endpoint: string;
  repo: string;
  expected: number;
  actual: number;
}

for (const mode of ['token', 'basic'] as const) {
  describe(`access matrix, ${mode} mode`, () => {
    let reg: SecuredRegistry;
    let http: HttpClient;
    let admin: HttpClient;
    const images = new Map<string, BuiltManifest & { layers: Descriptor[] }>();
    const cells: Cell[] = [];

    before(async () => {
      reg = await startSecuredRegistry({ mode, users: USERS, access: ACCESS, groups: GROUPS });
      http = new HttpClient(reg.url);
      admin = await adminClient(reg, mode);
      for (const repo of [...REPOS, SECRET]) images.set(repo, await pushImage(admin, repo, 'v1', { layers: 1 }));
    });
    after(async () => {
      await http.close();
      await admin.close();
      await reg.close();
    });

    const image = (repo: string): BuiltManifest & { layers: Descriptor[] } => images.get(repo)!;
    const other = (repo: string): string => (repo === TEAM ? PUBLIC : TEAM);
    const session = async (repo: string): Promise<string> => startUpload(admin, repo);

    const endpoints: Endpoint[] = [
      { name: 'base GET', need: 'authenticated', ok: 200, prepare: async () => ({ method: 'GET', path: '/v2/' }) },
      { name: 'catalog GET', need: 'catalog', ok: 200, prepare: async () => ({ method: 'GET', path: '/v2/_catalog' }) },
      { name: 'tags GET', need: ['pull'], ok: 200, prepare: async (r) => ({ method: 'GET', path: `/v2/${r}/tags/list` }) },
      {
        name: 'manifest GET',
        need: ['pull'],
        ok: 200,
        prepare: async (r) => ({ method: 'GET', path: `/v2/${r}/manifests/v1`, options: { headers: { accept: MT.ociManifest } } }),
      },
      {
        name: 'manifest HEAD',
        need: ['pull'],
        ok: 200,
        prepare: async (r) => ({ method: 'HEAD', path: `/v2/${r}/manifests/v1`, options: { headers: { accept: MT.ociManifest } } }),
      },
      {
        name: 'manifest PUT',
        need: ['pull', 'push'],
        ok: 201,
        prepare: async (r) => ({
          method: 'PUT',
          path: `/v2/${r}/manifests/t-${randomBytes(4).toString('hex')}`,
          options: { headers: { 'content-type': image(r).mediaType }, body: image(r).bytes },
        }),
      },
      {
        name: 'manifest DELETE',
        need: ['delete'],
        ok: 202,
        prepare: async (r) => ({ method: 'DELETE', path: `/v2/${r}/manifests/${(await pushImage(admin, r, undefined, { layers: 1 })).digest}` }),
      },
      { name: 'blob GET', need: ['pull'], ok: 200, prepare: async (r) => ({ method: 'GET', path: `/v2/${r}/blobs/${image(r).layers[0]!.digest}` }) },
      { name: 'blob HEAD', need: ['pull'], ok: 200, prepare: async (r) => ({ method: 'HEAD', path: `/v2/${r}/blobs/${image(r).layers[0]!.digest}` }) },
      {
        name: 'blob DELETE',
        need: ['delete'],
        ok: 202,
        prepare: async (r) => ({ method: 'DELETE', path: `/v2/${r}/blobs/${(await pushBlob(admin, r, randomBlob(64))).digest}` }),
      },
      {
        name: 'upload POST',
        need: ['pull', 'push'],
        ok: 202,
        prepare: async (r) => ({ method: 'POST', path: `/v2/${r}/blobs/uploads/`, options: { headers: { 'content-length': '0' } } }),
      },
      {
        name: 'upload PATCH',
        need: ['pull', 'push'],
        ok: 202,
        prepare: async (r) => ({
          method: 'PATCH',
          path: await session(r),
          options: { headers: { 'content-type': 'application/octet-stream' }, body: randomBlob(100) },
        }),
      },
      {
        name: 'upload PUT',
        need: ['pull', 'push'],
        ok: 201,
        prepare: async (r) => {
          const data = randomBlob(100);
          return {
            method: 'PUT',
            path: withQuery(await session(r), { digest: sha256(data) }),
            options: { headers: { 'content-type': 'application/octet-stream' }, body: data },
          };
        },
      },
      { name: 'upload GET', need: ['pull'], ok: 204, prepare: async (r) => ({ method: 'GET', path: await session(r) }) },
      { name: 'upload DELETE', need: ['delete'], ok: 204, prepare: async (r) => ({ method: 'DELETE', path: await session(r) }) },
      {
        name: 'mount POST',
        need: ['pull', 'push'],
        ok: 201,
        // Mounting needs pull on the source; without it the server falls back to an upload (202).
        okFor: (caller, r) => (PERMS[caller]![other(r)]!.includes('pull') ? 201 : 202),
        prepare: async (r) => ({
          method: 'POST',
          path: `/v2/${r}/blobs/uploads/?mount=${image(other(r)).layers[0]!.digest}&from=${other(r)}`,
          options: { headers: { 'content-length': '0' } },
        }),
      },
      { name: 'referrers GET', need: ['pull'], ok: 200, prepare: async (r) => ({ method: 'GET', path: `/v2/${r}/referrers/${image(r).digest}` }) },
    ];

    const callers: Caller[] = [
      { name: 'anonymous', kind: 'anonymous' },
      { name: 'reader', kind: 'user', user: 'reader' },
      { name: 'writer', kind: 'user', user: 'writer' },
      { name: 'admin', kind: 'user', user: 'admin' },
      { name: 'wrong password', kind: 'wrong-password', user: 'admin' },
    ];
    if (mode === 'token') {
      callers.push(
        { name: 'expired token', kind: 'token', token: async () => mint(reg, { exp: now() - 3600, iat: now() - 7200, nbf: now() - 7200 }) },
        { name: 'forged token', kind: 'token', token: async () => mint(reg, {}, generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey) },
        { name: 'other-audience token', kind: 'token', token: async () => mint(reg, { aud: 'another-registry' }) },
      );
    }

    /** What the caller should get, from PERMS; undefined for callers that are never let in. */
    const expected = (caller: Caller, endpoint: Endpoint, repo: string): number => {
      if (caller.kind === 'wrong-password' || caller.kind === 'token') return 401;
      const who = caller.kind === 'anonymous' ? 'anonymous' : caller.user;
      const anonymous = caller.kind === 'anonymous';
      // Token mode: an anonymous token is a valid token; basic mode: /v2/ wants credentials.
      if (endpoint.need === 'authenticated') return anonymous && mode === 'basic' ? 401 : endpoint.ok;
      // The catalog is open to users, and to anonymous callers since a rule is anonymous.
      if (endpoint.need === 'catalog') return endpoint.ok;
      const allowed = endpoint.need.every((action) => PERMS[who]![repo]!.includes(action));
      if (allowed) return endpoint.okFor?.(who, repo) ?? endpoint.ok;
      // Token mode answers 401 insufficient_scope; Basic answers 403 to a known user.
      return mode === 'token' || anonymous ? 401 : 403;
    };

    /** A client's behaviour: in token mode, answer the 401's challenge with a token and retry. */
    const call = async (caller: Caller, req: Prepared): Promise<Res> => {
      const send = (authorization?: string): Promise<Res> =>
        http.request(req.method, req.path, { ...req.options, headers: { ...req.options?.headers, ...(authorization ? { authorization } : {}) } });
      const basic =
        caller.kind === 'user'
          ? basicHeader(caller.user, USERS[caller.user])
          : caller.kind === 'wrong-password'
            ? basicHeader(caller.user, 'not-the-password')
            : undefined;
      if (caller.kind === 'token') return send(`Bearer ${await caller.token()}`);
      if (mode === 'basic') return send(basic);
      const first = await send();
      if (first.status !== 401) return first;
      const challenge = parseWwwAuthenticate(first.header('www-authenticate')).find((c) => c.scheme === 'bearer');
      assert.ok(challenge?.params.realm, `401 without a Bearer challenge: ${first.describe()}`);
      const url = new URL(challenge.params.realm!);
      url.searchParams.set('service', challenge.params.service ?? '');
      for (const scope of (challenge.params.scope ?? '').split(' ').filter(Boolean)) url.searchParams.append('scope', scope);
      const tokenRes = await http.get(url.pathname + url.search, basic ? { headers: { authorization: basic } } : {});
      if (caller.kind === 'wrong-password') {
        assert.equal(tokenRes.status, 401, `the issuer took a wrong password: ${tokenRes.describe()}`);
        return send(basic); // a client that ignores the challenge and sends Basic anyway
      }
      assert.equal(tokenRes.status, 200, tokenRes.describe());
      return send(`Bearer ${tokenRes.json<{ token: string }>().token}`);
    };

    for (const caller of callers) {
      it(`${caller.name}: every endpoint, every repository`, async () => {
        for (const endpoint of endpoints) {
          for (const repo of endpoint.need === 'authenticated' || endpoint.need === 'catalog' ? [TEAM] : REPOS) {
            const res = await call(caller, await endpoint.prepare(repo));
            const want = expected(caller, endpoint, repo);
            cells.push({ mode, caller: caller.name, endpoint: endpoint.name, repo, expected: want, actual: res.status });
            assert.equal(res.header('docker-distribution-api-version'), API_VERSION, res.describe());
            if (res.status === 401) assert.ok(res.header('www-authenticate'), `401 without a challenge: ${res.describe()}`);
            if (res.status === 403) assert.equal(res.header('www-authenticate'), undefined, res.describe());
            if (mode === 'token' && res.status === 401 && caller.kind === 'user') assert.match(res.header('www-authenticate')!, /error="insufficient_scope"/);
            if (caller.kind === 'token') assert.match(res.header('www-authenticate')!, /error="invalid_token"/);
          }
        }
      });
    }

    it('matches the table in every cell, with zero unauthorized successes', () => {
      const wrong = cells.filter((c) => c.actual !== c.expected);
      const unauthorizedSuccesses = cells.filter((c) => c.expected >= 400 && c.actual < 300);
      const size = endpoints.length * 2 - 2; // base and catalog are not per repository
      assert.equal(cells.length, callers.length * size);
      const table = wrong.map((c) => `${c.caller} / ${c.endpoint} / ${c.repo}: expected ${c.expected}, got ${c.actual}`).join('\n');
      assert.deepEqual(unauthorizedSuccesses, [], `unauthorized successes:\n${table}`);
      assert.deepEqual(wrong, [], `cells off the table:\n${table}`);
      const denied = cells.filter((c) => c.expected >= 400).length;
      process.stdout.write(`# ${mode} matrix: ${cells.length} cells, ${denied} denials, 0 unauthorized successes\n`);
    });

    it('falls back to a plain upload when the mount source may not be pulled', async () => {
      const secretLayer = image(SECRET).layers[0]!.digest;
      const path = `/v2/${TEAM}/blobs/uploads/?mount=${secretLayer}&from=${SECRET}`;
      const writerRes = await call({ name: 'writer', kind: 'user', user: 'writer' }, { method: 'POST', path, options: { headers: { 'content-length': '0' } } });
      assert.equal(writerRes.status, 202, writerRes.describe());
      assert.match(writerRes.header('location') ?? '', new RegExp(`^/v2/${TEAM}/blobs/uploads/`));
      assert.equal((await admin.head(`/v2/${TEAM}/blobs/${secretLayer}`)).status, 404, 'nothing was mounted');
      const adminRes = await admin.post(path, { headers: { 'content-length': '0' } });
      assert.equal(adminRes.status, 201, adminRes.describe());
      assert.equal((await admin.head(`/v2/${TEAM}/blobs/${secretLayer}`)).status, 200);
    });

    it('lists in the catalog only what the caller may pull, paging over that list', async () => {
      const list = async (caller: Caller, query = ''): Promise<{ repositories: string[]; link?: string }> => {
        const res = await call(caller, { method: 'GET', path: `/v2/_catalog${query}` });
        assert.equal(res.status, 200, res.describe());
        return { repositories: res.json<{ repositories: string[] }>().repositories, ...(res.header('link') ? { link: res.header('link')! } : {}) };
      };
      if (mode === 'token') assert.deepEqual((await list({ name: 'anonymous', kind: 'anonymous' })).repositories, [PUBLIC]);
      assert.deepEqual((await list({ name: 'reader', kind: 'user', user: 'reader' })).repositories, [PUBLIC, TEAM]);
      assert.deepEqual((await list({ name: 'admin', kind: 'user', user: 'admin' })).repositories, [PUBLIC, SECRET, TEAM]);
      const page = await list({ name: 'reader', kind: 'user', user: 'reader' }, '?n=1');
      assert.deepEqual(page.repositories, [PUBLIC]);
      assert.match(page.link ?? '', /last=public%2Fbase|last=public\/base/);
      assert.deepEqual((await list({ name: 'reader', kind: 'user', user: 'reader' }, `?n=5&last=${PUBLIC}`)).repositories, [TEAM]);
    });
  });
}

describe('challenges', () => {
  let token: SecuredRegistry;
  let basic: SecuredRegistry;
  before(async () => {
    token = await startSecuredRegistry({ mode: 'token', users: USERS, access: ACCESS, groups: GROUPS });
    basic = await startSecuredRegistry({ mode: 'basic', users: USERS, access: ACCESS, groups: GROUPS });
  });
  after(async () => {
    await token.close();
    await basic.close();
  });

  it("names the realm, the service and the request's scope (token.md)", async () => {
    const http = new HttpClient(token.url);
    const realm = `${token.url}/auth/token`;
    const base = await http.get('/v2/');
    assert.equal(base.status, 401);
    assert.equal(base.header('www-authenticate'), `Bearer realm="${realm}",service="${SECURED_SERVICE}"`);
    assert.equal(base.json<{ errors: Array<{ code: string }> }>().errors[0]!.code, 'UNAUTHORIZED');
    const push = await http.put(`/v2/${TEAM}/manifests/x`, { body: '{}' });
    assert.equal(push.header('www-authenticate'), `Bearer realm="${realm}",service="${SECURED_SERVICE}",scope="repository:${TEAM}:pull,push"`);
    assert.deepEqual(push.json<{ errors: Array<{ detail: unknown }> }>().errors[0]!.detail, [
      { Type: 'repository', Name: TEAM, Action: 'pull' },
      { Type: 'repository', Name: TEAM, Action: 'push' },
    ]);
    const mount = await http.post(`/v2/${TEAM}/blobs/uploads/?mount=sha256:${'a'.repeat(64)}&from=${PUBLIC}`);
    assert.match(mount.header('www-authenticate')!, new RegExp(`scope="repository:${TEAM}:pull,push repository:${PUBLIC}:pull"`));
    const catalog = await http.get('/v2/_catalog');
    assert.match(catalog.header('www-authenticate')!, /scope="registry:catalog:\*"/);
    const expired = await http.get('/v2/', { headers: { authorization: `Bearer ${await mint(token, { exp: now() - 3600 })}` } });
    assert.match(expired.header('www-authenticate')!, /error="invalid_token"/);
    assert.match(expired.text, /token expired/);
    // A crafted name cannot break out of the header's quoted string.
    const crafted = await http.get(`/v2/a%22b/tags/list`);
    assert.equal(crafted.status, 401);
    assert.match(crafted.header('www-authenticate')!, /scope="repository:a\\"b:pull"$/);
    await http.close();
  });

  it('asks for Basic credentials in htpasswd mode', async () => {
    const http = new HttpClient(basic.url);
    const res = await http.get('/v2/');
    assert.equal(res.status, 401);
    assert.equal(res.header('www-authenticate'), 'Basic realm="Stowage Test"');
    const bearer = await http.get('/v2/', { headers: { authorization: 'Bearer abc' } });
    assert.equal(bearer.status, 401);
    const garbage = await http.get('/v2/', { headers: { authorization: 'Basic !!!' } });
    assert.equal(garbage.status, 401);
    await http.close();
  });

  it('leaves the token endpoint and unknown paths outside /v2 unchallenged', async () => {
    const http = new HttpClient(token.url);
    assert.equal((await http.get('/auth/token?service=' + SECURED_SERVICE)).status, 200);
    assert.equal((await http.get('/nothing')).status, 404);
    await http.close();
  });
});

function now(): number {
  return Math.floor(Date.now() / 1000);
}

function basicHeader(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

/** A token granting everything, signed with the registry's key (or `key`), claims overridable. */
async function mint(reg: SecuredRegistry, claims: Record<string, unknown>, key?: import('node:crypto').KeyObject): Promise<string> {
  const real = await reg.key();
  const access = [...REPOS, SECRET].map((name) => ({ type: 'repository', name, actions: ['*'] }));
  access.push({ type: 'registry', name: 'catalog', actions: ['*'] });
  const payload = {
    iss: SECURED_ISSUER,
    sub: 'admin',
    aud: SECURED_SERVICE,
    iat: now(),
    nbf: now(),
    exp: now() + 600,
    jti: randomBytes(8).toString('hex'),
    access,
    ...claims,
  };
  return new SignJWT(payload).setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid: real.kid }).sign(key ?? real.privateKey);
}

/** An HttpClient that is the admin: a token for everything (token mode) or Basic. */
async function adminClient(reg: SecuredRegistry, mode: 'token' | 'basic'): Promise<HttpClient> {
  let authorization = basicHeader('admin', USERS.admin);
  if (mode === 'token') {
    const scopes = [...REPOS, SECRET].map((r) => `scope=repository:${r}:*`).join('&');
    const http = new HttpClient(reg.url);
    const res = await http.get(`/auth/token?service=${SECURED_SERVICE}&${scopes}`, { headers: { authorization } });
    await http.close();
    assert.equal(res.status, 200, res.describe());
    authorization = `Bearer ${res.json<{ token: string }>().token}`;
  }
  return new (class extends HttpClient {
    override request(method: string, path: string, opts: RequestOptions = {}): Promise<Res> {
      return super.request(method, path, { ...opts, headers: { ...opts.headers, authorization } });
    }
  })(reg.url);
}
