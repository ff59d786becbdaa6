// The local store against real peers: pulls from CNCF distribution, skopeo reading the store
// root (`oci:ROOT:REF`) and `stowage save` archives, `stowage load` of what skopeo writes,
// and two `stowage pull` processes into one root at once.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pushBaseAndApp } from '../support/base-app.js';
import type { BuiltImage } from '../support/oci-layout.js';
import { STOWAGE_CLI, makeTempDir, removeTempDirs, run, runOk, skopeo, startDistribution, stopAll, type ServerHandle } from '../support/process.js';

describe('local store with skopeo and distribution', () => {
  let dist: ServerHandle;
  let dir: string;
  let root: string;
  let host: string;
  let base: BuiltImage;
  let app: BuiltImage;
  const env = () => ({ ...process.env, DOCKER_CONFIG: join(dir, 'docker-config') });
  const stowage = (...args: string[]) => runOk(process.execPath, [STOWAGE_CLI, '--root', root, ...args], { env: env() });

  before(async () => {
    dir = await makeTempDir('stowage-store-interop-');
    root = join(dir, 'root');
    dist = await startDistribution({ root: join(dir, 'registry'), deleteEnabled: true });
    host = new URL(dist.url).host;
    ({ base, app } = await pushBaseAndApp((from, to) => skopeo(['copy', '--dest-tls-verify=false', from, to]), join(dir, 'src'), host, {
      seed: 'store-interop',
    }));
  });
  after(async () => {
    await stopAll();
    await removeTempDirs();
  });

  it('two stowage pull processes into one root both land; the store checks clean', async () => {
    const [a, b] = await Promise.all([
      run(process.execPath, [STOWAGE_CLI, '--root', root, 'pull', '-q', `${host}/lib/base:1`], { env: env() }),
      run(process.execPath, [STOWAGE_CLI, '--root', root, 'pull', '-q', `${host}/team/app:1`], { env: env() }),
    ]);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(b.code, 0, b.stderr);
    assert.equal(a.stdout, `${host}/lib/base:1\n`);
    const ids = (await stowage('images', '-q', '--no-trunc')).stdout.trim().split('\n').sort();
    assert.deepEqual(ids, [base.config.digest, app.config.digest].sort());
    const check = await stowage('system', 'check');
    assert.match(check.stdout, /no problems|0 corrupt|clean|OK/i);
  });

  it('skopeo reads the store root as an OCI layout, with identical digests', async () => {
    const inspected = JSON.parse((await skopeo(['inspect', `oci:${root}:${host}/team/app:1`])).stdout) as { Digest: string; Layers: string[] };
    assert.equal(inspected.Digest, app.digest);
    assert.equal(inspected.Layers.length, 3);
    await skopeo(['copy', `oci:${root}:${host}/team/app:1`, `oci:${join(dir, 'from-store')}:x`]);
  });

  it('skopeo reads what stowage save writes', async () => {
    const archive = join(dir, 'app.tar');
    await stowage('save', '-o', archive, `${host}/team/app:1`);
    const raw = JSON.parse((await skopeo(['inspect', '--raw', `docker-archive:${archive}`])).stdout) as { config: { digest: string } };
    assert.equal(raw.config.digest, app.config.digest);
    const config = JSON.parse((await skopeo(['inspect', '--config', `docker-archive:${archive}`])).stdout) as { rootfs: { diff_ids: string[] } };
    assert.deepEqual(
      config.rootfs.diff_ids,
      app.layers.map((l) => l.diffId),
    );
    await skopeo(['copy', `docker-archive:${archive}`, `oci:${join(dir, 'from-save')}:x`]);
  });

  it('stowage load takes what skopeo writes as docker-archive, with its tag', async () => {
    const archive = join(dir, 'skopeo.tar');
    await skopeo(['copy', `oci:${join(dir, 'src')}:base`, `docker-archive:${archive}:loaded/by-skopeo:v9`]);
    const loaded = await stowage('load', '-i', archive);
    assert.equal(loaded.stdout, 'Loaded image: loaded/by-skopeo:v9\n');
    const inspect = JSON.parse((await stowage('image', 'inspect', 'loaded/by-skopeo:v9')).stdout) as Array<{ Id: string; RootFS: { Layers: string[] } }>;
    assert.equal(inspect[0]?.Id, base.config.digest);
    assert.deepEqual(
      inspect[0]?.RootFS.Layers,
      base.layers.map((l) => l.diffId),
    );
  });

  it('pushes from the store back to distribution, same digest', async () => {
    await stowage('tag', `${host}/team/app:1`, `${host}/team/app:copy`);
    const pushed = await stowage('push', '-q', `${host}/team/app:copy`);
    assert.match(pushed.stdout, new RegExp(`copy: digest: ${app.digest} size: \\d+`));
    const inspected = JSON.parse((await skopeo(['inspect', '--tls-verify=false', `docker://${host}/team/app:copy`])).stdout) as { Digest: string };
    assert.equal(inspected.Digest, app.digest);
  });
});
