/**
 * Whole flows through Stowage's access control, as users run them: `stowage serve` with a
 * config file, `stowage login` and `stowage copy` (CLI, DOCKER_CONFIG in a temp dir) against
 * the built-in issuer and against htpasswd Basic auth; OAuth2 refresh tokens through the
 * registry client; and an external token issuer whose certificate is in the root bundle.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { SignJWT } from 'jose';
import type { Credential, CredentialStore } from '../../../src/registry/client/auth/credentials.js';
import { RegistryClient } from '../../../src/registry/client/client.js';
import { makePki, type TestPki } from '../../support/certs.js';
import { HttpClient } from '../../support/http.js';
import { writeHtpasswd } from '../../support/htpasswd.js';
import { writeImageLayout, type BuiltImage } from '../../support/oci-layout.js';
import { STOWAGE_CLI, makeTempDir, removeTempDirs, startStowage, stopAll, type ServerHandle } from '../../support/process.js';
import { SECURED_SERVICE, startSecuredRegistry, type SecuredRegistry } from '../../support/secured-registry.js';

const exec = promisify(execFile);
const USERS = { writer: 'writer-secret-1', reader: 'reader-secret-2' };

const RULES = `access:
  - anonymous: true
    repositories: ['public/**']
    actions: [pull]
  - users: [writer]
    repositories: ['**']
    actions: [pull, push]
  - users: [reader]
    repositories: ['team/*']
    actions: [pull]
`;

interface Cli {
  run(...args: string[]): Promise<{ stdout: string; stderr: string }>;
  fails(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
}

/** The CLI with its own DOCKER_CONFIG: one logged-in user (or nobody). */
async function cliFor(name: string): Promise<Cli> {
  const dockerConfig = await makeTempDir(`stowage-docker-${name}-`);
  const env = { ...process.env, DOCKER_CONFIG: dockerConfig };
  const run = (...args: string[]) => exec(process.execPath, [STOWAGE_CLI, ...args], { env, timeout: 60_000 });
  return {
    run,
    fails: async (...args) => {
      try {
        await run(...args);
      } catch (err) {
        return err as { code: number; stdout: string; stderr: string };
      }
      throw new Error(`stowage ${args.join(' ')} succeeded`);
    },
  };
}

after(async () => {
  await stopAll();
  await removeTempDirs();
});

