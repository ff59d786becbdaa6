/**
 * The Registry object's lifecycle, as an embedding Node program uses it: start → address,
 * shutdown (drain, then cut), `await using`, and server state kept in the storage driver.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { TOKEN_KEY_PATH } from '../../../src/registry/server/auth/keys.js';
import { Registry } from '../../../src/registry/server/registry.js';
import { MemoryDriver } from '../../../src/storage/memory/driver.js';
import { writeHtpasswd } from '../../support/htpasswd.js';

const dirs: string[] = [];
after(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe('Registry', () => {
  it('starts on a free port, says where and on what, and `await using` shuts it down', async () => {
    let url = '';
    {
      await using registry = new Registry({ storage: { kind: 'inmemory' }, port: 0 });
      const started = await registry.start();
      assert.match(started.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.deepEqual(
        [started.scheme, started.host, started.storage, started.access],
        ['http', '127.0.0.1', 'in memory (lost on exit)', 'none (anyone may pull, push and delete)'],
      );
      assert.equal(started.url, `http://127.0.0.1:${started.port}`);
      url = started.url;
      assert.equal((await fetch(`${url}/v2/`)).status, 200);
    }
    await assert.rejects(fetch(`${url}/v2/`), 'the disposed registry still answers');
  });

  it('shuts down once: a second call, and one on a registry never started, report a drained stop', async () => {
    assert.deepEqual(await new Registry({ storage: { kind: 'inmemory' } }).shutdown(), { drained: true });
    const registry = new Registry({ storage: new MemoryDriver(), port: 0 });
    await registry.start();
    const first = registry.shutdown();
    assert.equal(registry.shutdown(), first);
    assert.deepEqual(await first, { drained: true });
  });

  it('past drainTimeoutSeconds cuts an unfinished upload, reports it, and leaves no blob behind', async () => {
    const driver = new MemoryDriver();
    const registry = new Registry({ storage: driver, port: 0, drainTimeoutSeconds: 0.5 });
    const { url } = await registry.start();
    const blob = randomBytes(64 * 1024);
    const digest = `sha256:${createHash('sha256').update(blob).digest('hex')}`;
    const post = await fetch(`${url}/v2/slow/blobs/uploads/`, { method: 'POST' });
    const location = new URL(post.headers.get('location')!, url);
    location.searchParams.set('digest', digest);
    const req = request(location, { method: 'PUT', headers: { 'content-length': blob.length, 'content-type': 'application/octet-stream' } });
    const cut = new Promise<void>((resolve) => {
      req.on('error', () => resolve());
      req.on('response', (res) => {
        res.resume();
        resolve();
      });
    });
    req.write(blob.subarray(0, blob.length / 2));
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(await registry.shutdown(), { drained: false });
    await cut;
    await assert.rejects(driver.stat('/docker/registry/v2/blobs'), { code: 'PATH_NOT_FOUND' });
  });

  it("keeps the built-in issuer's key in its storage: a token from one start is good at the next", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'stowage-registry-object-'));
    dirs.push(dir);
    const htpasswd = join(dir, 'htpasswd');
    await writeHtpasswd(htpasswd, { alice: 'alice-pw' });
    const driver = new MemoryDriver();
    const options = {
      storage: driver,
      port: 0,
      auth: { token: { service: 'embedded', issuer: 'embedded-issuer', builtin: { htpasswd, expirationSeconds: 300 } } },
    };
    const first = new Registry(options);
    const { url } = await first.start();
    const basic = `Basic ${Buffer.from('alice:alice-pw').toString('base64')}`;
    const issued = await fetch(`${url}/auth/token?service=embedded&scope=repository:team/app:pull`, { headers: { authorization: basic } });
    const { token } = (await issued.json()) as { token: string };
    await first.shutdown();
    assert.ok((await driver.getContent(TOKEN_KEY_PATH)).length > 0, 'the key is in the driver');

    const second = new Registry(options);
    const again = await second.start();
    try {
      assert.equal((await fetch(`${again.url}/v2/team/app/tags/list`)).status, 401);
      const listed = await fetch(`${again.url}/v2/team/app/tags/list`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(listed.status, 404, 'the token of the first start is accepted (NAME_UNKNOWN, not 401)');
    } finally {
      await second.shutdown();
    }
  });
});
