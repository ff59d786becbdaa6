/**
 * The referrers API (spec: "Listing Referrers", end-12a/12b, "Pushing Manifests with Subject").
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { HttpClient, Res } from '../../support/http.js';
import {
  MT,
  assertStatus,
  buildImage,
  buildIndex,
  mediaTypeOf,
  pushBlob,
  pushEmptyConfig,
  pushImage,
  pushManifest,
  randomBlob,
  randomDigest,
  randomRepo,
  type BuiltManifest,
  type Descriptor,
  registryForFile,
} from '../../support/registry-images.js';

let c: HttpClient;

registryForFile((_reg, client) => {
  c = client;
});

const SBOM = 'application/vnd.example.sbom.v1';
const SIG_CONFIG = 'application/vnd.example.signature.config.v1+json';

interface Index {
  schemaVersion: number;
  mediaType: string;
  manifests: Descriptor[];
}

function assertIndex(res: Res): Index {
  assertStatus(res, 200);
  assert.equal(mediaTypeOf(res.header('content-type')), MT.ociIndex);
  const body = res.json<Index>();
  assert.equal(body.schemaVersion, 2);
  assert.equal(body.mediaType, MT.ociIndex);
  assert.ok(Array.isArray(body.manifests), `manifests is not an array: ${res.text}`);
  return body;
}

function byDigest(a: Descriptor, b: Descriptor): number {
  return a.digest < b.digest ? -1 : a.digest > b.digest ? 1 : 0;
}

/** The descriptor the spec requires for a referrer. */
function expected(m: BuiltManifest, artifactType: string | undefined, annotations: Record<string, string> | undefined): Descriptor {
  const d: Descriptor = { mediaType: m.mediaType, size: m.size, digest: m.digest };
  if (artifactType !== undefined) d.artifactType = artifactType;
  if (annotations !== undefined) d.annotations = annotations;
  return d;
}

/** Compares descriptors on the fields the spec defines (a registry may add others, e.g. data). */
function normalise(list: Descriptor[]): Descriptor[] {
  return list
    .map((d) => {
      const out: Descriptor = { mediaType: d.mediaType, size: d.size, digest: d.digest };
      if (d.artifactType !== undefined) out.artifactType = d.artifactType;
      if (d.annotations !== undefined) out.annotations = d.annotations;
      return out;
    })
    .sort(byDigest);
}

