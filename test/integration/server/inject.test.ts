/**
 * The main API flows through fastify's `inject()` (no socket), on the Registry object's app,
 * once per registered storage driver: fast checks of what the real-socket suites check in
 * depth (blobs, uploads, manifests, tags-catalog, and their error codes).
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { Registry } from '../../../src/registry/server/registry.js';
import { DRIVER_NAMES, type DriverConfig } from '../../../src/storage/drivers.js';
import { sharedS3 } from '../../support/ceph-rgw.js';

const FRESH: Record<DriverConfig['kind'], (root: string) => DriverConfig | Promise<DriverConfig>> = {
  filesystem: (root) => ({ kind: 'filesystem', rootDirectory: join(root, 'data') }),
  inmemory: () => ({ kind: 'inmemory' }),
  // A real Ceph RADOS Gateway, started on first use (test/support/ceph-rgw.ts).
  s3: async (root) => ({ kind: 's3', ...(await sharedS3(root)) }),
};

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const sha256 = (data: Buffer): string => `sha256:${createHash('sha256').update(data).digest('hex')}`;

function errorCode(res: LightMyRequestResponse): string | undefined {
  return (res.json() as { errors?: Array<{ code: string }> }).errors?.[0]?.code;
}

for (const kind of DRIVER_NAMES as Array<DriverConfig['kind']>) {
  describe(`inject() API flows: ${kind}`, () => {
    let root: string;
    let registry: Registry;
    let app: FastifyInstance;
    const call = (options: InjectOptions): Promise<LightMyRequestResponse> => app.inject(options);

    async function pushMonolithic(repo: string, data: Buffer): Promise<string> {
      const digest = sha256(data);
      const res = await call({
        method: 'POST',
        url: `/v2/${repo}/blobs/uploads/?digest=${digest}`,
        headers: { 'content-type': 'application/octet-stream' },
        payload: data,
      });
      assert.equal(res.statusCode, 201, res.body);
      assert.equal(res.headers['docker-content-digest'], digest);
      assert.equal(res.headers.location, `/v2/${repo}/blobs/${digest}`);
      return digest;
    }

    before(async () => {
      root = await mkdtemp(join(tmpdir(), 'stowage-inject-'));
      registry = new Registry({ storage: await FRESH[kind](root) });
      app = await registry.prepare();
    });
    after(async () => {
      await registry.shutdown();
      await rm(root, { recursive: true, force: true });
    });

    it('answers the base endpoint with the API version header', async () => {
      const res = await call({ method: 'GET', url: '/v2/' });
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers['docker-distribution-api-version'], 'registry/2.0');
    });

    it('pushes a blob in one POST and serves it back by GET and HEAD', async () => {
      const data = randomBytes(3000);
      const digest = await pushMonolithic('inject/mono', data);
      const got = await call({ method: 'GET', url: `/v2/inject/mono/blobs/${digest}` });
      assert.equal(got.statusCode, 200);
      assert.deepEqual(got.rawPayload, data);
      const head = await call({ method: 'HEAD', url: `/v2/inject/mono/blobs/${digest}` });
      assert.equal(head.statusCode, 200);
      assert.equal(head.headers['content-length'], String(data.length));
      assert.equal(head.rawPayload.length, 0);
    });

    it('pushes a blob in chunks (POST, PATCH, PATCH, PUT) and reports the range as it grows', async () => {
      const data = randomBytes(5000);
      const started = await call({ method: 'POST', url: '/v2/inject/chunked/blobs/uploads/' });
      assert.equal(started.statusCode, 202);
      let location = String(started.headers.location);
      for (const [from, to] of [
        [0, 2000],
        [2000, 5000],
      ] as const) {
        const res = await call({
          method: 'PATCH',
          url: location,
          headers: { 'content-type': 'application/octet-stream', 'content-range': `${from}-${to - 1}` },
          payload: data.subarray(from, to),
        });
        assert.equal(res.statusCode, 202, res.body);
        assert.equal(res.headers.range, `0-${to - 1}`);
        location = String(res.headers.location);
      }
      const digest = sha256(data);
      const done = await call({ method: 'PUT', url: `${location}${location.includes('?') ? '&' : '?'}digest=${digest}` });
      assert.equal(done.statusCode, 201, done.body);
      assert.deepEqual((await call({ method: 'GET', url: `/v2/inject/chunked/blobs/${digest}` })).rawPayload, data);
    });

    it('puts a manifest by tag, gets it by tag, heads it by digest, and lists the tag', async () => {
      const repo = 'inject/image';
      const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }));
      const layer = randomBytes(1200);
      const manifest = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: OCI_MANIFEST,
          config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: await pushMonolithic(repo, config), size: config.length },
          layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: await pushMonolithic(repo, layer), size: layer.length }],
        }),
      );
      const put = await call({ method: 'PUT', url: `/v2/${repo}/manifests/v1`, headers: { 'content-type': OCI_MANIFEST }, payload: manifest });
      assert.equal(put.statusCode, 201, put.body);
      assert.equal(put.headers['docker-content-digest'], sha256(manifest));
      const got = await call({ method: 'GET', url: `/v2/${repo}/manifests/v1`, headers: { accept: OCI_MANIFEST } });
      assert.equal(got.statusCode, 200);
      assert.equal(got.headers['content-type'], OCI_MANIFEST);
      assert.deepEqual(got.rawPayload, manifest, 'the manifest comes back byte for byte');
      const head = await call({ method: 'HEAD', url: `/v2/${repo}/manifests/${sha256(manifest)}`, headers: { accept: OCI_MANIFEST } });
      assert.equal(head.statusCode, 200);
      assert.equal(head.headers['content-length'], String(manifest.length));
      assert.equal(head.headers['docker-content-digest'], sha256(manifest));
      const tags = await call({ method: 'GET', url: `/v2/${repo}/tags/list` });
      assert.deepEqual(tags.json(), { name: repo, tags: ['v1'] });
    });

    it('answers with the spec error codes', async () => {
      const missing = sha256(randomBytes(8));
      const unknownBlob = await call({ method: 'GET', url: `/v2/inject/errors/blobs/${missing}` });
      assert.deepEqual([unknownBlob.statusCode, errorCode(unknownBlob)], [404, 'BLOB_UNKNOWN']);
      const unknownManifest = await call({ method: 'GET', url: '/v2/inject/errors/manifests/nope' });
      assert.deepEqual([unknownManifest.statusCode, errorCode(unknownManifest)], [404, 'MANIFEST_UNKNOWN']);
      const badName = await call({ method: 'GET', url: '/v2/Inject/Errors/tags/list' });
      assert.deepEqual([badName.statusCode, errorCode(badName)], [400, 'NAME_INVALID']);
      const wrongDigest = await call({
        method: 'POST',
        url: `/v2/inject/errors/blobs/uploads/?digest=${missing}`,
        headers: { 'content-type': 'application/octet-stream' },
        payload: randomBytes(64),
      });
      assert.deepEqual([wrongDigest.statusCode, errorCode(wrongDigest)], [400, 'DIGEST_INVALID']);
      const dangling = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: OCI_MANIFEST,
          config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: missing, size: 2 },
          layers: [],
        }),
      );
      const refused = await call({ method: 'PUT', url: '/v2/inject/errors/manifests/v1', headers: { 'content-type': OCI_MANIFEST }, payload: dangling });
      assert.deepEqual([refused.statusCode, errorCode(refused)], [400, 'MANIFEST_BLOB_UNKNOWN']);
      const noTags = await call({ method: 'GET', url: '/v2/inject/never-pushed/tags/list' });
      assert.deepEqual([noTags.statusCode, errorCode(noTags)], [404, 'NAME_UNKNOWN']);
    });
  });
}
