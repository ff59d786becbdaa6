/**
 * Blob uploads (spec: "Pushing blobs", "Pushing a blob monolithically", "Pushing a blob in
 * chunks", "Cancel a blob upload", "Mounting a blob from another repository"; Docker headers
 * from docker/api.md: Docker-Upload-UUID, Range).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { startRegistry, type TestRegistry } from '../../support/registry.js';
import { startSecuredRegistry } from '../../support/secured-registry.js';
import type { HttpClient, Res } from '../../support/http.js';
import {
  OCTET,
  assertError,
  assertStatus,
  blobDataPath,
  digestMatches,
  exists,
  layerLinkPath,
  parseLocation,
  pushBlob,
  randomBlob,
  randomDigest,
  pushImage,
  randomRepo,
  sha256,
  sha512,
  startUpload,
  uploadsDir,
  uuid,
  withQuery,
  newClient,
  registryForFile,
} from '../../support/registry-images.js';

let reg: TestRegistry;
let c: HttpClient;

registryForFile((r, client) => {
  reg = r;
  c = client;
});

const UUID_IN_PATH = /^\/v2\/(.+)\/blobs\/uploads\/([^/?]+)$/;

/** Checks the headers of an upload-session response and returns the session's Location. */
function assertSession(res: Res, repo: string, status: number, range?: string): string {
  assertStatus(res, status);
  const loc = parseLocation(res);
  assert.ok(loc.raw.startsWith('/'), `Location should be a relative path: ${loc.raw}`);
  const m = UUID_IN_PATH.exec(loc.pathname);
  assert.ok(m, `Location is not an upload URL: ${loc.raw}`);
  assert.equal(m[1], repo);
  const id = m[2] ?? '';
  const hdr = res.header('docker-upload-uuid');
  assert.ok(hdr, `no Docker-Upload-UUID: ${res.describe()}`);
  assert.ok(loc.raw.includes(hdr), `Docker-Upload-UUID ${hdr} is not in Location ${loc.raw}`);
  assert.equal(hdr, decodeURIComponent(id));
  if (range !== undefined) assert.equal(res.header('range'), range, `Range on ${res.describe()}`);
  return loc.raw;
}

/** Checks a completed upload: 201, Location of the blob, digest header; the blob is pullable. */
async function assertCreated(res: Res, repo: string, digest: string, data: Buffer): Promise<void> {
  assertStatus(res, 201);
  const loc = parseLocation(res);
  assert.ok(loc.raw.startsWith('/'), `Location should be a relative path: ${loc.raw}`);
  assert.equal(loc.pathname, `/v2/${repo}/blobs/${digest}`);
  assert.equal(res.header('docker-content-digest'), digest);
  const got = await c.get(loc.raw);
  assertStatus(got, 200);
  assert.deepEqual(got.body, data);
}

async function assertNoBlob(repo: string, ...digests: string[]): Promise<void> {
  for (const d of digests) {
    assertError(await c.head(`/v2/${repo}/blobs/${d}`), 404);
    assert.equal(await exists(blobDataPath(reg.root, d)), false, `blob data for ${d} is on disk`);
  }
}

function patchHeaders(start: number, chunk: Buffer): Record<string, string> {
  return { ...OCTET, 'content-range': `${start}-${start + chunk.length - 1}`, 'content-length': String(chunk.length) };
}

describe('POST /v2/<name>/blobs/uploads/ (start a session)', () => {
  test('-> 202 with a relative Location, Docker-Upload-UUID and Range: 0-0', async () => {
    const repo = randomRepo('up');
    const res = await c.post(`/v2/${repo}/blobs/uploads/`, { headers: { 'content-length': '0' } });
    assertSession(res, repo, 202, '0-0');
    assert.equal(res.body.length, 0);
  });

  test('each POST gets a distinct session', async () => {
    const repo = randomRepo('up');
    const a = await c.post(`/v2/${repo}/blobs/uploads/`);
    const b = await c.post(`/v2/${repo}/blobs/uploads/`);
    assert.notEqual(a.header('docker-upload-uuid'), b.header('docker-upload-uuid'));
    assert.notEqual(a.header('location'), b.header('location'));
  });

  test('works for a nested repository name', async () => {
    const repo = `${randomRepo('org')}/sub/app`;
    const res = await c.post(`/v2/${repo}/blobs/uploads/`);
    assertSession(res, repo, 202, '0-0');
  });
});

