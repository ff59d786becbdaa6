import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { writeImageLayout } from '../../support/oci-layout.js';
import { startRegistry } from '../../support/registry.js';
import { startAuthRegistry, type AuthRegistry } from '../../support/token-server.js';

const CLI = fileURLToPath(new URL('../../../src/cli/main.js', import.meta.url));
const exec = promisify(execFile);
const USERS = { alice: 'alice-secret-1', bob: 'bob-secret-2' };

describe('stowage login / logout, and using the stored login', () => {
  let bearer: AuthRegistry;
  let basic: AuthRegistry;
  let dir: string;
  const env = () => ({ ...process.env, DOCKER_CONFIG: join(dir, 'docker') });
  const stowage = (...args: string[]) => exec(process.execPath, [CLI, ...args], { env: env(), timeout: 60_000 });
  const fails = async (...args: string[]): Promise<{ code: number; stderr: string; stdout: string }> => {
    try {
      await stowage(...args);
    } catch (err) {
      return err as { code: number; stderr: string; stdout: string };
    }
    throw new Error(`stowage ${args.join(' ')} succeeded`);
  };
  const config = async () => JSON.parse(await readFile(join(dir, 'docker', 'config.json'), 'utf8')) as { auths: Record<string, { auth?: string }> };

  before(async () => {
    bearer = await startAuthRegistry({ users: USERS });
    basic = await startAuthRegistry({ users: USERS, mode: 'basic' });
    dir = await mkdtemp(join(tmpdir(), 'stowage-login-'));
  });
  after(async () => {
    await bearer.close();
    await basic.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a wrong password with one line, exit 1, the password never shown, nothing stored', async () => {
    for (const reg of [bearer, basic]) {
      const result = await fails('login', '-u', 'alice', '-p', 'guess-123', reg.host);
      assert.equal(result.code, 1);
      assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
      assert.match(result.stderr, new RegExp(`^stowage: login to ${reg.host} as alice failed: `));
      assert.ok(!result.stderr.includes('guess-123'));
    }
    await assert.rejects(stat(join(dir, 'docker', 'config.json')));
  });

  it('logs in with a token flow and with Basic, storing where docker looks (0600)', async () => {
    assert.equal((await stowage('login', '-u', 'alice', '-p', USERS.alice, bearer.host)).stdout, 'Login Succeeded\n');
    const child = execFile(process.execPath, [CLI, 'login', '-u', 'bob', '--password-stdin', basic.host], { env: env() });
    child.stdin?.end(`${USERS.bob}\n`);
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(code, 0);
    const auths = (await config()).auths;
    assert.equal(Buffer.from(auths[bearer.host]?.auth ?? '', 'base64').toString(), `alice:${USERS.alice}`);
    assert.equal(Buffer.from(auths[basic.host]?.auth ?? '', 'base64').toString(), `bob:${USERS.bob}`);
    assert.equal((await stat(join(dir, 'docker', 'config.json'))).mode & 0o777, 0o600);
  });

  it('pushes and pulls with the stored login, through scoped tokens', async () => {
    await writeImageLayout(join(dir, 'img'), { layers: 2, seed: 'login', tag: 't' });
    await stowage('copy', '-q', `oci:${join(dir, 'img')}:t`, `docker://${bearer.host}/private/app:t`);
    await stowage('copy', '-q', `docker://${bearer.host}/private/app:t`, `oci:${join(dir, 'back')}:t`);
    const scopes = bearer.tokenRequests.flatMap((r) => r.scopes);
    assert.ok(scopes.includes('repository:private/app:pull,push'), scopes.join(' '));
    assert.equal((await stowage('tags', `${basic.host}/none`).catch((e: { stderr: string }) => e)).stderr?.includes('NAME_UNKNOWN'), true);
  });

  it('a registry without auth accepts any login, as docker does', async () => {
    const open = await startRegistry();
    try {
      assert.equal((await stowage('login', '-u', 'x', '-p', 'y', new URL(open.url).host)).stdout, 'Login Succeeded\n');
    } finally {
      await open.close();
    }
  });

  it('logs out, and then the registry asks again', async () => {
    assert.equal((await stowage('logout', bearer.host)).stdout, `Removing login credentials for ${bearer.host}\n`);
    assert.equal((await stowage('logout', bearer.host)).stdout, `Not logged in to ${bearer.host}\n`);
    assert.equal((await config()).auths[bearer.host], undefined);
    assert.ok((await config()).auths[basic.host], 'the other login stays');
    const denied = await fails('copy', '-q', `docker://${bearer.host}/private/app:t`, `oci:${join(dir, 'again')}:t`);
    assert.match(denied.stderr, /UNAUTHORIZED|authentication required/);
  });
});
