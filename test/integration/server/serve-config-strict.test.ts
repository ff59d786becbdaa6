/**
 * `stowage serve` with a strict config, through the real CLI: a typo or a refused key stops it
 * with one line on stderr naming the key and exit code 1; harmless keys start it with one
 * warning line each; and the keys it implements take effect on the wire.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { HttpClient } from '../../support/http.js';
import { STOWAGE_CLI, makeTempDir, removeTempDirs, startStowage, stopAll } from '../../support/process.js';
import { eventually, sha256 } from '../../support/registry-images.js';

const exec = promisify(execFile);

async function fails(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    await exec(process.execPath, [STOWAGE_CLI, ...args], { timeout: 15_000, env: { ...process.env, ...env } });
  } catch (err) {
    return err as { code: number; stdout: string; stderr: string };
  }
  throw new Error(`stowage ${args.join(' ')} started`);
}

describe('stowage serve with a strict config', () => {
  let dir: string;
  before(async () => (dir = await makeTempDir('stowage-strict-cli-')));
  after(async () => {
    await stopAll();
    await removeTempDirs();
  });

  let n = 0;
  const config = async (text: string): Promise<string> => {
    const path = join(dir, `c${n++}.yml`);
    await writeFile(path, text);
    return path;
  };

  it('refuses a misspelt key anywhere, or a refused one, in one line naming it, exit code 1', async () => {
    const storage = `storage:\n  filesystem:\n    rootdirectory: ${dir}/data\n`;
    const cases: Array<[string, string]> = [
      [`${storage}htp:\n  addr: :5000\n`, 'unknown key htp.addr (did you mean http.addr?)'],
      [`${storage}  delete:\n    enabeld: true\n`, 'unknown key storage.delete.enabeld (did you mean storage.delete.enabled?)'],
      [
        `${storage}http:\n  debug:\n    prometheus:\n      enabled: true\n`,
        'http.debug.prometheus.enabled: metrics are served on the debug server; set http.debug.addr (e.g. :5001)',
      ],
      [`http:\n  addr: 127.0.0.1:0\n`, 'the config names no storage: set storage.filesystem.rootdirectory (or storage.inmemory), or give --root'],
    ];
    for (const [text, message] of cases) {
      const path = await config(text);
      const result = await fails(['serve', path]);
      assert.equal(result.code, 1, text);
      // Keys read one by one name the file; what is judged from several keys together (resolve.ts) names only the keys.
      const whole = message.startsWith('the config') || message.startsWith('http.debug.prometheus');
      const expected = whole ? `stowage: ${message}\n` : `stowage: config file ${path}: ${message}\n`;
      assert.equal(result.stderr, expected, text);
    }
  });

  it('answers a bad --log-level or REGISTRY_* value in one line', async () => {
    const bad = await fails(['serve', '--root', join(dir, 'x'), '--log-level', 'verbose']);
    assert.equal(bad.code, 1);
    assert.equal(bad.stderr, 'stowage: --log-level: expected one of error, warn, info, debug, not "verbose"\n');
    const env = await fails(['serve', '--root', join(dir, 'x'), '--addr', '127.0.0.1:0'], { REGISTRY_STORAGE_DELETE_ENABLED: 'yes' });
    assert.equal(env.code, 1);
    assert.match(env.stderr, /^stowage: REGISTRY_STORAGE_DELETE_ENABLED: storage\.delete\.enabled: [^\n]+\n$/);
  });

  it("starts on distribution's own example config with one warning line per ignored key", async () => {
    // registry:2's /etc/docker/registry/config.yml (distribution's cmd/registry/config-example.yml).
    const path = await config(
      [
        'version: 0.1',
        'log:',
        '  fields:',
        '    service: registry',
        'storage:',
        '  cache:',
        '    blobdescriptor: inmemory',
        '  filesystem:',
        `    rootdirectory: ${dir}/example`,
        'http:',
        '  addr: 127.0.0.1:0',
        '  headers:',
        '    X-Content-Type-Options: [nosniff]',
        '    X-Frame-Options: [DENY]',
        'health:',
        '  storagedriver:',
        '    enabled: true',
        '    interval: 10s',
        '    threshold: 3',
        '',
      ].join('\n'),
    );
    const server = await startStowage({ config: path, addr: false, env: { ...process.env, REGISTRY_HTTP_ADR: ':6000' } });
    try {
      const warnings = server
        .stderr()
        .split('\n')
        .filter((line) => line.startsWith('stowage: warning: '));
      // health.storagedriver runs (docs/operating.md): no warning for it.
      assert.equal(warnings.length, 2, server.stderr());
      assert.match(warnings[0] ?? '', /^stowage: warning: storage\.cache is ignored: /);
      assert.equal(warnings[1], 'stowage: warning: ignoring REGISTRY_HTTP_ADR (did you mean REGISTRY_HTTP_ADDR?): no such configuration key');
      const client = new HttpClient(server.url);
      const res = await client.get('/v2/');
      // log.fields: on every log line, beside pino's own (the request's line among them; lines are written at the end of the event loop's turn).
      const logLines = () =>
        server
          .stderr()
          .split('\n')
          .filter((line) => line.startsWith('{'))
          .map((line) => JSON.parse(line) as Record<string, unknown>);
      for (let i = 0; i < 100 && !logLines().some((entry) => entry.msg === 'response completed'); i++) await new Promise((r) => setTimeout(r, 20));
      const logged = logLines();
      assert.ok(logged.length > 1 && logged.every((entry) => entry.service === 'registry' && typeof entry.pid === 'number'), server.stderr());
      assert.equal(res.header('x-frame-options'), 'DENY');
      assert.equal(res.header('x-content-type-options'), 'nosniff');
      await client.close();
    } finally {
      await server.stop();
    }
  });

  it('read-only mode serves pulls and refuses every write with 405 UNSUPPORTED', async () => {
    const root = join(dir, 'ro');
    const writable = await startStowage({ root });
    const w = new HttpClient(writable.url);
    const blob = Buffer.from('read-only blob');
    const start = await w.post('/v2/ro/app/blobs/uploads/', { headers: { 'content-length': '0' } });
    const digest = sha256(blob);
    assert.equal(
      (await w.put(`${start.header('location')}?digest=${digest}`, { headers: { 'content-type': 'application/octet-stream' }, body: blob })).status,
      201,
    );
    await w.close();
    await writable.stop();

    const path = await config(
      `storage:\n  filesystem:\n    rootdirectory: ${root}\n  maintenance:\n    readonly:\n      enabled: true\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:0\n`,
    );
    const server = await startStowage({ config: path, addr: false });
    const client = new HttpClient(server.url);
    try {
      assert.ok(await eventually(async () => /read-only/.test(server.stdout())), server.stdout());
      assert.equal((await client.get(`/v2/ro/app/blobs/${digest}`)).text, 'read-only blob');
      for (const [method, url] of [
        ['POST', '/v2/ro/app/blobs/uploads/'],
        ['DELETE', `/v2/ro/app/blobs/${digest}`],
        ['PUT', '/v2/ro/app/manifests/latest'],
      ] as const) {
        const res = await client.request(method, url, { headers: { 'content-length': '0' } });
        assert.equal(res.status, 405, res.describe());
        assert.deepEqual((JSON.parse(res.text) as { errors: Array<{ code: string; message: string }> }).errors, [
          { code: 'UNSUPPORTED', message: 'the registry is in read-only mode' },
        ]);
      }
    } finally {
      await client.close();
      await server.stop();
    }
  });
});
