// Stowage's pull-through cache (src/registry/proxy) against real upstreams on loopback:
// distribution anonymous and behind htpasswd, a registry behind Docker's token flow, with a
// fault proxy in front of each so the tests count what reached the upstream and make it fail.
// Images go in and come out with skopeo.

import assert from 'node:assert/strict';
import { readdir, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startFaultProxy, type Fault, type FaultProxy } from '../support/fault-proxy.js';
import { assertSameImage, writeImageLayout, writeIndexLayout, type BuiltImage, type BuiltIndex } from '../support/oci-layout.js';
import { makeTempDir, removeTempDirs, run, skopeo, startDistribution, startStowage, stopAll, type ServerHandle } from '../support/process.js';
import { allBlobGets, blobGets, cacheStats, sha256Hex, startHtpasswdDistribution, writeCacheConfig } from '../support/proxy-upstream.js';
import { startAuthRegistry, type AuthRegistry } from '../support/token-server.js';

const GHCR_USERS = { reader: 'ghcr-secret' };
const QUAY_USERS = { puller: 'quay-secret' };
const ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

const push = (layout: string, tag: string, host: string, dest: string, creds?: string): Promise<unknown> =>
  skopeo([
    'copy',
    '--all',
    '--preserve-digests',
    '--dest-tls-verify=false',
    ...(creds ? ['--dest-creds', creds] : []),
    `oci:${layout}:${tag}`,
    `docker://${host}/${dest}`,
  ]);

const pull = (host: string, src: string, layout: string, tag: string): Promise<unknown> =>
  skopeo(['copy', '--all', '--preserve-digests', '--src-tls-verify=false', `docker://${host}/${src}`, `oci:${layout}:${tag}`], { timeoutMs: 60_000 });

/** A pull that must fail: skopeo's exit status and output. */
const pullFails = async (host: string, src: string, layout: string): Promise<string> => {
  const r = await run('skopeo', ['copy', '--retry-times', '0', '--src-tls-verify=false', `docker://${host}/${src}`, `oci:${layout}:failed`], {
    timeoutMs: 60_000,
  });
  assert.notEqual(r.code, 0, `${src} pulled although its upstream failed`);
  return r.stderr;
};

async function errorBody(res: Response): Promise<{ code: string; message: string }> {
  const body = (await res.json()) as { errors?: Array<{ code: string; message: string }> };
  assert.ok(body.errors?.[0], `no error body: ${JSON.stringify(body)}`);
  return body.errors[0];
}

