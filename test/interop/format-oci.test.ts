// `stowage copy --format oci` of Docker schema 2 images into an OCI layout, read by skopeo 1.9
// and podman 4.3, which skip index.json entries of Docker media types: without the flag they
// refuse the image (pinned here: it is why the flag exists), with it they read it, and the
// config and layers are the same bytes (same image ID). `--format v2s2` goes the other way.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { STOWAGE_CLI, makeTempDir, removeTempDirs, run, runOk, skopeo, stopAll } from '../support/process.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { writeSizedImage, writeSizedIndex, type SizedImage } from '../support/sized-image.js';

describe('copy --format oci: skopeo and podman read the layout', () => {
  let dir: string;
  let image: SizedImage;
  let list: string;
  let registry: TestRegistry;
  const lowerDirs: string[] = [];
  const stowage = (...args: string[]) => run(process.execPath, [STOWAGE_CLI, ...args], { timeoutMs: 120_000 });

  before(async () => {
    dir = await makeTempDir('stowage-format-oci-');
    image = await writeSizedImage(join(dir, 'src'), 'app', ['base', 'changes', 'links'], { docker: true });
    const other = await writeSizedImage(join(dir, 'src'), 'other', ['base', 'extra'], { docker: true });
    list = await writeSizedIndex(
      join(dir, 'src'),
      'multi',
      [
        { image, architecture: 'amd64' },
        { image: other, architecture: 'arm64' },
      ],
      { docker: true },
    );
    registry = await startRegistry();
  });
  after(async () => {
    await registry?.close();
    await stopAll();
    for (const lower of lowerDirs) await rm(lower, { recursive: true, force: true });
    await removeTempDirs();
  });

  it('without --format the Docker media types stay, skopeo refuses them, and copy says how to fix it', async () => {
    const out = await stowage('copy', `oci:${join(dir, 'src')}:app`, `oci:${join(dir, 'plain')}:app`);
    assert.equal(out.code, 0, out.stderr);
    assert.equal(out.stdout, `${image.digest}\n`);
    assert.match(out.stderr, /warning: .* holds application\/vnd\.docker\.distribution\.manifest\.v2\+json, .*--format oci/);
    const refused = await run('skopeo', ['inspect', `oci:${join(dir, 'plain')}:app`]);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /no descriptor found for reference \\?"app\\?"/);
  });

  it('with --format oci: a new manifest digest, said on stderr and printed on stdout; skopeo inspects and copies it', async () => {
    const out = await stowage('copy', '--format', 'oci', `oci:${join(dir, 'src')}:app`, `oci:${join(dir, 'oci')}:app`);
    assert.equal(out.code, 0, out.stderr);
    const digest = out.stdout.trim();
    assert.match(digest, /^sha256:[0-9a-f]{64}$/);
    assert.notEqual(digest, image.digest);
    assert.match(out.stderr, new RegExp(`^Converted to OCI media types: manifest ${digest} \\(was ${image.digest}\\)$`, 'm'));
    assert.doesNotMatch(out.stderr, /warning/);

    const inspected = JSON.parse((await skopeo(['inspect', `oci:${join(dir, 'oci')}:app`])).stdout) as { Digest: string; Layers: string[] };
    assert.equal(inspected.Digest, digest);
    assert.deepEqual(inspected.Layers, image.blobs);
    const raw = JSON.parse((await skopeo(['inspect', '--raw', `oci:${join(dir, 'oci')}:app`])).stdout) as {
      mediaType: string;
      config: { digest: string; mediaType: string };
    };
    assert.equal(raw.mediaType, 'application/vnd.oci.image.manifest.v1+json');
    assert.deepEqual([raw.config.mediaType, raw.config.digest], ['application/vnd.oci.image.config.v1+json', image.configDigest]);
    // The config and layers are the source's bytes.
    for (const blob of [image.configDigest, ...image.blobs]) {
      const path = (root: string) => join(dir, root, 'blobs', 'sha256', blob.slice(7));
      assert.deepEqual(await readFile(path('oci')), await readFile(path('src')), blob);
    }
    await skopeo(['copy', `oci:${join(dir, 'oci')}:app`, `docker-archive:${join(dir, 'app.tar')}:x/app:1`]);
    const archived = JSON.parse((await skopeo(['inspect', '--config', `docker-archive:${join(dir, 'app.tar')}`])).stdout) as { rootfs: { diff_ids: string[] } };
    assert.equal(archived.rootfs.diff_ids.length, 3);
  });

  it('podman pulls it, with the same image ID (the config digest)', async () => {
    const podman = ['--root', join(dir, 'podman-root'), '--runroot', join(dir, 'podman-run'), '--storage-driver', 'vfs'];
    // podman names the image after the layout's path, which must then be lowercase.
    const lower = join(tmpdir(), `stowage-podman-${randomBytes(6).toString('hex')}`);
    lowerDirs.push(lower);
    for (const [format, name] of [
      [[], 'plain'],
      [['--format', 'oci'], 'oci'],
    ] as const) {
      assert.equal((await stowage('copy', '-q', ...format, `oci:${join(dir, 'src')}:app`, `oci:${join(lower, name)}:app`)).code, 0);
    }
    const refused = await run('podman', [...podman, 'pull', `oci:${join(lower, 'plain')}:app`]);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /no descriptor found for reference/);
    await runOk('podman', [...podman, 'pull', `oci:${join(lower, 'oci')}:app`], { timeoutMs: 180_000 });
    const ids = (await runOk('podman', [...podman, 'images', '--no-trunc', '--format', '{{.ID}}'])).stdout.trim();
    assert.equal(ids, image.configDigest);
  });

  it('a Docker manifest list with --all: an OCI index of OCI manifests, read by skopeo', async () => {
    const out = await stowage('copy', '--all', '--format', 'oci', `oci:${join(dir, 'src')}:multi`, `oci:${join(dir, 'multi')}:multi`);
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stderr, new RegExp(`\\(was ${list}\\)`));
    const raw = JSON.parse((await skopeo(['inspect', '--raw', `oci:${join(dir, 'multi')}:multi`])).stdout) as {
      mediaType: string;
      manifests: Array<{ mediaType: string }>;
    };
    assert.equal(raw.mediaType, 'application/vnd.oci.image.index.v1+json');
    assert.deepEqual(
      raw.manifests.map((m) => m.mediaType),
      ['application/vnd.oci.image.manifest.v1+json', 'application/vnd.oci.image.manifest.v1+json'],
    );
    const picked = JSON.parse((await skopeo(['inspect', '--override-arch', 'arm64', `oci:${join(dir, 'multi')}:multi`])).stdout) as { Layers: string[] };
    assert.equal(picked.Layers.length, 2);
  });

  it('--format v2s2 turns it back into the Docker manifest it came from, in a registry', async () => {
    const host = new URL(registry.url).host;
    const out = await stowage('copy', '--format', 'v2s2', '--insecure-registry', host, `oci:${join(dir, 'oci')}:app`, `docker://${host}/t/app:1`);
    assert.equal(out.code, 0, out.stderr);
    assert.equal(out.stdout, `${image.digest}\n`);
    assert.match(out.stderr, /^Converted to Docker schema 2 media types: manifest /m);
    const raw = JSON.parse((await skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${host}/t/app:1`])).stdout) as { mediaType: string };
    assert.equal(raw.mediaType, 'application/vnd.docker.distribution.manifest.v2+json');
  });
});