describe('GET /v2/<name>/referrers/<digest>', () => {
  let repo: string;
  let subject: BuiltManifest;
  let sbom: BuiltManifest;
  let sig: BuiltManifest;
  let bundle: BuiltManifest;
  const sbomAnn = { 'org.opencontainers.image.created': '2024-01-01T00:00:00Z', 'org.example.sbom.format': 'json' };
  const sigAnn = { 'org.example.signature.fingerprint': 'abcd' };
  const bundleAnn = { 'org.example.bundle': 'yes' };

  before(async () => {
    repo = randomRepo('refs');
    subject = await pushImage(c, repo, 'app');
    const empty = await pushEmptyConfig(c, repo);
    // 1. artifact manifest with artifactType and an empty config
    sbom = await buildImage(c, repo, {
      artifactType: SBOM,
      config: { mediaType: empty.mediaType, data: '{}' },
      layers: 1,
      subject: subject.descriptor,
      annotations: sbomAnn,
    });
    await pushManifest(c, repo, sbom);
    // 2. no artifactType: the descriptor takes the config's mediaType; pushed by tag
    sig = await buildImage(c, repo, {
      config: { mediaType: SIG_CONFIG, data: JSON.stringify({ sig: randomBlob(16).toString('hex') }) },
      layers: 1,
      subject: subject.descriptor,
      annotations: sigAnn,
    });
    await pushManifest(c, repo, sig, 'signature');
    // 3. an index with a subject and no artifactType: the descriptor has no artifactType
    const child = await pushImage(c, repo);
    bundle = buildIndex([child.descriptor], { subject: subject.descriptor, annotations: bundleAnn });
    await pushManifest(c, repo, bundle);
  });

  test('-> 200 OCI index listing every referrer with the spec descriptor fields', async () => {
    const body = assertIndex(await c.get(`/v2/${repo}/referrers/${subject.digest}`));
    assert.deepEqual(
      normalise(body.manifests),
      [expected(sbom, SBOM, sbomAnn), expected(sig, SIG_CONFIG, sigAnn), expected(bundle, undefined, bundleAnn)].sort(byDigest),
    );
    const fromIndex = body.manifests.find((d) => d.digest === bundle.digest);
    assert.ok(fromIndex && !('artifactType' in fromIndex), 'an index without artifactType must not get one');
  });

  test('Content-Type is exactly the OCI index media type, with no charset parameter (conformance suite)', async () => {
    for (const digest of [subject.digest, randomDigest()]) {
      const res = await c.get(`/v2/${repo}/referrers/${digest}`);
      assertIndex(res);
      assert.equal(res.header('content-type'), MT.ociIndex);
      assert.equal(res.header('content-length'), String(res.body.length));
    }
    const filtered = await c.get(`/v2/${repo}/referrers/${subject.digest}?artifactType=${encodeURIComponent(SBOM)}`);
    assert.equal(filtered.header('content-type'), MT.ociIndex);
  });

  test('with Accept: the OCI index type', async () => {
    const body = assertIndex(await c.get(`/v2/${repo}/referrers/${subject.digest}`, { headers: { accept: MT.ociIndex } }));
    assert.equal(body.manifests.length, 3);
  });

  test('an index with an artifactType keeps it', async () => {
    const child = await pushImage(c, repo);
    const idx = buildIndex([child.descriptor], { subject: child.descriptor, artifactType: 'application/vnd.example.idx' });
    await pushManifest(c, repo, idx);
    const body = assertIndex(await c.get(`/v2/${repo}/referrers/${child.digest}`));
    assert.deepEqual(normalise(body.manifests), [expected(idx, 'application/vnd.example.idx', undefined)]);
  });

  test('?artifactType= filters and sets OCI-Filters-Applied: artifactType', async () => {
    const res = await c.get(`/v2/${repo}/referrers/${subject.digest}?artifactType=${encodeURIComponent(SBOM)}`);
    const body = assertIndex(res);
    assert.equal(res.header('oci-filters-applied'), 'artifactType');
    assert.deepEqual(normalise(body.manifests), [expected(sbom, SBOM, sbomAnn)]);
  });

  test('the filter matches the artifactType taken from config.mediaType', async () => {
    const res = await c.get(`/v2/${repo}/referrers/${subject.digest}?artifactType=${encodeURIComponent(SIG_CONFIG)}`);
    const body = assertIndex(res);
    assert.equal(res.header('oci-filters-applied'), 'artifactType');
    assert.deepEqual(normalise(body.manifests), [expected(sig, SIG_CONFIG, sigAnn)]);
  });

  test('a filter matching nothing -> empty list, header still set', async () => {
    const res = await c.get(`/v2/${repo}/referrers/${subject.digest}?artifactType=application%2Fvnd.example.none`);
    const body = assertIndex(res);
    assert.equal(res.header('oci-filters-applied'), 'artifactType');
    assert.deepEqual(body.manifests, []);
  });

  test('without a filter there is no OCI-Filters-Applied header', async () => {
    const res = await c.get(`/v2/${repo}/referrers/${subject.digest}`);
    assertIndex(res);
    assert.equal(res.header('oci-filters-applied'), undefined);
  });

  test('a manifest with no referrers -> 200 with an empty manifests list', async () => {
    const body = assertIndex(await c.get(`/v2/${repo}/referrers/${sbom.digest}`));
    assert.deepEqual(body.manifests, []);
  });

  test('a digest that is not in the repository -> 200 with an empty list (never 404)', async () => {
    const body = assertIndex(await c.get(`/v2/${repo}/referrers/${randomDigest()}`));
    assert.deepEqual(body.manifests, []);
  });

  test('an invalid digest -> 400', async () => {
    for (const ref of ['sha256:abc', 'app', 'md5:5d41402abc4b2a76b9719d911017c592', 'sha256:' + 'Z'.repeat(64)]) {
      const res = await c.get(`/v2/${repo}/referrers/${ref}`);
      assert.equal(res.status, 400, res.describe());
    }
  });
});

