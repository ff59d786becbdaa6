// skopeo (containers/image) against a running Stowage: push from OCI layouts, pull back,
// inspect, list tags, delete, and copy between repositories of the same registry.
//
// STOWAGE_INTEROP_TARGET=distribution runs the same suite against CNCF distribution's
// docker-registry instead, to check the assertions themselves against the reference.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertSameImage, readBlob, sha256, writeImageLayout, writeIndexLayout, type BuiltImage, type BuiltIndex } from '../support/oci-layout.js';
import { makeTempDir, removeTempDirs, run, skopeo, startDistribution, startStowage, stopAll, type ServerHandle } from '../support/process.js';

const TARGET = process.env.STOWAGE_INTEROP_TARGET ?? 'stowage';

interface InspectOutput {
  Name?: string;
  Digest: string;
  RepoTags: string[];
  Architecture: string;
  Os: string;
  Layers: string[];
  Labels?: Record<string, string> | null;
}

interface ListTagsOutput {
  Repository: string;
  Tags: string[];
}

describe(`skopeo against ${TARGET}`, () => {
  let server: ServerHandle;
  let fixtures: string;
  let image3: BuiltImage;
  let index: BuiltIndex;
  const ref = (repoAndTag: string): string => `docker://${server.host}/${repoAndTag}`;

  const push = (layout: string, tag: string, dest: string): Promise<unknown> =>
    skopeo(['copy', '--all', '--preserve-digests', '--dest-tls-verify=false', `oci:${layout}:${tag}`, ref(dest)]);
  const pull = (src: string, layout: string, tag: string): Promise<unknown> =>
    skopeo(['copy', '--all', '--preserve-digests', '--src-tls-verify=false', ref(src), `oci:${layout}:${tag}`]);
  const inspect = async (src: string, extra: string[] = []): Promise<InspectOutput> =>
    JSON.parse((await skopeo(['inspect', '--tls-verify=false', ...extra, ref(src)])).stdout) as InspectOutput;
  const listTags = async (repo: string): Promise<string[]> =>
    (JSON.parse((await skopeo(['list-tags', '--tls-verify=false', ref(repo)])).stdout) as ListTagsOutput).Tags.sort();

  before(async () => {
    if (TARGET === 'distribution') {
      server = await startDistribution({ root: await makeTempDir('distribution-root-'), deleteEnabled: true });
    } else {
      server = await startStowage({ args: ['--delete'] });
    }
    fixtures = await makeTempDir('oci-fixtures-');
    image3 = await writeImageLayout(fixtures, { layers: 3, seed: 'skopeo-three-layers', tag: 'three' });
    index = await writeIndexLayout(fixtures, {
      seed: 'skopeo-multi-arch',
      tag: 'multi',
      platforms: [
        { os: 'linux', architecture: 'amd64' },
        { os: 'linux', architecture: 'arm64', variant: 'v8' },
        { os: 'linux', architecture: 'arm', variant: 'v7' },
      ],
    });
    for (const [tag, seed] of [
      ['v1', 'tags-v1'],
      ['v2', 'tags-v2'],
      ['v3', 'tags-v3'],
      ['gone', 'del-gone'],
      ['keep', 'del-keep'],
    ] as const) {
      await writeImageLayout(fixtures, { layers: 1, seed, tag });
    }
  });

  after(async () => {
    await stopAll();
    await removeTempDirs();
  });

  it('round-trips a 3-layer image oci → registry → oci with identical digests and blobs', async () => {
    await push(fixtures, 'three', 'library/three:1.0');
    const out = await makeTempDir('oci-out-');
    await pull('library/three:1.0', out, 'back');
    const blobs = await assertSameImage(fixtures, 'three', out, 'back');
    assert.equal(blobs.length, 5, 'manifest + config + 3 layers');
    assert.ok(blobs.includes(image3.digest));
  });

  it('round-trips a multi-arch index with --all, keeping the index digest', async () => {
    await push(fixtures, 'multi', 'library/multi:latest');
    const out = await makeTempDir('oci-out-');
    await pull('library/multi:latest', out, 'latest');
    const blobs = await assertSameImage(fixtures, 'multi', out, 'latest');
    assert.equal(blobs.length, 1 + 3 * 4, 'index + 3 × (manifest + config + 2 layers)');
  });

  it('round-trips an image with multi-megabyte layers (streamed uploads)', async () => {
    const big = await makeTempDir('oci-big-');
    const image = await writeImageLayout(big, { layers: 2, seed: 'skopeo-big', tag: 'big', sizeBytes: 6 * 1024 * 1024 });
    assert.ok((image.layers[0]?.size ?? 0) > 6 * 1024 * 1024);
    await push(big, 'big', 'library/big:1');
    const out = await makeTempDir('oci-out-');
    await pull('library/big:1', out, 'big');
    await assertSameImage(big, 'big', out, 'big');
  });

  it('accepts a Docker schema 2 manifest converted by skopeo --format v2s2', async () => {
    await skopeo(['copy', '--format', 'v2s2', '--dest-tls-verify=false', `oci:${fixtures}:three`, ref('docker/format:v2s2')]);
    const raw = (await skopeo(['inspect', '--raw', '--tls-verify=false', ref('docker/format:v2s2')])).stdout;
    const manifest = JSON.parse(raw) as { mediaType: string; layers: Array<{ mediaType: string; digest: string }> };
    assert.equal(manifest.mediaType, 'application/vnd.docker.distribution.manifest.v2+json');
    assert.deepEqual(
      manifest.layers.map((l) => l.digest),
      image3.layers.map((l) => l.digest),
    );
    assert.ok(manifest.layers.every((l) => l.mediaType === 'application/vnd.docker.image.rootfs.diff.tar.gzip'));
    const info = await inspect('docker/format:v2s2');
    assert.equal(info.Digest, sha256(raw));
    const get = await fetch(`${server.url}/v2/docker/format/manifests/v2s2`, {
      headers: { accept: 'application/vnd.docker.distribution.manifest.v2+json' },
    });
    assert.equal(get.status, 200);
    assert.equal(get.headers.get('content-type'), 'application/vnd.docker.distribution.manifest.v2+json');
    assert.equal(get.headers.get('docker-content-digest'), sha256(raw));
    assert.equal(await get.text(), raw);
    const out = await makeTempDir('dir-out-');
    await skopeo(['copy', '--preserve-digests', '--src-tls-verify=false', ref('docker/format:v2s2'), `dir:${out}`]);
  });

  it('skopeo inspect reports digest, layers and architecture', async () => {
    const info = await inspect('library/three:1.0');
    assert.equal(info.Digest, image3.digest);
    assert.deepEqual(
      info.Layers,
      image3.layers.map((l) => l.digest),
    );
    assert.equal(info.Architecture, 'amd64');
    assert.equal(info.Os, 'linux');
    assert.deepEqual(info.RepoTags, ['1.0']);
    assert.equal(info.Labels?.['org.stowage.fixture.seed'], 'skopeo-three-layers');
  });

  it('skopeo inspect picks the platform image from an index', async () => {
    const arm64 = index.images.find((i) => i.platform.architecture === 'arm64');
    assert.ok(arm64);
    const info = await inspect('library/multi:latest', ['--override-os', 'linux', '--override-arch', 'arm64', '--override-variant', 'v8']);
    assert.equal(info.Digest, index.digest, 'Digest is that of the index');
    assert.equal(info.Architecture, 'arm64');
    assert.deepEqual(
      info.Layers,
      arm64.layers.map((l) => l.digest),
    );
  });

  it('skopeo inspect --raw returns the pushed manifest and index bytes exactly', async () => {
    const raw = await skopeo(['inspect', '--raw', '--tls-verify=false', ref('library/three:1.0')]);
    assert.equal(raw.stdout, image3.manifest.toString('utf8'));
    const rawIndex = await skopeo(['inspect', '--raw', '--tls-verify=false', ref('library/multi:latest')]);
    assert.equal(rawIndex.stdout, index.index.toString('utf8'));
    const byDigest = await skopeo(['inspect', '--raw', '--tls-verify=false', ref(`library/multi@${index.images[0]?.digest}`)]);
    assert.equal(byDigest.stdout, index.images[0]?.manifest.toString('utf8'));
    const config = await skopeo(['inspect', '--raw', '--config', '--tls-verify=false', ref('library/three:1.0')]);
    assert.equal(config.stdout, (await readBlob(fixtures, image3.config.digest)).toString('utf8'));
  });

  it('skopeo list-tags lists every tag of nested repositories, separately per repository', async () => {
    await push(fixtures, 'v1', 'team/app/web:v1');
    await push(fixtures, 'v2', 'team/app/web:v2');
    await push(fixtures, 'v3', 'team/app/web:v3');
    await push(fixtures, 'v1', 'team/app/web:latest');
    await push(fixtures, 'v2', 'team/app:only');
    await push(fixtures, 'v3', 'team/app/web/deeper:x');
    assert.deepEqual(await listTags('team/app/web'), ['latest', 'v1', 'v2', 'v3']);
    assert.deepEqual(await listTags('team/app'), ['only']);
    assert.deepEqual(await listTags('team/app/web/deeper'), ['x']);
    const info = await inspect('team/app/web:latest');
    assert.equal(info.Digest, (await inspect('team/app/web:v1')).Digest);
  });

  it('skopeo list-tags fails for a repository that does not exist', async () => {
    const r = await run('skopeo', ['list-tags', '--tls-verify=false', ref('no/such/repo')]);
    assert.notEqual(r.code, 0, r.stdout);
    assert.match(r.stderr, /name unknown|not found|404/i);
  });

  it('skopeo delete removes the manifest: its tag and digest are gone, other tags stay', async () => {
    await push(fixtures, 'gone', 'deltest/app:gone');
    await push(fixtures, 'keep', 'deltest/app:keep');
    const before = await inspect('deltest/app:gone');
    assert.deepEqual(await listTags('deltest/app'), ['gone', 'keep']);

    await skopeo(['delete', '--tls-verify=false', ref('deltest/app:gone')]);

    assert.deepEqual(await listTags('deltest/app'), ['keep']);
    const byTag = await run('skopeo', ['inspect', '--tls-verify=false', ref('deltest/app:gone')]);
    assert.notEqual(byTag.code, 0, 'inspect by tag must fail after delete');
    assert.match(byTag.stderr, /manifest unknown|not found/i);
    const byDigest = await run('skopeo', ['inspect', '--raw', '--tls-verify=false', ref(`deltest/app@${before.Digest}`)]);
    assert.notEqual(byDigest.code, 0, 'inspect by digest must fail after delete');
    const kept = await inspect('deltest/app:keep');
    assert.notEqual(kept.Digest, before.Digest);
  });

  it('copies an image to a second repository of the same registry (cross-repo blob mount)', async () => {
    await push(fixtures, 'three', 'mount/source:v1');
    const copy = await skopeo([
      'copy',
      '--all',
      '--preserve-digests',
      '--src-tls-verify=false',
      '--dest-tls-verify=false',
      ref('mount/source:v1'),
      ref('mount/target:v1'),
    ]);
    assert.match(copy.stdout + copy.stderr, /Writing manifest/);
    const out = await makeTempDir('oci-out-');
    await pull('mount/target:v1', out, 'v1');
    await assertSameImage(fixtures, 'three', out, 'v1');
    assert.deepEqual(await listTags('mount/target'), ['v1']);
  });

  it('mounts a blob across repositories with POST ?mount=&from= (and falls back to an upload)', async () => {
    const layer = image3.layers[0];
    assert.ok(layer);
    // library/three holds the layer since the first test.
    const mount = await fetch(`${server.url}/v2/mount/direct/blobs/uploads/?mount=${encodeURIComponent(layer.digest)}&from=library/three`, { method: 'POST' });
    await mount.arrayBuffer();
    assert.equal(mount.status, 201);
    assert.equal(mount.headers.get('docker-content-digest'), layer.digest);
    const location = mount.headers.get('location');
    assert.ok(location, 'Location header');
    assert.match(location, new RegExp(`/v2/mount/direct/blobs/${layer.digest}$`));
    const head = await fetch(`${server.url}/v2/mount/direct/blobs/${layer.digest}`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), String(layer.size));
    assert.equal(head.headers.get('docker-content-digest'), layer.digest);
    const get = await fetch(`${server.url}/v2/mount/direct/blobs/${layer.digest}`);
    const body = Buffer.from(await get.arrayBuffer());
    assert.equal(get.status, 200);
    assert.ok(body.equals(await readBlob(fixtures, layer.digest)));

    // From a repository that does not have the blob: no mount, an upload session instead.
    const fallback = await fetch(`${server.url}/v2/mount/fallback/blobs/uploads/?mount=${encodeURIComponent(layer.digest)}&from=no/such/repo`, {
      method: 'POST',
    });
    await fallback.arrayBuffer();
    assert.equal(fallback.status, 202);
    assert.ok(fallback.headers.get('location'));
    const missing = await fetch(`${server.url}/v2/mount/fallback/blobs/${layer.digest}`, { method: 'HEAD' });
    assert.equal(missing.status, 404);
  });
});
