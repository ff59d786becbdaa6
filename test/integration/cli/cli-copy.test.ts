import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { findRef, writeImageLayout, writeIndexLayout } from '../../support/oci-layout.js';
import { startRegistry, type TestRegistry } from '../../support/registry.js';

const CLI = fileURLToPath(new URL('../../../src/cli/main.js', import.meta.url));
const exec = promisify(execFile);

describe('stowage copy / inspect / tags', () => {
  let reg: TestRegistry;
  let dir: string;
  let host: string;
  const env = () => ({ ...process.env, DOCKER_CONFIG: join(dir, 'docker-config') });
  const stowage = (...args: string[]) => exec(process.execPath, [CLI, ...args], { env: env(), timeout: 60_000 });
  const fails = async (...args: string[]): Promise<{ code: number; stderr: string }> => {
    try {
      await stowage(...args);
    } catch (err) {
      return err as { code: number; stderr: string };
    }
    throw new Error(`stowage ${args.join(' ')} succeeded`);
  };

  before(async () => {
    reg = await startRegistry();
    host = new URL(reg.url).host;
    dir = await mkdtemp(join(tmpdir(), 'stowage-cli-copy-'));
  });
  after(async () => {
    await reg.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('copies oci → registry → oci with the same digest and prints it', async () => {
    const image = await writeImageLayout(join(dir, 'src'), { layers: 3, seed: 'cli-copy', tag: 'v1' });
    const push = await stowage('copy', '-q', `oci:${join(dir, 'src')}:v1`, `docker://${host}/cli/app:v1`);
    assert.equal(push.stdout, '');
    const pull = await stowage('copy', `docker://${host}/cli/app:v1`, `oci:${join(dir, 'out')}:v1`);
    assert.equal(pull.stdout.trim(), image.digest);
    assert.match(pull.stderr, /Copied blob sha256:/, 'plain progress lines when not on a terminal');
    assert.equal((await findRef(join(dir, 'out'), 'v1'))?.digest, image.digest);
  });

  it('inspects without pulling: summary, --raw and --config', async () => {
    const summary = JSON.parse((await stowage('inspect', `${host}/cli/app:v1`)).stdout) as Record<string, unknown>;
    assert.equal(summary.Architecture, 'amd64');
    assert.equal(summary.Os, 'linux');
    assert.equal((summary.Layers as string[]).length, 3);
    assert.deepEqual(summary.RepoTags, ['v1']);
    // skopeo's Name: the repository, port and path included, without the tag.
    assert.equal(summary.Name, `${host}/cli/app`);
    assert.match(host, /^127\.0\.0\.1:\d+$/);
    const byDigest = JSON.parse((await stowage('inspect', `${host}/cli/app@${summary.Digest as string}`)).stdout) as Record<string, unknown>;
    assert.equal(byDigest.Name, `${host}/cli/app`);
    // A layout has no Docker reference: skopeo leaves Name out and lists no tags.
    const layout = JSON.parse((await stowage('inspect', `oci:${join(dir, 'src')}:v1`)).stdout) as Record<string, unknown>;
    assert.equal('Name' in layout, false);
    assert.deepEqual(layout.RepoTags, []);
    const raw = JSON.parse((await stowage('inspect', '--raw', `docker://${host}/cli/app:v1`)).stdout) as { layers: unknown[] };
    assert.equal(raw.layers.length, 3);
    const config = JSON.parse((await stowage('inspect', '--config', `${host}/cli/app:v1`)).stdout) as { rootfs: { diff_ids: string[] } };
    assert.equal(config.rootfs.diff_ids.length, 3);
  });

  it('copies one platform of an index by default, all of it with --all', async () => {
    const index = await writeIndexLayout(join(dir, 'multi'), {
      seed: 'cli-multi',
      tag: 'm',
      platforms: [
        { os: 'linux', architecture: 'amd64' },
        { os: 'linux', architecture: 'arm64', variant: 'v8' },
      ],
    });
    await stowage('copy', '-q', '--all', `oci:${join(dir, 'multi')}:m`, `docker://${host}/cli/multi:m`);
    const one = await stowage('copy', '--platform', 'linux/arm64', `docker://${host}/cli/multi:m`, `oci:${join(dir, 'arm')}:a`);
    const arm = index.images.find((image) => image.platform.architecture === 'arm64');
    assert.ok(arm, 'the fixture has an arm64 child');
    assert.equal(one.stdout.trim(), arm.digest);
    const all = await stowage('copy', '--all', `docker://${host}/cli/multi:m`, `oci:${join(dir, 'all')}:m`);
    assert.equal(all.stdout.trim(), index.digest);
  });

  it('lists tags, as lines or as skopeo-style JSON', async () => {
    await stowage('copy', '-q', `docker://${host}/cli/app:v1`, `docker://${host}/cli/app:v2`);
    assert.equal((await stowage('tags', `${host}/cli/app`)).stdout, 'v1\nv2\n');
    const json = JSON.parse((await stowage('tags', '--format', 'json', `docker://${host}/cli/app`)).stdout) as { Repository: string; Tags: string[] };
    assert.deepEqual(json, { Repository: `${host}/cli/app`, Tags: ['v1', 'v2'] });
  });

  it('answers bad input with one line and exit code 1', async () => {
    const unknownTransport = await fails('copy', 'ftp:x', `oci:${dir}/o`);
    assert.equal(unknownTransport.code, 1);
    assert.match(unknownTransport.stderr, /^stowage: "ftp:x" names no transport: use docker:\/\/REF/);
    assert.equal(unknownTransport.stderr.trim().split('\n').length, 1);
    const missing = await fails('copy', `docker://${host}/cli/nothing:here`, `oci:${dir}/o2`);
    assert.match(missing.stderr, /^stowage: manifest .*cli\/nothing:here: 404 MANIFEST_UNKNOWN/);
    const badPlatform = await fails('copy', '--platform', 'linux', `docker://${host}/cli/multi:m`, `oci:${dir}/o3`);
    assert.match(badPlatform.stderr, /invalid platform "linux"/);
    const noSuchPlatform = await fails('copy', '--platform', 'linux/s390x', `docker://${host}/cli/multi:m`, `oci:${dir}/o4`);
    assert.match(noSuchPlatform.stderr, /no image for platform linux\/s390x in the index \(it has: linux\/amd64, linux\/arm64\/v8\)/);
    const tagged = await fails('tags', `${host}/cli/app:v1`);
    assert.match(tagged.stderr, /names an image; give a repository/);
  });
});
