/** putContent's `exclusive` and `private` (server state such as the token key), on every registered driver. */
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { isStowageError } from '../../../src/errors/error.js';
import { createDriver, DRIVER_NAMES, type DriverConfig } from '../../../src/storage/drivers.js';
import { sharedS3 } from '../../support/ceph-rgw.js';

const roots: string[] = [];
after(async () => {
  for (const root of roots) await rm(root, { recursive: true, force: true });
});

/** Each registered driver's config for a fresh, empty storage; a new driver without one does not compile. */
const FRESH: Record<DriverConfig['kind'], (root: string) => DriverConfig | Promise<DriverConfig>> = {
  filesystem: (root) => ({ kind: 'filesystem', rootDirectory: root }),
  inmemory: () => ({ kind: 'inmemory' }),
  // A real Ceph RADOS Gateway, started on first use (test/support/ceph-rgw.ts).
  s3: async (root) => ({ kind: 's3', ...(await sharedS3(root)) }),
};

async function fresh(kind: DriverConfig['kind']) {
  const root = await mkdtemp(join(tmpdir(), 'stowage-put-options-'));
  roots.push(root);
  return { root, driver: createDriver(await FRESH[kind](root)) };
}

for (const kind of DRIVER_NAMES as Array<DriverConfig['kind']>) {
  describe(`putContent options: ${kind}`, () => {
    it('exclusive creates an absent file, and refuses an existing one with PATH_EXISTS, leaving it as it was', async () => {
      const { driver } = await fresh(kind);
      await driver.putContent('/state/key', Buffer.from('first'), { exclusive: true });
      await assert.rejects(driver.putContent('/state/key', Buffer.from('second'), { exclusive: true }), (err) => isStowageError(err, 'PATH_EXISTS'));
      assert.equal((await driver.getContent('/state/key')).toString(), 'first');
      // Without it, the file is replaced as before.
      await driver.putContent('/state/key', Buffer.from('third'));
      assert.equal((await driver.getContent('/state/key')).toString(), 'third');
    });

    it('of concurrent exclusive writers exactly one wins, and its content is what is stored', async () => {
      const { driver } = await fresh(kind);
      const results = await Promise.allSettled(
        Array.from({ length: 12 }, (_, i) => driver.putContent('/state/key', Buffer.from(`writer ${i}`), { exclusive: true })),
      );
      const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
      assert.equal(won.length, 1);
      for (const r of results) if (r.status === 'rejected') assert.ok(isStowageError(r.reason, 'PATH_EXISTS'), String(r.reason));
      assert.equal((await driver.getContent('/state/key')).toString(), `writer ${won[0]}`);
      assert.deepEqual(await driver.list('/state'), ['/state/key'], 'no temporary file is listed');
    });

    it('private content reads back like any other', async () => {
      const { driver } = await fresh(kind);
      await driver.putContent('/auth/secret', Buffer.from('s3cret'), { private: true, exclusive: true });
      assert.equal((await driver.getContent('/auth/secret')).toString(), 's3cret');
    });
  });
}

describe('putContent private on the filesystem driver', () => {
  it('writes the file 0600 in new directories 0700, whatever the umask lets others read', async () => {
    const { root, driver } = await fresh('filesystem');
    await driver.putContent('/auth/token-key.pem', Buffer.from('key'), { private: true });
    assert.equal((await stat(join(root, 'auth', 'token-key.pem'))).mode & 0o777, 0o600);
    assert.equal((await stat(join(root, 'auth'))).mode & 0o777, 0o700);
    await driver.putContent('/public/file', Buffer.from('x'));
    assert.notEqual((await stat(join(root, 'public', 'file'))).mode & 0o077, 0, 'ordinary files keep the default mode');
  });
});
