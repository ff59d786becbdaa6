// Stowage's registry client against CNCF distribution (docker-registry 2.8): the round trip
// registry → oci → docker-archive → registry through `stowage copy`, with identical digests,
// for a multi-layer image and a multi-arch index; then skopeo reads what Stowage pushed.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { writeImageLayout, writeIndexLayout } from '../support/oci-layout.js';
import { STOWAGE_CLI, makeTempDir, removeTempDirs, runOk, skopeo, startDistribution, stopAll, type ServerHandle } from '../support/process.js';

describe('stowage copy against CNCF distribution', () => {
  let dist: ServerHandle;
  let dir: string;
  let host: string;
  const stowage = (...args: string[]) =>
    runOk(process.execPath, [STOWAGE_CLI, ...args], { env: { ...process.env, DOCKER_CONFIG: join(dir, 'docker-config') } });

  before(async () => {
    dir = await makeTempDir('stowage-client-dist-');
    dist = await startDistribution({ root: join(dir, 'registry'), deleteEnabled: true });
    host = new URL(dist.url).host;
  });
  after(async () => {
    await stopAll();
    await removeTempDirs();
  });

  for (const kind of ['image', 'index'] as const) {
    it(`round-trips a ${kind}: oci → distribution → oci → docker-archive → distribution, same digest`, async () => {
      const fixture = join(dir, `${kind}-fixture`);
      const built =
        kind === 'image'
          ? await writeImageLayout(fixture, { layers: 3, seed: `dist-${kind}`, tag: 't' })
          : await writeIndexLayout(fixture, {
              seed: `dist-${kind}`,
              tag: 't',
              platforms: [
                { os: 'linux', architecture: 'amd64' },
                { os: 'linux', architecture: 'arm64', variant: 'v8' },
              ],
            });
      const all = kind === 'index' ? ['--all'] : [];
      await stowage('copy', '-q', ...all, `oci:${fixture}:t`, `docker://${host}/rt/${kind}:t`);
      await stowage('copy', '-q', ...all, `docker://${host}/rt/${kind}:t`, `oci:${join(dir, `${kind}-oci`)}:t`);
      await stowage('copy', '-q', ...all, `oci:${join(dir, `${kind}-oci`)}:t`, `docker-archive:${join(dir, `${kind}.tar`)}:rt/${kind}:t`);
      const back = await stowage('copy', ...all, `docker-archive:${join(dir, `${kind}.tar`)}`, `docker://${host}/rt/${kind}-back:t`);
      assert.equal(back.stdout.trim(), built.digest);
      const raw = await skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${host}/rt/${kind}-back:t`]);
      // skopeo prints the manifest bytes as received, plus a newline.
      assert.equal(`sha256:${createHash('sha256').update(raw.stdout.replace(/\n$/, '')).digest('hex')}`, built.digest);
    });
  }

  it('lists tags and inspects through distribution', async () => {
    await stowage('copy', '-q', `docker://${host}/rt/image:t`, `docker://${host}/rt/image:t2`);
    assert.equal((await stowage('tags', `${host}/rt/image`)).stdout, 't\nt2\n');
    const summary = JSON.parse((await stowage('inspect', `${host}/rt/image:t`)).stdout) as { Layers: string[]; Architecture: string };
    assert.equal(summary.Layers.length, 3);
    assert.equal(summary.Architecture, 'amd64');
  });
});
