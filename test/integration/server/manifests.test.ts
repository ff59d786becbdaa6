/**
 * Pushing, pulling and deleting manifests (spec: "Pulling manifests", "Pushing Manifests",
 * "Pushing Manifests with Subject", "Deleting tags", "Deleting Manifests"), for the four manifest
 * types a registry sees: OCI image manifest, OCI index, Docker schema 2, Docker manifest list.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { startRegistry, type TestRegistry } from '../../support/registry.js';
import type { HttpClient } from '../../support/http.js';
import {
  MT,
  assertError,
  assertStatus,
  blobDataPath,
  buildImage,
  buildIndex,
  exists,
  manifestBytes,
  mediaTypeOf,
  parseLocation,
  pushBlob,
  pushImage,
  pushIndex,
  pushManifest,
  putManifest,
  randomBlob,
  randomDigest,
  randomRepo,
  randomTag,
  sha512,
  digestMatches,
  revisionLinkPath,
  sha256,
  tagLinkPath,
  type BuiltManifest,
  newClient,
} from '../../support/registry-images.js';

let reg: TestRegistry;
let noDelete: TestRegistry;
let small: TestRegistry;
let c: HttpClient;
let cn: HttpClient;
let cs: HttpClient;

before(async () => {
  reg = await startRegistry();
  noDelete = await startRegistry({ deleteEnabled: false });
  small = await startRegistry({ maxManifestBytes: 1024 });
  c = newClient(reg.url);
  cn = newClient(noDelete.url);
  cs = newClient(small.url);
});

after(async () => {
  await c?.close();
  await cn?.close();
  await cs?.close();
  await reg?.close();
  await noDelete?.close();
  await small?.close();
});

/** GET and HEAD by every reference; exact bytes, Content-Type, Docker-Content-Digest, length. */
async function assertPullable(client: HttpClient, repo: string, m: BuiltManifest, refs: string[]): Promise<void> {
  for (const ref of [...refs, m.digest]) {
    const get = await client.get(`/v2/${repo}/manifests/${ref}`, { headers: { accept: m.mediaType } });
    assertStatus(get, 200);
    assert.deepEqual(get.body, m.bytes, `GET ${ref}: bytes differ`);
    assert.equal(mediaTypeOf(get.header('content-type')), m.mediaType, `GET ${ref}: Content-Type`);
    assert.equal(get.header('docker-content-digest'), m.digest, `GET ${ref}: Docker-Content-Digest`);
    assert.equal(get.header('content-length'), String(m.size), `GET ${ref}: Content-Length`);

    const head = await client.head(`/v2/${repo}/manifests/${ref}`, { headers: { accept: m.mediaType } });
    assertStatus(head, 200);
    assert.equal(head.body.length, 0);
    assert.equal(mediaTypeOf(head.header('content-type')), m.mediaType, `HEAD ${ref}: Content-Type`);
    assert.equal(head.header('docker-content-digest'), m.digest, `HEAD ${ref}: Docker-Content-Digest`);
    assert.equal(head.header('content-length'), String(m.size), `HEAD ${ref}: Content-Length`);
  }
}

async function pushAndCheck(repo: string, m: BuiltManifest): Promise<void> {
  const tag = randomTag();
  const res = await putManifest(c, repo, tag, m);
  assertStatus(res, 201);
  assert.equal(res.header('docker-content-digest'), m.digest);
  assert.equal(m.digest, sha256(m.bytes));
  const loc = parseLocation(res);
  assert.ok(
    loc.pathname === `/v2/${repo}/manifests/${m.digest}` || loc.pathname === `/v2/${repo}/manifests/${tag}`,
    `Location ${loc.raw} is not a manifest URL of ${repo}`,
  );
  const viaLocation = await c.get(loc.raw, { headers: { accept: m.mediaType } });
  assertStatus(viaLocation, 200);
  assert.deepEqual(viaLocation.body, m.bytes);
  await assertPullable(c, repo, m, [tag]);
  // on disk: the tag link, the revision link and the manifest bytes as a blob
  assert.equal((await readFile(tagLinkPath(reg.root, repo, tag), 'utf8')).trim(), m.digest);
  assert.equal((await readFile(revisionLinkPath(reg.root, repo, m.digest), 'utf8')).trim(), m.digest);
  assert.deepEqual(await readFile(blobDataPath(reg.root, m.digest)), m.bytes);
}

