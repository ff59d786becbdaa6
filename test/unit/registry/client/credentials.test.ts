/**
 * Docker's credential sources: config.json's auths (docker/cli configfile), credsStore and
 * credHelpers speaking the docker-credential-helpers protocol, via a fake helper script.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configKey, DockerConfigCredentials } from '../../../../src/registry/client/auth/credentials.js';
import { isStowageError } from '../../../../src/errors/error.js';

const HUB = 'https://index.docker.io/v1/';

/**
 * A docker-credential-helpers stand-in: one file per server URL under $FAKE_HELPER_DB holding
 * the JSON `get` returns; every call is logged. `broken.example` makes it fail.
 */
const HELPER = `#!/bin/sh
db="$FAKE_HELPER_DB"
action="$1"
input=$(cat)
printf '%s %s\\n' "$action" "$input" >> "$db/log"
case "$action" in
  get|erase) url="$input" ;;
  store) url=$(printf '%s' "$input" | sed -n 's/.*"ServerURL":"\\([^"]*\\)".*/\\1/p') ;;
  *) echo "unknown action" >&2; exit 2 ;;
esac
if [ "$url" = "broken.example" ]; then echo "keychain is locked" >&2; exit 3; fi
key=$(printf '%s' "$url" | tr -c 'A-Za-z0-9' '_')
case "$action" in
  get) if [ -f "$db/$key" ]; then cat "$db/$key"; else echo "credentials not found in native keychain"; exit 1; fi ;;
  store) printf '%s' "$input" > "$db/$key" ;;
  erase) if [ -f "$db/$key" ]; then rm "$db/$key"; else echo "credentials not found in native keychain"; exit 1; fi ;;
esac
`;

let base: string;
let binDir: string;
let n = 0;

before(async () => {
  base = await mkdtemp(join(tmpdir(), 'stowage-creds-'));
  binDir = join(base, 'bin');
  await mkdir(binDir);
  await writeFile(join(binDir, 'docker-credential-test'), HELPER);
  await chmod(join(binDir, 'docker-credential-test'), 0o755);
});

after(async () => {
  await rm(base, { recursive: true, force: true });
});

interface Fixture {
  dir: string;
  db: string;
  env: NodeJS.ProcessEnv;
  store: DockerConfigCredentials;
  writeConfig(config: unknown): Promise<void>;
  readConfig(): Promise<{ auths: Record<string, unknown>; [key: string]: unknown }>;
  helperLog(): Promise<string[]>;
}

async function fixture(config?: unknown): Promise<Fixture> {
  const dir = join(base, `config-${++n}`);
  const db = join(base, `db-${n}`);
  await mkdir(db);
  const env = { ...process.env, PATH: `${binDir}:${process.env.PATH ?? ''}`, FAKE_HELPER_DB: db, DOCKER_CONFIG: dir };
  const f: Fixture = {
    dir,
    db,
    env,
    store: new DockerConfigCredentials({ env }),
    writeConfig: async (c) => {
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, 'config.json'), typeof c === 'string' ? c : JSON.stringify(c));
    },
    readConfig: async () => JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')) as { auths: Record<string, unknown> },
    helperLog: async () => (await readFile(join(db, 'log'), 'utf8').catch(() => '')).split('\n').filter(Boolean),
  };
  if (config !== undefined) await f.writeConfig(config);
  return f;
}

const b64 = (s: string): string => Buffer.from(s).toString('base64');

describe('configKey', () => {
  test("Docker Hub's aliases map to its historic key", () => {
    for (const r of ['docker.io', 'index.docker.io', 'registry-1.docker.io', 'https://index.docker.io/v1/', 'https://registry-1.docker.io']) {
      assert.equal(configKey(r), HUB, r);
    }
  });
  test('other hosts as host[:port], scheme and path dropped', () => {
    assert.equal(configKey('ghcr.io'), 'ghcr.io');
    assert.equal(configKey('localhost:5000'), 'localhost:5000');
    assert.equal(configKey('https://reg.example:5000'), 'reg.example:5000');
    assert.equal(configKey('http://reg.example/v2/'), 'reg.example');
  });
});