describe('monolithic uploads', () => {
  test('single POST ?digest= with the body -> 201, Location and Docker-Content-Digest', async () => {
    const repo = randomRepo('mono');
    const data = randomBlob();
    const digest = sha256(data);
    const res = await c.post(withQuery(`/v2/${repo}/blobs/uploads/`, { digest }), { headers: OCTET, body: data });
    await assertCreated(res, repo, digest, data);
  });

  test('single POST with a wrong digest -> 400 DIGEST_INVALID and nothing is stored', async () => {
    const repo = randomRepo('mono');
    await pushBlob(c, repo, randomBlob());
    const data = randomBlob();
    const claimed = randomDigest();
    const res = await c.post(withQuery(`/v2/${repo}/blobs/uploads/`, { digest: claimed }), { headers: OCTET, body: data });
    assertError(res, 400, 'DIGEST_INVALID');
    await assertNoBlob(repo, claimed, sha256(data));
  });

  test('POST then PUT ?digest= with the body -> 201', async () => {
    const repo = randomRepo('mono');
    const data = randomBlob();
    const digest = sha256(data);
    const loc = assertSession(await c.post(`/v2/${repo}/blobs/uploads/`), repo, 202);
    const res = await c.put(withQuery(loc, { digest }), { headers: { ...OCTET, 'content-length': String(data.length) }, body: data });
    await assertCreated(res, repo, digest, data);
    assert.deepEqual(await readFile(blobDataPath(reg.root, digest)), data);
    assert.equal((await readFile(layerLinkPath(reg.root, repo, digest), 'utf8')).trim(), digest);
  });

  test('the session is gone after completion', async () => {
    const repo = randomRepo('mono');
    const data = randomBlob();
    const loc = await startUpload(c, repo);
    const id = new URL(loc, 'http://x').pathname.split('/').pop() ?? '';
    assertStatus(await c.put(withQuery(loc, { digest: sha256(data) }), { headers: OCTET, body: data }), 201);
    assertError(await c.get(loc), 404, 'BLOB_UPLOAD_UNKNOWN');
    assertError(await c.patch(loc, { headers: OCTET, body: Buffer.from('more') }), 404, 'BLOB_UPLOAD_UNKNOWN');
    const dir = uploadsDir(reg.root, repo);
    if (await exists(dir)) assert.ok(!(await readdir(dir)).includes(id), 'upload directory left behind');
  });

  test('pushing a blob that already exists succeeds again', async () => {
    const repo = randomRepo('mono');
    const data = randomBlob();
    await pushBlob(c, repo, data);
    await pushBlob(c, repo, data);
    const res = await c.post(withQuery(`/v2/${repo}/blobs/uploads/`, { digest: sha256(data) }), { headers: OCTET, body: data });
    await assertCreated(res, repo, sha256(data), data);
  });

  test('PUT with a wrong digest -> 400 DIGEST_INVALID and the blob is not visible', async () => {
    const repo = randomRepo('mono');
    await pushBlob(c, repo, randomBlob());
    const data = randomBlob();
    const claimed = randomDigest();
    const loc = await startUpload(c, repo);
    assertError(await c.put(withQuery(loc, { digest: claimed }), { headers: OCTET, body: data }), 400, 'DIGEST_INVALID');
    await assertNoBlob(repo, claimed, sha256(data));
  });

  test('PUT without a digest -> 400 DIGEST_INVALID', async () => {
    const repo = randomRepo('mono');
    const data = randomBlob();
    const loc = await startUpload(c, repo);
    assertError(await c.put(loc, { headers: OCTET, body: data }), 400, 'DIGEST_INVALID');
    await assertNoBlob(repo, sha256(data));
  });

  test('PUT with a malformed digest -> 400 DIGEST_INVALID', async () => {
    const repo = randomRepo('mono');
    const loc = await startUpload(c, repo);
    assertError(await c.put(withQuery(loc, { digest: 'sha256:nothex' }), { headers: OCTET, body: Buffer.from('x') }), 400, 'DIGEST_INVALID');
  });

  test('unsupported algorithm (md5) -> 400 DIGEST_INVALID on single POST and on PUT', async () => {
    const repo = randomRepo('mono');
    const data = Buffer.from('hello');
    const md5 = 'md5:5d41402abc4b2a76b9719d911017c592';
    assertError(await c.post(withQuery(`/v2/${repo}/blobs/uploads/`, { digest: md5 }), { headers: OCTET, body: data }), 400, 'DIGEST_INVALID');
    const loc = await startUpload(c, repo);
    assertError(await c.put(withQuery(loc, { digest: md5 }), { headers: OCTET, body: data }), 400, 'DIGEST_INVALID');
  });
});

