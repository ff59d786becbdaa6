import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { noCredentials } from '../../support/credentials.js';
import { RegistryClient } from '../../../src/registry/client/client.js';
import { startFaultProxy, type FaultProxy } from '../../support/fault-proxy.js';
import type { HttpClient } from '../../support/http.js';
import { startRegistry, type TestRegistry } from '../../support/registry.js';
import { newClient, pushImage, randomRepo } from '../../support/registry-images.js';

describe('registry mirrors', () => {
  let origin: TestRegistry;
  let mirror: TestRegistry;
  let originSeen: FaultProxy;
  let mirrorSeen: FaultProxy;
  let toOrigin: HttpClient;
  let toMirror: HttpClient;
  let client: RegistryClient;

  before(async () => {
    origin = await startRegistry();
    mirror = await startRegistry();
    originSeen = await startFaultProxy(origin.url, () => undefined);
    mirrorSeen = await startFaultProxy(mirror.url, () => undefined);
    toOrigin = newClient(origin.url);
    toMirror = newClient(mirror.url);
    client = new RegistryClient({ credentials: noCredentials, mirrors: { [originSeen.host]: [mirrorSeen.url] } });
  });
  after(async () => {
    await client.close();
    for (const c of [toOrigin, toMirror]) await c.close();
    for (const p of [originSeen, mirrorSeen]) await p.close();
    for (const r of [origin, mirror]) await r.close();
  });

  const manifestRequests = (proxy: FaultProxy, path: string) => proxy.seen.filter((r) => r.url.includes(`/v2/${path}/manifests/`)).length;

  it('pulls from the mirror when it has the image, without asking the registry', async () => {
    const path = randomRepo();
    const image = await pushImage(toMirror, path, 'v1');
    const got = await client.getManifest({ domain: originSeen.host, path }, 'v1');
    assert.equal(got.digest.toString(), image.digest);
    assert.equal(manifestRequests(mirrorSeen, path), 1);
    assert.equal(manifestRequests(originSeen, path), 0);
  });

  it('falls back to the registry when the mirror lacks it', async () => {
    const path = randomRepo();
    const image = await pushImage(toOrigin, path, 'v1');
    const got = await client.getManifest({ domain: originSeen.host, path }, 'v1');
    assert.equal(got.digest.toString(), image.digest);
    assert.equal(manifestRequests(mirrorSeen, path), 1);
    assert.equal(manifestRequests(originSeen, path), 1);
  });

  it('never pushes to a mirror', async () => {
    const path = randomRepo();
    const image = await pushImage(toOrigin, path, 'v1');
    const manifest = await client.getManifest({ domain: originSeen.host, path }, 'v1');
    await client.putManifest({ domain: originSeen.host, path }, 'v2', manifest);
    assert.equal(mirrorSeen.seen.filter((r) => r.method === 'PUT').length, 0);
    assert.equal((await client.headManifest({ domain: originSeen.host, path }, 'v2'))?.digest.toString(), image.digest);
  });
});