describe('push and pull each manifest type', () => {
  test('OCI image manifest', async () => {
    const repo = randomRepo('oci');
    await pushAndCheck(repo, await buildImage(c, repo, { kind: 'oci', layers: 3 }));
  });

  test('OCI image manifest with no layers and annotations', async () => {
    const repo = randomRepo('oci');
    await pushAndCheck(repo, await buildImage(c, repo, { kind: 'oci', layers: 0, annotations: { 'org.example.k': 'v' } }));
  });

  test('OCI image index', async () => {
    const repo = randomRepo('ociidx');
    const a = await pushImage(c, repo, undefined, { kind: 'oci' });
    const b = await pushImage(c, repo, undefined, { kind: 'oci' });
    const idx = buildIndex([
      { ...a.descriptor, platform: { architecture: 'amd64', os: 'linux' } },
      { ...b.descriptor, platform: { architecture: 'arm64', os: 'linux', variant: 'v8' } },
    ]);
    await pushAndCheck(repo, idx);
  });

  test('OCI index of indexes', async () => {
    const repo = randomRepo('ociidx');
    const inner = await pushIndex(c, repo, undefined, { kind: 'oci' });
    await pushAndCheck(repo, buildIndex([inner.descriptor]));
  });

  test('Docker schema 2 manifest', async () => {
    const repo = randomRepo('docker');
    await pushAndCheck(repo, await buildImage(c, repo, { kind: 'docker', layers: 2 }));
  });

  test('Docker manifest list', async () => {
    const repo = randomRepo('dockerlist');
    const a = await pushImage(c, repo, undefined, { kind: 'docker' });
    const b = await pushImage(c, repo, undefined, { kind: 'docker' });
    const list = buildIndex(
      [
        { ...a.descriptor, platform: { architecture: 'amd64', os: 'linux' } },
        { ...b.descriptor, platform: { architecture: 'arm', os: 'linux', variant: 'v7' } },
      ],
      { kind: 'docker' },
    );
    await pushAndCheck(repo, list);
  });

  test('PUT by digest -> 201, pullable by digest, not tagged', async () => {
    const repo = randomRepo('bydigest');
    const img = await buildImage(c, repo);
    const res = await putManifest(c, repo, img.digest, img);
    assertStatus(res, 201);
    assert.equal(res.header('docker-content-digest'), img.digest);
    assert.equal(parseLocation(res).pathname, `/v2/${repo}/manifests/${img.digest}`);
    await assertPullable(c, repo, img, []);
  });

  test('Content-Type parameters on PUT are ignored (spec: registry SHOULD ignore them)', async () => {
    const repo = randomRepo('ctparams');
    const img = await buildImage(c, repo);
    const res = await c.put(`/v2/${repo}/manifests/v1`, { headers: { 'content-type': `${img.mediaType}; charset=utf-8` }, body: img.bytes });
    assertStatus(res, 201);
    assert.equal(res.header('docker-content-digest'), img.digest);
    await assertPullable(c, repo, img, ['v1']);
  });

  test('an OCI manifest without a mediaType field is served with the pushed Content-Type', async () => {
    const repo = randomRepo('nomt');
    const img = await buildImage(c, repo);
    const { mediaType: _drop, ...rest } = img.json;
    const bytes = manifestBytes(rest);
    const m = {
      mediaType: MT.ociManifest,
      bytes,
      digest: sha256(bytes),
      size: bytes.length,
      json: rest,
      descriptor: { mediaType: MT.ociManifest, digest: sha256(bytes), size: bytes.length },
    };
    assertStatus(await putManifest(c, repo, 'v1', m), 201);
    await assertPullable(c, repo, m, ['v1']);
  });

  test('PUT by a sha512 digest -> 201 and Docker-Content-Digest equals the client digest (spec: MUST be equal)', async () => {
    const repo = randomRepo('sha512m');
    const img = await buildImage(c, repo);
    const d512 = sha512(img.bytes);
    const res = await putManifest(c, repo, d512, img);
    assertStatus(res, 201);
    assert.equal(res.header('docker-content-digest'), d512);
    const got = await c.get(`/v2/${repo}/manifests/${d512}`, { headers: { accept: img.mediaType } });
    assertStatus(got, 200);
    assert.deepEqual(got.body, img.bytes);
    assert.ok(digestMatches(got.header('docker-content-digest') ?? '', got.body), 'Docker-Content-Digest must match the body');
  });

  test('the same manifest pushed twice -> 201 both times', async () => {
    const repo = randomRepo('twice');
    const img = await buildImage(c, repo);
    await pushManifest(c, repo, img, 'one');
    await pushManifest(c, repo, img, 'one');
    await pushManifest(c, repo, img);
    await assertPullable(c, repo, img, ['one']);
  });

  test('pushing the same tag again moves it', async () => {
    const repo = randomRepo('move');
    const first = await pushImage(c, repo, 'latest');
    const second = await pushImage(c, repo, 'latest');
    assert.notEqual(first.digest, second.digest);
    await assertPullable(c, repo, second, ['latest']);
    await assertPullable(c, repo, first, []);
    assert.equal((await readFile(tagLinkPath(reg.root, repo, 'latest'), 'utf8')).trim(), second.digest);
  });

  test('a tag can move to a manifest of another type', async () => {
    const repo = randomRepo('move');
    await pushImage(c, repo, 'v1', { kind: 'docker' });
    const idx = await pushIndex(c, repo, 'v1', { kind: 'oci' });
    await assertPullable(c, repo, idx, ['v1']);
  });
});

