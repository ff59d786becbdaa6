import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseReference } from '../../../src/reference/reference.js';
import { noCredentials } from '../../support/credentials.js';
import { RegistryClient } from '../../../src/registry/client/client.js';
import { copyImage } from '../../../src/transport/copy.js';
import { DockerArchiveSink, DockerArchiveSource } from '../../../src/transport/docker-archive.js';
import { OciLayoutSink, OciLayoutSource } from '../../../src/transport/oci-layout.js';
import { RemoteSink, RemoteSource } from '../../../src/transport/remote.js';
import type { ImageSink, ImageSource } from '../../../src/transport/types.js';
import { startFaultProxy, type FaultProxy } from '../../support/fault-proxy.js';
import { writeImageLayout, writeIndexLayout } from '../../support/oci-layout.js';
import { startRegistry, type TestRegistry } from '../../support/registry.js';

async function copyAndClose(source: ImageSource, sink: ImageSink, all = false) {
  try {
    return await copyImage(source, sink, all ? { platform: 'all' } : {});
  } finally {
    await sink.close();
    await source.close();
  }
}

describe('copyImage across registry, OCI layout and docker archive', () => {
  let reg: TestRegistry;
  let dir: string;
  let client: RegistryClient;
  let host: string;
  const remote = (ref: string) => parseReference(`${host}/${ref}`);

  before(async () => {
    reg = await startRegistry();
    host = new URL(reg.url).host;
    dir = await mkdtemp(join(tmpdir(), 'stowage-copy-'));
    client = new RegistryClient({ credentials: noCredentials });
  });
  after(async () => {
    await client.close();
    await reg.close();
    await rm(dir, { recursive: true, force: true });
  });

  for (const kind of ['image', 'index'] as const) {
    it(`round-trips a multi-layer ${kind} registry → oci → docker-archive → registry with identical digests`, async () => {
      const fixture = join(dir, `${kind}-fixture`);
      const built =
        kind === 'image'
          ? await writeImageLayout(fixture, { layers: 3, seed: `rt-${kind}`, tag: 't' })
          : await writeIndexLayout(fixture, {
              seed: `rt-${kind}`,
              tag: 't',
              layers: 2,
              platforms: [
                { os: 'linux', architecture: 'amd64' },
                { os: 'linux', architecture: 'arm64', variant: 'v8' },
              ],
            });
      const all = kind === 'index';
      await copyAndClose(await OciLayoutSource.open(fixture, 't'), new RemoteSink(client, remote(`rt/${kind}:t`)), all);
      await copyAndClose(new RemoteSource(client, remote(`rt/${kind}:t`)), await OciLayoutSink.create(join(dir, `${kind}-oci`), 't'), all);
      await copyAndClose(
        await OciLayoutSource.open(join(dir, `${kind}-oci`), 't'),
        await DockerArchiveSink.create(join(dir, `${kind}.tar`), `rt/${kind}:t`),
        all,
      );
      const back = await copyAndClose(await DockerArchiveSource.open(join(dir, `${kind}.tar`)), new RemoteSink(client, remote(`rt/${kind}-back:t`)), all);
      assert.equal(back.digest.toString(), built.digest);
      const served = await client.getManifest({ domain: host, path: `rt/${kind}-back` }, 't');
      assert.equal(served.digest.toString(), built.digest);
    });
  }

  it('mounts blobs between repositories of one registry, and skips what the destination has', async () => {
    await copyAndClose(await OciLayoutSource.open(join(dir, 'image-fixture'), 't'), new RemoteSink(client, remote('mount/a:t')));
    const mounted = await copyAndClose(new RemoteSource(client, remote('mount/a:t')), new RemoteSink(client, remote('mount/b:t')));
    assert.deepEqual(mounted.blobs, { copied: 0, skipped: 0, mounted: 4 });
    const again = await copyAndClose(new RemoteSource(client, remote('mount/a:t')), new RemoteSink(client, remote('mount/b:t2')));
    assert.deepEqual(again.blobs, { copied: 0, skipped: 4, mounted: 0 });
  });
});

describe('copyImage from a registry that sends broken blobs', () => {
  let reg: TestRegistry;
  let dir: string;
  let client: RegistryClient;
  let layer: string;
  const proxies: FaultProxy[] = [];

  before(async () => {
    reg = await startRegistry();
    dir = await mkdtemp(join(tmpdir(), 'stowage-copy-bad-'));
    client = new RegistryClient({ credentials: noCredentials });
    const fixture = await writeImageLayout(join(dir, 'fixture'), { layers: 2, seed: 'broken', tag: 't', sizeBytes: 2_000_000 });
    layer = fixture.layers[1]!.digest;
    const host = new URL(reg.url).host;
    await copyAndClose(await OciLayoutSource.open(join(dir, 'fixture'), 't'), new RemoteSink(client, parseReference(`${host}/bad/img:t`)));
  });
  after(async () => {
    for (const p of proxies) await p.close();
    await client.close();
    await reg.close();
    await rm(dir, { recursive: true, force: true });
  });

  const assertNothingAt = async (out: string) => {
    assert.ok(!existsSync(join(out, 'blobs/sha256', layer.slice(7))), 'the bad blob is not in the destination');
    const index = existsSync(join(out, 'index.json'))
      ? (JSON.parse(await readFile(join(out, 'index.json'), 'utf8')) as { manifests: unknown[] })
      : { manifests: [] };
    assert.equal(index.manifests.length, 0, 'no image is named in the destination');
  };

  it('a corrupted blob fails the copy, naming its digest, and leaves nothing', async () => {
    const proxy = await startFaultProxy(reg.url, (req) => (req.method === 'GET' && req.url?.endsWith(layer) ? { kind: 'corrupt' } : undefined));
    proxies.push(proxy);
    const out = join(dir, 'corrupt-out');
    await assert.rejects(copyAndClose(new RemoteSource(client, parseReference(`${proxy.host}/bad/img:t`)), await OciLayoutSink.create(out, 't')), {
      code: 'DIGEST_INVALID',
      message: new RegExp(`^blob ${layer}: digest mismatch`),
    });
    await assertNothingAt(out);
  });

  it('a blob that keeps arriving truncated fails with SIZE_INVALID, naming its digest, and leaves nothing', async () => {
    const proxy = await startFaultProxy(reg.url, (req) =>
      req.method === 'GET' && req.url?.endsWith(layer) ? { kind: 'cut', afterBytes: 100_000 } : undefined,
    );
    proxies.push(proxy);
    const out = join(dir, 'cut-out');
    await assert.rejects(copyAndClose(new RemoteSource(client, parseReference(`${proxy.host}/bad/img:t`)), await OciLayoutSink.create(out, 't')), {
      code: 'SIZE_INVALID',
      message: new RegExp(`^blob ${layer}: content is \\d+ bytes, expected \\d+`),
    });
    await assertNothingAt(out);
    assert.ok(proxy.seen.filter((r) => r.range).length >= 1, 'resumes were attempted before giving up');
  });
});
