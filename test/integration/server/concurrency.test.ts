/**
 * Concurrent pushes (spec use case "Layer Upload De-duplication": both uploads proceed, one copy
 * is stored) and streaming a large blob through chunked upload and download.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { TestRegistry } from '../../support/registry.js';
import type { HttpClient } from '../../support/http.js';
import {
  OCTET,
  assertStatus,
  blobDataPath,
  buildImage,
  hexOf,
  layerLinkPath,
  mediaTypeOf,
  putManifest,
  randomBlob,
  randomRepo,
  sha256,
  startUpload,
  tagLinkPath,
  v2Root,
  walkFiles,
  withQuery,
  type BuiltManifest,
  newClient,
  registryForFile,
} from '../../support/registry-images.js';

let reg: TestRegistry;
let c: HttpClient;

registryForFile((r, client) => {
  reg = r;
  c = client;
});

/** Every file under blobs/ must be a committed blob: `<alg>/<2 hex>/<hex>/data`, nothing else. */
async function assertCleanBlobStore(): Promise<string[]> {
  const files = await walkFiles(join(v2Root(reg.root), 'blobs'));
  const stray = files.filter((f) => !/^(sha256\/[0-9a-f]{2}\/[0-9a-f]{64}|sha512\/[0-9a-f]{2}\/[0-9a-f]{128})\/data$/.test(f));
  assert.deepEqual(stray, [], `unexpected files under blobs/ (temp files or upload leftovers): ${stray.join(', ')}`);
  for (const f of files) {
    const parts = f.split('/');
    assert.equal(parts[1], parts[2]?.slice(0, 2), `misplaced blob ${f}`);
  }
  return files;
}

async function dataFilesFor(digest: string): Promise<string[]> {
  const hex = hexOf(digest);
  return (await walkFiles(join(v2Root(reg.root), 'blobs'))).filter((f) => f.includes(hex));
}

function clients(n: number): HttpClient[] {
  // separate agents, so each client has its own connection(s)
  return Array.from({ length: n }, () => newClient(reg.url));
}

async function closeAll(cs: HttpClient[]): Promise<void> {
  await Promise.all(cs.map((x) => x.close()));
}