describe('PUT with ?tag= (end-7b)', () => {
  test('PUT by digest with ?tag=a&tag=b -> 201, OCI-Tag names them, both resolve', async () => {
    const repo = randomRepo('multitag');
    const img = await buildImage(c, repo);
    const res = await c.put(`/v2/${repo}/manifests/${img.digest}?tag=a&tag=b`, { headers: { 'content-type': img.mediaType }, body: img.bytes });
    assertStatus(res, 201);
    assert.equal(res.header('docker-content-digest'), img.digest);
    const tags = res.headerList('oci-tag');
    assert.deepEqual([...tags].sort(), ['a', 'b'], `OCI-Tag: ${res.header('oci-tag')}`);
    await assertPullable(c, repo, img, ['a', 'b']);
    const list = (await c.get(`/v2/${repo}/tags/list`)).json<{ tags: string[] }>();
    assert.deepEqual(list.tags, ['a', 'b']);
  });

  test('ten tags in one request', async () => {
    const repo = randomRepo('multitag');
    const img = await buildImage(c, repo);
    const tags = Array.from({ length: 10 }, (_, i) => `v${i}.0`);
    const res = await c.put(`/v2/${repo}/manifests/${img.digest}?${tags.map((t) => `tag=${t}`).join('&')}`, {
      headers: { 'content-type': img.mediaType },
      body: img.bytes,
    });
    assertStatus(res, 201);
    assert.deepEqual([...res.headerList('oci-tag')].sort(), [...tags].sort());
    for (const t of tags) assertStatus(await c.head(`/v2/${repo}/manifests/${t}`), 200);
  });

  test('an invalid tag among ?tag= -> 400 and nothing is tagged', async () => {
    const repo = randomRepo('multitag');
    const img = await buildImage(c, repo);
    await pushManifest(c, repo, await buildImage(c, repo), 'keep');
    const res = await c.put(`/v2/${repo}/manifests/${img.digest}?tag=good&tag=-bad`, { headers: { 'content-type': img.mediaType }, body: img.bytes });
    assert.equal(res.status, 400, res.describe());
    assertError(await c.get(`/v2/${repo}/manifests/good`), 404, 'MANIFEST_UNKNOWN');
  });
});

