/**
 * Base endpoint, API version header, routing of unknown paths, and validation of names, digests
 * and tags in URLs (OCI distribution spec: "Determining Support", "Pulling manifests" for the
 * name and tag grammars, "Error Codes").
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startRegistry, type TestRegistry } from '../../support/registry.js';
import type { HttpClient } from '../../support/http.js';
import {
  SPEC_ERROR_CODES,
  assertApiVersion,
  assertError,
  assertStatus,
  buildImage,
  errorCodes,
  mediaTypeOf,
  pushBlob,
  pushImage,
  putManifest,
  randomBlob,
  randomDigest,
  randomRepo,
  sha256,
  startUpload,
  v2Root,
  walkFiles,
  newClient,
} from '../../support/registry-images.js';

let reg: TestRegistry;
let c: HttpClient;
let repo: string;
let blobDigest: string;

before(async () => {
  reg = await startRegistry();
  c = newClient(reg.url);
  repo = randomRepo('base');
  blobDigest = (await pushBlob(c, repo, randomBlob())).digest;
  await pushImage(c, repo, 'latest');
});

after(async () => {
  await c?.close();
  await reg?.close();
});

describe('GET /v2/', () => {
  test('returns 200 with an empty JSON object and the API version header', async () => {
    const res = await c.get('/v2/');
    assertStatus(res, 200);
    assert.equal(mediaTypeOf(res.header('content-type')), 'application/json');
    assert.deepEqual(res.json(), {});
  });

  test('HEAD /v2/ returns 200 without a body', async () => {
    const res = await c.head('/v2/');
    assertStatus(res, 200);
    assert.equal(res.body.length, 0);
  });
});

describe('Docker-Distribution-API-Version header', () => {
  test('is on every response: successes, redirects-free errors, HEADs and uploads', async () => {
    const missing = randomDigest();
    const uploadLoc = await startUpload(c, repo);
    const cases = [
      await c.get('/v2/'),
      await c.get(`/v2/${repo}/blobs/${blobDigest}`),
      await c.head(`/v2/${repo}/blobs/${blobDigest}`),
      await c.head(`/v2/${repo}/blobs/${missing}`),
      await c.get(`/v2/${repo}/blobs/${missing}`),
      await c.get(`/v2/${repo}/manifests/latest`),
      await c.head(`/v2/${repo}/manifests/latest`),
      await c.get(`/v2/${repo}/manifests/nope`),
      await c.get(`/v2/${repo}/tags/list`),
      await c.get('/v2/_catalog'),
      await c.post(`/v2/${repo}/blobs/uploads/`),
      await c.get(uploadLoc),
      await c.delete(uploadLoc),
      await c.get(`/v2/Upper/tags/list`),
      await c.get(`/v2/${repo}/blobs/sha256:1234`),
      await c.get(`/v2/${repo}/no-such-endpoint`),
      await c.put(`/v2/${repo}/manifests/x`, { headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' }, body: '{' }),
    ];
    for (const res of cases) assertApiVersion(res);
  });
});

describe('unknown paths under /v2', () => {
  for (const path of ['/v2/foo/no-such-endpoint', '/v2/foo/bar/baz/things/list', '/v2/foo/blobs']) {
    test(`GET ${path} -> 404 with a JSON error body`, async () => {
      const res = await c.get(path);
      assertError(res, 404);
      for (const code of errorCodes(res)) assert.ok(SPEC_ERROR_CODES.includes(code), `not a spec code: ${code}`);
    });
  }
});

describe('invalid repository names -> 400 NAME_INVALID', () => {
  const long = 'a'.repeat(256);
  const names: Array<[string, string]> = [
    ['uppercase', 'Foo'],
    ['uppercase in a nested component', 'foo/Bar'],
    ['dot-dot component', 'foo/../bar'],
    ['single dot component', 'foo/./bar'],
    ['encoded slash', 'foo%2Fbar'],
    ['trailing separator', 'foo-'],
    ['leading separator', '_foo'],
    ['double dot inside a component', 'foo..bar'],
    ['256 characters', long],
    ['256 characters with components', `${'a'.repeat(100)}/${'b'.repeat(100)}/${'c'.repeat(54)}`],
  ];
  for (const [what, name] of names) {
    test(`${what}: tags list`, async () => {
      assertError(await c.get(`/v2/${name}/tags/list`), 400, 'NAME_INVALID');
    });
  }
  test('on every endpoint family', async () => {
    const name = 'Bad/Name';
    const d = randomDigest();
    assertError(await c.get(`/v2/${name}/manifests/latest`), 400, 'NAME_INVALID');
    assertError(await c.head(`/v2/${name}/manifests/latest`), 400);
    assertError(
      await c.put(`/v2/${name}/manifests/latest`, { headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' }, body: '{}' }),
      400,
      'NAME_INVALID',
    );
    assertError(await c.delete(`/v2/${name}/manifests/${d}`), 400, 'NAME_INVALID');
    assertError(await c.get(`/v2/${name}/blobs/${d}`), 400, 'NAME_INVALID');
    assertError(await c.head(`/v2/${name}/blobs/${d}`), 400);
    assertError(await c.delete(`/v2/${name}/blobs/${d}`), 400, 'NAME_INVALID');
    assertError(await c.post(`/v2/${name}/blobs/uploads/`), 400, 'NAME_INVALID');
    assertError(await c.get(`/v2/${name}/referrers/${d}`), 400, 'NAME_INVALID');
  });
  test('nothing is created on disk for an invalid name', async () => {
    await c.post('/v2/Evil/blobs/uploads/');
    await c.post('/v2/x/../../escape/blobs/uploads/');
    const files = await walkFiles(v2Root(reg.root));
    assert.ok(!files.some((f) => /Evil|escape/.test(f)), `unexpected files: ${files.filter((f) => /Evil|escape/.test(f)).join(', ')}`);
  });
  test('a 255-character name is valid', async () => {
    const name = `${'a'.repeat(100)}/${'b'.repeat(100)}/${'c'.repeat(53)}`;
    assert.equal(name.length, 255);
    assertError(await c.get(`/v2/${name}/tags/list`), 404, 'NAME_UNKNOWN');
    const data = randomBlob(100);
    await pushBlob(c, name, data);
    const res = await c.get(`/v2/${name}/blobs/${sha256(data)}`);
    assertStatus(res, 200);
    assert.deepEqual(res.body, data);
  });
  test('valid separators are accepted: ., _, __, -, --- and nesting', async () => {
    for (const name of ['a.b', 'a_b', 'a__b', 'a-b', 'a---b', 'a/b/c/d', '0/9']) {
      const res = await c.post(`/v2/${name}/blobs/uploads/`);
      assertStatus(res, 202);
      await c.delete(res.header('location') ?? '/');
    }
  });
});

describe('repository names made of endpoint words route correctly', () => {
  // All valid per the name grammar; a router must anchor on the trailing endpoint, as
  // distribution's regexp routes do.
  for (const name of ['blobs', 'manifests', 'tags', 'v2', 'a/blobs/uploads', 'x/manifests/y', 'r/tags/list', 'referrers/z', 'b/catalog']) {
    test(name, async () => {
      const data = randomBlob(64);
      await pushBlob(c, name, data);
      const blob = await c.get(`/v2/${name}/blobs/${sha256(data)}`);
      assertStatus(blob, 200);
      assert.deepEqual(blob.body, data);
      const img = await pushImage(c, name, 'latest');
      const m = await c.get(`/v2/${name}/manifests/latest`, { headers: { accept: img.mediaType } });
      assertStatus(m, 200);
      assert.deepEqual(m.body, img.bytes);
      const tags = await c.get(`/v2/${name}/tags/list`);
      assertStatus(tags, 200);
      assert.deepEqual(tags.json(), { name, tags: ['latest'] });
      const refs = await c.get(`/v2/${name}/referrers/${img.digest}`);
      assertStatus(refs, 200);
    });
  }
});

describe('invalid digests in URLs -> 400 DIGEST_INVALID', () => {
  const bad = [
    'sha256:abc',
    'sha256:' + 'A'.repeat(64),
    'sha256:' + 'g'.repeat(64),
    'sha256:' + 'a'.repeat(63),
    'sha256:' + 'a'.repeat(65),
    'md5:d41d8cd98f00b204e9800998ecf8427e',
    'sha512:abcd',
  ];
  for (const d of bad) {
    test(`blob GET/HEAD/DELETE ${d.slice(0, 20)}…`, async () => {
      assertError(await c.get(`/v2/${repo}/blobs/${d}`), 400, 'DIGEST_INVALID');
      assertError(await c.head(`/v2/${repo}/blobs/${d}`), 400);
      assertError(await c.delete(`/v2/${repo}/blobs/${d}`), 400, 'DIGEST_INVALID');
    });
  }
  for (const d of ['sha256:abc', 'sha256:' + 'A'.repeat(64), 'md5:d41d8cd98f00b204e9800998ecf8427e']) {
    test(`manifest GET/HEAD/DELETE ${d.slice(0, 20)}…`, async () => {
      assertError(await c.get(`/v2/${repo}/manifests/${d}`), 400, 'DIGEST_INVALID');
      assertError(await c.head(`/v2/${repo}/manifests/${d}`), 400);
      assertError(await c.delete(`/v2/${repo}/manifests/${d}`), 400, 'DIGEST_INVALID');
    });
  }
});

describe('invalid tags -> 400', () => {
  const bad: Array<[string, string]> = [
    ['129 characters', 'a'.repeat(129)],
    ['leading dash', '-tag'],
    ['leading dot', '.tag'],
    ['plus sign', 'v1+build'],
  ];
  for (const [what, tag] of bad) {
    test(`PUT manifest with tag: ${what}`, async () => {
      const img = await buildImage(c, repo);
      const res = await putManifest(c, repo, tag, img);
      assert.equal(res.status, 400, res.describe());
      assertApiVersion(res);
      errorCodes(res);
      // and nothing is tagged
      const list = (await c.get(`/v2/${repo}/tags/list`)).json<{ tags: string[] }>();
      assert.ok(!list.tags.includes(tag));
    });
    test(`GET/HEAD/DELETE manifest with tag: ${what} -> 404 MANIFEST_UNKNOWN (no manifest can have that name; distribution: 404)`, async () => {
      assertError(await c.get(`/v2/${repo}/manifests/${tag}`), 404, 'MANIFEST_UNKNOWN');
      const head = await c.head(`/v2/${repo}/manifests/${tag}`);
      assert.equal(head.status, 404, head.describe());
      assertApiVersion(head);
      assertError(await c.delete(`/v2/${repo}/manifests/${tag}`), 404, 'MANIFEST_UNKNOWN');
    });
  }
  test('a 128-character tag and every allowed character are accepted', async () => {
    for (const tag of ['a'.repeat(128), '_x', 'A.b-C_9', '0']) {
      const img = await buildImage(c, repo);
      const res = await putManifest(c, repo, tag, img);
      assertStatus(res, 201);
      const got = await c.get(`/v2/${repo}/manifests/${tag}`, { headers: { accept: img.mediaType } });
      assertStatus(got, 200);
      assert.deepEqual(got.body, img.bytes);
    }
  });
});
