import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { Digest } from '../../../src/digest/digest.js';
import { RegistryClient } from '../../../src/registry/client/client.js';
import { noCredentials } from '../../support/credentials.js';
import { startFaultProxy, type FaultProxy } from '../../support/fault-proxy.js';
import { startRegistry, type TestRegistry } from '../../support/registry.js';
import type { HttpClient } from '../../support/http.js';
import { newClient, pushBlob, pushImage, pushIndex, randomRepo } from '../../support/registry-images.js';

const readAll = async (stream: AsyncIterable<Buffer>): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks);
};

describe('RegistryClient against a real registry', () => {
  let reg: TestRegistry;
  let http: HttpClient;
  let client: RegistryClient;
  let host: string;

  before(async () => {
    reg = await startRegistry();
    http = newClient(reg.url);
    host = new URL(reg.url).host;
    client = new RegistryClient({ credentials: noCredentials, retries: 2 });
  });
  after(async () => {
    await client.close();
    await http.close();
    await reg.close();
  });

  it('pings over plain HTTP on loopback (HTTPS tried first, as dockerd does)', async () => {
    await client.ping(host);
  });

  it('pushes a blob, sees it, streams it back', async () => {
    const repo = { domain: host, path: randomRepo() };
    const data = randomBytes(3 * 1024 * 1024 + 17);
    const descriptor = { mediaType: 'application/octet-stream', digest: `sha256:${createHash('sha256').update(data).digest('hex')}`, size: data.length };
    assert.equal(await client.hasBlob(repo, descriptor.digest), false);
    await client.pushBlob(repo, descriptor, Readable.from([data.subarray(0, 1000), data.subarray(1000)]));
    assert.equal(await client.hasBlob(repo, descriptor.digest), true);
    assert.ok((await readAll(await client.getBlob(repo, descriptor))).equals(data));
  });

  it('pushes an empty blob', async () => {
    const repo = { domain: host, path: randomRepo() };
    const descriptor = { mediaType: 'application/octet-stream', digest: Digest.of(Buffer.alloc(0)).toString(), size: 0 };
    await client.pushBlob(repo, descriptor, Readable.from([]));
    assert.equal(await client.hasBlob(repo, descriptor.digest), true);
  });

  it('reads manifests by tag and digest, with their media type and digest', async () => {
    const path = randomRepo();
    const img = await pushImage(http, path, 'v1', { kind: 'docker' });
    const byTag = await client.getManifest({ domain: host, path }, 'v1');
    assert.ok(byTag.bytes.equals(img.bytes));
    assert.equal(byTag.digest.toString(), img.digest);
    assert.equal(byTag.mediaType, img.mediaType);
    const byDigest = await client.getManifest({ domain: host, path }, img.digest);
    assert.ok(byDigest.bytes.equals(img.bytes));
    assert.deepEqual(await client.headManifest({ domain: host, path }, 'v1'), { digest: Digest.parse(img.digest), mediaType: img.mediaType, size: img.size });
    assert.equal(await client.headManifest({ domain: host, path }, 'nope'), undefined);
  });

  it('names what is missing: MANIFEST_UNKNOWN, BLOB_UNKNOWN, NAME_UNKNOWN', async () => {
    const repo = { domain: host, path: randomRepo() };
    await assert.rejects(client.getManifest(repo, 'latest'), { code: 'MANIFEST_UNKNOWN', message: new RegExp(`manifest ${host}/${repo.path}:latest: 404`) });
    const digest = Digest.of(randomBytes(8)).toString();
    await assert.rejects(client.getBlob(repo, { mediaType: 'x/y', digest, size: 8 }), { code: 'BLOB_UNKNOWN' });
    await assert.rejects(client.listTags(repo), { code: 'NAME_UNKNOWN' });
  });

  it('lists tags across pages by following Link', async () => {
    const path = randomRepo();
    const img = await pushImage(http, path, 't00');
    for (let i = 1; i < 25; i++) {
      const res = await http.put(`/v2/${path}/manifests/t${String(i).padStart(2, '0')}`, { headers: { 'content-type': img.mediaType }, body: img.bytes });
      assert.equal(res.status, 201);
    }
    const tags = await client.listTags({ domain: host, path }, 7);
    assert.equal(tags.length, 25);
    assert.deepEqual(tags, [...tags].sort());
  });

  it('mounts from another repository, and declines cleanly when it cannot', async () => {
    const from = randomRepo();
    const blob = await pushBlob(http, from, randomBytes(500));
    const to = { domain: host, path: randomRepo() };
    assert.equal(await client.mountBlob(to, blob.digest, from), true);
    assert.equal(await client.hasBlob(to, blob.digest), true);
    assert.equal(await client.mountBlob(to, Digest.of(randomBytes(4)).toString(), from), false);
  });

  it('reads an index whatever Accept order the registry prefers', async () => {
    const path = randomRepo();
    const idx = await pushIndex(http, path, 'multi');
    const got = await client.getManifest({ domain: host, path }, 'multi');
    assert.equal(got.digest.toString(), idx.digest);
    assert.equal(got.mediaType, 'application/vnd.oci.image.index.v1+json');
  });
});

