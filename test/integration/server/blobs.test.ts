/**
 * Pulling, checking and deleting blobs (spec: "Pulling blobs", "Checking if content exists",
 * "Deleting Blobs"; Range per RFC 9110 section 14).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { startRegistry, type TestRegistry } from '../../support/registry.js';
import type { HttpClient } from '../../support/http.js';
import {
  assertError,
  assertStatus,
  blobDataPath,
  digestMatches,
  exists,
  layerLinkPath,
  mediaTypeOf,
  pushBlob,
  randomBlob,
  randomDigest,
  randomRepo,
  sha256,
  newClient,
} from '../../support/registry-images.js';

let reg: TestRegistry;
let noDelete: TestRegistry;
let c: HttpClient;
let cn: HttpClient;

before(async () => {
  reg = await startRegistry();
  noDelete = await startRegistry({ deleteEnabled: false });
  c = newClient(reg.url);
  cn = newClient(noDelete.url);
});

after(async () => {
  await c?.close();
  await cn?.close();
  await reg?.close();
  await noDelete?.close();
});

describe('GET and HEAD of a blob', () => {
  test('GET returns the exact bytes with Content-Length, Docker-Content-Digest and octet-stream', async () => {
    const repo = randomRepo('blobs');
    const data = randomBlob(5000);
    const { digest } = await pushBlob(c, repo, data);
    const res = await c.get(`/v2/${repo}/blobs/${digest}`);
    assertStatus(res, 200);
    assert.deepEqual(res.body, data);
    assert.equal(res.header('content-length'), String(data.length));
    assert.equal(res.header('docker-content-digest'), digest);
    assert.equal(mediaTypeOf(res.header('content-type')), 'application/octet-stream');
    assert.ok(digestMatches(res.header('docker-content-digest') ?? '', res.body));
  });

  test('HEAD returns the same headers and no body', async () => {
    const repo = randomRepo('blobs');
    const data = randomBlob(777);
    const { digest } = await pushBlob(c, repo, data);
    const res = await c.head(`/v2/${repo}/blobs/${digest}`);
    assertStatus(res, 200);
    assert.equal(res.body.length, 0);
    assert.equal(res.header('content-length'), '777');
    assert.equal(res.header('docker-content-digest'), digest);
    assert.equal(mediaTypeOf(res.header('content-type')), 'application/octet-stream');
  });

  test('the empty blob (0 bytes) can be pushed and pulled', async () => {
    const repo = randomRepo('blobs');
    const data = Buffer.alloc(0);
    const { digest } = await pushBlob(c, repo, data);
    assert.equal(digest, 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    const head = await c.head(`/v2/${repo}/blobs/${digest}`);
    assertStatus(head, 200);
    assert.equal(head.header('content-length'), '0');
    const get = await c.get(`/v2/${repo}/blobs/${digest}`);
    assertStatus(get, 200);
    assert.equal(get.body.length, 0);
  });

  test('is stored on disk in the distribution layout', async () => {
    const repo = randomRepo('blobs');
    const data = randomBlob(321);
    const { digest } = await pushBlob(c, repo, data);
    assert.deepEqual(await readFile(blobDataPath(reg.root, digest)), data);
    assert.equal((await readFile(layerLinkPath(reg.root, repo, digest), 'utf8')).trim(), digest);
  });

  test('nested repository names work', async () => {
    const repo = `${randomRepo('org')}/team/app`;
    const data = randomBlob(100);
    const { digest } = await pushBlob(c, repo, data);
    const res = await c.get(`/v2/${repo}/blobs/${digest}`);
    assertStatus(res, 200);
    assert.deepEqual(res.body, data);
  });
});

describe('unknown blobs', () => {
  test('GET of an unknown digest in an existing repo -> 404 BLOB_UNKNOWN', async () => {
    const repo = randomRepo('blobs');
    await pushBlob(c, repo, randomBlob());
    assertError(await c.get(`/v2/${repo}/blobs/${randomDigest()}`), 404, 'BLOB_UNKNOWN');
  });

  test('HEAD of an unknown digest -> 404 without a body', async () => {
    const repo = randomRepo('blobs');
    await pushBlob(c, repo, randomBlob());
    const res = await c.head(`/v2/${repo}/blobs/${randomDigest()}`);
    assertError(res, 404);
  });

  test('GET in a repository that does not exist -> 404', async () => {
    assertError(await c.get(`/v2/${randomRepo('nothere')}/blobs/${randomDigest()}`), 404, ['BLOB_UNKNOWN', 'NAME_UNKNOWN']);
  });

  test('a blob is only visible in the repositories that uploaded it', async () => {
    const a = randomRepo('owner');
    const b = randomRepo('other');
    const data = randomBlob();
    const { digest } = await pushBlob(c, a, data);
    await pushBlob(c, b, randomBlob());
    assertStatus(await c.get(`/v2/${a}/blobs/${digest}`), 200);
    assertError(await c.get(`/v2/${b}/blobs/${digest}`), 404, 'BLOB_UNKNOWN');
    assertError(await c.head(`/v2/${b}/blobs/${digest}`), 404);
    assertError(await c.get(`/v2/${a}x/blobs/${digest}`), 404, ['BLOB_UNKNOWN', 'NAME_UNKNOWN']);
  });
});

describe('Range requests', () => {
  let repo: string;
  let data: Buffer;
  let digest: string;
  before(async () => {
    repo = randomRepo('range');
    data = randomBlob(1000);
    digest = (await pushBlob(c, repo, data)).digest;
  });

  test('bytes=a-b -> 206 with Content-Range and the slice', async () => {
    const res = await c.get(`/v2/${repo}/blobs/${digest}`, { headers: { range: 'bytes=10-19' } });
    assertStatus(res, 206);
    assert.equal(res.header('content-range'), 'bytes 10-19/1000');
    assert.equal(res.header('content-length'), '10');
    assert.deepEqual(res.body, data.subarray(10, 20));
  });

  test('bytes=0-0 -> the first byte', async () => {
    const res = await c.get(`/v2/${repo}/blobs/${digest}`, { headers: { range: 'bytes=0-0' } });
    assertStatus(res, 206);
    assert.equal(res.header('content-range'), 'bytes 0-0/1000');
    assert.deepEqual(res.body, data.subarray(0, 1));
  });

  test('bytes=a- -> 206 to the end', async () => {
    const res = await c.get(`/v2/${repo}/blobs/${digest}`, { headers: { range: 'bytes=990-' } });
    assertStatus(res, 206);
    assert.equal(res.header('content-range'), 'bytes 990-999/1000');
    assert.deepEqual(res.body, data.subarray(990));
  });

  test('suffix bytes=-n -> the last n bytes', async () => {
    const res = await c.get(`/v2/${repo}/blobs/${digest}`, { headers: { range: 'bytes=-100' } });
    assertStatus(res, 206);
    assert.equal(res.header('content-range'), 'bytes 900-999/1000');
    assert.deepEqual(res.body, data.subarray(900));
  });

  test('a last-byte-pos past the end is clamped (RFC 9110 14.1.1)', async () => {
    const res = await c.get(`/v2/${repo}/blobs/${digest}`, { headers: { range: 'bytes=995-5000' } });
    assertStatus(res, 206);
    assert.equal(res.header('content-range'), 'bytes 995-999/1000');
    assert.deepEqual(res.body, data.subarray(995));
  });

  test('a range starting at or past the end -> 416', async () => {
    for (const range of ['bytes=1000-', 'bytes=1000-1010', 'bytes=5000-6000']) {
      const res = await c.get(`/v2/${repo}/blobs/${digest}`, { headers: { range } });
      assert.equal(res.status, 416, `${range}: ${res.describe()}`);
      const cr = res.header('content-range');
      if (cr !== undefined) assert.equal(cr, 'bytes */1000', `${range}: Content-Range`);
    }
  });
});

