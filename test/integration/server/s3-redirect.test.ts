/**
 * storage.redirect on the S3 driver, over a real Ceph RADOS Gateway: a blob GET is answered
 * 307 to a presigned URL the client fetches (ranges included) from the gateway itself; HEAD,
 * unknown blobs and unlinked ones are answered here; `redirect.disable` streams instead.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Registry } from '../../../src/registry/server/registry.js';
import { S3Driver } from '../../../src/storage/s3/driver.js';
import { type Rgw, sharedRgw } from '../../support/ceph-rgw.js';
import type { HttpClient } from '../../support/http.js';
import { assertError, newClient, pushBlob, randomBlob, randomDigest, randomRepo, sha256 } from '../../support/registry-images.js';

let rgw: Rgw;
let endpoint: string;
const registries: Registry[] = [];
const clients: HttpClient[] = [];

async function serve(redirect: boolean, prefix: string): Promise<HttpClient> {
  const bucket = await rgw.createBucket();
  const registry = new Registry({ storage: new S3Driver(rgw.options(bucket, prefix)), port: 0, policy: { deleteEnabled: true, redirect } });
  registries.push(registry);
  const client = newClient((await registry.start()).url);
  clients.push(client);
  return client;
}

before(async () => {
  rgw = await sharedRgw();
  endpoint = rgw.options('any').regionEndpoint ?? '';
});

after(async () => {
  for (const client of clients) await client.close();
  for (const registry of registries) await registry.shutdown();
  await rgw?.stop();
});

describe('blob GET redirects on S3 (storage.redirect)', () => {
  let c: HttpClient;
  before(async () => (c = await serve(true, 'redirecting')));

  it('answers 307 to a presigned URL on the gateway, which serves the bytes and ranges', async () => {
    const repo = randomRepo();
    const blob = randomBlob(100_000);
    const { digest } = await pushBlob(c, repo, blob);
    const res = await c.request('GET', `/v2/${repo}/blobs/${digest}`);
    assert.equal(res.status, 307);
    assert.equal(res.header('docker-content-digest'), digest);
    const location = res.header('location') ?? '';
    assert.ok(location.startsWith(`${endpoint}/`), `${location} is on the gateway`);
    assert.match(location, /X-Amz-Signature=/);

    const whole = await fetch(location);
    assert.equal(whole.status, 200);
    assert.equal(sha256(Buffer.from(await whole.arrayBuffer())), digest);
    const part = await fetch(location, { headers: { range: 'bytes=1000-1999' } });
    assert.equal(part.status, 206);
    assert.deepEqual(Buffer.from(await part.arrayBuffer()), blob.subarray(1000, 2000));
  });

  it('answers HEAD, an unknown blob and one the repository does not link itself', async () => {
    const repo = randomRepo();
    const blob = randomBlob(5000);
    const { digest } = await pushBlob(c, repo, blob);
    const head = await c.request('HEAD', `/v2/${repo}/blobs/${digest}`);
    assert.equal(head.status, 200);
    assert.equal(head.header('content-length'), String(blob.length));
    assertError(await c.request('GET', `/v2/${repo}/blobs/${randomDigest()}`), 404, 'BLOB_UNKNOWN');
    assertError(await c.request('GET', `/v2/${randomRepo()}/blobs/${digest}`), 404, 'BLOB_UNKNOWN');
  });
});

describe('blob GET with redirect.disable on S3', () => {
  it('streams the blob through the registry', async () => {
    const c = await serve(false, 'streaming');
    const repo = randomRepo();
    const blob = randomBlob(50_000);
    const { digest } = await pushBlob(c, repo, blob);
    const res = await c.request('GET', `/v2/${repo}/blobs/${digest}`);
    assert.equal(res.status, 200);
    assert.equal(res.header('location'), undefined);
    assert.equal(sha256(res.body), digest);
  });
});
