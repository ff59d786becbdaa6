/**
 * Nothing stored that another registry cannot read, nothing listed that cannot be pulled
 * (issue 12). Each manifest here was once accepted with 201, and then skopeo could not read it
 * and distribution serving the same directory answered 500: sizes that Go's encoding/json
 * cannot read into an int64, nesting past Go's 10,000 levels, sizes that are not the
 * content's, layers that are manifests and index entries that are blobs.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestRegistry } from '../../support/registry.js';
import type { HttpClient } from '../../support/http.js';
import {
  MT,
  assertError,
  assertStatus,
  blobDataPath,
  buildImage,
  buildIndex,
  errorCodes,
  exists,
  pushBlob,
  pushImage,
  putManifest,
  randomBlob,
  randomRepo,
  sha256,
  registryForFile,
  type Descriptor,
} from '../../support/registry-images.js';

let reg: TestRegistry;
let c: HttpClient;

registryForFile((r, client) => {
  reg = r;
  c = client;
});

/** A manifest as exact text, so number forms JSON.stringify would normalise survive. */
function text(body: string, mediaType: string = MT.ociManifest): { bytes: Buffer; mediaType: string } {
  return { bytes: Buffer.from(body), mediaType };
}

function descriptorText(d: Descriptor, size: string): string {
  return `{"mediaType":"${d.mediaType}","digest":"${d.digest}","size":${size}}`;
}

/** Refused with `code`, and nothing of it stored: not by tag, not by digest, not as a blob. */
async function assertRefused(repo: string, m: { bytes: Buffer; mediaType: string }, code: string, detail?: RegExp): Promise<void> {
  const res = await putManifest(c, repo, 'bad', m);
  assertError(res, 400, code);
  if (detail) assert.match(res.body.toString(), detail);
  assertError(await c.get(`/v2/${repo}/manifests/bad`), 404, 'MANIFEST_UNKNOWN');
  assertError(await c.get(`/v2/${repo}/manifests/${sha256(m.bytes)}`), 404, 'MANIFEST_UNKNOWN');
  assert.equal(await exists(blobDataPath(reg.root, sha256(m.bytes))), false, 'the refused manifest is on disk');
}

describe('descriptor sizes must be JSON integers (Go cannot read 7.8e1, 78.0 into an int64)', () => {
  for (const [what, form] of [
    ['an exponent', '7.8e1'],
    ['a fraction', '78.0'],
    ['an upper-case exponent', '78E0'],
  ] as const) {
    test(`config size written with ${what} (${form}) -> 400 MANIFEST_INVALID`, async () => {
      const repo = randomRepo('size');
      const config = await pushBlob(c, repo, randomBlob(78), MT.ociConfig);
      const layer = await pushBlob(c, repo, randomBlob(10));
      const body = `{"schemaVersion":2,"mediaType":"${MT.ociManifest}","config":${descriptorText(config, form)},"layers":[${descriptorText(layer, '10')}]}`;
      await assertRefused(repo, text(body), 'MANIFEST_INVALID', /config\.size/);
    });
  }

  test('a layer size of -0 -> 400 MANIFEST_INVALID', async () => {
    const repo = randomRepo('size');
    const config = await pushBlob(c, repo, randomBlob(20), MT.ociConfig);
    const empty = await pushBlob(c, repo, Buffer.alloc(0));
    const body = `{"schemaVersion":2,"mediaType":"${MT.ociManifest}","config":${descriptorText(config, '20')},"layers":[${descriptorText(empty, '-0')}]}`;
    await assertRefused(repo, text(body), 'MANIFEST_INVALID', /layers\[0\]\.size/);
    // The same manifest with 0 is fine.
    assertStatus(await putManifest(c, repo, 'good', text(body.replace('"size":-0', '"size":0'))), 201);
  });

  test('an index entry size of 1.5e3-style text -> 400 MANIFEST_INVALID', async () => {
    const repo = randomRepo('size');
    const child = await pushImage(c, repo);
    const body = `{"schemaVersion":2,"mediaType":"${MT.ociIndex}","manifests":[${descriptorText(child.descriptor, `${child.size}.0`)}]}`;
    await assertRefused(repo, text(body, MT.ociIndex), 'MANIFEST_INVALID', /manifests\[0\]\.size/);
  });
});

