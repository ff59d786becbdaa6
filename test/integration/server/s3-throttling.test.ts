/**
 * S3 throttling as a client of the registry sees it: a Ceph RADOS Gateway behind a fault proxy
 * that answers `503 SlowDown` (S3's throttling error) when told to. A short burst is retried
 * with backoff and never seen; one that outlasts the retries is `429 TOOMANYREQUESTS` with
 * Retry-After, never a bare 500 (distribution#769), and nothing is lost or half-visible.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Registry } from '../../../src/registry/server/registry.js';
import { S3Driver } from '../../../src/storage/s3/driver.js';
import { type Rgw, sharedRgw } from '../../support/ceph-rgw.js';
import { type FaultProxy, startFaultProxy } from '../../support/fault-proxy.js';
import type { HttpClient } from '../../support/http.js';
import { assertError, MT, newClient, pushBlob, pushImage, randomBlob, randomRepo, sha256 } from '../../support/registry-images.js';

const SLOW_DOWN =
  '<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message><RequestId>fault-proxy</RequestId></Error>';

let rgw: Rgw;
let proxy: FaultProxy;
let registry: Registry;
let c: HttpClient;
/** Requests to answer with SlowDown from now on (Infinity: all of them). */
let throttle = 0;
let injected = 0;

before(async () => {
  rgw = await sharedRgw();
  const bucket = await rgw.createBucket();
  const endpoint = rgw.options(bucket).regionEndpoint ?? '';
  proxy = await startFaultProxy(
    endpoint,
    () => {
      if (throttle <= 0) return undefined;
      throttle--;
      injected++;
      return { kind: 'status', status: 503, headers: { 'content-type': 'application/xml' }, body: SLOW_DOWN };
    },
    { preserveHost: true },
  );
  registry = new Registry({
    storage: new S3Driver(rgw.options(bucket, 'throttled', { regionEndpoint: proxy.url, maxAttempts: 3 })),
    port: 0,
    policy: { deleteEnabled: true },
  });
  c = newClient((await registry.start()).url);
});

after(async () => {
  await c?.close();
  await registry?.shutdown();
  await proxy?.close();
  await rgw?.stop();
});

describe('S3 throttling (503 SlowDown)', () => {
  it('retries a short burst with backoff: the client never sees it', async () => {
    const repo = randomRepo();
    throttle = 2;
    injected = 0;
    const blob = randomBlob(4096);
    const pushed = await pushBlob(c, repo, blob);
    assert.equal(injected, 2, 'both SlowDowns were answered to the driver');
    const res = await c.request('GET', `/v2/${repo}/blobs/${pushed.digest}`);
    assert.equal(res.status, 200);
    assert.equal(sha256(res.body), pushed.digest);
  });

  it('answers 429 TOOMANYREQUESTS with Retry-After when throttling outlasts the retries, and loses nothing', async () => {
    const repo = randomRepo();
    const image = await pushImage(c, repo, 'v1');
    throttle = Number.POSITIVE_INFINITY;
    try {
      const manifest = await c.request('GET', `/v2/${repo}/manifests/v1`, { headers: { accept: MT.ociManifest } });
      assertError(manifest, 429, 'TOOMANYREQUESTS');
      assert.match(manifest.header('retry-after') ?? '', /^\d+$/);

      const layer = randomBlob(2048);
      const upload = await c.request('POST', `/v2/${repo}/blobs/uploads/?digest=${sha256(layer)}`, {
        headers: { 'content-type': 'application/octet-stream' },
        body: layer,
      });
      assertError(upload, 429, 'TOOMANYREQUESTS');
      assert.match(upload.header('retry-after') ?? '', /^\d+$/);
    } finally {
      throttle = 0;
    }
    // The backend is back: what was there still is, whole.
    const again = await c.request('GET', `/v2/${repo}/manifests/v1`, { headers: { accept: MT.ociManifest } });
    assert.equal(again.status, 200);
    assert.equal(sha256(again.body), image.digest);
  });
});