describe('RegistryClient when the network or the registry misbehaves', () => {
  let reg: TestRegistry;
  let http: HttpClient;
  const proxies: FaultProxy[] = [];
  const clients: RegistryClient[] = [];

  before(async () => {
    reg = await startRegistry();
    http = newClient(reg.url);
  });
  after(async () => {
    for (const c of clients) await c.close();
    for (const p of proxies) await p.close();
    await http.close();
    await reg.close();
  });

  const through = async (decide: Parameters<typeof startFaultProxy>[1]) => {
    const proxy = await startFaultProxy(reg.url, decide);
    proxies.push(proxy);
    const client = new RegistryClient({ credentials: noCredentials, retries: 3 });
    clients.push(client);
    return { proxy, client };
  };

  it('retries a 503 and a 429 honouring Retry-After', async () => {
    const path = randomRepo();
    const img = await pushImage(http, path, 'v1');
    let failures = 0;
    const { proxy, client } = await through((req) => {
      if (req.url?.includes('/manifests/') && failures < 2) {
        failures++;
        return failures === 1 ? { kind: 'status', status: 503 } : { kind: 'status', status: 429, headers: { 'retry-after': '1' } };
      }
      return undefined;
    });
    const got = await client.getManifest({ domain: proxy.host, path }, 'v1');
    assert.equal(got.digest.toString(), img.digest);
    assert.equal(proxy.seen.filter((r) => r.url.includes('/manifests/')).length, 3);
  });

  it('gives up on a persistent 500 with one clear error', async () => {
    const { proxy, client } = await through((req) => (req.url?.includes('/manifests/') ? { kind: 'status', status: 500 } : undefined));
    await assert.rejects(client.getManifest({ domain: proxy.host, path: 'x' }, 'v1'), { message: /manifest 127\.0\.0\.1:\d+\/x:v1: 500/ });
  });

  it('by tag, bytes that disagree with Docker-Content-Digest are refused, naming both digests', async () => {
    const path = randomRepo();
    const img = await pushImage(http, path, 'v1');
    const { proxy, client } = await through((req) => (req.url?.includes('/manifests/') ? { kind: 'corrupt' } : undefined));
    const flipped = Buffer.from(img.bytes);
    flipped[0] = (flipped[0] ?? 0) ^ 0xff;
    const actual = `sha256:${createHash('sha256').update(flipped).digest('hex')}`;
    await assert.rejects(client.getManifest({ domain: proxy.host, path }, 'v1'), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'DIGEST_INVALID');
      assert.ok(err.message.includes(img.digest), err.message);
      assert.ok(err.message.includes(actual), err.message);
      return true;
    });
  });

  it('by tag, a Docker-Content-Digest naming another manifest is refused; a right one, in sha512, is accepted', async () => {
    const path = randomRepo();
    const img = await pushImage(http, path, 'v1');
    const other = await pushImage(http, path, 'v2');
    const lying = await through((req) =>
      req.url?.endsWith('/manifests/v1') ? { kind: 'headers', headers: { 'docker-content-digest': other.digest } } : undefined,
    );
    await assert.rejects(lying.client.getManifest({ domain: lying.proxy.host, path }, 'v1'), {
      code: 'DIGEST_INVALID',
      message: new RegExp(`announced digest ${other.digest} but sent bytes with digest ${img.digest}`),
    });
    const garbage = await through((req) =>
      req.url?.endsWith('/manifests/v1') ? { kind: 'headers', headers: { 'docker-content-digest': 'nonsense' } } : undefined,
    );
    await assert.rejects(garbage.client.getManifest({ domain: garbage.proxy.host, path }, 'v1'), {
      code: 'DIGEST_INVALID',
      message: /"nonsense", which is not a digest/,
    });
    const sha512 = `sha512:${createHash('sha512').update(img.bytes).digest('hex')}`;
    const honest = await through((req) => (req.url?.endsWith('/manifests/v1') ? { kind: 'headers', headers: { 'docker-content-digest': sha512 } } : undefined));
    const got = await honest.client.getManifest({ domain: honest.proxy.host, path }, 'v1');
    assert.equal(got.digest.toString(), img.digest);
  });

  it('resumes a blob download cut mid-way with a Range request', async () => {
    const path = randomRepo();
    const data = randomBytes(2 * 1024 * 1024);
    const blob = await pushBlob(http, path, data);
    let cut = false;
    const { proxy, client } = await through((req) => {
      if (req.url?.includes('/blobs/sha256') && req.method === 'GET' && !cut) {
        cut = true;
        return { kind: 'cut', afterBytes: 700_000 };
      }
      return undefined;
    });
    const got = await readAll(await client.getBlob({ domain: proxy.host, path }, blob));
    assert.ok(got.equals(data), 'the joined bytes are the blob');
    const ranges = proxy.seen.filter((r) => r.range).map((r) => r.range);
    assert.equal(ranges.length, 1);
    assert.match(ranges[0] ?? '', /^bytes=\d+-$/);
    assert.ok(Number(/=(\d+)-/.exec(ranges[0] ?? '')?.[1]) > 0);
  });
});