describe('referrers lifecycle', () => {
  test('a referrer pushed before its subject is listed, and stays listed after the subject arrives', async () => {
    const repo = randomRepo('order');
    const subject = await buildImage(c, repo);
    await pushEmptyConfig(c, repo);
    const ref = await buildImage(c, repo, { artifactType: SBOM, config: { mediaType: MT.ociEmpty, data: '{}' }, layers: 1, subject: subject.descriptor });
    const res = await c.put(`/v2/${repo}/manifests/${ref.digest}`, { headers: { 'content-type': ref.mediaType }, body: ref.bytes });
    assertStatus(res, 201);
    assert.equal(res.header('oci-subject'), subject.digest);
    let body = assertIndex(await c.get(`/v2/${repo}/referrers/${subject.digest}`));
    assert.deepEqual(normalise(body.manifests), [expected(ref, SBOM, undefined)]);
    await pushManifest(c, repo, subject, 'v1');
    body = assertIndex(await c.get(`/v2/${repo}/referrers/${subject.digest}`));
    assert.deepEqual(normalise(body.manifests), [expected(ref, SBOM, undefined)]);
  });

  test('deleting a referrer removes it from the list', async () => {
    const repo = randomRepo('delref');
    const subject = await pushImage(c, repo, 'v1');
    await pushEmptyConfig(c, repo);
    const a = await buildImage(c, repo, { artifactType: SBOM, config: { mediaType: MT.ociEmpty, data: '{}' }, layers: 1, subject: subject.descriptor });
    const b = await buildImage(c, repo, { artifactType: SBOM, config: { mediaType: MT.ociEmpty, data: '{}' }, layers: 1, subject: subject.descriptor });
    await pushManifest(c, repo, a);
    await pushManifest(c, repo, b, 'b-tag');
    assert.equal(assertIndex(await c.get(`/v2/${repo}/referrers/${subject.digest}`)).manifests.length, 2);
    assertStatus(await c.delete(`/v2/${repo}/manifests/${a.digest}`), 202);
    let body = assertIndex(await c.get(`/v2/${repo}/referrers/${subject.digest}`));
    assert.deepEqual(
      body.manifests.map((d) => d.digest),
      [b.digest],
    );
    assertStatus(await c.delete(`/v2/${repo}/manifests/${b.digest}`), 202);
    body = assertIndex(await c.get(`/v2/${repo}/referrers/${subject.digest}`));
    assert.deepEqual(body.manifests, []);
  });

  test('deleting only the tag of a referrer keeps it listed (the manifest still exists)', async () => {
    const repo = randomRepo('deltag');
    const subject = await pushImage(c, repo, 'v1');
    await pushEmptyConfig(c, repo);
    const ref = await buildImage(c, repo, { artifactType: SBOM, config: { mediaType: MT.ociEmpty, data: '{}' }, layers: 1, subject: subject.descriptor });
    await pushManifest(c, repo, ref, 'sbom');
    assertStatus(await c.delete(`/v2/${repo}/manifests/sbom`), 202);
    const body = assertIndex(await c.get(`/v2/${repo}/referrers/${subject.digest}`));
    assert.deepEqual(
      body.manifests.map((d) => d.digest),
      [ref.digest],
    );
  });

  test('referrers are scoped to the repository', async () => {
    const a = randomRepo('scope-a');
    const b = randomRepo('scope-b');
    const subject = await pushImage(c, a, 'v1');
    await pushManifest(c, b, await buildImage(c, b), 'v1');
    // same subject digest, referrer pushed to b only
    await pushBlob(c, b, '{}', MT.ociEmpty);
    const ref = await buildImage(c, b, { artifactType: SBOM, config: { mediaType: MT.ociEmpty, data: '{}' }, layers: 1, subject: subject.descriptor });
    await pushManifest(c, b, ref);
    assert.deepEqual(assertIndex(await c.get(`/v2/${a}/referrers/${subject.digest}`)).manifests, []);
    assert.deepEqual(
      assertIndex(await c.get(`/v2/${b}/referrers/${subject.digest}`)).manifests.map((d) => d.digest),
      [ref.digest],
    );
  });

  test('a manifest without subject never appears', async () => {
    const repo = randomRepo('nosubj');
    const subject = await pushImage(c, repo, 'v1');
    const idx = buildIndex([subject.descriptor]);
    await pushManifest(c, repo, idx, 'idx');
    assert.deepEqual(assertIndex(await c.get(`/v2/${repo}/referrers/${subject.digest}`)).manifests, []);
  });
});