describe('pull-through cache against real upstreams', () => {
  let fixtures: string;
  let alpine: BuiltImage;
  let multi: BuiltIndex;
  let other: BuiltImage;
  let busy: BuiltImage;
  let app: BuiltImage;
  let hosted: BuiltImage;
  let hub: ServerHandle;
  let ghcr: ServerHandle;
  let quay: AuthRegistry;
  let k8s: ServerHandle;
  let hubProxy: FaultProxy;
  /** What the docker.io upstream's fault proxy does to every request (nothing when undefined). */
  let hubFault: Fault | undefined;
  let ghcrProxy: FaultProxy;
  let quayProxy: FaultProxy;
  let k8sProxy: FaultProxy;
  let stowage: ServerHandle;
  let root: string;

  before(async () => {
    fixtures = await makeTempDir('proxy-fixtures-');
    alpine = await writeImageLayout(fixtures, { layers: 2, seed: 'proxy-alpine', tag: 'alpine' });
    multi = await writeIndexLayout(fixtures, {
      seed: 'proxy-multi',
      tag: 'multi',
      platforms: [
        { os: 'linux', architecture: 'amd64' },
        { os: 'linux', architecture: 'arm64', variant: 'v8' },
      ],
    });
    other = await writeImageLayout(fixtures, { layers: 1, seed: 'proxy-other', tag: 'other' });
    busy = await writeImageLayout(fixtures, { layers: 3, seed: 'proxy-busy', tag: 'busy', sizeBytes: 256 * 1024 });
    app = await writeImageLayout(fixtures, { layers: 2, seed: 'proxy-app', tag: 'app' });
    await writeImageLayout(fixtures, { layers: 2, seed: 'proxy-tool', tag: 'tool' });
    await writeImageLayout(fixtures, { layers: 1, seed: 'proxy-pause', tag: 'pause' });
    hosted = await writeImageLayout(fixtures, { layers: 2, seed: 'proxy-hosted', tag: 'hosted' });

    hub = await startDistribution({ root: await makeTempDir('upstream-hub-') });
    ghcr = await startHtpasswdDistribution(await makeTempDir('upstream-ghcr-'), GHCR_USERS);
    quay = await startAuthRegistry({ users: QUAY_USERS });
    k8s = await startDistribution({ root: await makeTempDir('upstream-k8s-') });
    await push(fixtures, 'alpine', hub.host, 'library/alpine:3');
    await push(fixtures, 'multi', hub.host, 'library/multi:1');
    await push(fixtures, 'other', hub.host, 'library/other:1');
    await push(fixtures, 'busy', hub.host, 'library/busy:1');
    await push(fixtures, 'app', ghcr.host, 'org/app:1', `reader:${GHCR_USERS.reader}`);
    await push(fixtures, 'tool', quay.host, 'team/tool:1', `puller:${QUAY_USERS.puller}`);
    await push(fixtures, 'pause', k8s.host, 'pause:3', undefined);
    await push(fixtures, 'other', k8s.host, 'other:1', undefined);

    hubProxy = await startFaultProxy(hub.url, () => hubFault);
    ghcrProxy = await startFaultProxy(ghcr.url, () => undefined);
    quayProxy = await startFaultProxy(quay.url, () => undefined);
    k8sProxy = await startFaultProxy(k8s.url, () => undefined);
    const dir = await makeTempDir('proxy-stowage-');
    root = join(dir, 'root');
    // tagttl 0s: every tag pull asks the upstream, so the fault tests see the HEAD fail.
    const quick = { ttl: '1h', tagttl: '0s', timeout: '2s' };
    const config = await writeCacheConfig(dir, root, {
      proxies: [
        { host: 'docker.io', remoteurl: hubProxy.url, ...quick },
        { host: 'ghcr.io', remoteurl: ghcrProxy.url, username: 'reader', password: GHCR_USERS.reader, ...quick },
        { host: 'quay.io', remoteurl: quayProxy.url, username: 'puller', password: QUAY_USERS.puller, ...quick },
        { host: 'registry.k8s.io', remoteurl: k8sProxy.url, ...quick },
      ],
    });
    stowage = await startStowage({ config });
  });

  after(async () => {
    await Promise.all([hubProxy?.close(), ghcrProxy?.close(), quayProxy?.close(), k8sProxy?.close()]);
    await quay?.close();
    await stopAll();
    await ghcr?.stop();
    await removeTempDirs();
  });

  it('pulls by path prefix from each upstream: anonymous, htpasswd and token auth', async () => {
    const out = await makeTempDir('proxy-out-');
    await pull(stowage.host, 'docker.io/library/alpine:3', out, 'alpine');
    await assertSameImage(fixtures, 'alpine', out, 'alpine');
    await pull(stowage.host, 'docker.io/library/multi:1', out, 'multi');
    await assertSameImage(fixtures, 'multi', out, 'multi');
    await pull(stowage.host, 'ghcr.io/org/app:1', out, 'app');
    await assertSameImage(fixtures, 'app', out, 'app');
    await pull(stowage.host, 'quay.io/team/tool:1', out, 'tool');
    await assertSameImage(fixtures, 'tool', out, 'tool');
    // The token flow ran with the configured user for the repository's pull scope.
    assert.ok(
      quay.tokenRequests.some((t) => t.user === 'puller' && t.scopes.includes('repository:team/tool:pull')),
      JSON.stringify(quay.tokenRequests),
    );
    // The htpasswd upstream refuses anonymous clients: the configured credentials got the image.
    const anonymous = await fetch(`${ghcr.url}/v2/org/app/manifests/1`, { headers: { accept: ACCEPT } });
    assert.equal(anonymous.status, 401);
    assert.equal(blobGets(ghcrProxy, app.layers[0]!.digest), 1);
  });

  it('answers a plain name through the default upstream and ?ns= with the same digest', async () => {
    const out = await makeTempDir('proxy-out-');
    await pull(stowage.host, 'alpine:3', out, 'plain');
    await assertSameImage(fixtures, 'alpine', out, 'plain');
    const viaNs = await fetch(`${stowage.url}/v2/org/app/manifests/1?ns=ghcr.io`, { headers: { accept: ACCEPT } });
    assert.equal(viaNs.status, 200);
    assert.equal(viaNs.headers.get('docker-content-digest'), app.digest);
    assert.equal(sha256Hex(new Uint8Array(await viaNs.arrayBuffer())), app.digest);
    // The index exactly as pushed, by its plain name and ns=docker.io (library/ added).
    const index = await fetch(`${stowage.url}/v2/multi/manifests/1?ns=docker.io`, { headers: { accept: ACCEPT } });
    assert.equal(index.status, 200);
    assert.ok(Buffer.from(await index.arrayBuffer()).equals(multi.index));
    const unknown = await fetch(`${stowage.url}/v2/org/app/manifests/1?ns=example.com`, { headers: { accept: ACCEPT } });
    assert.equal(unknown.status, 404);
    const err = await errorBody(unknown);
    assert.equal(err.code, 'NAME_UNKNOWN');
    assert.match(err.message, /no upstream is configured for example\.com/);
  });

  it('a second pull makes no upstream blob GET', async () => {
    const before = allBlobGets(hubProxy);
    for (const digest of alpine.blobs.filter((d) => d !== alpine.digest)) assert.equal(blobGets(hubProxy, digest), 1, `first pull: ${digest}`);
    const out = await makeTempDir('proxy-out-');
    await pull(stowage.host, 'docker.io/library/alpine:3', out, 'again');
    await assertSameImage(fixtures, 'alpine', out, 'again');
    assert.equal(allBlobGets(hubProxy), before);
  });

  // The last element: what the error message of an uncached request says about the failure.
  for (const [label, fault, says] of [
    ['429 with Retry-After', { kind: 'status', status: 429, headers: { 'retry-after': '60' } }, /429 TOOMANYREQUESTS/],
    ['503', { kind: 'status', status: 503 }, /: 503 /],
    ['a stall (past the 2 s timeout)', { kind: 'stall', afterBytes: 0 }, /cannot be reached: .*timeout/i],
  ] as Array<[string, Fault, RegExp]>) {
    it(`upstream ${label}: cached tags and digests still pull, uncached ones fail clearly`, async () => {
      const stale = (await cacheStats(stowage.url, 'docker.io')).staleServes!;
      const heads = hubProxy.seen.filter((r) => r.method === 'HEAD').length;
      hubFault = fault;
      try {
        const out = await makeTempDir('proxy-out-');
        await pull(stowage.host, 'docker.io/library/alpine:3', out, 'cached');
        await assertSameImage(fixtures, 'alpine', out, 'cached');
        await pull(stowage.host, `docker.io/library/alpine@${alpine.digest}`, out, 'bydigest');
        assert.ok(hubProxy.seen.filter((r) => r.method === 'HEAD').length > heads, 'the tag was not checked upstream');
        assert.ok((await cacheStats(stowage.url, 'docker.io')).staleServes! > stale);

        const manifest = await fetch(`${stowage.url}/v2/docker.io/library/other/manifests/1`, { headers: { accept: ACCEPT } });
        const blob = await fetch(`${stowage.url}/v2/docker.io/library/other/blobs/${other.layers[0]!.digest}`);
        for (const res of [manifest, blob]) {
          const err = await errorBody(res);
          if (fault.kind === 'status' && fault.status === 429) {
            assert.equal(res.status, 429);
            assert.equal(err.code, 'TOOMANYREQUESTS');
          } else {
            assert.equal(res.status, 502);
            assert.equal(err.code, 'UNKNOWN');
          }
          assert.match(err.message, /^upstream docker\.io/);
          assert.match(err.message, says);
        }
        // skopeo shows a 5xx's status only, not its message; it is asked once (a 429 it waits out
        // several times over, and each stalled request costs the timeout twice: the raw requests above show those).
        if (fault.kind === 'status' && fault.status === 503) {
          assert.match(await pullFails(stowage.host, 'docker.io/library/other:1', out), /502 Bad Gateway/);
        }
      } finally {
        hubFault = undefined;
      }
    });
  }

  it('upstream reset and then refused: cached content still pulls, uncached fails clearly', async () => {
    const out = await makeTempDir('proxy-out-');
    await pull(stowage.host, 'registry.k8s.io/pause:3', out, 'pause');
    await assertSameImage(fixtures, 'pause', out, 'pause');
    // The upstream gone: the fault proxy resets every connection it forwards.
    await k8s.stop();
    const stale = (await cacheStats(stowage.url, 'registry.k8s.io')).staleServes!;
    await pull(stowage.host, 'registry.k8s.io/pause:3', out, 'reset');
    await assertSameImage(fixtures, 'pause', out, 'reset');
    const afterReset = (await cacheStats(stowage.url, 'registry.k8s.io')).staleServes!;
    assert.ok(afterReset > stale);
    const reset = await fetch(`${stowage.url}/v2/registry.k8s.io/other/manifests/1`, { headers: { accept: ACCEPT } });
    assert.equal(reset.status, 502);
    assert.match((await errorBody(reset)).message, /upstream registry\.k8s\.io/);
    // Nothing listening any more: connections refused.
    await k8sProxy.close();
    await pull(stowage.host, 'registry.k8s.io/pause:3', out, 'refused');
    await assertSameImage(fixtures, 'pause', out, 'refused');
    const stats = await cacheStats(stowage.url, 'registry.k8s.io');
    assert.ok(stats.staleServes! > afterReset);
    const refused = await fetch(`${stowage.url}/v2/registry.k8s.io/other/blobs/${other.layers[0]!.digest}`);
    assert.equal(refused.status, 502);
    const err = await errorBody(refused);
    assert.equal(err.code, 'UNKNOWN');
    assert.match(err.message, /upstream registry\.k8s\.io .*cannot be reached/);
    assert.ok(stats.failures! >= 1);
  });

  it('50 concurrent cold pulls: one upstream GET per blob, correct bytes for every client', async () => {
    const blobs = busy.blobs.filter((d) => d !== busy.digest);
    const client = async (): Promise<string[]> => {
      const res = await fetch(`${stowage.url}/v2/docker.io/library/busy/manifests/1`, { headers: { accept: ACCEPT } });
      assert.equal(res.status, 200);
      const got = [sha256Hex(new Uint8Array(await res.arrayBuffer()))];
      await Promise.all(
        blobs.map(async (digest) => {
          const blob = await fetch(`${stowage.url}/v2/docker.io/library/busy/blobs/${digest}`);
          assert.equal(blob.status, 200, digest);
          got.push(sha256Hex(new Uint8Array(await blob.arrayBuffer())));
        }),
      );
      return got.sort();
    };
    const results = await Promise.all(Array.from({ length: 50 }, client));
    const expected = [busy.digest, ...blobs].sort();
    for (const got of results) assert.deepEqual(got, expected);
    for (const digest of blobs) assert.equal(blobGets(hubProxy, digest), 1, `upstream GETs of ${digest}`);
  });

  it('a hosted repository beside cached ones: both in the catalog; a push to docker.io/… is 403 DENIED', async () => {
    await push(fixtures, 'hosted', stowage.host, 'team/hosted:1');
    const out = await makeTempDir('proxy-out-');
    await pull(stowage.host, 'team/hosted:1', out, 'hosted');
    await assertSameImage(fixtures, 'hosted', out, 'hosted');
    const catalog = (await (await fetch(`${stowage.url}/v2/_catalog`)).json()) as { repositories: string[] };
    for (const name of ['team/hosted', 'docker.io/library/alpine', 'ghcr.io/org/app', 'quay.io/team/tool']) {
      assert.ok(catalog.repositories.includes(name), `${name} not in ${JSON.stringify(catalog)}`);
    }
    const upload = await fetch(`${stowage.url}/v2/docker.io/library/alpine/blobs/uploads/`, { method: 'POST' });
    assert.equal(upload.status, 403);
    const err = await errorBody(upload);
    assert.equal(err.code, 'DENIED');
    assert.match(err.message, /cache of docker\.io/);
    assert.ok(err.message.includes(hubProxy.url), err.message);
    const r = await run('skopeo', [
      'copy',
      '--retry-times',
      '0',
      '--dest-tls-verify=false',
      `oci:${fixtures}:hosted`,
      `docker://${stowage.host}/docker.io/library/alpine:pushed`,
    ]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /denied|403/i);
  });

  it('ttl frees the cached bytes by GC; hosted blobs stay; a re-pull fetches anew', async () => {
    const v2 = join(root, 'docker', 'registry', 'v2');
    const dataPath = (digest: string): string => join(v2, 'blobs', 'sha256', digest.slice(7, 9), digest.slice(7), 'data');
    const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
    const age = async (dir: string): Promise<void> => {
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) await age(path);
        else await utimes(path, twoHoursAgo, twoHoursAgo);
      }
    };
    // Everything two hours old: the cached repositories' links (ttl 1h) and every blob (grace 0s).
    await age(join(v2, 'repositories'));
    await age(join(v2, 'blobs'));
    const gc = await fetch(`${stowage.url}/admin/gc`, { method: 'POST' });
    assert.equal(gc.status, 200, await gc.clone().text());
    const exists = (path: string): Promise<boolean> =>
      stat(path).then(
        () => true,
        () => false,
      );
    for (const digest of alpine.blobs) assert.equal(await exists(dataPath(digest)), false, `cached ${digest} still on disk`);
    for (const digest of hosted.blobs) assert.equal(await exists(dataPath(digest)), true, `hosted ${digest} was collected`);

    const before = allBlobGets(hubProxy);
    const out = await makeTempDir('proxy-out-');
    await pull(stowage.host, 'docker.io/library/alpine:3', out, 'refetched');
    await assertSameImage(fixtures, 'alpine', out, 'refetched');
    for (const digest of alpine.layers.map((l) => l.digest)) assert.equal(blobGets(hubProxy, digest), 2, `upstream GETs of ${digest}`);
    assert.ok(allBlobGets(hubProxy) > before);
    for (const digest of alpine.blobs) assert.equal(await exists(dataPath(digest)), true, `re-pulled ${digest} not stored`);
  });
});