describe('stowage serve with the built-in token issuer', () => {
  let dir: string;
  let configPath: string;
  let server: ServerHandle;
  let image: BuiltImage;
  let writer: Cli;
  let reader: Cli;
  let nobody: Cli;

  before(async () => {
    dir = await makeTempDir('stowage-flows-');
    await writeHtpasswd(join(dir, 'htpasswd'), USERS);
    configPath = join(dir, 'config.yml');
    await writeFile(
      configPath,
      `version: 0.1
log:
  level: debug
storage:
  filesystem:
    rootdirectory: ${join(dir, 'root')}
auth:
  token:
    service: flows-registry
    issuer: flows-issuer
    builtin:
      htpasswd: ${join(dir, 'htpasswd')}
      expiration: 5m
${RULES}`,
    );
    server = await startStowage({ config: configPath });
    image = await writeImageLayout(join(dir, 'img'), { layers: 2, seed: 'flows', tag: 't' });
    [writer, reader, nobody] = await Promise.all([cliFor('writer'), cliFor('reader'), cliFor('nobody')]);
  });
  after(() => server.stop());

  it('says at start which access control runs', () => {
    assert.match(
      server.stdout(),
      /Access control: token \(issuer flows-issuer, service flows-registry, realm \/auth\/token\); built-in issuer at \/auth\/token, 2 user\(s\), ES256 key/,
    );
  });

  it('refuses a wrong password at login, and logs in with the right one', async () => {
    const wrong = await writer.fails('login', '-u', 'writer', '-p', 'guess', server.host);
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /login to .* as writer failed/);
    assert.equal((await writer.run('login', '-u', 'writer', '-p', USERS.writer, server.host)).stdout, 'Login Succeeded\n');
    assert.equal((await reader.run('login', '-u', 'reader', '-p', USERS.reader, server.host)).stdout, 'Login Succeeded\n');
  });

  it('lets the writer push and the reader pull, and refuses the reader a push', async () => {
    const pushed = await writer.run('copy', `oci:${join(dir, 'img')}:t`, `docker://${server.host}/team/app:t`);
    assert.match(pushed.stdout, new RegExp(image.digest));
    await writer.run('copy', '-q', `oci:${join(dir, 'img')}:t`, `docker://${server.host}/public/base:t`);
    const pulled = await reader.run('copy', `docker://${server.host}/team/app:t`, `oci:${join(dir, 'back')}:t`);
    assert.match(pulled.stdout, new RegExp(image.digest));
    const denied = await reader.fails('copy', '-q', `oci:${join(dir, 'img')}:t`, `docker://${server.host}/team/other:t`);
    assert.equal(denied.code, 1);
    assert.match(denied.stderr, /UNAUTHORIZED|unauthorized|denied|insufficient/i);
    const tags = await reader.fails('tags', `${server.host}/secret/none`);
    assert.match(tags.stderr, /UNAUTHORIZED|unauthorized|insufficient/i);
  });

  it('lets anonymous callers pull public repositories only', async () => {
    await nobody.run('copy', '-q', `docker://${server.host}/public/base:t`, `oci:${join(dir, 'anon')}:t`);
    const denied = await nobody.fails('copy', '-q', `docker://${server.host}/team/app:t`, `oci:${join(dir, 'anon2')}:t`);
    assert.match(denied.stderr, /UNAUTHORIZED|unauthorized|authentication required|insufficient/i);
  });

  it('never logs a password, a token or an Authorization header', () => {
    const log = server.stderr() + server.stdout();
    assert.ok(log.includes('"msg":"response completed"'), 'request logging is on');
    for (const secret of [...Object.values(USERS), 'Bearer ', 'Basic ', 'eyJ', 'authorization']) {
      assert.ok(!log.toLowerCase().includes(secret.toLowerCase()), `the log holds ${secret}`);
    }
  });

  it('keeps its signing key (0600) under the storage root, so tokens survive a restart', async () => {
    assert.equal((await stat(join(dir, 'root', 'auth', 'token-key.pem'))).mode & 0o777, 0o600);
    const http = new HttpClient(server.url);
    const basic = `Basic ${Buffer.from(`reader:${USERS.reader}`).toString('base64')}`;
    const res = await http.get('/auth/token?service=flows-registry&scope=repository:team/app:pull', { headers: { authorization: basic } });
    await http.close();
    const token = res.json<{ token: string }>().token;
    await server.stop();
    server = await startStowage({ config: configPath });
    const again = new HttpClient(server.url);
    const tags = await again.get('/v2/team/app/tags/list', { headers: { authorization: `Bearer ${token}` } });
    await again.close();
    assert.equal(tags.status, 200, tags.describe());
  });
});

