/**
 * The shared driver suite (test/unit/storage/driver-suite.ts) on the S3 driver, against a real
 * Ceph RADOS Gateway (test/support/ceph-rgw.ts), each test under a fresh key prefix of one
 * bucket; then what only S3 has: multipart writes and appends across writers (another replica
 * resuming an upload), the key layout, other tools' keys, throttling.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { ListMultipartUploadsCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { S3Driver } from '../../../src/storage/s3/driver.js';
import { type Rgw, sharedRgw } from '../../support/ceph-rgw.js';
import { removeTempDirs } from '../../support/process.js';
import { readAll, runDriverSuite } from '../../unit/storage/driver-suite.js';

const rgw: Rgw = await sharedRgw();
const bucket = await rgw.createBucket();
let prefixes = 0;
const fresh = (more = {}): S3Driver => new S3Driver(rgw.options(bucket, `suite-${++prefixes}`, more));

after(async () => {
  await rgw.stop();
  await removeTempDirs();
});

runDriverSuite('s3 (Ceph RGW)', async () => ({ driver: fresh(), cleanup: async () => undefined }), { objectStore: true });

describe('S3 driver', () => {
  let driver: S3Driver;
  let root: string;
  before(() => {
    driver = fresh({ chunkSize: 5 * 1024 * 1024 });
    root = `suite-${prefixes}`;
  });

  async function keys(prefix: string): Promise<string[]> {
    const listed = await rgw.client().send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
    return (listed.Contents ?? []).map((object) => object.Key ?? '').sort();
  }

  it("keeps distribution's layout: the path under rootdirectory is the key", async () => {
    await driver.putContent('/docker/registry/v2/repositories/a/_layers/sha256/ab/link', Buffer.from('sha256:ab'));
    assert.deepEqual(await keys(`${root}/docker/`), [`${root}/docker/registry/v2/repositories/a/_layers/sha256/ab/link`]);
  });

  it('writes a large file as a multipart upload, invisible until it is committed', async () => {
    const data = randomBytes(13 * 1024 * 1024 + 17);
    const writer = await driver.writer('/big/one', false);
    await writer.write(data);
    // Two 5 MiB parts are up (or on their way), the object still holds what the truncation left.
    assert.equal((await driver.stat('/big/one')).size, 0);
    await writer.commit();
    assert.equal((await driver.stat('/big/one')).size, data.length);
    assert.equal(
      createHash('sha256')
        .update(await readAll(await driver.reader('/big/one')))
        .digest('hex'),
      createHash('sha256').update(data).digest('hex'),
    );
    const uploads = await rgw.client().send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: `${root}/big/` }));
    assert.equal(uploads.Uploads?.length ?? 0, 0, 'no multipart upload left behind');
  });

  it('appends across writers (another replica resuming an upload): large prefixes are copied server-side, small ones read', async () => {
    const first = randomBytes(6 * 1024 * 1024);
    const second = randomBytes(1024);
    const third = randomBytes(7 * 1024 * 1024);
    let writer = await driver.writer('/append/data', true);
    await writer.write(first);
    await writer.close();
    // Another driver instance: nothing shared but the bucket.
    const other = fresh({ chunkSize: 5 * 1024 * 1024 });
    const otherAt = (other as unknown as { options: { rootDirectory: string } }).options;
    otherAt.rootDirectory = root;
    writer = await other.writer('/append/data', true);
    assert.equal(writer.size, first.length);
    await writer.write(second);
    await writer.close();
    writer = await driver.writer('/append/data', true);
    await writer.write(third);
    await writer.commit();
    const all = Buffer.concat([first, second, third]);
    assert.deepEqual(await readAll(await driver.reader('/append/data')), all);

    const small = Buffer.from('abc');
    writer = await driver.writer('/append/small', true);
    await writer.write(small);
    await writer.close();
    writer = await driver.writer('/append/small', true);
    await writer.write(Buffer.from('def'));
    await writer.commit();
    assert.equal((await driver.getContent('/append/small')).toString(), 'abcdef');
  });

  it('copies files over the multipart copy threshold in parts', async () => {
    const copying = fresh({ multipartCopyThresholdSize: 5 * 1024 * 1024, multipartCopyChunkSize: 5 * 1024 * 1024 });
    const data = randomBytes(11 * 1024 * 1024);
    await copying.putContent('/copy/source', data);
    await copying.move('/copy/source', '/copy/destination');
    assert.deepEqual(await copying.getContent('/copy/destination'), data);
    await assert.rejects(copying.stat('/copy/source'));
  });

  it("leaves out other tools' keys a driver path cannot name", async () => {
    await rgw.client().send(new PutObjectCommand({ Bucket: bucket, Key: `${root}/odd/with space`, Body: 'x' }));
    await rgw.client().send(new PutObjectCommand({ Bucket: bucket, Key: `${root}/odd/fine`, Body: 'y' }));
    await rgw.client().send(new PutObjectCommand({ Bucket: bucket, Key: `${root}/odd/`, Body: '' }));
    assert.deepEqual(await driver.list('/odd'), ['/odd/fine']);
    const seen: string[] = [];
    await driver.walk('/odd', (info) => void seen.push(info.path));
    assert.deepEqual(seen, ['/odd/fine']);
  });
});