describe('chunked uploads', () => {
  test('PATCH with Content-Range -> 202 with Range 0-<end> and Location; PUT closes', async () => {
    const repo = randomRepo('chunk');
    const data = randomBlob(3000);
    const parts = [data.subarray(0, 1000), data.subarray(1000, 2500), data.subarray(2500)];
    let loc = assertSession(await c.post(`/v2/${repo}/blobs/uploads/`, { headers: { 'content-length': '0' } }), repo, 202);
    let offset = 0;
    for (const part of parts) {
      const res = await c.patch(loc, { headers: patchHeaders(offset, part), body: part });
      offset += part.length;
      loc = assertSession(res, repo, 202, `0-${offset - 1}`);
    }
    const digest = sha256(data);
    const res = await c.put(withQuery(loc, { digest }), { headers: { 'content-length': '0' } });
    await assertCreated(res, repo, digest, data);
  });

  test('GET on the session -> 204 with Range and Location', async () => {
    const repo = randomRepo('chunk');
    const data = randomBlob(100);
    let loc = await startUpload(c, repo);
    let res = await c.get(loc);
    assertSession(res, repo, 204, '0-0');
    res = await c.patch(loc, { headers: patchHeaders(0, data), body: data });
    loc = assertSession(res, repo, 202, '0-99');
    res = await c.get(loc);
    assertSession(res, repo, 204, '0-99');
    assert.equal(res.body.length, 0);
  });

  test('a chunk with a gap -> 416, and the session continues from the right offset', async () => {
    const repo = randomRepo('chunk');
    const data = randomBlob(300);
    let loc = await startUpload(c, repo);
    loc = assertSession(await c.patch(loc, { headers: patchHeaders(0, data.subarray(0, 100)), body: data.subarray(0, 100) }), repo, 202, '0-99');
    const gap = data.subarray(150, 200);
    const res = await c.patch(loc, { headers: patchHeaders(150, gap), body: gap });
    assert.equal(res.status, 416, res.describe());
    loc = assertSession(await c.get(loc), repo, 204, '0-99');
    const rest = data.subarray(100);
    loc = assertSession(await c.patch(loc, { headers: patchHeaders(100, rest), body: rest }), repo, 202, '0-299');
    await assertCreated(await c.put(withQuery(loc, { digest: sha256(data) })), repo, sha256(data), data);
  });

  test('an overlapping chunk -> 416', async () => {
    const repo = randomRepo('chunk');
    const data = randomBlob(300);
    let loc = await startUpload(c, repo);
    loc = assertSession(await c.patch(loc, { headers: patchHeaders(0, data.subarray(0, 100)), body: data.subarray(0, 100) }), repo, 202, '0-99');
    const overlap = data.subarray(50, 150);
    const res = await c.patch(loc, { headers: patchHeaders(50, overlap), body: overlap });
    assert.equal(res.status, 416, res.describe());
    assertSession(await c.get(loc), repo, 204, '0-99');
  });

  test('a first chunk not starting at 0 -> 416', async () => {
    const repo = randomRepo('chunk');
    const data = randomBlob(100);
    const loc = await startUpload(c, repo);
    const res = await c.patch(loc, { headers: patchHeaders(1, data), body: data });
    assert.equal(res.status, 416, res.describe());
  });

  test('a chunk not at the offset is 416 before its Content-Length is judged (100-199/200 on an empty upload)', async () => {
    const repo = randomRepo('chunk');
    // distribution's PatchBlobData order: the range's start against the offset first, then the length.
    for (const body of [randomBlob(200), Buffer.alloc(0), randomBlob(100)]) {
      const loc = await startUpload(c, repo);
      const res = await c.patch(loc, { headers: { ...OCTET, 'content-range': '100-199/200', 'content-length': String(body.length) }, body });
      assertError(res, 416, 'RANGE_INVALID');
      assertSession(await c.get(loc), repo, 204, '0-0');
    }
  });

  test('a chunk at the offset whose Content-Length disagrees with its range -> 400 SIZE_INVALID, nothing appended', async () => {
    const repo = randomRepo('chunk');
    const loc = await startUpload(c, repo);
    const body = randomBlob(50);
    const res = await c.patch(loc, { headers: { ...OCTET, 'content-range': '0-99', 'content-length': '50' }, body });
    assertError(res, 400, 'SIZE_INVALID');
    assertSession(await c.get(loc), repo, 204, '0-0');
  });

  test('PATCH without Content-Range (streamed) appends', async () => {
    const repo = randomRepo('stream');
    const a = randomBlob(1234);
    const b = randomBlob(4321);
    let loc = await startUpload(c, repo);
    loc = assertSession(await c.patch(loc, { headers: OCTET, body: a }), repo, 202, `0-${a.length - 1}`);
    loc = assertSession(await c.patch(loc, { headers: OCTET, body: b }), repo, 202, `0-${a.length + b.length - 1}`);
    const all = Buffer.concat([a, b]);
    await assertCreated(await c.put(withQuery(loc, { digest: sha256(all) })), repo, sha256(all), all);
  });

  test('streamed PATCH with chunked transfer encoding (no Content-Length), as docker push does', async () => {
    const repo = randomRepo('stream');
    const pieces = [randomBlob(10_000), randomBlob(70_000), randomBlob(5)];
    const all = Buffer.concat(pieces);
    let loc = await startUpload(c, repo);
    const res = await c.patch(loc, { headers: OCTET, body: Readable.from(pieces) });
    loc = assertSession(res, repo, 202, `0-${all.length - 1}`);
    await assertCreated(await c.put(withQuery(loc, { digest: sha256(all) })), repo, sha256(all), all);
  });

  test('PUT carrying the final chunk (with Content-Range) -> 201', async () => {
    const repo = randomRepo('chunk');
    const data = randomBlob(2000);
    let loc = await startUpload(c, repo);
    const first = data.subarray(0, 1500);
    const last = data.subarray(1500);
    loc = assertSession(await c.patch(loc, { headers: patchHeaders(0, first), body: first }), repo, 202, '0-1499');
    const res = await c.put(withQuery(loc, { digest: sha256(data) }), { headers: patchHeaders(1500, last), body: last });
    await assertCreated(res, repo, sha256(data), data);
  });

  test('PUT carrying the final chunk without Content-Range -> 201', async () => {
    const repo = randomRepo('chunk');
    const data = randomBlob(2000);
    let loc = await startUpload(c, repo);
    const first = data.subarray(0, 700);
    const last = data.subarray(700);
    loc = assertSession(await c.patch(loc, { headers: patchHeaders(0, first), body: first }), repo, 202, '0-699');
    const res = await c.put(withQuery(loc, { digest: sha256(data) }), { headers: OCTET, body: last });
    await assertCreated(res, repo, sha256(data), data);
  });

  test('PUT with an out-of-order final chunk -> 416', async () => {
    const repo = randomRepo('chunk');
    const data = randomBlob(2000);
    let loc = await startUpload(c, repo);
    const first = data.subarray(0, 1000);
    loc = assertSession(await c.patch(loc, { headers: patchHeaders(0, first), body: first }), repo, 202, '0-999');
    const late = data.subarray(1200);
    const res = await c.put(withQuery(loc, { digest: sha256(data) }), { headers: patchHeaders(1200, late), body: late });
    assert.equal(res.status, 416, res.describe());
    await assertNoBlob(repo, sha256(data));
  });

  test('chunked upload whose PUT digest does not match -> 400 DIGEST_INVALID, not visible', async () => {
    const repo = randomRepo('chunk');
    await pushBlob(c, repo, randomBlob());
    const data = randomBlob(500);
    let loc = await startUpload(c, repo);
    loc = assertSession(await c.patch(loc, { headers: patchHeaders(0, data), body: data }), repo, 202, '0-499');
    const claimed = sha256(Buffer.concat([data, Buffer.from('x')]));
    assertError(await c.put(withQuery(loc, { digest: claimed })), 400, 'DIGEST_INVALID');
    await assertNoBlob(repo, claimed, sha256(data));
  });
});

