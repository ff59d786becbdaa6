/** The filesystem driver on a full disk (a real, small tmpfs): STORAGE_FULL, nothing half-written left, deletes still work. */
import assert from 'node:assert/strict';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isStorageFull } from '../../../src/storage/errors.js';
import { FilesystemDriver } from '../../../src/storage/fs/driver.js';
import { mountTmpfs, type Tmpfs } from '../../support/tmpfs.js';

const MiB = 1 << 20;

describe('FilesystemDriver on a full disk', () => {
  let fs: Tmpfs;
  let driver: FilesystemDriver;
  before(async () => {
    fs = await mountTmpfs(2 * MiB);
    driver = new FilesystemDriver(fs.dir);
  });
  after(async () => fs.unmount());

  const full = (err: unknown): boolean => {
    assert.ok(isStorageFull(err), `expected STORAGE_FULL, got ${String(err)}`);
    assert.equal(err.code, 'STORAGE_FULL');
    assert.equal(err.detail, 'no space left on device');
    assert.ok(err.path.startsWith(fs.dir), err.path);
    assert.ok(!err.message.includes(fs.dir), 'no path in the message that goes on the wire');
    return true;
  };

  it('putContent too big: STORAGE_FULL naming the file, no temporary file left', async () => {
    await assert.rejects(driver.putContent('/a/big', Buffer.alloc(3 * MiB)), full);
    assert.deepEqual(await readdir(join(fs.dir, 'a')), []);
  });

  it('a streamed write: STORAGE_FULL; the bytes that fit stay for the caller to cancel', async () => {
    const writer = await driver.writer('/up/data', false);
    await assert.rejects(
      writer.write(
        (async function* () {
          for (let i = 0; i < 12; i++) yield Buffer.alloc(256 * 1024, i);
        })(),
      ),
      full,
    );
    await writer.cancel();
    assert.deepEqual(await readdir(join(fs.dir, 'up')), []);
  });

  it('deleting still works with not one byte free, and frees the space', async () => {
    await writeFile(join(fs.dir, 'filler'), Buffer.alloc(0));
    const filler = await driver.writer('/filler', false);
    await assert.rejects(
      filler.write(
        (async function* () {
          for (;;) yield Buffer.alloc(64 * 1024);
        })(),
      ),
      full,
    );
    await filler.close();
    await assert.rejects(driver.putContent('/x/y', Buffer.alloc(64 * 1024)), full);
    await driver.delete('/filler');
    await driver.putContent('/x/y', Buffer.alloc(64 * 1024));
    assert.equal((await driver.stat('/x/y')).size, 64 * 1024);
  });
});