describe('OAuth2 refresh tokens (oauth.md) through the registry client', () => {
  let reg: SecuredRegistry;
  let http: HttpClient;
  before(async () => {
    reg = await startSecuredRegistry({ mode: 'token', users: USERS, access: [{ users: ['writer'], repositories: ['**'], actions: ['pull', 'push'] }] });
    http = new HttpClient(reg.url);
  });
  after(async () => {
    await http.close();
    await reg.close();
  });

  const post = (fields: Record<string, string>) =>
    http.post('/auth/token', { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });
  const base = { service: SECURED_SERVICE, client_id: 'flows-test' };

  it('issues a refresh token for access_type=offline, and access tokens from it', async () => {
    const login = await post({ ...base, grant_type: 'password', username: 'writer', password: USERS.writer, access_type: 'offline' });
    assert.equal(login.status, 200, login.describe());
    assert.equal(login.header('cache-control'), 'no-store');
    const body = login.json<{ refresh_token: string; access_token: string; scope: string; expires_in: number }>();
    assert.equal(body.scope, '');
    assert.ok(body.expires_in >= 60);
    const credentials: CredentialStore = {
      get: async (): Promise<Credential> => ({ identityToken: body.refresh_token }),
      store: async () => undefined,
      erase: async () => false,
    };
    const client = new RegistryClient({ credentials });
    try {
      const repo = { domain: reg.host, path: 'team/refresh' };
      const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [] }));
      const { Digest } = await import('../../../src/digest/digest.js');
      await client.putManifest(repo, 'v1', { bytes: manifest, mediaType: 'application/vnd.oci.image.index.v1+json', digest: Digest.of(manifest, 'sha256') });
      assert.deepEqual(await client.listTags(repo), ['v1']);
    } finally {
      await client.close();
    }
    const refreshed = await post({
      ...base,
      grant_type: 'refresh_token',
      refresh_token: body.refresh_token,
      scope: 'repository:team/refresh:pull,push repository:x:delete',
    });
    assert.equal(refreshed.status, 200, refreshed.describe());
    const again = refreshed.json<{ refresh_token: string; scope: string }>();
    assert.equal(again.refresh_token, body.refresh_token, 'oauth.md: the same refresh token comes back');
    assert.equal(again.scope, 'repository:team/refresh:pull,push');
  });

  it('answers bad requests the OAuth way', async () => {
    const cases: Array<[Record<string, string>, number, string]> = [
      [{ ...base, grant_type: 'password', username: 'writer', password: 'nope' }, 401, 'invalid_grant'],
      [{ ...base, grant_type: 'password', username: 'ghost', password: 'nope' }, 401, 'invalid_grant'],
      [{ ...base, grant_type: 'refresh_token', refresh_token: 'forged' }, 401, 'invalid_grant'],
      [{ ...base, grant_type: 'authorization_code' }, 400, 'unsupported_grant_type'],
      [{ service: SECURED_SERVICE, grant_type: 'password', username: 'writer', password: USERS.writer }, 400, 'invalid_request'],
      [{ ...base, service: 'elsewhere', grant_type: 'password', username: 'writer', password: USERS.writer }, 400, 'invalid_request'],
    ];
    for (const [fields, status, error] of cases) {
      const res = await post(fields);
      assert.equal(res.status, status, res.describe());
      assert.equal(res.json<{ error: string }>().error, error);
      assert.ok(!res.text.includes(USERS.writer));
    }
    const json = await http.post('/auth/token', { headers: { 'content-type': 'application/json' }, body: '{}' });
    assert.equal(json.status, 400);
  });

  it('gives a refresh token on GET with offline_token=true (token.md)', async () => {
    const basic = `Basic ${Buffer.from(`writer:${USERS.writer}`).toString('base64')}`;
    const res = await http.get(`/auth/token?service=${SECURED_SERVICE}&offline_token=true&scope=repository:a:pull`, { headers: { authorization: basic } });
    const body = res.json<{ token: string; access_token: string; refresh_token?: string; issued_at: string }>();
    assert.equal(body.token, body.access_token);
    assert.ok(body.refresh_token);
    assert.ok(!Number.isNaN(Date.parse(body.issued_at)));
    const anonymous = await http.get(`/auth/token?service=${SECURED_SERVICE}&offline_token=true`);
    assert.equal(anonymous.json<{ refresh_token?: string }>().refresh_token, undefined);
    const wrong = await http.get(`/auth/token?service=${SECURED_SERVICE}`, {
      headers: { authorization: `Basic ${Buffer.from('writer:x').toString('base64')}` },
    });
    assert.equal(wrong.status, 401);
  });
});

describe('stowage serve with htpasswd (Basic only)', () => {
  let dir: string;
  let server: ServerHandle;
  let writer: Cli;
  let reader: Cli;
  let nobody: Cli;

  before(async () => {
    dir = await makeTempDir('stowage-basic-');
    await writeHtpasswd(join(dir, 'htpasswd'), USERS);
    const configPath = join(dir, 'config.yml');
    await writeFile(
      configPath,
      `storage:\n  filesystem:\n    rootdirectory: ${join(dir, 'root')}\nauth:\n  htpasswd:\n    realm: Basic Realm\n    path: ${join(dir, 'htpasswd')}\n${RULES}`,
    );
    server = await startStowage({ config: configPath });
    await writeImageLayout(join(dir, 'img'), { layers: 1, seed: 'basic', tag: 't' });
    [writer, reader, nobody] = await Promise.all([cliFor('bwriter'), cliFor('breader'), cliFor('bnobody')]);
  });
  after(() => server.stop());

  it('logs in, pushes, pulls, and answers 403 to a user the rules refuse', async () => {
    assert.match(server.stdout(), /Access control: htpasswd \(Basic\) with 2 user\(s\)/);
    assert.equal((await writer.fails('login', '-u', 'writer', '-p', 'bad', server.host)).code, 1);
    await writer.run('login', '-u', 'writer', '-p', USERS.writer, server.host);
    await reader.run('login', '-u', 'reader', '-p', USERS.reader, server.host);
    await writer.run('copy', '-q', `oci:${join(dir, 'img')}:t`, `docker://${server.host}/team/app:t`);
    await writer.run('copy', '-q', `oci:${join(dir, 'img')}:t`, `docker://${server.host}/public/app:t`);
    await reader.run('copy', '-q', `docker://${server.host}/team/app:t`, `oci:${join(dir, 'back')}:t`);
    const denied = await reader.fails('copy', '-q', `oci:${join(dir, 'img')}:t`, `docker://${server.host}/team/app:t2`);
    assert.match(denied.stderr, /DENIED|denied/);
    await nobody.run('copy', '-q', `docker://${server.host}/public/app:t`, `oci:${join(dir, 'anon')}:t`);
    const anonymous = await nobody.fails('copy', '-q', `docker://${server.host}/team/app:t`, `oci:${join(dir, 'anon2')}:t`);
    assert.match(anonymous.stderr, /UNAUTHORIZED|unauthorized|authentication required/i);
  });
});

