/**
 * Three `stowage serve` processes on one S3 bucket (a real Ceph RADOS Gateway) and one
 * PostgreSQL database behind nginx's round robin, as a scaled-out registry runs: skopeo, podman
 * and docker push and pull through it, every replica answers some of the requests, one replica
 * collects garbage while skopeo pushes through the others, and a replica SIGKILLed in the
 * middle of a push leaves nothing half-visible while the client's retry finishes on the others.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Rgw, startRgw } from '../support/ceph-rgw.js';
import { type Dockerd, startDockerd } from '../support/dockerd.js';
import { type Nginx, startNginx } from '../support/nginx.js';
import { type Postgres, startPostgres } from '../support/postgres.js';
import { assertSameImage, writeImageLayout } from '../support/oci-layout.js';
import { makeTempDir, removeTempDirs, runOk, type ServerHandle, skopeo, startStowage, stopAll } from '../support/process.js';
import { type Fixtures, listTags, makeFixtures, pull, pullAndCompare, push, pushFixtures } from '../support/registry-fixtures.js';

let rgw: Rgw;
let nginx: Nginx;
let replicas: ServerHandle[] = [];
let config: string;
let postgres: Postgres;

before(async () => {
  [rgw, postgres] = await Promise.all([startRgw(), startPostgres()]);
  const bucket = await rgw.createBucket();
  config = join(await makeTempDir('stowage-replica-conf-'), 'config.yml');
  await writeFile(
    config,
    [
      'version: 0.1',
      'storage:',
      `  ${rgw.yaml(bucket, 'replicated')}`,
      '  delete:',
      '    enabled: true',
      // No schedule: the test asks one replica to collect (POST /admin/gc), with no grace beyond the 10 s every collection keeps.
      '  maintenance:',
      '    gc:',
      '      grace: 0s',
      'database:',
      `  dsn: ${await postgres.createDatabase()}`,
      '',
    ].join('\n'),
  );
  replicas = await Promise.all([0, 1, 2].map(() => startStowage({ config })));
  nginx = await startNginx(replicas.map((replica) => replica.host));
});

after(async () => {
  await nginx?.stop();
  await stopAll();
  await rgw?.stop();
  await postgres?.stop();
  await removeTempDirs();
});

describe('three replicas on one bucket behind nginx', () => {
  let f: Fixtures;

  it('skopeo pushes and pulls through the balancer, and every replica served part of it', async () => {
    f = await makeFixtures('replicas');
    const before = (await nginx.upstreams()).length;
    await pushFixtures(f, nginx);
    await pullAndCompare(f, nginx);
    // skopeo tries TLS first: nginx answers that ClientHello itself (400, no upstream).
    const entries = (await nginx.upstreams()).slice(before).filter((entry) => entry.upstream !== '-');
    const served = new Set(entries.map((entry) => entry.upstream));
    assert.deepEqual([...served].sort(), replicas.map((replica) => replica.host).sort());
  });

  it('podman pulls and pushes through it', async () => {
    const dir = await makeTempDir('podman-');
    const podman = (args: string[]) =>
      runOk('podman', ['--root', join(dir, 'root'), '--runroot', join(dir, 'run'), '--storage-driver', 'vfs', ...args], { timeoutMs: 180_000 });
    await podman(['pull', '--tls-verify=false', `${nginx.host}/app/web:v1`]);
    await podman(['push', '--tls-verify=false', `${nginx.host}/app/web:v1`, `${nginx.host}/podman/web:v1`]);
    await podman(['rmi', '-a', '-f']);
    await podman(['pull', '--tls-verify=false', `${nginx.host}/podman/web:v1`]);
    const imageId = (await podman(['image', 'inspect', '--format', '{{.ID}}', `${nginx.host}/podman/web:v1`])).stdout.trim();
    assert.equal(`sha256:${imageId}`, f.v1.config.digest, 'the image podman pushed has the config it pulled');
  });

  describe('docker', () => {
    let dockerd: Dockerd;
    before(async () => (dockerd = await startDockerd('vfs')));
    after(async () => dockerd?.stop());

    it('pulls and pushes through it', async () => {
      await dockerd.docker(['pull', `${nginx.host}/app/web:v1`], 180_000);
      await dockerd.docker(['tag', `${nginx.host}/app/web:v1`, `${nginx.host}/docker/web:v1`]);
      await dockerd.docker(['push', `${nginx.host}/docker/web:v1`], 180_000);
      assert.deepEqual(await listTags(nginx, 'docker/web'), ['v1']);
      const out = await makeTempDir('oci-out-');
      await pull(nginx, 'docker/web:v1', out, 'v1');
      const manifest = JSON.parse((await skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${nginx.host}/docker/web:v1`])).stdout) as {
        config: { digest: string };
      };
      assert.equal(manifest.config.digest, f.v1.config.digest);
    });
  });

  it('one replica collects garbage while skopeo pushes through the balancer: the garbage goes, every image pushed meanwhile pulls whole', async () => {
    const dir = await makeTempDir('oci-gc-');
    const garbage = await writeImageLayout(dir, { layers: 2, seed: 'garbage', tag: 'old', sizeBytes: 256 * 1024 });
    await push(dir, 'old', nginx, 'garbage/app:old');
    const deleted = await fetch(`${nginx.url}/v2/garbage/app/manifests/${garbage.digest}`, { method: 'DELETE' });
    assert.equal(deleted.status, 202);
    // Past what a collection keeps however recent (10 s): S3 objects' times cannot be set back.
    await new Promise((resolve) => setTimeout(resolve, 11_500));

    // One after another: each adds its tag to the layout's index.json.
    const fresh = [];
    for (let i = 0; i < 4; i++) fresh.push(await writeImageLayout(dir, { layers: 2, seed: `during-${i}`, tag: `during-${i}`, sizeBytes: 256 * 1024 }));
    let pushing = true;
    const pushes = (async () => {
      for (let i = 0; i < fresh.length; i++) await push(dir, `during-${i}`, nginx, `during/app-${i}:v1`);
    })().finally(() => (pushing = false));
    const reports: Array<{ blobs: { removed: number } }> = [];
    const collector = replicas[0] as ServerHandle;
    while (pushing || reports.length < 2) {
      const res = await fetch(`${collector.url}/admin/gc`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      assert.equal(res.status, 200, await res.clone().text());
      reports.push((await res.json()) as { blobs: { removed: number } });
    }
    await pushes;

    assert.ok(reports[0]!.blobs.removed >= garbage.blobs.length, JSON.stringify(reports[0]));
    for (const blob of garbage.blobs) assert.equal((await fetch(`${nginx.url}/v2/garbage/app/blobs/${blob}`, { method: 'HEAD' })).status, 404, blob);
    for (let i = 0; i < fresh.length; i++) {
      const out = await makeTempDir('oci-out-');
      await pull(nginx, `during/app-${i}:v1`, out, 'got');
      await assertSameImage(dir, `during-${i}`, out, 'got');
    }
  });

  it('a replica SIGKILLed mid-push: the retry finishes on the others, nothing is half-visible', async () => {
    // Layers of random bytes, large enough that the push is still running when the replica dies.
    const lower = join(tmpdir(), `stowage-kill-${randomBytes(6).toString('hex')}`);
    const image = await writeImageLayout(lower, { layers: 3, seed: 'killed', tag: 'big', sizeBytes: 32 * 1024 * 1024 });
    const victim = replicas[1] as ServerHandle;
    const pushing = skopeo(['copy', '--retry-times=5', '--dest-tls-verify=false', `oci:${lower}:big`, `docker://${nginx.host}/killed/app:1`]);
    // Once the victim has answered part of this push, it dies.
    const start = (await nginx.upstreams()).length;
    for (let i = 0; i < 300; i++) {
      const entries = (await nginx.upstreams()).slice(start);
      if (entries.some((entry) => entry.upstream === victim.host && /killed\/app\/blobs\/uploads/.test(entry.request))) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    victim.process.kill('SIGKILL');
    await pushing;
    // The kill cut something: a request nginx had to send elsewhere, or one answered 502 that skopeo retried.
    const disrupted = (await nginx.upstreams())
      .slice(start)
      .filter((entry) => entry.upstream.startsWith(`${victim.host},`) || (entry.upstream.includes(victim.host) && entry.status.startsWith('5')));
    assert.ok(disrupted.length > 0, 'the SIGKILL interrupted part of the push');
    assert.deepEqual(await listTags(nginx, 'killed/app'), ['1']);
    const out = await makeTempDir('oci-out-');
    await pull(nginx, 'killed/app:1', out, 'got');
    await assertSameImage(lower, 'big', out, 'got');
    assert.equal((await skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${nginx.host}/killed/app:1`])).stdout, image.manifest.toString('utf8'));
  });
});