describe('concurrent uploads', () => {
  test('20 clients push the same blob at once (POST+PUT): all 201, one data file on disk', async () => {
    const repo = randomRepo('race');
    const data = randomBlob(512 * 1024);
    const digest = sha256(data);
    const cs = clients(20);
    try {
      const locations = await Promise.all(cs.map((x) => startUpload(x, repo)));
      const results = await Promise.all(cs.map((x, i) => x.put(withQuery(locations[i] ?? '', { digest }), { headers: OCTET, body: data })));
      for (const res of results) {
        assertStatus(res, 201);
        assert.equal(res.header('docker-content-digest'), digest);
      }
    } finally {
      await closeAll(cs);
    }
    const res = await c.get(`/v2/${repo}/blobs/${digest}`);
    assertStatus(res, 200);
    assert.equal(sha256(res.body), digest);
    assert.deepEqual(await dataFilesFor(digest), [`sha256/${hexOf(digest).slice(0, 2)}/${hexOf(digest)}/data`]);
    assert.deepEqual(await readFile(blobDataPath(reg.root, digest)), data);
    await assertCleanBlobStore();
  });

  test('20 clients push the same blob into 20 repositories at once: one data file, 20 links', async () => {
    const repos = Array.from({ length: 20 }, () => randomRepo('fan'));
    const data = randomBlob(256 * 1024);
    const digest = sha256(data);
    const cs = clients(20);
    try {
      const results = await Promise.all(
        cs.map(async (x, i) => {
          const loc = await startUpload(x, repos[i] ?? '');
          return x.put(withQuery(loc, { digest }), { headers: OCTET, body: data });
        }),
      );
      for (const res of results) assertStatus(res, 201);
    } finally {
      await closeAll(cs);
    }
    for (const repo of repos) {
      assertStatus(await c.head(`/v2/${repo}/blobs/${digest}`), 200);
      assert.equal((await readFile(layerLinkPath(reg.root, repo, digest), 'utf8')).trim(), digest);
    }
    assert.equal((await dataFilesFor(digest)).length, 1);
    await assertCleanBlobStore();
  });

  test('20 single-POST monolithic uploads of the same blob at once', async () => {
    const repo = randomRepo('race-post');
    const data = randomBlob(300 * 1024);
    const digest = sha256(data);
    const cs = clients(20);
    try {
      const results = await Promise.all(cs.map((x) => x.post(withQuery(`/v2/${repo}/blobs/uploads/`, { digest }), { headers: OCTET, body: data })));
      for (const res of results) assertStatus(res, 201);
    } finally {
      await closeAll(cs);
    }
    assert.equal((await dataFilesFor(digest)).length, 1);
    assert.deepEqual(await readFile(blobDataPath(reg.root, digest)), data);
    await assertCleanBlobStore();
  });

  test('10 interleaved chunked uploads of different blobs into one repository', async () => {
    const repo = randomRepo('interleave');
    const blobs = Array.from({ length: 10 }, () => randomBlob(90_000));
    const cs = clients(10);
    try {
      let locs = await Promise.all(cs.map((x) => startUpload(x, repo)));
      for (let part = 0; part < 3; part++) {
        locs = await Promise.all(
          cs.map(async (x, i) => {
            const chunk = (blobs[i] as Buffer).subarray(part * 30_000, (part + 1) * 30_000);
            const res = await x.patch(locs[i] ?? '', {
              headers: { ...OCTET, 'content-range': `${part * 30_000}-${(part + 1) * 30_000 - 1}`, 'content-length': String(chunk.length) },
              body: chunk,
            });
            assertStatus(res, 202);
            assert.equal(res.header('range'), `0-${(part + 1) * 30_000 - 1}`);
            return res.header('location') ?? '';
          }),
        );
      }
      const done = await Promise.all(cs.map((x, i) => x.put(withQuery(locs[i] ?? '', { digest: sha256(blobs[i] as Buffer) }))));
      for (const res of done) assertStatus(res, 201);
    } finally {
      await closeAll(cs);
    }
    for (const b of blobs) {
      const res = await c.get(`/v2/${repo}/blobs/${sha256(b)}`);
      assertStatus(res, 200);
      assert.deepEqual(res.body, b);
    }
    await assertCleanBlobStore();
  });
});

describe('concurrent manifest pushes', () => {
  test('10 different manifests pushed to the same tag at once: all 201, the tag names one of them', async () => {
    const repo = randomRepo('tagrace');
    const images: BuiltManifest[] = [];
    for (let i = 0; i < 10; i++) images.push(await buildImage(c, repo, { layers: 1 }));
    const cs = clients(10);
    try {
      const results = await Promise.all(cs.map((x, i) => putManifest(x, repo, 'latest', images[i] as BuiltManifest)));
      for (const res of results) assertStatus(res, 201);
    } finally {
      await closeAll(cs);
    }
    const res = await c.get(`/v2/${repo}/manifests/latest`, { headers: { accept: images[0]?.mediaType ?? '' } });
    assertStatus(res, 200);
    const winner = images.find((m) => m.digest === res.header('docker-content-digest'));
    assert.ok(winner, 'the tag points at none of the pushed manifests');
    assert.deepEqual(res.body, winner.bytes);
    assert.equal((await readFile(tagLinkPath(reg.root, repo, 'latest'), 'utf8')).trim(), winner.digest);
    for (const m of images) assertStatus(await c.head(`/v2/${repo}/manifests/${m.digest}`), 200);
  });

  test('the same manifest pushed 20 times at once under 20 tags', async () => {
    const repo = randomRepo('samemanifest');
    const img = await buildImage(c, repo);
    const cs = clients(20);
    try {
      const results = await Promise.all(cs.map((x, i) => putManifest(x, repo, `t${i}`, img)));
      for (const res of results) assertStatus(res, 201);
    } finally {
      await closeAll(cs);
    }
    const list = (await c.get(`/v2/${repo}/tags/list`)).json<{ tags: string[] }>();
    assert.deepEqual(list.tags, Array.from({ length: 20 }, (_, i) => `t${i}`).sort());
    await assertCleanBlobStore();
  });
});