describe("distribution's form: proxy.remoteurl makes the whole registry a cache", () => {
  after(async () => {
    await stopAll();
    await removeTempDirs();
  });

  it('pulls through under the requested names and refuses pushes with 403', async () => {
    const fixtures = await makeTempDir('proxy-fixtures-');
    await writeImageLayout(fixtures, { layers: 2, seed: 'proxy-whole', tag: 'img' });
    const upstream = await startDistribution({ root: await makeTempDir('upstream-whole-') });
    await push(fixtures, 'img', upstream.host, 'library/whole:1');
    const dir = await makeTempDir('proxy-stowage-');
    const config = await writeCacheConfig(dir, join(dir, 'root'), { proxy: { remoteurl: upstream.url } });
    const stowage = await startStowage({ config });
    const out = await makeTempDir('proxy-out-');
    await pull(stowage.host, 'library/whole:1', out, 'whole');
    await assertSameImage(fixtures, 'img', out, 'whole');
    const catalog = (await (await fetch(`${stowage.url}/v2/_catalog`)).json()) as { repositories: string[] };
    assert.deepEqual(catalog.repositories, ['library/whole']);
    const upload = await fetch(`${stowage.url}/v2/team/new/blobs/uploads/`, { method: 'POST' });
    assert.equal(upload.status, 403);
    const err = await errorBody(upload);
    assert.equal(err.code, 'DENIED');
    assert.ok(err.message.includes(upstream.url), err.message);
    const r = await run('skopeo', ['copy', '--retry-times', '0', '--dest-tls-verify=false', `oci:${fixtures}:img`, `docker://${stowage.host}/team/new:1`]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /denied|403/i);
  });
});
