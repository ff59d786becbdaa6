/**
 * Three registries on one S3 bucket prefix (a real Ceph RADOS Gateway) are interchangeable: an
 * upload's POST, PATCHes and PUT each land on a different one, with parts large enough to go
 * to S3 as multipart uploads; what one pushes, the others serve, list and delete.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Registry } from '../../../src/registry/server/registry.js';
import { S3Driver } from '../../../src/storage/s3/driver.js';
import { type Rgw, sharedRgw } from '../../support/ceph-rgw.js';
import type { HttpClient } from '../../support/http.js';
import { MT, newClient, pushImage, randomRepo, sha256 } from '../../support/registry-images.js';

let rgw: Rgw;
const registries: Registry[] = [];
const replicas: HttpClient[] = [];

before(async () => {
  rgw = await sharedRgw();
  const bucket = await rgw.createBucket();
  for (let i = 0; i < 3; i++) {
    // One driver each, as three processes would have: nothing shared but the bucket.
    const registry = new Registry({
      storage: new S3Driver(rgw.options(bucket, 'shared', { chunkSize: 5 * 1024 * 1024 })),
      port: 0,
      policy: { deleteEnabled: true },
    });
    registries.push(registry);
    replicas.push(newClient((await registry.start()).url));
  }
});

after(async () => {
  for (const client of replicas) await client.close();
  for (const registry of registries) await registry.shutdown();
  await rgw?.stop();
});

const replica = (i: number): HttpClient => replicas[i % replicas.length] as HttpClient;

describe('replicas on one bucket', () => {
  it('finishes a chunked upload whose POST, PATCHes and PUT land on different replicas', async () => {
    const repo = randomRepo();
    const chunks = [randomBytes(6 * 1024 * 1024), randomBytes(7 * 1024 * 1024 + 3), randomBytes(1024 * 1024)];
    const blob = Buffer.concat(chunks);
    const digest = sha256(blob);

    const started = await replica(0).request('POST', `/v2/${repo}/blobs/uploads/`);
    assert.equal(started.status, 202, started.describe());
    let location = started.header('location') ?? '';
    let offset = 0;
    for (const [i, chunk] of chunks.entries()) {
      const patched = await replica(i + 1).request('PATCH', location, {
        headers: { 'content-type': 'application/octet-stream', 'content-range': `${offset}-${offset + chunk.length - 1}` },
        body: chunk,
      });
      assert.equal(patched.status, 202, patched.describe());
      offset += chunk.length;
      assert.equal(patched.header('range'), `0-${offset - 1}`);
      location = patched.header('location') ?? '';
      // Any replica reports the same progress.
      const status = await replica(i + 2).request('GET', location);
      assert.equal(status.status, 204, status.describe());
      assert.equal(status.header('range'), `0-${offset - 1}`);
    }
    const closed = await replica(chunks.length + 1).request('PUT', `${location}${location.includes('?') ? '&' : '?'}digest=${digest}`);
    assert.equal(closed.status, 201, closed.describe());
    assert.equal(closed.header('docker-content-digest'), digest);

    for (const client of replicas) {
      const got = await client.request('GET', `/v2/${repo}/blobs/${digest}`);
      assert.equal(got.status, 200);
      assert.equal(sha256(got.body), digest);
    }
  });

  it('refuses a wrong digest at the PUT on another replica, and keeps nothing under either digest', async () => {
    const repo = randomRepo();
    const data = randomBytes(6 * 1024 * 1024);
    const started = await replica(0).request('POST', `/v2/${repo}/blobs/uploads/`);
    const patched = await replica(1).request('PATCH', started.header('location') ?? '', {
      headers: { 'content-type': 'application/octet-stream' },
      body: data,
    });
    assert.equal(patched.status, 202);
    const wrong = sha256(Buffer.concat([data, Buffer.from('x')]));
    const location = patched.header('location') ?? '';
    const closed = await replica(2).request('PUT', `${location}${location.includes('?') ? '&' : '?'}digest=${wrong}`);
    assert.equal(closed.status, 400, closed.describe());
    for (const digest of [wrong, sha256(data)]) assert.equal((await replica(0).request('HEAD', `/v2/${repo}/blobs/${digest}`)).status, 404);
  });

  it('serves, lists and deletes on one replica what another pushed', async () => {
    const repo = randomRepo();
    const image = await pushImage(replica(0), repo, 'v1');
    const manifest = await replica(1).request('GET', `/v2/${repo}/manifests/v1`, { headers: { accept: MT.ociManifest } });
    assert.equal(manifest.status, 200);
    assert.equal(sha256(manifest.body), image.digest);
    const tags = await replica(2).request('GET', `/v2/${repo}/tags/list`);
    assert.deepEqual(tags.json(), { name: repo, tags: ['v1'] });
    assert.equal((await replica(2).request('DELETE', `/v2/${repo}/manifests/${image.digest}`)).status, 202);
    assert.equal((await replica(0).request('GET', `/v2/${repo}/manifests/v1`, { headers: { accept: MT.ociManifest } })).status, 404);
  });
});