describe('JSON nesting (Go: at most 10,000 levels)', () => {
  const nested = (depth: number): string => `${'['.repeat(depth)}${']'.repeat(depth)}`;

  test('10,001 levels in an unknown field -> 400 MANIFEST_INVALID; 10,000 -> 201', async () => {
    const repo = randomRepo('deep');
    const img = await buildImage(c, repo, { layers: 1 });
    const withExtra = (depth: number): string => `${img.bytes.toString().trimEnd().slice(0, -1)},"x-extra":${nested(depth)}}`;
    // The root object is level 1, so the array adds depth - 1.
    await assertRefused(repo, text(withExtra(10_000)), 'MANIFEST_INVALID', /nested deeper than 10000/);
    assertStatus(await putManifest(c, repo, 'ok', text(withExtra(9_999))), 201);
  });
});

describe('what a manifest points at must be there, be what it says, and have its size', () => {
  test('a config whose size is not the blob size -> 400 MANIFEST_INVALID naming the digest', async () => {
    const repo = randomRepo('ref');
    const img = await buildImage(c, repo, { layers: 1 });
    const json = { ...img.json, config: { ...img.config, size: img.config.size + 1 } };
    await assertRefused(repo, text(JSON.stringify(json)), 'MANIFEST_INVALID', new RegExp(img.config.digest));
  });

  test('a layer whose size is smaller than the blob -> 400 MANIFEST_INVALID', async () => {
    const repo = randomRepo('ref');
    const img = await buildImage(c, repo, { layers: 2 });
    const [first, second] = img.layers as [Descriptor, Descriptor];
    const json = { ...img.json, layers: [first, { ...second, size: second.size - 1 }] };
    const res = await putManifest(c, repo, 'bad', text(JSON.stringify(json)));
    assertError(res, 400, 'MANIFEST_INVALID');
    const detail = res.json<{ errors: Array<{ detail?: { digest?: string; size?: number; actual?: number } }> }>().errors[0]?.detail;
    assert.deepEqual(detail, { digest: second.digest, size: second.size - 1, actual: second.size });
  });

  test('a layer that is a manifest of the repository, not a blob -> 400 MANIFEST_BLOB_UNKNOWN', async () => {
    const repo = randomRepo('ref');
    const inner = await pushImage(c, repo, 'inner');
    const img = await buildImage(c, repo, { layers: 1 });
    const json = { ...img.json, layers: [{ mediaType: MT.ociLayer, digest: inner.digest, size: inner.size }] };
    await assertRefused(repo, text(JSON.stringify(json)), 'MANIFEST_BLOB_UNKNOWN', new RegExp(inner.digest));
  });

  test('an index entry typed as a manifest that is only a blob -> 400 MANIFEST_BLOB_UNKNOWN', async () => {
    const repo = randomRepo('ref');
    const image = await buildImage(c, repo, { layers: 1 }); // pushed as blobs only, not as a manifest
    const asBlob = await pushBlob(c, repo, image.bytes, MT.ociManifest);
    const res = await putManifest(c, repo, 'bad', buildIndex([asBlob]));
    assertError(res, 400, 'MANIFEST_BLOB_UNKNOWN');
    assert.deepEqual(errorCodes(res), ['MANIFEST_BLOB_UNKNOWN']);
    assert.match(res.body.toString(), new RegExp(asBlob.digest));
  });

  test('an index entry whose size is not the child manifest size -> 400 MANIFEST_INVALID', async () => {
    const repo = randomRepo('ref');
    const child = await pushImage(c, repo);
    await assertRefused(repo, buildIndex([{ ...child.descriptor, size: child.size + 7 }]), 'MANIFEST_INVALID', new RegExp(child.digest));
  });

  test('an index entry of a non-manifest type may point at a blob (image-index.md: unknown types are allowed) -> 201', async () => {
    const repo = randomRepo('ref');
    const blob = await pushBlob(c, repo, randomBlob(64), 'application/vnd.example.thing.v1+json');
    const idx = buildIndex([blob]);
    assertStatus(await putManifest(c, repo, 'things', idx), 201);
    assertStatus(await c.get(`/v2/${repo}/manifests/things`), 200);
  });
});