describe('DockerConfigCredentials: config.json auths', () => {
  test('no config.json means no credentials', async () => {
    const f = await fixture();
    assert.equal(await f.store.get('ghcr.io'), undefined);
    assert.equal(await f.store.erase('ghcr.io'), false);
  });

  test('auth is base64 user:password; the password may contain colons', async () => {
    const f = await fixture({ auths: { 'reg.example:5000': { auth: b64('alice:s3:cr:et') } } });
    assert.deepEqual(await f.store.get('reg.example:5000'), { username: 'alice', password: 's3:cr:et' });
    assert.equal(await f.store.get('other.example'), undefined);
  });

  test('identitytoken', async () => {
    const f = await fixture({ auths: { 'reg.example': { auth: b64('alice:'), identitytoken: 'refresh-123' } } });
    assert.deepEqual(await f.store.get('reg.example'), { identityToken: 'refresh-123', username: 'alice' });
  });

  test('keys written as URLs match their host, as docker matches them', async () => {
    const f = await fixture({
      auths: {
        'https://reg.example:5000': { auth: b64('a:1') },
        'http://other.example/v2/': { auth: b64('b:2') },
        [HUB]: { auth: b64('hub:3') },
      },
    });
    assert.deepEqual(await f.store.get('reg.example:5000'), { username: 'a', password: '1' });
    assert.deepEqual(await f.store.get('other.example'), { username: 'b', password: '2' });
    assert.deepEqual(await f.store.get('docker.io'), { username: 'hub', password: '3' });
    assert.deepEqual(await f.store.get('registry-1.docker.io'), { username: 'hub', password: '3' });
  });

  test('DOCKER_CONFIG is honoured, and configDir overrides it', async () => {
    const f = await fixture({ auths: { 'x.example': { auth: b64('u:p') } } });
    assert.deepEqual(await new DockerConfigCredentials({ env: { DOCKER_CONFIG: f.dir } }).get('x.example'), { username: 'u', password: 'p' });
    const other = await fixture({ auths: {} });
    assert.equal(await new DockerConfigCredentials({ configDir: other.dir, env: f.env }).get('x.example'), undefined);
  });

  test('store writes auths[key].auth, keeps every other key, and creates dir 0700 / file 0600', async () => {
    const f = await fixture();
    await f.store.store('reg.example:5000', { username: 'alice', password: 'pw' });
    assert.equal((await stat(f.dir)).mode & 0o777, 0o700);
    assert.equal((await stat(join(f.dir, 'config.json'))).mode & 0o777, 0o600);
    assert.deepEqual(await f.readConfig(), { auths: { 'reg.example:5000': { auth: b64('alice:pw') } } });

    await f.writeConfig({
      psFormat: 'table {{.ID}}',
      proxies: { default: { httpProxy: 'http://p' } },
      auths: { 'keep.example': { auth: b64('k:k'), email: 'k@x' }, 'reg.example:5000': { auth: b64('old:old') } },
    });
    await f.store.store('docker.io', { username: 'hub', password: 'h' });
    await f.store.store('reg.example:5000', { username: 'alice', password: 'new' });
    assert.deepEqual(await f.readConfig(), {
      psFormat: 'table {{.ID}}',
      proxies: { default: { httpProxy: 'http://p' } },
      auths: { 'keep.example': { auth: b64('k:k'), email: 'k@x' }, 'reg.example:5000': { auth: b64('alice:new') }, [HUB]: { auth: b64('hub:h') } },
    });
    assert.deepEqual(await f.store.get('docker.io'), { username: 'hub', password: 'h' });
    assert.deepEqual(await readdir(f.dir), ['config.json'], 'no temp file is left behind');
  });

  test('concurrent stores in one process lose nothing', async () => {
    const f = await fixture();
    await Promise.all(['a', 'b', 'c', 'd'].map((h) => f.store.store(`${h}.example`, { username: h, password: h })));
    assert.deepEqual(Object.keys((await f.readConfig()).auths).sort(), ['a.example', 'b.example', 'c.example', 'd.example']);
  });

  test('store writes through a symlinked config.json', async () => {
    const f = await fixture();
    await mkdir(f.dir);
    const real = join(base, `real-config-${n}.json`);
    await writeFile(real, JSON.stringify({ auths: {} }));
    await symlink(real, join(f.dir, 'config.json'));
    await f.store.store('x.example', { username: 'u', password: 'p' });
    assert.deepEqual(JSON.parse(await readFile(real, 'utf8')), { auths: { 'x.example': { auth: b64('u:p') } } });
  });

  test('erase removes the entry and its URL-style aliases, keeps the rest', async () => {
    const f = await fixture({
      credHelpers: { 'z.example': 'test' },
      auths: { 'reg.example': { auth: b64('a:1') }, 'https://reg.example': { auth: b64('a:0') }, 'keep.example': { auth: b64('k:k') } },
    });
    assert.equal(await f.store.erase('reg.example'), true);
    assert.deepEqual(await f.readConfig(), { credHelpers: { 'z.example': 'test' }, auths: { 'keep.example': { auth: b64('k:k') } } });
    assert.equal(await f.store.get('reg.example'), undefined);
    assert.equal(await f.store.erase('reg.example'), false);
  });

  test('a corrupt config.json is CONFIG_INVALID naming the file, without its contents', async () => {
    const f = await fixture('{"auths": {"x": {"auth": "c2VjcmV0LXBhc3N3b3Jk"}');
    for (const attempt of [() => f.store.get('x'), () => f.store.store('x', { username: 'u', password: 'p' }), () => f.store.erase('x')]) {
      await assert.rejects(attempt(), (err: unknown) => {
        assert.ok(isStowageError(err, 'CONFIG_INVALID'));
        assert.match(err.message, /config\.json is not valid JSON/);
        assert.ok(err.message.includes(join(f.dir, 'config.json')));
        assert.ok(!err.message.includes('c2VjcmV0'), err.message);
        assert.ok(!err.message.includes('\n'));
        return true;
      });
    }
    await f.writeConfig({ auths: [] });
    await assert.rejects(f.store.get('x'), (err: unknown) => isStowageError(err, 'CONFIG_INVALID') && /"auths"/.test(err.message));
    await f.writeConfig({ auths: { x: { auth: b64('no-colon') } } });
    await assert.rejects(f.store.get('x'), (err: unknown) => isStowageError(err, 'CONFIG_INVALID') && !err.message.includes('no-colon'));
  });
});