describe('DELETE blob', () => {
  test('-> 202, then GET/HEAD -> 404 and a second DELETE -> 404', async () => {
    const repo = randomRepo('del');
    const data = randomBlob();
    const { digest } = await pushBlob(c, repo, data);
    const res = await c.delete(`/v2/${repo}/blobs/${digest}`);
    assertStatus(res, 202);
    assertError(await c.get(`/v2/${repo}/blobs/${digest}`), 404, 'BLOB_UNKNOWN');
    assertError(await c.head(`/v2/${repo}/blobs/${digest}`), 404);
    assertError(await c.delete(`/v2/${repo}/blobs/${digest}`), 404, 'BLOB_UNKNOWN');
    assert.equal(await exists(layerLinkPath(reg.root, repo, digest)), false, 'layer link still on disk');
  });

  test('only unlinks the blob from that repository', async () => {
    const a = randomRepo('del-a');
    const b = randomRepo('del-b');
    const data = randomBlob();
    const { digest } = await pushBlob(c, a, data);
    await pushBlob(c, b, data);
    assertStatus(await c.delete(`/v2/${a}/blobs/${digest}`), 202);
    assertError(await c.get(`/v2/${a}/blobs/${digest}`), 404, 'BLOB_UNKNOWN');
    const res = await c.get(`/v2/${b}/blobs/${digest}`);
    assertStatus(res, 200);
    assert.deepEqual(res.body, data);
  });

  test('can be pushed again after deletion', async () => {
    const repo = randomRepo('del');
    const data = randomBlob();
    const { digest } = await pushBlob(c, repo, data);
    assertStatus(await c.delete(`/v2/${repo}/blobs/${digest}`), 202);
    await pushBlob(c, repo, data);
    const res = await c.get(`/v2/${repo}/blobs/${digest}`);
    assertStatus(res, 200);
    assert.deepEqual(res.body, data);
  });

  test('of an unknown blob -> 404 BLOB_UNKNOWN', async () => {
    const repo = randomRepo('del');
    await pushBlob(c, repo, randomBlob());
    assertError(await c.delete(`/v2/${repo}/blobs/${randomDigest()}`), 404, 'BLOB_UNKNOWN');
  });

  test('when deletion is disabled -> 405 UNSUPPORTED and the blob stays', async () => {
    const repo = randomRepo('nodel');
    const data = randomBlob();
    const { digest } = await pushBlob(cn, repo, data);
    assertError(await cn.delete(`/v2/${repo}/blobs/${digest}`), 405, 'UNSUPPORTED');
    const res = await cn.get(`/v2/${repo}/blobs/${digest}`);
    assertStatus(res, 200);
    assert.equal(sha256(res.body), digest);
  });
});
