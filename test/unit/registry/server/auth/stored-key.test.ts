/** The built-in issuer's generated key, kept through the storage driver (auth/keys.ts loadOrCreateStoredSigningKey). */
import assert from 'node:assert/strict';
import { createPrivateKey } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadOrCreateStoredSigningKey, signingKey, TOKEN_KEY_PATH } from '../../../../../src/registry/server/auth/keys.js';
import { FilesystemDriver } from '../../../../../src/storage/fs/driver.js';
import { MemoryDriver } from '../../../../../src/storage/memory/driver.js';

const roots: string[] = [];
after(async () => {
  for (const root of roots) await rm(root, { recursive: true, force: true });
});

describe('the token key in the registry storage', () => {
  it('is kept at <root>/auth/token-key.pem on the filesystem driver, 0600, where earlier versions kept it', async () => {
    const root = await mkdtemp(join(tmpdir(), 'stowage-stored-key-'));
    roots.push(root);
    const key = await loadOrCreateStoredSigningKey(new FilesystemDriver(root));
    const path = join(root, 'auth', 'token-key.pem');
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    assert.equal(signingKey(createPrivateKey(await readFile(path, 'utf8'))).kid, key.kid);
    assert.equal((await loadOrCreateStoredSigningKey(new FilesystemDriver(root))).kid, key.kid, 'a restart reads the same key');
  });

  it('lives in the memory driver as long as the driver does', async () => {
    const driver = new MemoryDriver();
    const key = await loadOrCreateStoredSigningKey(driver);
    assert.ok((await driver.getContent(TOKEN_KEY_PATH)).toString().startsWith('-----BEGIN PRIVATE KEY-----'));
    assert.equal((await loadOrCreateStoredSigningKey(driver)).kid, key.kid);
  });

  it('is one key for servers starting at once on one storage', async () => {
    const root = await mkdtemp(join(tmpdir(), 'stowage-stored-key-'));
    roots.push(root);
    for (const driver of [new MemoryDriver(), new FilesystemDriver(root)]) {
      const keys = await Promise.all(Array.from({ length: 8 }, () => loadOrCreateStoredSigningKey(driver)));
      assert.deepEqual(new Set(keys.map((k) => k.kid)).size, 1, `${driver.name}: racing starts generated different keys`);
    }
  });

  it('refuses a stored file that is not a key, naming where it is', async () => {
    const driver = new MemoryDriver();
    await driver.putContent(TOKEN_KEY_PATH, Buffer.from('not a key'));
    await assert.rejects(loadOrCreateStoredSigningKey(driver), {
      code: 'CONFIG_INVALID',
      message: /^token signing key \/auth\/token-key\.pem \(inmemory storage\) cannot be used: /,
    });
  });
});