describe('subject', () => {
  test('a manifest with subject -> OCI-Subject header, accepted though the subject does not exist', async () => {
    const repo = randomRepo('subject');
    const subject = { mediaType: MT.ociManifest, digest: randomDigest(), size: 1234 };
    const img = await buildImage(c, repo, { artifactType: 'application/vnd.example.sig', subject });
    const res = await putManifest(c, repo, img.digest, img);
    assertStatus(res, 201);
    assert.equal(res.header('oci-subject'), subject.digest);
    await assertPullable(c, repo, img, []);
  });

  test('an index with subject -> OCI-Subject header', async () => {
    const repo = randomRepo('subject');
    const subj = await pushImage(c, repo, 'base');
    const child = await pushImage(c, repo);
    const idx = buildIndex([child.descriptor], { subject: subj.descriptor, artifactType: 'application/vnd.example.bundle' });
    const res = await putManifest(c, repo, idx.digest, idx);
    assertStatus(res, 201);
    assert.equal(res.header('oci-subject'), subj.digest);
  });

  test('a manifest without subject has no OCI-Subject header', async () => {
    const repo = randomRepo('subject');
    const img = await buildImage(c, repo);
    const res = await putManifest(c, repo, 'x', img);
    assertStatus(res, 201);
    assert.equal(res.header('oci-subject'), undefined);
  });
});