describe('DockerConfigCredentials: credential helpers', () => {
  test('credsStore: store goes to the helper and auths[key] becomes {}', async () => {
    const f = await fixture({ credsStore: 'test', currentContext: 'default' });
    await f.store.store('reg.example:5000', { username: 'alice', password: 'pw"with\\quotes' });
    assert.deepEqual(await f.readConfig(), { credsStore: 'test', currentContext: 'default', auths: { 'reg.example:5000': {} } });
    assert.deepEqual(await f.store.get('reg.example:5000'), { username: 'alice', password: 'pw"with\\quotes' });
    assert.deepEqual(await f.helperLog(), ['store {"ServerURL":"reg.example:5000","Username":"alice","Secret":"pw\\"with\\\\quotes"}', 'get reg.example:5000']);
  });

  test('credsStore: "credentials not found" means none; erase reaches the helper', async () => {
    const f = await fixture({ credsStore: 'test' });
    assert.equal(await f.store.get('nothing.example'), undefined);
    assert.equal(await f.store.erase('nothing.example'), false);
    await f.store.store('docker.io', { username: 'hub', password: 'h' });
    assert.equal(await f.store.erase('docker.io'), true);
    assert.equal(await f.store.get('docker.io'), undefined);
    assert.deepEqual((await f.readConfig()).auths, {});
    assert.ok((await f.helperLog()).includes(`erase ${HUB}`), 'Docker Hub is addressed by its historic key');
  });

  test('credHelpers[host] wins over credsStore and inline auths', async () => {
    const f = await fixture({ credsStore: 'missing', credHelpers: { 'reg.example': 'test' }, auths: { 'reg.example': { auth: b64('inline:x') } } });
    await writeFile(join(f.db, 'reg_example'), JSON.stringify({ ServerURL: 'reg.example', Username: 'helper', Secret: 'y' }));
    assert.deepEqual(await f.store.get('reg.example'), { username: 'helper', password: 'y' });
  });

  test('Username "<token>" means the secret is an identity token', async () => {
    const f = await fixture({ credHelpers: { 'reg.example': 'test' } });
    await writeFile(join(f.db, 'reg_example'), JSON.stringify({ ServerURL: 'reg.example', Username: '<token>', Secret: 'refresh-xyz' }));
    assert.deepEqual(await f.store.get('reg.example'), { identityToken: 'refresh-xyz' });
  });

  test('inline auths are the fallback when the helper has nothing', async () => {
    const f = await fixture({ credsStore: 'test', auths: { 'reg.example': { auth: b64('old:login') } } });
    assert.deepEqual(await f.store.get('reg.example'), { username: 'old', password: 'login' });
  });

  test('a helper that is not installed is CONFIG_INVALID naming it', async () => {
    const f = await fixture({ credsStore: 'desktop' });
    await assert.rejects(f.store.get('reg.example'), (err: unknown) => {
      assert.ok(isStowageError(err, 'CONFIG_INVALID'));
      assert.match(err.message, /docker-credential-desktop .*not installed or not on PATH/);
      return true;
    });
  });

  test('a failing helper is a clear error that never repeats the password', async () => {
    const f = await fixture({ credsStore: 'test' });
    await assert.rejects(f.store.get('broken.example'), /docker-credential-test get exited 3: keychain is locked/);
    await assert.rejects(f.store.store('broken.example', { username: 'u', password: 'hunter2' }), (err: unknown) => {
      assert.ok(err instanceof Error && !err.message.includes('hunter2'));
      return true;
    });
  });

  test('a helper name cannot be a path', async () => {
    const f = await fixture({ credsStore: '../../bin/sh' });
    await assert.rejects(
      f.store.get('x.example'),
      (err: unknown) => isStowageError(err, 'CONFIG_INVALID') && /invalid credential helper name/.test(err.message),
    );
  });
});
