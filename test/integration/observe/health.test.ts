/**
 * distribution's health checks, as an operator meets them: the storage made unwritable (its
 * root replaced by a file, which stops root too) turns `GET /v2/` — before any credential is
 * asked for —, `/debug/health` and `/readyz` to 503 naming the check, and they recover when
 * the storage does; a `file` check takes the registry out of rotation while the file exists.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Registry } from '../../../src/registry/server/registry.js';
import { writeHtpasswd } from '../../support/htpasswd.js';
import { makeTempDir, startStowage } from '../../support/process.js';

const dirs: string[] = [];
after(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function until(what: string, probe: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await probe()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting until ${what}`);
}

describe('health checks', () => {
  it('answers 503 on /v2/, /debug/health and /readyz while the storage cannot be written, and recovers', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'stowage-health-'));
    dirs.push(dir);
    const root = join(dir, 'data');
    await mkdir(root);
    const htpasswd = join(dir, 'htpasswd');
    await writeHtpasswd(htpasswd, { alice: 'secret' });
    await using registry = new Registry({
      storage: { kind: 'filesystem', rootDirectory: root },
      port: 0,
      auth: { htpasswd: { realm: 'test', path: htpasswd } },
      health: { storageDriver: { intervalMs: 500, threshold: 1 }, file: [], http: [], tcp: [] },
      debug: { host: '127.0.0.1', port: 0 },
    });
    const { url, debug } = await registry.start();
    const status = async (path: string): Promise<number> => (await fetch(path)).status;
    await until('the first check passed', async () => (await status(`${debug}/readyz`)) === 200);
    assert.equal(await status(`${url}/v2/`), 401, 'healthy: access control answers');
    assert.equal(await (await fetch(`${debug}/debug/health`)).text(), '{}');

    // Root ignores permissions; a file where the root directory was stops every write.
    await rename(root, `${root}.aside`);
    await writeFile(root, 'not a directory');
    await until('the check failed', async () => (await status(`${debug}/debug/health`)) === 503);
    const base = await fetch(`${url}/v2/`);
    assert.equal(base.status, 503, 'unhealthy: 503 before any credential is asked for');
    const body = (await base.json()) as Record<string, string>;
    assert.deepEqual(Object.keys(body), ['storagedriver_filesystem']);
    assert.match(body.storagedriver_filesystem ?? '', /ENOTDIR|not a directory/i);
    const ready = await fetch(`${debug}/readyz`);
    assert.equal(ready.status, 503);
    assert.match(await ready.text(), /^not ready: failing health checks: storagedriver_filesystem: /);
    assert.equal(await status(`${debug}/livez`), 200, 'alive all along');

    await rm(root);
    await rename(`${root}.aside`, root);
    await until('the check passed again', async () => (await status(`${url}/v2/`)) === 401);
    assert.equal(await status(`${debug}/debug/health`), 200);
    assert.equal(await status(`${debug}/readyz`), 200);
  });

  it("takes `stowage serve` out of rotation while a `file` check's file exists (config.yml)", async () => {
    const dir = await makeTempDir('stowage-health-serve-');
    const down = join(dir, 'maintenance');
    const config = join(dir, 'config.yml');
    await writeFile(
      config,
      [
        'version: 0.1',
        'storage:',
        '  filesystem:',
        `    rootdirectory: ${join(dir, 'data')}`,
        'health:',
        '  storagedriver:',
        '    enabled: true',
        '    interval: 200ms',
        '  file:',
        `    - file: ${down}`,
        '      interval: 100ms',
        '',
      ].join('\n'),
    );
    const server = await startStowage({ config });
    try {
      await until('healthy', async () => (await fetch(`${server.url}/v2/`)).status === 200);
      await writeFile(down, '');
      await until('out of rotation', async () => (await fetch(`${server.url}/v2/`)).status === 503);
      const body = (await (await fetch(`${server.url}/v2/`)).json()) as Record<string, string>;
      assert.deepEqual(Object.keys(body), [down]);
      // Only the base route is gated: pulls of what is stored go on being answered.
      assert.equal((await fetch(`${server.url}/v2/none/tags/list`)).status, 404);
      await rm(down);
      await until('back in rotation', async () => (await fetch(`${server.url}/v2/`)).status === 200);
      // Log lines are written in batches (every 20 ms): wait for the second transition's.
      await until('both transitions logged', async () => server.stderr().includes('"msg":"health check passing again"'));
      const lines = server
        .stderr()
        .split('\n')
        .filter((line) => line.includes('health check'));
      assert.ok(
        lines.some((line) => line.includes('"msg":"health check failing"') && line.includes(down)),
        lines.join('\n'),
      );
      assert.ok(
        lines.some((line) => line.includes('"msg":"health check passing again"')),
        lines.join('\n'),
      );
    } finally {
      await server.stop();
    }
  });
});