describe('rejected manifests', () => {
  test('a layer blob that was never pushed -> 400 MANIFEST_BLOB_UNKNOWN', async () => {
    const repo = randomRepo('reject');
    const img = await buildImage(c, repo, { layers: 2 });
    const missing = { mediaType: MT.ociLayer, digest: randomDigest(), size: 10 };
    const m = { ...img.json, layers: [...(img.json.layers as unknown[]), missing] };
    const bytes = manifestBytes(m);
    const res = await putManifest(c, repo, 'bad', { bytes, mediaType: MT.ociManifest });
    assertError(res, 400, 'MANIFEST_BLOB_UNKNOWN');
    assertError(await c.get(`/v2/${repo}/manifests/bad`), 404, 'MANIFEST_UNKNOWN');
    assertError(await c.get(`/v2/${repo}/manifests/${sha256(bytes)}`), 404, 'MANIFEST_UNKNOWN');
  });

  test('a config blob that was never pushed -> 400 MANIFEST_BLOB_UNKNOWN', async () => {
    const repo = randomRepo('reject');
    const img = await buildImage(c, repo, { layers: 1 });
    const m = { ...img.json, config: { mediaType: MT.ociConfig, digest: randomDigest(), size: 100 } };
    assertError(await putManifest(c, repo, 'bad', { bytes: manifestBytes(m), mediaType: MT.ociManifest }), 400, 'MANIFEST_BLOB_UNKNOWN');
  });

  test('Docker schema 2 with a missing layer -> 400 MANIFEST_BLOB_UNKNOWN', async () => {
    const repo = randomRepo('reject');
    const img = await buildImage(c, repo, { kind: 'docker', pushBlobs: false });
    await pushBlob(c, repo, randomBlob());
    assertError(await putManifest(c, repo, 'bad', img), 400, 'MANIFEST_BLOB_UNKNOWN');
  });

  test('blobs that exist only in another repository -> 400 MANIFEST_BLOB_UNKNOWN', async () => {
    const other = randomRepo('other');
    const repo = randomRepo('reject');
    const img = await buildImage(c, other);
    await pushBlob(c, repo, randomBlob());
    assertError(await putManifest(c, repo, 'bad', img), 400, 'MANIFEST_BLOB_UNKNOWN');
  });

  test('a blob deleted from the repository can no longer be referenced -> 400 MANIFEST_BLOB_UNKNOWN', async () => {
    const repo = randomRepo('reject');
    const img = await buildImage(c, repo, { layers: 2 });
    const gone = img.layers[1];
    assert.ok(gone);
    assertStatus(await c.delete(`/v2/${repo}/blobs/${gone.digest}`), 202);
    assertError(await putManifest(c, repo, 'bad', img), 400, 'MANIFEST_BLOB_UNKNOWN');
  });

  test('an index whose child exists only in another repository -> 400', async () => {
    const other = randomRepo('other');
    const repo = randomRepo('reject');
    const child = await pushImage(c, other, 'v1');
    await pushImage(c, repo, 'v1');
    assertError(await putManifest(c, repo, 'bad', buildIndex([child.descriptor])), 400, ['MANIFEST_BLOB_UNKNOWN', 'MANIFEST_UNKNOWN']);
  });

  test('an OCI index referencing a missing child manifest -> 400', async () => {
    const repo = randomRepo('reject');
    const present = await pushImage(c, repo);
    const idx = buildIndex([present.descriptor, { mediaType: MT.ociManifest, digest: randomDigest(), size: 500 }]);
    assertError(await putManifest(c, repo, 'bad', idx), 400, ['MANIFEST_BLOB_UNKNOWN', 'MANIFEST_UNKNOWN']);
  });

  test('a Docker manifest list referencing a missing child -> 400', async () => {
    const repo = randomRepo('reject');
    const present = await pushImage(c, repo, undefined, { kind: 'docker' });
    const list = buildIndex(
      [
        { ...present.descriptor, platform: { architecture: 'amd64', os: 'linux' } },
        { mediaType: MT.dockerManifest, digest: randomDigest(), size: 500, platform: { architecture: 'arm64', os: 'linux' } },
      ],
      { kind: 'docker' },
    );
    assertError(await putManifest(c, repo, 'bad', list), 400, ['MANIFEST_BLOB_UNKNOWN', 'MANIFEST_UNKNOWN']);
  });

  test('invalid JSON -> 400 MANIFEST_INVALID', async () => {
    const repo = randomRepo('reject');
    for (const body of ['{"schemaVersion": 2, "mediaType": ', 'not json at all', '']) {
      const res = await c.put(`/v2/${repo}/manifests/bad`, { headers: { 'content-type': MT.ociManifest }, body: Buffer.from(body) });
      assertError(res, 400, 'MANIFEST_INVALID');
    }
    assertError(await c.get(`/v2/${repo}/manifests/bad`), 404, ['MANIFEST_UNKNOWN', 'NAME_UNKNOWN']);
  });

  test('schema 1 (schemaVersion: 1) -> 400 MANIFEST_INVALID', async () => {
    const repo = randomRepo('reject');
    const layer = await pushBlob(c, repo, randomBlob());
    const schema1 = {
      schemaVersion: 1,
      name: repo,
      tag: 'old',
      architecture: 'amd64',
      fsLayers: [{ blobSum: layer.digest }],
      history: [{ v1Compatibility: JSON.stringify({ id: 'a'.repeat(64) }) }],
    };
    for (const mediaType of [MT.dockerSchema1, MT.dockerSchema1Signed]) {
      const res = await putManifest(c, repo, 'old', { bytes: manifestBytes(schema1), mediaType });
      assertError(res, 400, 'MANIFEST_INVALID');
    }
  });

  test('PUT by digest whose bytes do not match -> 400 DIGEST_INVALID', async () => {
    const repo = randomRepo('reject');
    const img = await buildImage(c, repo);
    const wrong = randomDigest();
    assertError(await putManifest(c, repo, wrong, img), 400, 'DIGEST_INVALID');
    assertError(await c.get(`/v2/${repo}/manifests/${wrong}`), 404, ['MANIFEST_UNKNOWN', 'NAME_UNKNOWN']);
    assertError(await c.get(`/v2/${repo}/manifests/${img.digest}`), 404, ['MANIFEST_UNKNOWN', 'NAME_UNKNOWN']);
  });

  test('a body over the size limit -> 413 (registry with maxManifestBytes 1024)', async () => {
    const repo = randomRepo('big');
    const big = await buildImage(cs, repo, { padTo: 2048 });
    const res = await putManifest(cs, repo, 'big', big);
    assert.equal(res.status, 413, res.describe());
    assertError(await cs.get(`/v2/${repo}/manifests/big`), 404, ['MANIFEST_UNKNOWN', 'NAME_UNKNOWN']);
    // just under and exactly at the limit are accepted
    for (const size of [1000, 1024]) {
      const ok = await buildImage(cs, repo, { padTo: size, layers: 1 });
      assertStatus(await putManifest(cs, repo, `s${size}`, ok), 201);
    }
    const over = await buildImage(cs, repo, { padTo: 1025, layers: 1 });
    assert.equal((await putManifest(cs, repo, 'over', over)).status, 413);
  });

  test('a 4 MB manifest is accepted with the default limit (spec: at least 4 megabytes)', async () => {
    const repo = randomRepo('big');
    const img = await buildImage(c, repo, { padTo: 4_000_000, layers: 1 });
    const res = await putManifest(c, repo, 'large', img);
    assertStatus(res, 201);
    await assertPullable(c, repo, img, ['large']);
  });
});