describe('unknown and cancelled sessions', () => {
  test('unknown upload uuid -> 404 BLOB_UPLOAD_UNKNOWN for GET, PATCH, PUT and DELETE', async () => {
    const repo = randomRepo('unknown');
    await pushBlob(c, repo, randomBlob());
    const path = `/v2/${repo}/blobs/uploads/${uuid()}`;
    const data = Buffer.from('abc');
    assertError(await c.get(path), 404, 'BLOB_UPLOAD_UNKNOWN');
    assertError(await c.patch(path, { headers: patchHeaders(0, data), body: data }), 404, 'BLOB_UPLOAD_UNKNOWN');
    assertError(await c.put(withQuery(path, { digest: sha256(data) }), { headers: OCTET, body: data }), 404, 'BLOB_UPLOAD_UNKNOWN');
    assertError(await c.delete(path), 404, 'BLOB_UPLOAD_UNKNOWN');
    await assertNoBlob(repo, sha256(data));
  });

  test('a malformed upload id -> 404 (or 400); a traversing one is never accepted', async () => {
    const repo = randomRepo('badid');
    await pushBlob(c, repo, randomBlob());
    const x = Buffer.from('x');
    for (const id of ['not-a-uuid', 'x'.repeat(300)]) {
      const res = await c.get(`/v2/${repo}/blobs/uploads/${id}`);
      assert.ok(res.status === 404 || res.status === 400, `expected 404 or 400: ${res.describe()}`);
      const put = await c.put(withQuery(`/v2/${repo}/blobs/uploads/${id}`, { digest: sha256(x) }), { headers: OCTET, body: x });
      assert.ok(put.status === 404 || put.status === 400, `expected 404 or 400: ${put.describe()}`);
    }
    // distribution 2.8 answers a raw `..` segment with a 301 to the cleaned path; any non-2xx is fine
    for (const id of ['..', '..%2F..%2F_layers', '%2e%2e']) {
      const res = await c.get(`/v2/${repo}/blobs/uploads/${id}`);
      assert.ok(res.status >= 300, `expected a refusal: ${res.describe()}`);
      const put = await c.put(withQuery(`/v2/${repo}/blobs/uploads/${id}`, { digest: sha256(x) }), { headers: OCTET, body: x });
      assert.ok(put.status >= 300, `expected a refusal: ${put.describe()}`);
    }
    await assertNoBlob(repo, sha256(x));
  });

  test('a session of one repository is unknown under another', async () => {
    const a = randomRepo('sess-a');
    const b = randomRepo('sess-b');
    await pushBlob(c, b, randomBlob());
    const loc = await startUpload(c, a);
    const id = new URL(loc, 'http://x').pathname.split('/').pop() ?? '';
    const res = await c.get(`/v2/${b}/blobs/uploads/${id}`);
    assert.ok(res.status === 404 || res.status === 400, `expected 404 (or 400): ${res.describe()}`);
  });

  test('DELETE of a session -> 204, then GET -> 404 BLOB_UPLOAD_UNKNOWN', async () => {
    const repo = randomRepo('cancel');
    const data = randomBlob(100);
    let loc = await startUpload(c, repo);
    loc = assertSession(await c.patch(loc, { headers: patchHeaders(0, data), body: data }), repo, 202, '0-99');
    const id = new URL(loc, 'http://x').pathname.split('/').pop() ?? '';
    const res = await c.delete(loc);
    assertStatus(res, 204);
    assertError(await c.get(loc), 404, 'BLOB_UPLOAD_UNKNOWN');
    assertError(await c.put(withQuery(loc, { digest: sha256(data) })), 404, 'BLOB_UPLOAD_UNKNOWN');
    assertError(await c.delete(loc), 404, 'BLOB_UPLOAD_UNKNOWN');
    await assertNoBlob(repo, sha256(data));
    const dir = uploadsDir(reg.root, repo);
    if (await exists(dir)) assert.ok(!(await readdir(dir)).includes(id), 'upload directory left behind');
  });
});