describe('streaming a large blob', () => {
  const TOTAL = 200 * 1024 * 1024;
  const PATCH_SIZE = 16 * 1024 * 1024;
  const PIECE = 1024 * 1024;
  const key = randomBytes(32);

  /** Deterministic pseudo-random content: the AES-256-CTR keystream, computable at any offset. */
  function content(offset: number, length: number): Buffer {
    const block = Math.floor(offset / 16);
    const iv = Buffer.alloc(16);
    iv.writeBigUInt64BE(BigInt(block), 8);
    const skip = offset - block * 16;
    const cipher = createCipheriv('aes-256-ctr', key, iv);
    return cipher.update(Buffer.alloc(skip + length)).subarray(skip);
  }

  async function* generate(offset: number, length: number, hash: ReturnType<typeof createHash>): AsyncGenerator<Buffer> {
    for (let pos = offset; pos < offset + length; pos += PIECE) {
      const piece = content(pos, Math.min(PIECE, offset + length - pos));
      hash.update(piece);
      yield piece;
    }
  }

  test('200 MB pushed in 16 MB PATCH chunks generated on the fly, pulled back with sha256 verified while reading', { timeout: 600_000 }, async (t) => {
    const repo = randomRepo('big');
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 50);
    try {
      const hash = createHash('sha256');
      let loc = await startUpload(c, repo);
      for (let offset = 0; offset < TOTAL; offset += PATCH_SIZE) {
        const len = Math.min(PATCH_SIZE, TOTAL - offset);
        const res = await c.patch(loc, {
          headers: { ...OCTET, 'content-range': `${offset}-${offset + len - 1}`, 'content-length': String(len) },
          body: Readable.from(generate(offset, len, hash)),
        });
        assertStatus(res, 202);
        assert.equal(res.header('range'), `0-${offset + len - 1}`);
        loc = res.header('location') ?? loc;
      }
      const digest = 'sha256:' + hash.digest('hex');
      const put = await c.put(withQuery(loc, { digest }), { headers: { 'content-length': '0' } });
      assertStatus(put, 201);
      assert.equal(put.header('docker-content-digest'), digest);

      const head = await c.head(`/v2/${repo}/blobs/${digest}`);
      assertStatus(head, 200);
      assert.equal(head.header('content-length'), String(TOTAL));
      assert.equal((await stat(blobDataPath(reg.root, digest))).size, TOTAL);

      const res = await c.stream('GET', `/v2/${repo}/blobs/${digest}`);
      assert.equal(res.status, 200);
      assert.equal(res.header('content-length'), String(TOTAL));
      assert.equal(mediaTypeOf(res.header('content-type')), 'application/octet-stream');
      assert.equal(res.header('docker-content-digest'), digest);
      const check = createHash('sha256');
      let received = 0;
      for await (const chunk of res.body) {
        check.update(chunk);
        received += chunk.length;
      }
      assert.equal(received, TOTAL);
      assert.equal('sha256:' + check.digest('hex'), digest);

      // a range deep inside the blob
      const start = 150 * 1024 * 1024 + 7;
      const ranged = await c.get(`/v2/${repo}/blobs/${digest}`, { headers: { range: `bytes=${start}-${start + 4095}` } });
      assertStatus(ranged, 206);
      assert.equal(ranged.header('content-range'), `bytes ${start}-${start + 4095}/${TOTAL}`);
      assert.deepEqual(ranged.body, content(start, 4096));
    } finally {
      clearInterval(sampler);
      t.diagnostic(`rss growth during the 200 MB round trip: ${Math.round((peak - baseline) / 1024 / 1024)} MB (this process)`);
    }
    await assertCleanBlobStore();
  });
});