describe('unknown manifests', () => {
  test('unknown tag and unknown digest -> 404 MANIFEST_UNKNOWN (GET) and 404 (HEAD)', async () => {
    const repo = randomRepo('unknown');
    await pushImage(c, repo, 'exists');
    assertError(await c.get(`/v2/${repo}/manifests/nope`), 404, 'MANIFEST_UNKNOWN');
    assertError(await c.get(`/v2/${repo}/manifests/${randomDigest()}`), 404, 'MANIFEST_UNKNOWN');
    assertError(await c.head(`/v2/${repo}/manifests/nope`), 404);
    assertError(await c.head(`/v2/${repo}/manifests/${randomDigest()}`), 404);
  });

  test('a reference that is no valid tag (.INVALID_MANIFEST_NAME) -> 404 MANIFEST_UNKNOWN on GET/HEAD/DELETE, 400 TAG_INVALID on PUT', async () => {
    const repo = randomRepo('unknown');
    const img = await pushImage(c, repo, 'exists');
    for (const ref of ['.INVALID_MANIFEST_NAME', '-x', 'a'.repeat(129)]) {
      assertError(await c.get(`/v2/${repo}/manifests/${ref}`), 404, 'MANIFEST_UNKNOWN');
      assertError(await c.head(`/v2/${repo}/manifests/${ref}`), 404);
      assertError(await c.delete(`/v2/${repo}/manifests/${ref}`), 404, 'MANIFEST_UNKNOWN');
      assertError(await putManifest(c, repo, ref, img), 400, 'TAG_INVALID');
    }
    assertError(await cn.delete(`/v2/${repo}/manifests/.INVALID_MANIFEST_NAME`), 404, 'MANIFEST_UNKNOWN');
  });

  test('a manifest in an unknown repository -> 404', async () => {
    assertError(await c.get(`/v2/${randomRepo('ghost')}/manifests/latest`), 404, ['MANIFEST_UNKNOWN', 'NAME_UNKNOWN']);
  });

  test('a manifest is only visible in its repository', async () => {
    const a = randomRepo('own');
    const b = randomRepo('other');
    const img = await pushImage(c, a, 'v1');
    await pushImage(c, b, 'v1');
    assertError(await c.get(`/v2/${b}/manifests/${img.digest}`), 404, 'MANIFEST_UNKNOWN');
  });

  test('a blob digest is not a manifest', async () => {
    const repo = randomRepo('unknown');
    const blob = await pushBlob(c, repo, randomBlob());
    assertError(await c.get(`/v2/${repo}/manifests/${blob.digest}`), 404, 'MANIFEST_UNKNOWN');
  });
});