describe('cross-repository mount', () => {
  test('from a repository that has the blob -> 201 with Location and digest', async () => {
    const from = randomRepo('src');
    const to = randomRepo('dst');
    const data = randomBlob();
    const { digest } = await pushBlob(c, from, data);
    const res = await c.post(`/v2/${to}/blobs/uploads/?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(from)}`, {
      headers: { 'content-length': '0' },
    });
    await assertCreated(res, to, digest, data);
    assert.equal((await readFile(layerLinkPath(reg.root, to, digest), 'utf8')).trim(), digest);
  });

  test('from a nested repository name', async () => {
    const from = `${randomRepo('src')}/deep/er`;
    const to = `${randomRepo('dst')}/x`;
    const data = randomBlob();
    const { digest } = await pushBlob(c, from, data);
    const res = await c.post(withQuery(`/v2/${to}/blobs/uploads/`, { mount: digest, from }));
    await assertCreated(res, to, digest, data);
  });

  test('when the source repository lacks the blob -> 202 upload session (fallback) that works', async () => {
    const from = randomRepo('src');
    const to = randomRepo('dst');
    await pushBlob(c, from, randomBlob());
    const data = randomBlob();
    const digest = sha256(data);
    // the blob exists in the registry, but not in `from`
    await pushBlob(c, randomRepo('elsewhere'), data);
    const res = await c.post(withQuery(`/v2/${to}/blobs/uploads/`, { mount: digest, from }));
    const loc = assertSession(res, to, 202, '0-0');
    assertError(await c.get(`/v2/${to}/blobs/${digest}`), 404, 'BLOB_UNKNOWN');
    await assertCreated(await c.put(withQuery(loc, { digest }), { headers: OCTET, body: data }), to, digest, data);
  });

  test('when the source repository does not exist -> 202', async () => {
    const to = randomRepo('dst');
    const res = await c.post(withQuery(`/v2/${to}/blobs/uploads/`, { mount: randomDigest(), from: randomRepo('ghost') }));
    assertSession(res, to, 202, '0-0');
  });

  test('when `from` is not a valid repository name -> 202', async () => {
    const from = randomRepo('src');
    const data = randomBlob();
    const { digest } = await pushBlob(c, from, data);
    const to = randomRepo('dst');
    const res = await c.post(withQuery(`/v2/${to}/blobs/uploads/`, { mount: digest, from: `../${from}` }));
    assertSession(res, to, 202, '0-0');
    assertError(await c.get(`/v2/${to}/blobs/${digest}`), 404, 'BLOB_UNKNOWN');
  });
});

