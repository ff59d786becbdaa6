/**
 * The whole config file is read against one table (src/config/keys.ts): implemented keys are
 * parsed, distribution's keys that Stowage does not implement are accepted, warned about or
 * refused as the table says, and anything else is a typo named by its path.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadServeConfig, type ServeConfig } from '../../../src/config/serve-config.js';

describe('strict serve configuration', () => {
  let dir: string;
  before(async () => (dir = await mkdtemp(join(tmpdir(), 'stowage-strict-'))));
  after(async () => rm(dir, { recursive: true, force: true }));

  let n = 0;
  const load = async (text: string, env: NodeJS.ProcessEnv = {}, flags = {}): Promise<ServeConfig> => {
    const path = join(dir, `c${n++}.yml`);
    await writeFile(path, /^storage:/m.test(text) ? text : `${text}storage:\n  inmemory:\n`);
    return loadServeConfig(path, flags, env);
  };
  /** The one CONFIG_INVALID line, without the "config file …: " prefix. */
  const refusal = async (text: string, env: NodeJS.ProcessEnv = {}): Promise<string> => {
    try {
      await load(text, env);
    } catch (err) {
      const e = err as Error & { code?: string };
      assert.equal(e.code, 'CONFIG_INVALID', String(err));
      assert.ok(!e.message.includes('\n'), `one line: ${e.message}`);
      return e.message.replace(/^config file [^:]+: /, '');
    }
    throw new Error(`accepted:\n${text}`);
  };

  it('names a misspelt key by its path, with the key it most likely meant', async () => {
    const cases: Array<[string, string]> = [
      ['htp:\n  addr: :5000\n', 'unknown key htp.addr (did you mean http.addr?)'],
      ['storage:\n  inmemory:\n  delete:\n    enabeld: true\n', 'unknown key storage.delete.enabeld (did you mean storage.delete.enabled?)'],
      ['HTTP:\n  addr: :5000\n', 'unknown key HTTP.addr (did you mean http.addr?)'],
      ['storage:\n  rootdirectory: /srv\n', 'unknown key storage.rootdirectory (did you mean storage.filesystem.rootdirectory?)'],
      ['http:\n  tls:\n    certficate: /c.pem\n', 'unknown key http.tls.certficate (did you mean http.tls.certificate?)'],
      ['auth:\n  token:\n    builtin:\n      htpassword: /u\n', 'unknown key auth.token.builtin.htpassword (did you mean auth.token.builtin.htpasswd?)'],
      ['notifcations:\n  endpoints: []\n', 'unknown key notifcations.endpoints (did you mean notifications.endpoints?)'],
      ['zebra: 1\n', 'unknown key zebra'],
    ];
    for (const [text, message] of cases) assert.equal(await refusal(text), message, text);
  });

  it('refuses what changes security, where data goes or what is served, naming the key', async () => {
    const cases: Array<[string, RegExp]> = [
      [
        'http:\n  debug:\n    prometheus:\n      enabled: true\n',
        /^http\.debug\.prometheus\.enabled: metrics are served on the debug server; set http\.debug\.addr/,
      ],
      ['http:\n  debug:\n    addr: :5001\n    prometheus:\n      enabled: true\n      path: metrics\n', /^http\.debug\.prometheus\.path: expected a path/],
      ['http:\n  debug:\n    pprof:\n      enabled: true\n', /^unknown key http\.debug\.pprof/],
      ['log:\n  formatter: yaml\n', /^log\.formatter: expected one of text, json, logstash/],
      ['http:\n  tls:\n    certificate: /c\n    key: /k\n    clientcas: [/ca.pem]\n', /^http\.tls\.clientcas is not supported: client certificate/],
      ['http:\n  tls:\n    letsencrypt:\n      cachefile: /c\n', /^http\.tls\.letsencrypt is not supported/],
      ['http:\n  tls:\n    minimumtls: tls1.3\n', /^http\.tls\.minimumtls is not supported/],
      ['http:\n  tls:\n    ciphersuites: [TLS_AES_128_GCM_SHA256]\n', /^http\.tls\.ciphersuites is not supported/],
      ['http:\n  net: unix\n  addr: /run/reg.sock\n', /^http\.net is not supported: only tcp/],
      ['http:\n  prefix: /registry/\n', /^http\.prefix is not supported/],
      [
        'storage:\n  inmemory:\nnotifications:\n  endpoints:\n    - name: audit\n      url: https://audit.example/hook\n',
        /^notifications\.queuedirectory is required with the inmemory storage driver/,
      ],
      [
        'notifications:\n  endpoints:\n    - name: audit\n      url: ftp://audit.example/hook\n',
        /^notifications\.endpoints\[0\]\.url: must be http:\/\/ or https:\/\//,
      ],
      ['middleware:\n  storage:\n    - name: cloudfront\n', /^middleware is not supported/],
      [
        'proxy:\n  remoteurl: https://registry-1.docker.io\n  exec:\n    command: helper\n',
        /^proxy\.exec is not supported: credential helpers for the upstream/,
      ],
      ['health:\n  file:\n    - fiel: /tmp/down\n', /health\.file\.0/],
      ['health:\n  tcp:\n    - addr: nowhere\n', /^health\.tcp\[0\]\.addr: /],
      ['auth:\n  silly:\n    realm: r\n    service: s\n', /^auth\.silly is not supported: htpasswd and token are; refusing to start an open registry/],
      ['auth:\n  token:\n    autoredirect: true\n', /^auth\.token\.autoredirect is not supported: it builds the realm from the request's Host header/],
      ['storage:\n  azure:\n    container: c\n', /^storage\.azure is not supported: only the filesystem, inmemory and s3 drivers/],
      [
        'storage:\n  s3: {bucket: b, region: us-east-1}\n  maintenance:\n    gc:\n      enabled: true\n',
        /^storage\.maintenance\.gc\.enabled: garbage collection on the s3 storage driver needs a database \(database\.dsn\) to record uses in/,
      ],
      ['storage:\n  redirect:\n    disabled: true\n', /^unknown key storage\.redirect\.disabled \(did you mean storage\.redirect\.disable\?\)/],
      ['validation:\n  manifests:\n    urls:\n      allow: ["^https://"]\n', /^validation is not supported/],
      ['policy:\n  repository:\n    classes: [image]\n', /^policy is not supported/],
    ];
    for (const [text, message] of cases) assert.match(await refusal(text), message, text);
  });

  it('accepts harmless keys with one warning line each, and silently what Stowage already does', async () => {
    const config = await load(
      [
        'version: 0.1',
        'log:',
        '  formatter: text',
        '  hooks:',
        '    - type: mail',
        '  accesslog:',
        '    disabled: true',
        'storage:',
        '  filesystem:',
        `    rootdirectory: ${dir}/data`,
        '  cache:',
        '    blobdescriptor: inmemory',
        '  redirect:',
        '    disable: true',
        'http:',
        '  secret: asecretforlocaldevelopment',
        '  relativeurls: true',
        '  debug:',
        '    addr: ""',
        'health:',
        '  storagedriver:',
        '    enabled: true',
        '    interval: 10s',
        'notifications:',
        '  endpoints:',
        '    - name: off',
        '      disabled: true',
        '      url: http://127.0.0.1:1/events',
        'redis:',
        '  addr: localhost:6379',
        '',
      ].join('\n'),
    );
    assert.deepEqual(
      config.warnings.map((w) => w.split(':')[0]),
      ['log.hooks is ignored', 'storage.cache is ignored', 'redis is ignored'],
    );
    for (const line of config.warnings) assert.ok(!line.includes('\n'));
    assert.equal((await load('log:\n  formatter: json\n')).warnings.length, 0);
    assert.deepEqual((await load('http:\n  relativeurls: false\n')).warnings, [
      'http.relativeurls is ignored: Location headers are always relative, which every registry client resolves',
    ]);
  });

  it("implements the rest of distribution's keys it reads", async () => {
    const config = await load(
      [
        'loglevel: debug',
        'log:',
        '  fields:',
        '    service: registry',
        '  accesslog:',
        '    disabled: false',
        'storage:',
        '  inmemory:',
        '  maintenance:',
        '    readonly:',
        '      enabled: true',
        '    uploadpurging:',
        '      dryrun: true',
        'http:',
        '  host: https://registry.example.com/',
        '  trustedproxies: [loopback, 10.0.0.0/8]',
        '  headers:',
        '    X-Content-Type-Options: [nosniff]',
        '    Strict-Transport-Security: max-age=63072000',
        'catalog:',
        '  maxentries: 50',
        '',
      ].join('\n'),
    );
    assert.equal(config.logLevel, 'debug');
    assert.deepEqual(config.logFields, { service: 'registry' });
    assert.equal(config.logRequests, true);
    assert.equal(config.readOnly, true);
    assert.equal(config.uploadPurging, undefined, 'a read-only registry purges nothing');
    assert.deepEqual(config.origin, { url: 'https://registry.example.com', trustedProxies: ['loopback', '10.0.0.0/8'] });
    assert.deepEqual(config.headers, { 'X-Content-Type-Options': ['nosniff'], 'Strict-Transport-Security': ['max-age=63072000'] });
    assert.equal(config.maxCatalogEntries, 50);
    assert.equal(config.redirect, true, "distribution's default: blob GETs redirect where the driver can");
    assert.equal((await load('storage:\n  inmemory:\n  redirect:\n    disable: true\n')).redirect, false);
    assert.equal((await load('storage:\n  inmemory:\n  maintenance:\n    uploadpurging:\n      dryrun: true\n')).uploadPurging?.dryRun, true);
    const bad: Array<[string, RegExp]> = [
      ['http:\n  host: registry.example.com\n', /^http\.host: "registry\.example\.com" is not a URL/],
      ['http:\n  host: https://r.example/v2/\n', /^http\.host: expected scheme:\/\/host\[:port\]/],
      ['http:\n  trustedproxies: [not-an-address]\n', /^http\.trustedproxies: /],
      ['http:\n  headers:\n    "Bad Header": [x]\n', /^http\.headers: "Bad Header" is not a header name$/],
      ['log:\n  level: verbose\n', /^log\.level: expected one of error, warn, info, debug/],
      ['version: 0.2\n', /^version: only version 0\.1 exists/],
      ['catalog:\n  maxentries: 0\n', /^catalog\.maxentries must be a positive whole number/],
      [
        'auth:\n  token:\n    realm: https://a/t\n    service: s\n    issuer: i\n    jwks: /j\n    signingalgorithms: [HS256]\n',
        /^auth\.token\.signingalgorithms: HS256 is not accepted/,
      ],
    ];
    for (const [text, message] of bad) assert.match(await refusal(text), message, text);
  });

  it('never turns an auth section left empty into an open registry', async () => {
    assert.match(await refusal('auth:\n  htpasswd:\n'), /^auth\.htpasswd\.path is required/);
    assert.match(await refusal('auth:\n  token:\n'), /^auth\.token\.service is required/);
    assert.equal((await load('auth:\n')).auth, undefined, 'an empty auth section is no access control, as in distribution');
  });

  it('needs storage in a config file, unless --root is given; one driver only', async () => {
    const path = join(dir, 'nostorage.yml');
    await writeFile(path, 'http:\n  addr: 127.0.0.1:5000\n');
    await assert.rejects(loadServeConfig(path, {}, {}), {
      code: 'CONFIG_INVALID',
      message: 'the config names no storage: set storage.filesystem.rootdirectory (or storage.inmemory), or give --root',
    });
    assert.deepEqual((await loadServeConfig(path, { root: '/srv/r' }, {})).storage, { kind: 'filesystem', rootDirectory: '/srv/r' });
    assert.deepEqual((await loadServeConfig(path, {}, { REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY: '/srv/e' })).storage, {
      kind: 'filesystem',
      rootDirectory: '/srv/e',
    });
    assert.deepEqual((await load('storage:\n  filesystem: {}\n')).storage, { kind: 'filesystem', rootDirectory: '/var/lib/registry' });
    assert.match(await refusal('storage:\n  filesystem:\n    rootdirectory: /a\n  inmemory:\n'), /one driver, not both/);
    // Without any config file: a development registry under ./data, as before.
    assert.equal((await loadServeConfig(undefined, {}, {})).storage.kind, 'filesystem');
  });

  it('--log-level takes exactly error, warn, info and debug (any case)', async () => {
    for (const level of ['error', 'warn', 'info', 'debug', 'DEBUG']) {
      assert.equal((await loadServeConfig(undefined, { logLevel: level }, {})).logLevel, level.toLowerCase());
    }
    for (const level of ['trace', 'fatal', 'verbose', '']) {
      await assert.rejects(loadServeConfig(undefined, { logLevel: level }, {}), {
        code: 'CONFIG_INVALID',
        message: `--log-level: expected one of error, warn, info, debug, not "${level}"`,
      });
    }
  });

  describe('REGISTRY_* variables', () => {
    it('override every key of the table, read as distribution reads them', async () => {
      const env = {
        REGISTRY_HTTP_ADDR: '[::1]:5001',
        REGISTRY_STORAGE_DELETE_ENABLED: 'true',
        REGISTRY_LOG_LEVEL: 'warn',
        REGISTRY_HTTP_TRUSTEDPROXIES: '[loopback]',
        REGISTRY_CATALOG_MAXENTRIES: '20',
        REGISTRY_STORAGE_MAINTENANCE_UPLOADPURGING: '{enabled: false}',
        REGISTRY_AUTH_TOKEN_SERVICE: '1234',
      };
      const config = await loadServeConfig(undefined, {}, { ...env, REGISTRY_AUTH_TOKEN_SERVICE: '' });
      assert.deepEqual([config.host, config.port, config.deleteEnabled, config.logLevel], ['::1', 5001, true, 'warn']);
      assert.deepEqual(config.origin, { trustedProxies: ['loopback'] });
      assert.equal(config.maxCatalogEntries, 20);
      assert.equal(config.uploadPurging, undefined);
      assert.deepEqual(config.warnings, []);
    });

    it('name themselves when their value is wrong, and refuse what the table refuses', async () => {
      await assert.rejects(loadServeConfig(undefined, {}, { REGISTRY_STORAGE_DELETE_ENABLED: 'yes' }), {
        code: 'CONFIG_INVALID',
        message: /^REGISTRY_STORAGE_DELETE_ENABLED: storage\.delete\.enabled: /,
      });
      await assert.rejects(loadServeConfig(undefined, {}, { REGISTRY_NOTIFICATIONS_ENDPOINTS: '[{name: a, url: "https://x", timeout: soon}]' }), {
        code: 'CONFIG_INVALID',
        message: /^notifications\.endpoints\[0\]\.timeout: invalid duration "soon"/,
      });
      const hooked = await loadServeConfig(undefined, { root: '/srv/reg' }, { REGISTRY_NOTIFICATIONS_ENDPOINTS: '[{name: a, url: "https://x/"}]' });
      assert.deepEqual(
        [hooked.notifications?.endpoints.map((e) => [e.name, e.url, e.timeoutMs]), hooked.notifications?.queueDirectory],
        [[['a', 'https://x/', 1000]], '/srv/reg/_stowage/notifications'],
      );
      await assert.rejects(loadServeConfig(undefined, {}, { REGISTRY_STORAGE_AZURE_CONTAINER: 'c' }), {
        message: /^REGISTRY_STORAGE_AZURE_CONTAINER: storage\.azure is not supported/,
      });
      const s3 = await loadServeConfig(undefined, {}, { REGISTRY_STORAGE_S3_BUCKET: 'b', REGISTRY_STORAGE_S3_REGION: 'us-east-1' });
      assert.equal(s3.storage.kind, 's3');
    });

    it('that name no key are ignored, as by distribution, and named in one warning line', async () => {
      const config = await loadServeConfig(
        undefined,
        {},
        {
          REGISTRY_HTTP_ADR: ':6000',
          REGISTRY_PORT: 'tcp://10.0.0.1:5000',
          REGISTRY_STORAGE_DELETE_ENABLED_NOW: 'true',
          REGISTRY_VERSION: '0.1',
        },
      );
      assert.equal(config.port, 5000, 'a typo never moves the listener');
      assert.deepEqual(config.warnings, [
        'ignoring REGISTRY_HTTP_ADR (did you mean REGISTRY_HTTP_ADDR?), REGISTRY_PORT, REGISTRY_STORAGE_DELETE_ENABLED_NOW: no such configuration key',
      ]);
    });
  });

  it('schedules garbage collection on S3 beside a database, where uses are recorded', async () => {
    const config = await load(
      'storage:\n  s3: {bucket: b, region: us-east-1}\n  maintenance:\n    gc:\n      enabled: true\n      interval: 12h\ndatabase:\n  dsn: postgres://registry@db.internal/registry\n',
    );
    assert.equal(config.storage.kind, 's3');
    assert.equal(config.gc.intervalMs, 12 * 3600_000);
    assert.equal(config.database?.dsn, 'postgres://registry@db.internal/registry');
  });
});
