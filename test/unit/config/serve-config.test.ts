import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadServeConfig, parseAddress } from '../../../src/config/serve-config.js';

describe('serve configuration', () => {
  let dir: string;
  before(async () => (dir = await mkdtemp(join(tmpdir(), 'stowage-config-'))));
  after(async () => rm(dir, { recursive: true, force: true }));

  /** A config file; one that names no storage gets in-memory storage (a config must name one). */
  const file = async (name: string, text: string): Promise<string> => {
    const path = join(dir, name);
    await writeFile(path, /^storage:/m.test(text) ? text : `${text}storage:\n  inmemory:\n`);
    return path;
  };

  it('defaults to loopback:5000, ./data, deletes on', async () => {
    const config = await loadServeConfig(undefined, {}, {});
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.port, 5000);
    assert.deepEqual(config.storage, { kind: 'filesystem', rootDirectory: resolve('./data') });
    assert.equal(config.deleteEnabled, true);
  });

  it("reads distribution's config.yml keys, with distribution's default of deletes off", async () => {
    const path = await file(
      'a.yml',
      'version: 0.1\nlog:\n  fields:\n    service: registry\nstorage:\n  cache:\n    blobdescriptor: inmemory\n  filesystem:\n    rootdirectory: /srv/registry\nhttp:\n  addr: :5001\n  headers:\n    X-Content-Type-Options: [nosniff]\n  draintimeout: 5s\n',
    );
    const config = await loadServeConfig(path, {}, {});
    assert.equal(config.host, '0.0.0.0');
    assert.equal(config.port, 5001);
    assert.deepEqual(config.storage, { kind: 'filesystem', rootDirectory: '/srv/registry' });
    assert.equal(config.deleteEnabled, false);
    assert.equal(config.drainTimeoutSeconds, 5);
  });

  it('lets REGISTRY_* variables override the file and flags override both', async () => {
    const path = await file('b.yml', 'storage:\n  filesystem:\n    rootdirectory: /a\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:1\n');
    const env = { REGISTRY_HTTP_ADDR: '127.0.0.1:2', REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY: '/b', REGISTRY_STORAGE_DELETE_ENABLED: 'false' };
    const fromEnv = await loadServeConfig(path, {}, env);
    assert.deepEqual([fromEnv.port, fromEnv.storage, fromEnv.deleteEnabled], [2, { kind: 'filesystem', rootDirectory: '/b' }, false]);
    const fromFlags = await loadServeConfig(path, { addr: '127.0.0.1:3', root: '/c', delete: true }, env);
    assert.deepEqual([fromFlags.port, fromFlags.storage, fromFlags.deleteEnabled], [3, { kind: 'filesystem', rootDirectory: '/c' }, true]);
  });

  it('reads TLS paths and refuses half a TLS section', async () => {
    const ok = await file('c.yml', 'http:\n  tls:\n    certificate: /c.pem\n    key: /k.pem\n');
    assert.deepEqual((await loadServeConfig(ok, {}, {})).tls, { certificate: '/c.pem', key: '/k.pem' });
    const half = await file('d.yml', 'http:\n  tls:\n    certificate: /c.pem\n');
    await assert.rejects(loadServeConfig(half, {}, {}), { code: 'CONFIG_INVALID', message: /both certificate and key/ });
  });

  it('refuses what it would silently get wrong: other auth kinds, proxy.exec, other drivers', async () => {
    const auth = await file('e.yml', 'auth:\n  silly:\n    realm: r\n    service: s\n');
    await assert.rejects(loadServeConfig(auth, {}, {}), { code: 'CONFIG_INVALID', message: /auth\.silly is not supported/ });
    const s3 = await file('f.yml', 'storage:\n  s3:\n    bucket: b\n');
    await assert.rejects(loadServeConfig(s3, {}, {}), { code: 'CONFIG_INVALID', message: /s3/ });
    const proxy = await file('g.yml', 'proxy:\n  remoteurl: https://registry-1.docker.io\n  exec:\n    command: docker-credential-x\n');
    await assert.rejects(loadServeConfig(proxy, {}, {}), { code: 'CONFIG_INVALID', message: /proxy\.exec/ });
  });

  it('gives one clear line for a missing file, bad YAML or a wrong type', async () => {
    await assert.rejects(loadServeConfig(join(dir, 'missing.yml'), {}, {}), { message: /cannot read config file/ });
    const yaml = await file('h.yml', 'storage: [\n');
    await assert.rejects(loadServeConfig(yaml, {}, {}), { message: /not valid YAML/ });
    const type = await file('i.yml', 'storage:\n  delete:\n    enabled: "yes"\n');
    await assert.rejects(loadServeConfig(type, {}, {}), { message: /storage\.delete\.enabled/ });
  });

  it('uses in-memory storage when configured and no root is given', async () => {
    const path = await file('j.yml', 'storage:\n  inmemory: {}\n');
    assert.deepEqual((await loadServeConfig(path, {}, {})).storage, { kind: 'inmemory' });
  });

  describe('access control', () => {
    it("reads distribution's auth.htpasswd, with access rules and groups", async () => {
      const users = await file('users', '');
      const path = await file(
        'auth1.yml',
        `auth:\n  htpasswd:\n    realm: Reg\n    path: ${users}\naccess:\n  - groups: [dev]\n    repositories: ['team/*']\n    actions: [pull, push]\ngroups:\n  dev: [alice]\n`,
      );
      const config = await loadServeConfig(path, {}, {});
      assert.deepEqual(config.auth, {
        htpasswd: { realm: 'Reg', path: users },
        access: [{ groups: ['dev'], repositories: ['team/*'], actions: ['pull', 'push'] }],
        groups: { dev: ['alice'] },
      });
    });

    it("reads distribution's auth.token and Stowage's builtin issuer", async () => {
      const bundle = await file('bundle.pem', '');
      const users = await file('users2', '');
      const external = await file(
        'auth2.yml',
        `auth:\n  token:\n    realm: https://auth.example/token\n    service: reg\n    issuer: iss\n    rootcertbundle: ${bundle}\n    autoredirect: false\n`,
      );
      assert.deepEqual((await loadServeConfig(external, {}, {})).auth, {
        token: { realm: 'https://auth.example/token', service: 'reg', issuer: 'iss', rootCertBundle: bundle },
      });
      const builtin = await file(
        'auth3.yml',
        `auth:\n  token:\n    service: reg\n    issuer: iss\n    builtin:\n      htpasswd: ${users}\n      expiration: 15m\n`,
      );
      assert.deepEqual((await loadServeConfig(builtin, {}, {})).auth, {
        token: { service: 'reg', issuer: 'iss', builtin: { htpasswd: users, expirationSeconds: 900 } },
      });
    });

    it('gives one clear line for what cannot work', async () => {
      const users = await file('users3', '');
      const cases: Array<[string, RegExp]> = [
        [`auth:\n  htpasswd:\n    path: ${join(dir, 'nope')}\n`, /auth\.htpasswd\.path: cannot read .*nope: ENOENT/],
        [
          `auth:\n  token:\n    service: s\n    issuer: i\n    builtin:\n      htpasswd: ${join(dir, 'gone')}\n`,
          /auth\.token\.builtin\.htpasswd: cannot read .*gone/,
        ],
        [`auth:\n  token:\n    realm: https://a/t\n    service: s\n    issuer: i\n`, /rootcertbundle or jwks/],
        [`auth:\n  token:\n    service: s\n    issuer: i\n    rootcertbundle: ${users}\n`, /realm is required/],
        [`auth:\n  token:\n    service: s\n    issuer: i\n    builtin:\n      htpasswd: ${users}\n      expiration: 30s\n`, /at least 60 seconds/],
        [`auth:\n  htpasswd:\n    path: ${users}\n  token:\n    service: s\n    issuer: i\n    builtin:\n      htpasswd: ${users}\n`, /not both/],
        [`access:\n  - users: [a]\n    repositories: ['**']\n    actions: [pull]\n`, /need an auth section/],
        [`auth:\n  htpasswd:\n    path: ${users}\naccess:\n  - repositories: ['**']\n    actions: [pull]\n`, /access\.0.*users, groups or anonymous/],
        [`auth:\n  htpasswd:\n    path: ${users}\naccess:\n  - users: [a]\n    repositories: ['**']\n    actions: [read]\n`, /access\.0\.actions/],
      ];
      for (const [i, [text, message]] of cases.entries()) {
        await assert.rejects(loadServeConfig(await file(`bad-auth-${i}.yml`, text), {}, {}), { code: 'CONFIG_INVALID', message }, text);
      }
    });
  });
});

describe('parseAddress', () => {
  it('reads host:port, :port and [v6]:port', () => {
    assert.deepEqual(parseAddress('127.0.0.1:5000'), { host: '127.0.0.1', port: 5000 });
    assert.deepEqual(parseAddress(':5000'), { host: '0.0.0.0', port: 5000 });
    assert.deepEqual(parseAddress('[::1]:5000'), { host: '::1', port: 5000 });
    assert.deepEqual(parseAddress('localhost:0'), { host: 'localhost', port: 0 });
  });
  it('refuses anything else', () => {
    for (const bad of ['5000', 'host', 'a:b', '1.2.3.4:99999', '']) assert.throws(() => parseAddress(bad), { code: 'CONFIG_INVALID' }, bad);
  });
});