describe('automatic content discovery: POST ?mount= without from (spec: "MAY cross-mount the blob if it can be found")', () => {
  let auto: TestRegistry;
  let ca: HttpClient;
  before(async () => {
    auto = await startRegistry({ automaticCrossMount: true });
    ca = newClient(auto.url);
  });
  after(async () => {
    await ca?.close();
    await auto?.close();
  });

  test('off (the default): a blob in another repository -> 202 upload session', async () => {
    const { digest } = await pushBlob(c, randomRepo('src'), randomBlob());
    const to = randomRepo('dst');
    assertSession(await c.post(withQuery(`/v2/${to}/blobs/uploads/`, { mount: digest })), to, 202, '0-0');
    assertError(await c.head(`/v2/${to}/blobs/${digest}`), 404);
  });

  test('on: a blob linked in another repository -> 201, linked into the target', async () => {
    const data = randomBlob();
    const { digest } = await pushBlob(ca, `${randomRepo('src')}/nested`, data);
    const to = randomRepo('dst');
    const res = await ca.post(withQuery(`/v2/${to}/blobs/uploads/`, { mount: digest }), { headers: { 'content-length': '0' } });
    assertStatus(res, 201);
    assert.equal(parseLocation(res).pathname, `/v2/${to}/blobs/${digest}`);
    assert.equal(res.header('docker-content-digest'), digest);
    assert.deepEqual((await ca.get(`/v2/${to}/blobs/${digest}`)).body, data);
    assert.equal((await readFile(layerLinkPath(auto.root, to, digest), 'utf8')).trim(), digest);
  });

  test('on: a blob nowhere in the registry -> 202', async () => {
    const to = randomRepo('dst');
    assertSession(await ca.post(withQuery(`/v2/${to}/blobs/uploads/`, { mount: randomDigest() })), to, 202, '0-0');
  });

  test('on: blob data that no repository links any more (unlinked) -> 202', async () => {
    const from = randomRepo('src');
    const { digest } = await pushBlob(ca, from, randomBlob());
    assertStatus(await ca.delete(`/v2/${from}/blobs/${digest}`), 202);
    assert.equal(await exists(blobDataPath(auto.root, digest)), true, 'the data stays until garbage collection');
    const to = randomRepo('dst');
    assertSession(await ca.post(withQuery(`/v2/${to}/blobs/uploads/`, { mount: digest })), to, 202, '0-0');
  });

  test('on, with access control: only a source the caller may pull is used', async () => {
    const users = { writer: 'writer-pw', admin: 'admin-pw' };
    const secured = await startSecuredRegistry({
      mode: 'basic',
      users,
      automaticCrossMount: true,
      access: [
        { users: ['writer'], repositories: ['team/*', 'public/*'], actions: ['pull'] },
        { users: ['writer'], repositories: ['team/*'], actions: ['push'] },
        { users: ['admin'], repositories: ['**'], actions: ['*'] },
      ],
    });
    const basic = (user: keyof typeof users): Record<string, string> => ({
      authorization: `Basic ${Buffer.from(`${user}:${users[user]}`).toString('base64')}`,
      'content-length': '0',
    });
    const http = newClient(secured.url);
    try {
      const push = async (repo: string): Promise<string> => {
        const data = randomBlob();
        const digest = sha256(data);
        const res = await http.post(withQuery(`/v2/${repo}/blobs/uploads/`, { digest }), {
          headers: { ...basic('admin'), ...OCTET, 'content-length': String(data.length) },
          body: data,
        });
        assertStatus(res, 201);
        return digest;
      };
      const secret = await push('secret/vault');
      const shared = await push('public/base');
      const mount = (digest: string) => http.post(withQuery('/v2/team/app/blobs/uploads/', { mount: digest }), { headers: basic('writer') });
      assertStatus(await mount(secret), 202);
      assert.equal((await http.head(`/v2/team/app/blobs/${secret}`, { headers: basic('admin') })).status, 404, 'nothing was mounted from secret/');
      assertStatus(await mount(shared), 201);
      assert.equal((await http.head(`/v2/team/app/blobs/${shared}`, { headers: basic('writer') })).status, 200);
    } finally {
      await http.close();
      await secured.close();
    }
  });
});