describe('an external token issuer (distribution-style auth.token)', () => {
  const service = 'ext-registry';
  const issuer = 'ext-issuer';
  let dir: string;
  let pki: TestPki;
  let tokenServer: Server;
  let server: ServerHandle;
  let signWith: 'signer' | 'stranger' = 'signer';
  let realm: string;

  before(async () => {
    dir = await makeTempDir('stowage-external-');
    pki = await makePki(dir);
    // A token server as distribution expects one: GET with Basic, every requested scope granted.
    tokenServer = createServer((req, res) => {
      void (async () => {
        const url = new URL(req.url ?? '/', 'http://x');
        if (req.headers.authorization !== `Basic ${Buffer.from(`ext:ext-pw`).toString('base64')}`) {
          res.writeHead(401, { 'content-type': 'application/json' }).end('{"details":"bad credentials"}');
          return;
        }
        const access = url.searchParams.getAll('scope').map((scope) => {
          const parts = scope.split(':');
          return { type: parts[0], name: parts.slice(1, -1).join(':'), actions: parts.at(-1)!.split(',') };
        });
        const cert = signWith === 'signer' ? pki.signer : pki.stranger;
        const now = Math.floor(Date.now() / 1000);
        const token = await new SignJWT({ access })
          .setProtectedHeader({ alg: 'ES256', typ: 'JWT', x5c: [cert.x5c] })
          .setIssuer(issuer)
          .setSubject('ext')
          .setAudience(url.searchParams.get('service') ?? '')
          .setIssuedAt(now)
          .setNotBefore(now)
          .setExpirationTime(now + 300)
          .setJti(randomBytes(8).toString('hex'))
          .sign(cert.key);
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token, expires_in: 300 }));
      })();
    });
    await new Promise<void>((resolve) => tokenServer.listen(0, '127.0.0.1', resolve));
    realm = `http://127.0.0.1:${(tokenServer.address() as AddressInfo).port}/token`;
    const configPath = join(dir, 'config.yml');
    await writeFile(
      configPath,
      `storage:\n  filesystem:\n    rootdirectory: ${join(dir, 'root')}\nauth:\n  token:\n    realm: ${realm}\n    service: ${service}\n    issuer: ${issuer}\n    rootcertbundle: ${pki.bundlePath}\n`,
    );
    server = await startStowage({ config: configPath });
  });
  after(async () => {
    await server?.stop();
    await new Promise((resolve) => tokenServer?.close(resolve));
  });

  it('accepts tokens whose certificate chains to the bundle, and sends clients to its realm', async () => {
    const cli = await cliFor('external');
    await writeImageLayout(join(dir, 'img'), { layers: 1, seed: 'external', tag: 't' });
    await cli.run('login', '-u', 'ext', '-p', 'ext-pw', server.host);
    await cli.run('copy', '-q', `oci:${join(dir, 'img')}:t`, `docker://${server.host}/any/repo:t`);
    assert.match((await cli.run('tags', `${server.host}/any/repo`)).stdout, /\bt\b/);
    const http = new HttpClient(server.url);
    assert.equal((await http.get('/auth/token')).status, 404, 'no built-in issuer');
    await http.close();
  });

  it('refuses tokens signed by a certificate outside the bundle', async () => {
    signWith = 'stranger';
    try {
      const cli = await cliFor('external-stranger');
      assert.match((await cli.fails('login', '-u', 'ext', '-p', 'ext-pw', server.host)).stderr, /login to .* as ext failed/);
      const basic = `Basic ${Buffer.from('ext:ext-pw').toString('base64')}`;
      const issued = await fetch(`${realm}?service=${service}&scope=repository:any/repo:pull`, { headers: { authorization: basic } });
      const { token } = (await issued.json()) as { token: string };
      const http = new HttpClient(server.url);
      const res = await http.get('/v2/any/repo/tags/list', { headers: { authorization: `Bearer ${token}` } });
      await http.close();
      assert.equal(res.status, 401);
      assert.match(res.text, /trusted root/);
      assert.match(
        res.header('www-authenticate') ?? '',
        new RegExp(`^Bearer realm="${realm}",service="${service}",scope="repository:any/repo:pull",error="invalid_token"$`),
      );
    } finally {
      signWith = 'signer';
    }
  });
});