describe('DELETE manifests and tags', () => {
  test('DELETE by digest -> 202; then the digest and every tag pointing at it -> 404', async () => {
    const repo = randomRepo('del');
    const img = await pushImage(c, repo, 't1');
    await pushManifest(c, repo, img, 't2');
    const keep = await pushImage(c, repo, 'keep');
    const res = await c.delete(`/v2/${repo}/manifests/${img.digest}`);
    assertStatus(res, 202);
    for (const ref of [img.digest, 't1', 't2']) {
      assertError(await c.get(`/v2/${repo}/manifests/${ref}`), 404, 'MANIFEST_UNKNOWN');
      assertError(await c.head(`/v2/${repo}/manifests/${ref}`), 404);
    }
    const list = (await c.get(`/v2/${repo}/tags/list`)).json<{ tags: string[] }>();
    assert.deepEqual(list.tags, ['keep']);
    await assertPullable(c, repo, keep, ['keep']);
    assert.equal(await exists(tagLinkPath(reg.root, repo, 't1')), false);
    assertError(await c.delete(`/v2/${repo}/manifests/${img.digest}`), 404, 'MANIFEST_UNKNOWN');
  });

  test('a deleted manifest can be pushed again', async () => {
    const repo = randomRepo('del');
    const img = await pushImage(c, repo, 'v');
    assertStatus(await c.delete(`/v2/${repo}/manifests/${img.digest}`), 202);
    await pushManifest(c, repo, img, 'v');
    await assertPullable(c, repo, img, ['v']);
  });

  test('DELETE by tag -> 202; the tag is gone, the manifest stays', async () => {
    const repo = randomRepo('deltag');
    const img = await pushImage(c, repo, 'gone');
    await pushManifest(c, repo, img, 'stays');
    assertStatus(await c.delete(`/v2/${repo}/manifests/gone`), 202);
    assertError(await c.get(`/v2/${repo}/manifests/gone`), 404, 'MANIFEST_UNKNOWN');
    await assertPullable(c, repo, img, ['stays']);
    const list = (await c.get(`/v2/${repo}/tags/list`)).json<{ tags: string[] }>();
    assert.deepEqual(list.tags, ['stays']);
  });

  test('DELETE of an unknown digest or tag -> 404', async () => {
    const repo = randomRepo('del');
    await pushImage(c, repo, 'v');
    assertError(await c.delete(`/v2/${repo}/manifests/${randomDigest()}`), 404, 'MANIFEST_UNKNOWN');
    assertError(await c.delete(`/v2/${repo}/manifests/nope`), 404, 'MANIFEST_UNKNOWN');
  });

  test('DELETE in an unknown repository -> 404', async () => {
    assertError(await c.delete(`/v2/${randomRepo('ghost')}/manifests/${randomDigest()}`), 404, ['MANIFEST_UNKNOWN', 'NAME_UNKNOWN']);
  });

  test('with deletion disabled -> 405 UNSUPPORTED for digest and tag; nothing changes', async () => {
    const repo = randomRepo('nodel');
    const img = await pushImage(cn, repo, 'v1');
    assertError(await cn.delete(`/v2/${repo}/manifests/${img.digest}`), 405, 'UNSUPPORTED');
    assertError(await cn.delete(`/v2/${repo}/manifests/v1`), 405, 'UNSUPPORTED');
    await assertPullable(cn, repo, img, ['v1']);
  });
});