describe('sha512 blobs', () => {
  test('single POST ?digest=sha512:… -> 201, pullable by its sha512 digest', async () => {
    const repo = randomRepo('sha512');
    const data = randomBlob();
    const digest = sha512(data);
    const res = await c.post(withQuery(`/v2/${repo}/blobs/uploads/`, { digest }), { headers: OCTET, body: data });
    await assertCreated(res, repo, digest, data);
    const head = await c.head(`/v2/${repo}/blobs/${digest}`);
    assertStatus(head, 200);
    assert.equal(head.header('content-length'), String(data.length));
    const dcd = head.header('docker-content-digest');
    assert.ok(dcd && digestMatches(dcd, data), `Docker-Content-Digest ${dcd} does not match the content`);
  });

  test('POST, PATCH, PUT ?digest=sha512:… -> 201, pullable', async () => {
    const repo = randomRepo('sha512');
    const data = randomBlob(5000);
    const digest = sha512(data);
    let loc = await startUpload(c, repo);
    loc = assertSession(await c.patch(loc, { headers: patchHeaders(0, data.subarray(0, 2000)), body: data.subarray(0, 2000) }), repo, 202, '0-1999');
    loc = assertSession(await c.patch(loc, { headers: patchHeaders(2000, data.subarray(2000)), body: data.subarray(2000) }), repo, 202, '0-4999');
    await assertCreated(await c.put(withQuery(loc, { digest })), repo, digest, data);
  });

  test('POST ?digest-algorithm=sha512 then PUT -> 201 (spec end-4c)', async () => {
    const repo = randomRepo('sha512');
    const data = randomBlob();
    const digest = sha512(data);
    const res = await c.post(`/v2/${repo}/blobs/uploads/?digest-algorithm=sha512`, { headers: { 'content-length': '0' } });
    const loc = assertSession(res, repo, 202);
    await assertCreated(await c.put(withQuery(loc, { digest }), { headers: OCTET, body: data }), repo, digest, data);
  });

  test('a sha512 PUT whose digest does not match -> 400 DIGEST_INVALID', async () => {
    const repo = randomRepo('sha512');
    const data = randomBlob();
    const claimed = sha512(randomBlob());
    const loc = await startUpload(c, repo);
    assertError(await c.put(withQuery(loc, { digest: claimed }), { headers: OCTET, body: data }), 400, 'DIGEST_INVALID');
    assertError(await c.head(`/v2/${repo}/blobs/${claimed}`), 404);
  });
});

