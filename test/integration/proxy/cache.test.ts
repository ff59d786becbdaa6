/**
 * The pull-through cache over HTTP, in process: an upstream registry (a Stowage Registry on a
 * loopback port: real HTTP, the referrers API) and a caching Registry with `proxies`. What the
 * interop suite proves against distribution and real clients, this keeps in `npm test`.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Registry } from '../../../src/registry/server/registry.js';
import type { UpstreamStats } from '../../../src/registry/proxy/types.js';
import type { HttpClient } from '../../support/http.js';
import { parseMetrics, sampleValue } from '../../support/prometheus.js';
import { startRegistry, type TestRegistry } from '../../support/registry.js';
import { MT, buildImage, digestMatches, newClient, pushImage, pushIndex, pushManifest, randomRepo } from '../../support/registry-images.js';

const ACCEPT = [MT.ociIndex, MT.ociManifest, MT.dockerList, MT.dockerManifest].join(', ');

describe('pull-through cache', () => {
  let upstream: TestRegistry;
  let up: HttpClient;
  let cache: Registry;
  let c: HttpClient;
  let root: string;
  let metricsUrl: string;
  const scrape = async () => parseMetrics(await (await fetch(metricsUrl)).text()).samples;

  before(async () => {
    upstream = await startRegistry();
    up = newClient(upstream.url);
    root = await mkdtemp(join(tmpdir(), 'stowage-cache-'));
    cache = new Registry({
      storage: { kind: 'filesystem', rootDirectory: root },
      port: 0,
      proxy: {
        upstreams: [{ host: 'docker.io', remoteUrl: upstream.url, ttlMs: 0, tagTtlMs: 0, timeoutMs: 5_000 }],
        defaultHost: 'docker.io',
      },
      debug: { host: '127.0.0.1', port: 0, prometheus: { path: '/metrics' } },
    });
    const started = await cache.start();
    c = newClient(started.url);
    metricsUrl = `${started.debug}/metrics`;
  });
  after(async () => {
    await cache.shutdown();
    await upstream.close();
    await rm(root, { recursive: true, force: true });
  });

  const stats = async (): Promise<UpstreamStats> => ((await c.get('/admin/cache')).json() as { upstreams: UpstreamStats[] }).upstreams[0]!;

  it('serves an image by prefix, by ?ns= and by plain name, byte for byte, fetching each blob once', async () => {
    const repo = `library/${randomRepo('lib')}`;
    const image = await pushImage(up, repo, 'v1', { layers: 3 });
    const before = await stats();
    const scraped = await scrape();
    for (const path of [`/v2/docker.io/${repo}/manifests/v1`, `/v2/${repo}/manifests/v1?ns=docker.io`, `/v2/${repo}/manifests/v1`]) {
      const res = await c.get(path, { headers: { accept: ACCEPT } });
      assert.equal(res.status, 200, `${path}: ${res.describe()}`);
      assert.equal(res.header('docker-content-digest'), image.digest);
      assert.ok(digestMatches(image.digest, res.body));
    }
    for (const blob of [image.config, ...image.layers]) {
      for (let i = 0; i < 2; i++) {
        const res = await c.get(`/v2/docker.io/${repo}/blobs/${blob.digest}`);
        assert.equal(res.status, 200, res.describe());
        assert.ok(digestMatches(blob.digest, res.body), `${blob.digest} bytes`);
      }
    }
    const after = await stats();
    assert.equal(after.blobFetches - before.blobFetches, 1 + image.layers.length, 'one upstream fetch per blob');
    // The same figures as Prometheus reads them: the first GET of each blob a miss, the second a hit.
    const now = await scrape();
    const delta = (name: string) =>
      sampleValue(now, name, { upstream: 'docker.io', kind: 'blob' }) - sampleValue(scraped, name, { upstream: 'docker.io', kind: 'blob' });
    assert.equal(delta('registry_proxy_misses_total'), 1 + image.layers.length);
    assert.equal(delta('registry_proxy_hits_total'), 1 + image.layers.length);
    assert.ok(sampleValue(now, 'registry_proxy_pulled_bytes_total', { upstream: 'docker.io' }) >= after.bytesFetched - before.bytesFetched);
  });

  it('a multi-arch index and its manifests, and tags/list, come through; the catalog lists the cached repository', async () => {
    const repo = `library/${randomRepo('multi')}`;
    const index = await pushIndex(up, repo, 'multi');
    const res = await c.get(`/v2/docker.io/${repo}/manifests/multi`, { headers: { accept: ACCEPT } });
    assert.equal(res.status, 200);
    assert.equal(res.header('docker-content-digest'), index.digest);
    const children = (res.json() as { manifests: Array<{ digest: string }> }).manifests;
    for (const child of children) assert.equal((await c.get(`/v2/docker.io/${repo}/manifests/${child.digest}`, { headers: { accept: ACCEPT } })).status, 200);
    assert.deepEqual((await c.get(`/v2/docker.io/${repo}/tags/list`)).json(), { name: `docker.io/${repo}`, tags: ['multi'] });
    const catalog = (await c.get('/v2/_catalog')).json() as { repositories: string[] };
    assert.ok(catalog.repositories.includes(`docker.io/${repo}`), catalog.repositories.join(' '));
  });

  it("referrers come from the upstream's API, as it sent them", async () => {
    const repo = `library/${randomRepo('signed')}`;
    const subject = await pushImage(up, repo, 'v1');
    const signature = await buildImage(up, repo, {
      artifactType: 'application/vnd.dev.cosign.artifact.sig.v1+json',
      subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.bytes.length },
    });
    await pushManifest(up, repo, signature);
    const res = await c.get(`/v2/docker.io/${repo}/referrers/${subject.digest}`);
    assert.equal(res.status, 200, res.describe());
    const listed = (res.json() as { manifests: Array<{ digest: string }> }).manifests.map((m) => m.digest);
    assert.deepEqual(listed, [signature.digest]);
  });

  it('a tag that moved upstream is seen at once with tagttl 0; one HEAD when it did not', async () => {
    const repo = `library/${randomRepo('moving')}`;
    await pushImage(up, repo, 'latest');
    assert.equal((await c.get(`/v2/docker.io/${repo}/manifests/latest`, { headers: { accept: ACCEPT } })).status, 200);
    const moved = await pushImage(up, repo, 'latest');
    const before = await stats();
    const res = await c.get(`/v2/docker.io/${repo}/manifests/latest`, { headers: { accept: ACCEPT } });
    assert.equal(res.header('docker-content-digest'), moved.digest);
    const again = await c.get(`/v2/docker.io/${repo}/manifests/latest`, { headers: { accept: ACCEPT } });
    assert.equal(again.header('docker-content-digest'), moved.digest);
    const after = await stats();
    assert.equal(after.revalidations - before.revalidations, 2);
    assert.equal(after.manifestFetches - before.manifestFetches, 1, 'only the moved tag was fetched');
  });

  it('writes to a cached name are 403 DENIED naming the upstream; a hosted repository takes pushes beside it', async () => {
    const res = await c.post(`/v2/docker.io/library/${randomRepo('nope')}/blobs/uploads/`);
    assert.equal(res.status, 403);
    assert.match(res.text, /is a cache of docker\.io/);
    const hosted = randomRepo('team');
    // Unprefixed and not hosted yet: a pull goes to the default upstream, a push makes it hosted.
    await pushImage(c, hosted, 'v1');
    const pulled = await c.get(`/v2/${hosted}/manifests/v1`, { headers: { accept: ACCEPT } });
    assert.equal(pulled.status, 200);
    assert.equal((await up.get(`/v2/${hosted}/tags/list`)).status, 404, 'the push stayed here');
  });

  it('an upstream without the content is 404; an unknown ns is NAME_UNKNOWN', async () => {
    const missing = await c.get(`/v2/docker.io/library/${randomRepo('ghost')}/manifests/v1`, { headers: { accept: ACCEPT } });
    assert.equal(missing.status, 404);
    const unknown = await c.get(`/v2/${randomRepo('x')}/manifests/v1?ns=quay.io`);
    assert.equal(unknown.status, 404);
    assert.match(unknown.text, /NAME_UNKNOWN/);
  });
});