describe('Accept negotiation', () => {
  test('OCI index: Accept listing only image-manifest types -> 404 MANIFEST_UNKNOWN', async () => {
    const repo = randomRepo('accept');
    const idx = await pushIndex(c, repo, 'multi', { kind: 'oci' });
    for (const accept of [MT.ociManifest, `${MT.ociManifest}, ${MT.dockerManifest}`]) {
      for (const ref of ['multi', idx.digest]) {
        assertError(await c.get(`/v2/${repo}/manifests/${ref}`, { headers: { accept } }), 404, 'MANIFEST_UNKNOWN');
        assertError(await c.head(`/v2/${repo}/manifests/${ref}`, { headers: { accept } }), 404);
      }
    }
  });

  test('OCI index: no Accept, */*, its type or a list with its type -> 200', async () => {
    const repo = randomRepo('accept');
    const idx = await pushIndex(c, repo, 'multi', { kind: 'oci' });
    const accepts: Array<string | undefined> = [
      undefined,
      '*/*',
      MT.ociIndex,
      `${MT.ociManifest}, ${MT.ociIndex}`,
      `${MT.dockerManifest}, ${MT.dockerList}, ${MT.ociManifest}, ${MT.ociIndex}`,
    ];
    for (const accept of accepts) {
      const res = await c.get(`/v2/${repo}/manifests/multi`, { headers: accept === undefined ? {} : { accept } });
      assertStatus(res, 200);
      assert.deepEqual(res.body, idx.bytes, `Accept: ${accept}`);
      assert.equal(mediaTypeOf(res.header('content-type')), MT.ociIndex);
    }
  });

  test('Accept as repeated headers counts all of them', async () => {
    const repo = randomRepo('accept');
    const idx = await pushIndex(c, repo, 'multi', { kind: 'oci' });
    const res = await c.get(`/v2/${repo}/manifests/multi`, { headers: { accept: [MT.ociManifest, MT.ociIndex] } });
    assertStatus(res, 200);
    assert.deepEqual(res.body, idx.bytes);
  });

  test('Docker manifest list: Accept of only schema 2 -> 404 MANIFEST_UNKNOWN; list type -> 200', async () => {
    // Children are arm64/arm only: distribution 3 would otherwise serve the linux/amd64 child when
    // the list is fetched by tag with a schema-2-only Accept; with no such child it answers 404.
    const repo = randomRepo('accept');
    const list = await pushIndex(c, repo, 'multi', {
      kind: 'docker',
      platforms: [
        { architecture: 'arm64', os: 'linux' },
        { architecture: 'arm', os: 'linux' },
      ],
    });
    assertError(await c.get(`/v2/${repo}/manifests/multi`, { headers: { accept: MT.dockerManifest } }), 404, 'MANIFEST_UNKNOWN');
    for (const accept of [undefined, '*/*', MT.dockerList, `${MT.dockerManifest}, ${MT.dockerList}`]) {
      const res = await c.get(`/v2/${repo}/manifests/multi`, { headers: accept === undefined ? {} : { accept } });
      assertStatus(res, 200);
      assert.deepEqual(res.body, list.bytes, `Accept: ${accept}`);
      assert.equal(mediaTypeOf(res.header('content-type')), MT.dockerList);
    }
  });

  test('image manifests are served with no Accept and with */*', async () => {
    const repo = randomRepo('accept');
    const oci = await pushImage(c, repo, 'oci', { kind: 'oci' });
    const docker = await pushImage(c, repo, 'docker', { kind: 'docker' });
    for (const [tag, m] of [
      ['oci', oci],
      ['docker', docker],
    ] as const) {
      for (const accept of [undefined, '*/*']) {
        const res = await c.get(`/v2/${repo}/manifests/${tag}`, { headers: accept === undefined ? {} : { accept } });
        assertStatus(res, 200);
        assert.deepEqual(res.body, m.bytes);
        assert.equal(mediaTypeOf(res.header('content-type')), m.mediaType);
      }
    }
  });
});