describe('restart on the same storage root', () => {
  test('blobs, manifests, tags and an unfinished upload survive a restart (spec use case "Resumable Push")', async () => {
    const root = await mkdtemp(join(tmpdir(), 'stowage-it-restart-'));
    const repo = randomRepo('persist');
    const data = randomBlob(3000);
    try {
      const first = await startRegistry({ root });
      const c1 = newClient(first.url);
      let img: Awaited<ReturnType<typeof pushImage>>;
      let loc: string;
      try {
        img = await pushImage(c1, repo, 'v1');
        loc = await startUpload(c1, repo);
        const head = data.subarray(0, 1000);
        loc = assertSession(await c1.patch(loc, { headers: patchHeaders(0, head), body: head }), repo, 202, '0-999');
      } finally {
        await c1.close();
        await first.close();
      }

      const second = await startRegistry({ root });
      const c2 = newClient(second.url);
      try {
        const m = await c2.get(`/v2/${repo}/manifests/v1`, { headers: { accept: img.mediaType } });
        assertStatus(m, 200);
        assert.deepEqual(m.body, img.bytes);
        assert.deepEqual((await c2.get(`/v2/${repo}/tags/list`)).json(), { name: repo, tags: ['v1'] });
        for (const layer of img.layers) assertStatus(await c2.head(`/v2/${repo}/blobs/${layer.digest}`), 200);
        // the unfinished upload resumes where it stopped
        assertSession(await c2.get(loc), repo, 204, '0-999');
        const rest = data.subarray(1000);
        const next = assertSession(await c2.patch(loc, { headers: patchHeaders(1000, rest), body: rest }), repo, 202, '0-2999');
        assertStatus(await c2.put(withQuery(next, { digest: sha256(data) })), 201);
        const got = await c2.get(`/v2/${repo}/blobs/${sha256(data)}`);
        assertStatus(got, 200);
        assert.deepEqual(got.body, data);
      } finally {
        await c2.close();
        await second.close();
      }
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
