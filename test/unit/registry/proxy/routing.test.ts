/** Which upstream a repository name belongs to (src/registry/proxy/routing.ts). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProxyRouter } from '../../../../src/registry/proxy/routing.js';
import type { Upstream } from '../../../../src/registry/proxy/upstream.js';

const upstream = (host?: string): Upstream => ({ settings: { host, remoteUrl: `https://${host ?? 'whole'}` }, name: host ?? 'whole' }) as unknown as Upstream;

describe('proxy routing', () => {
  const hub = upstream('docker.io');
  const ghcr = upstream('ghcr.io');
  const router = new ProxyRouter([hub, ghcr], undefined, 'docker.io');
  const hosted = async (): Promise<boolean> => true;
  const notHosted = async (): Promise<boolean> => false;

  it('a configured host prefix selects its upstream, stored under the prefix', async () => {
    const target = await router.resolve('ghcr.io/org/app', null, notHosted);
    assert.equal(target?.upstream, ghcr);
    assert.equal(target?.local, 'ghcr.io/org/app');
    assert.equal(target?.remote, 'org/app');
  });

  it("Docker Hub's one-component names get library/, as docker writes them", async () => {
    const target = await router.resolve('docker.io/alpine', null, notHosted);
    assert.deepEqual([target?.local, target?.remote], ['docker.io/library/alpine', 'library/alpine']);
  });

  it('?ns= selects the upstream (containerd mirrors), Docker Hub aliases included; an unknown ns is NAME_UNKNOWN', async () => {
    assert.equal((await router.resolve('org/app', 'ghcr.io', hosted))?.local, 'ghcr.io/org/app');
    assert.equal((await router.resolve('library/alpine', 'index.docker.io', hosted))?.local, 'docker.io/library/alpine');
    await assert.rejects(router.resolve('org/app', 'quay.io', notHosted), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'NAME_UNKNOWN');
      assert.match(err.message, /no upstream is configured for quay\.io/);
      return true;
    });
  });

  it('a read of an unprefixed name goes to the default upstream unless a hosted repository has it; a write is hosted', async () => {
    assert.equal((await router.resolve('library/alpine', null, notHosted))?.local, 'docker.io/library/alpine');
    assert.equal(await router.resolve('team/app', null, hosted), undefined);
    assert.equal(await router.resolve('team/new', null, notHosted, false), undefined, 'a push to it makes a hosted repository');
    const noDefault = new ProxyRouter([ghcr], undefined, undefined);
    assert.equal(await noDefault.resolve('library/alpine', null, notHosted), undefined);
  });

  it('a name that is only a host, or under an unconfigured host, is hosted', async () => {
    assert.equal(await new ProxyRouter([ghcr], undefined, undefined).resolve('ghcr.io', null, notHosted), undefined);
    assert.equal(await new ProxyRouter([ghcr], undefined, undefined).resolve('quay.io/org/app', null, notHosted), undefined);
  });

  it("distribution's form: every name is the upstream's, stored as asked", async () => {
    const whole = upstream();
    const single = new ProxyRouter([], whole, undefined);
    const target = await single.resolve('library/alpine', 'ghcr.io', hosted);
    assert.deepEqual([target?.upstream, target?.local, target?.remote], [whole, 'library/alpine', 'library/alpine']);
    assert.equal(single.upstreamOf('anything/at/all'), whole);
  });

  it('upstreamOf names the upstream a stored repository was cached from', () => {
    assert.equal(router.upstreamOf('docker.io/library/alpine'), hub);
    assert.equal(router.upstreamOf('team/app'), undefined);
  });
});
