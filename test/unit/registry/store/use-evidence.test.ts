/**
 * The evidence of use garbage collection reads (store/quarantine.ts useFile), on a driver whose
 * touch is cheap and on one whose touch is a copy of the whole file (S3): the second gets none,
 * and collection refuses to run there rather than delete what it cannot see used.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isStowageError } from '../../../../src/errors/error.js';
import { collectGarbage } from '../../../../src/registry/gc/index.js';
import { useFile } from '../../../../src/registry/store/quarantine.js';
import type { FileInfo } from '../../../../src/storage/driver.js';
import { MemoryDriver } from '../../../../src/storage/memory/driver.js';

/** A memory driver whose files all look a day old, counting touches; optionally one whose touch copies. */
class AgedDriver extends MemoryDriver {
  touches = 0;
  override readonly touchCopies: boolean;
  constructor(copies: boolean) {
    super();
    this.touchCopies = copies;
  }
  override async stat(path: string): Promise<FileInfo> {
    return { ...(await super.stat(path)), modTime: new Date(Date.now() - 86_400_000) };
  }
  override async touch(path: string): Promise<boolean> {
    this.touches++;
    return super.touch(path);
  }
}

describe('evidence of use', () => {
  it('touches an old file on a driver whose touch is cheap', async () => {
    const driver = new AgedDriver(false);
    await driver.putContent('/docker/registry/v2/blobs/sha256/ab/abcd/data', Buffer.from('x'));
    assert.equal((await useFile(driver, '/docker/registry/v2/blobs/sha256/ab/abcd/data'))?.size, 1);
    assert.equal(driver.touches, 1);
  });

  it('leaves it alone where a touch copies the file, and garbage collection refuses to run there without a database', async () => {
    const driver = new AgedDriver(true);
    await driver.putContent('/docker/registry/v2/blobs/sha256/ab/abcd/data', Buffer.from('x'));
    assert.equal((await useFile(driver, '/docker/registry/v2/blobs/sha256/ab/abcd/data'))?.size, 1);
    assert.equal(driver.touches, 0);
    await assert.rejects(
      collectGarbage(driver),
      (err) => isStowageError(err, 'UNSUPPORTED') && /on the inmemory storage driver needs a database/.test(err.message),
    );
  });
});
