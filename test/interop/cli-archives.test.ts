// Archives between Stowage and a real Docker Engine (Debian's docker.io 20.10, a dockerd of our
// own) and skopeo: `stowage save A B` loads into docker with both tags and is read by skopeo by
// name; `docker save A B | gzip` (and zstd) loads into Stowage; `stowage docker export IMAGE
// FILE` names the archive's image as typed, so `docker load` answers to that name; and a pull by
// digest prints what docker prints.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TarIndex } from '../../src/tar/file-index.js';
import { startDockerd, type Dockerd } from '../support/dockerd.js';
import { pushBaseAndApp } from '../support/base-app.js';
import type { BuiltImage } from '../support/oci-layout.js';
import { STOWAGE_CLI, makeTempDir, removeTempDirs, run, runOk, skopeo, stopAll } from '../support/process.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';

describe('archives with a real dockerd and skopeo', () => {
  let dir: string;
  let registry: TestRegistry;
  let host: string;
  let dockerd: Dockerd;
  let base: BuiltImage;
  let app: BuiltImage;
  const root = () => join(dir, 'store');
  const stowage = (...args: string[]) => runOk(process.execPath, [STOWAGE_CLI, '--root', root(), ...args], { timeoutMs: 180_000 });
  const shell = (script: string) =>
    runOk('sh', ['-c', script], {
      env: { ...process.env, DOCKER_HOST: `unix://${dockerd.socket}`, STOWAGE: `${process.execPath} ${STOWAGE_CLI}` },
      timeoutMs: 180_000,
    });
  const repoTags = async (archive: string): Promise<string[][]> => {
    const bytes = await (await TarIndex.open(archive)).read('manifest.json', 1 << 20);
    return (JSON.parse((bytes as Buffer).toString('utf8')) as Array<{ RepoTags: string[] | null }>).map((e) => e.RepoTags ?? []);
  };
  const dockerImages = async (): Promise<string[]> =>
    (await dockerd.docker(['images', '--format', '{{.Repository}}:{{.Tag}}'])).stdout
      .trim()
      .split('\n')
      .filter((l) => l !== '')
      .sort();
  const dockerClear = async (): Promise<void> => {
    const ids = (await dockerd.docker(['images', '-q'])).stdout
      .trim()
      .split('\n')
      .filter((l) => l !== '');
    if (ids.length > 0) await dockerd.docker(['rmi', '-f', ...new Set(ids)]);
  };

  before(async () => {
    dir = await makeTempDir('stowage-archives-');
    registry = await startRegistry();
    host = new URL(registry.url).host;
    const src = join(dir, 'src');
    ({ base, app } = await pushBaseAndApp((from, to) => skopeo(['copy', '--dest-tls-verify=false', from, to]), src, host, { seed: 'archives' }));
    await stowage('pull', '-q', `${host}/lib/base:1`);
    await stowage('pull', '-q', `${host}/team/app:1`);
    dockerd = await startDockerd('vfs');
  });
  after(async () => {
    await dockerd?.stop();
    await registry?.close();
    await stopAll();
    await removeTempDirs();
  });

  it('docker load of `stowage save A B` loads both with their tags; skopeo reads each by name', async () => {
    const archive = join(dir, 'two.tar');
    await stowage('save', '-o', archive, `${host}/team/app:1`, `${host}/lib/base:1`);
    const loaded = await dockerd.docker(['load', '-i', archive]);
    assert.match(loaded.stdout, new RegExp(`Loaded image: ${host}/team/app:1\n`));
    assert.match(loaded.stdout, new RegExp(`Loaded image: ${host}/lib/base:1\n`));
    assert.deepEqual(await dockerImages(), [`${host}/lib/base:1`, `${host}/team/app:1`]);
    const ids = JSON.parse((await dockerd.docker(['image', 'inspect', '--format', '{{json .Id}}', `${host}/lib/base:1`])).stdout) as string;
    assert.equal(ids, base.config.digest);
    for (const [name, image] of [
      [`${host}/lib/base:1`, base],
      [`${host}/team/app:1`, app],
    ] as const) {
      const config = JSON.parse((await skopeo(['inspect', '--config', `docker-archive:${archive}:${name}`])).stdout) as { rootfs: { diff_ids: string[] } };
      assert.deepEqual(
        config.rootfs.diff_ids,
        image.layers.map((l) => l.diffId),
        name,
      );
    }
    await dockerClear();
  });

  it('`docker save A B | gzip` and `| zstd` load into stowage, both images with their tags', async () => {
    await dockerd.docker(['pull', '-q', `${host}/lib/base:1`]);
    await dockerd.docker(['pull', '-q', `${host}/team/app:1`]);
    for (const tool of ['gzip', 'zstd -q']) {
      const into = join(dir, `from-docker-${tool.split(' ')[0]}`);
      const loaded = await shell(`docker save '${host}/team/app:1' '${host}/lib/base:1' | ${tool} -c | $STOWAGE --root '${into}' load`);
      assert.deepEqual(loaded.stdout.trim().split('\n').sort(), [`Loaded image: ${host}/lib/base:1`, `Loaded image: ${host}/team/app:1`], tool);
      const ids = (await runOk(process.execPath, [STOWAGE_CLI, '--root', into, 'images', '-q', '--no-trunc'])).stdout.trim().split('\n').sort();
      assert.deepEqual(ids, [app.config.digest, base.config.digest].sort(), tool);
    }
    await dockerClear();
  });

  it('stowage docker export IMAGE FILE names the image as typed; docker load then answers to that name', async () => {
    await dockerd.docker(['pull', '-q', `${host}/team/app:1`]);
    await dockerd.docker(['tag', `${host}/team/app:1`, 'local/app:copy']);
    await dockerd.docker(['tag', `${host}/team/app:1`, `${host}/team/app`]);
    const exportAs = async (name: string, file: string): Promise<string> => {
      const archive = join(dir, file);
      await runOk(process.execPath, [STOWAGE_CLI, 'docker', 'export', '-q', name, archive, '--docker-root', dockerd.root], { timeoutMs: 120_000 });
      return archive;
    };
    const typed = await exportAs('local/app:copy', 'typed.tar');
    const bare = await exportAs(`${host}/team/app`, 'bare.tar');
    const byId = await exportAs(app.config.digest.slice(7, 19), 'by-id.tar');
    assert.deepEqual(await repoTags(typed), [['local/app:copy']]);
    assert.deepEqual(await repoTags(bare), [[`${host}/team/app:latest`]]);
    assert.deepEqual(await repoTags(byId), [[]]);

    await dockerClear();
    assert.match((await dockerd.docker(['load', '-i', typed])).stdout, /^Loaded image: local\/app:copy$/m);
    assert.deepEqual(await dockerImages(), ['local/app:copy']);
    await dockerClear();
    assert.match((await dockerd.docker(['load', '-i', bare])).stdout, new RegExp(`^Loaded image: ${host}/team/app:latest$`, 'm'));
    await dockerClear();
    assert.match((await dockerd.docker(['load', '-i', byId])).stdout, new RegExp(`^Loaded image ID: ${app.config.digest}$`, 'm'));
    await dockerClear();
  });

  it('a pull by digest (and by tag and digest) prints what docker pull prints', async () => {
    for (const name of [`${host}/team/app@${app.digest}`, `${host}/team/app:1@${app.digest}`, `${host}/team/app:1`]) {
      await dockerClear();
      const docker = await run('docker', ['pull', name], { env: { ...process.env, DOCKER_HOST: `unix://${dockerd.socket}` }, timeoutMs: 120_000 });
      assert.equal(docker.code, 0, docker.stderr);
      const ours = await runOk(process.execPath, [STOWAGE_CLI, '--root', join(dir, `pull-${Math.random().toString(36).slice(2)}`), 'pull', name]);
      // Docker's layer lines ("…: Pull complete") are progress; the named lines must agree.
      const named = (out: string): string[] =>
        out
          .trim()
          .split('\n')
          .filter((l) => /Pulling from|^Digest:|^Status:/.test(l) || l === out.trim().split('\n').at(-1));
      assert.deepEqual(named(ours.stdout), named(docker.stdout), name);
    }
    await dockerClear();
  });
});
