// `stowage docker …` against a real Docker Engine (Debian's docker.io 20.10): a dockerd of our
// own, once with overlay2 and once with vfs, pulls images from a Stowage registry; then, with
// the daemon running and again after it stopped, what Stowage reads from its root must agree
// with what docker itself says: `docker images`, `docker image inspect`, `docker system df -v`.
// `locate` must name the owner of every layer directory, and an exported image must load back
// with `docker load` and push with identical diff IDs.

import assert from 'node:assert/strict';
import { readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startDockerd, type Dockerd } from '../support/dockerd.js';
import { pushBaseAndApp } from '../support/base-app.js';
import { writeIndexLayout, type BuiltImage, type BuiltIndex } from '../support/oci-layout.js';
import { STOWAGE_CLI, makeTempDir, removeTempDirs, run, runOk, skopeo, stopAll } from '../support/process.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';

for (const driver of ['overlay2', 'vfs'] as const) {
  describe(`stowage docker on a real dockerd root (${driver})`, () => {
    let dir: string;
    let registry: TestRegistry;
    let host: string;
    let dockerd: Dockerd;
    let base: BuiltImage;
    let app: BuiltImage;
    let multi: BuiltIndex;

    const stowage = (...args: string[]) => runOk(process.execPath, [STOWAGE_CLI, 'docker', ...args, '--docker-root', dockerd.root], { timeoutMs: 120_000 });

    before(async () => {
      dir = await makeTempDir(`stowage-dockerroot-${driver}-`);
      registry = await startRegistry();
      host = new URL(registry.url).host;
      const src = join(dir, 'src');
      // app's first two layers are base's: shared layers.
      ({ base, app } = await pushBaseAndApp((from, to) => skopeo(['copy', '--dest-tls-verify=false', from, to]), src, host, { seed: `dockerroot-${driver}` }));
      multi = await writeIndexLayout(join(dir, 'multi'), {
        seed: `dockerroot-multi-${driver}`,
        platforms: [
          { os: 'linux', architecture: 'amd64' },
          { os: 'linux', architecture: 'arm64' },
        ],
      });
      await skopeo(['copy', '--all', '--dest-tls-verify=false', `oci:${join(dir, 'multi')}:latest`, `docker://${host}/multi/arch:1`]);

      dockerd = await startDockerd(driver);
      for (const name of ['lib/base:1', 'team/app:1', 'multi/arch:1']) await dockerd.docker(['pull', '-q', `${host}/${name}`]);
      await dockerd.docker(['tag', `${host}/team/app:1`, 'local/app:copy']);
      await dockerd.docker(['volume', 'create', 'stowage-vol']);
      await dockerd.docker(['create', '--name', 'c1', '-v', 'stowage-vol:/data', `${host}/team/app:1`, '/bin/true']);
      await dockerd.docker(['create', '--name', 'c2', `${host}/lib/base:1`, '/bin/true']);
    });

    after(async () => {
      await dockerd?.stop();
      await registry?.close();
      await stopAll();
      await removeTempDirs();
    });

    for (const phase of ['running', 'stopped'] as const) {
      describe(`with the daemon ${phase}`, () => {
        before(async () => {
          if (phase === 'stopped') await dockerd.stop();
        });

        it('images: the same rows as docker images', async () => {
          const format = '{{.Repository}}|{{.Tag}}|{{.ID}}|{{.Size}}|{{.Digest}}';
          const ours = lines((await stowage('images', '--digests', '--no-trunc', '--format', format)).stdout);
          const expected =
            phase === 'running' ? lines((await dockerd.docker(['images', '--digests', '--no-trunc', '--format', format])).stdout) : snapshot.images;
          if (phase === 'running') snapshot.images = expected;
          assert.deepEqual(ours, expected);
          assert.equal(ours.length, 4, 'lib/base, team/app, local/app:copy, multi/arch');
          const ids = new Set(ours.map((l) => l.split('|')[2]));
          assert.ok(ids.has(app.config.digest) && ids.has(base.config.digest), 'image IDs are the config digests');
          const quiet = (await stowage('images', '-q')).stdout.trim().split('\n');
          assert.equal(quiet.length, 3, 'one line per image');
        });

        it('inspect: the fields docker image inspect gives, plus where each layer is', async () => {
          const names = [`${host}/team/app:1`, `${host}/lib/base:1`, 'local/app:copy', `${host}/multi/arch:1`];
          const ours = JSON.parse((await stowage('inspect', ...names)).stdout) as Array<Record<string, unknown>>;
          const theirs =
            phase === 'running'
              ? (JSON.parse((await dockerd.docker(['image', 'inspect', ...names])).stdout) as Array<Record<string, unknown>>)
              : snapshot.inspect;
          if (phase === 'running') snapshot.inspect = theirs;
          assert.equal(ours.length, theirs.length);
          for (const [i, image] of theirs.entries()) {
            const mine = ours[i] as Record<string, unknown>;
            for (const key of ['Id', 'Parent', 'Created', 'Size', 'VirtualSize', 'Architecture', 'Os', 'RootFS', 'GraphDriver', 'DockerVersion', 'Author']) {
              assert.deepEqual(mine[key], image[key], `${names[i]}: ${key}`);
            }
            assert.deepEqual(sorted(mine.RepoTags), sorted(image.RepoTags), `${names[i]}: RepoTags`);
            assert.deepEqual(sorted(mine.RepoDigests), sorted(image.RepoDigests), `${names[i]}: RepoDigests`);
            const layers = (mine.Stowage as { Layers: Array<{ DiffID: string; Directory: string; Size: number }> }).Layers;
            assert.deepEqual(
              layers.map((l) => l.DiffID),
              (image.RootFS as { Layers: string[] }).Layers,
            );
            for (const layer of layers) assert.ok(layer.Directory.startsWith(join(dockerd.root, driver)), layer.Directory);
            if (i === 0) {
              // distribution/: the compressed blobs each layer was pulled as, and from where.
              const blobs = (layers as unknown as Array<{ RegistryBlobs: Array<{ Digest: string; Repository: string }> }>).map((l) => l.RegistryBlobs);
              for (const [n, layer] of app.layers.entries()) {
                assert.ok(
                  blobs[n]?.some((b) => b.Digest === layer.digest && b.Repository === `${host}/team/app`),
                  JSON.stringify(blobs[n]),
                );
              }
            }
          }
          const amd64 = ours[3] as { Architecture: string; RepoDigests: string[] };
          assert.equal(amd64.Architecture, 'amd64');
          assert.deepEqual(amd64.RepoDigests, [`${host}/multi/arch@${multi.digest}`], 'the index digest it was pulled by');
        });

        it('df -v: the same images, containers and volumes as docker system df -v', async () => {
          const ours = JSON.parse((await stowage('df', '-v', '--format', 'json')).stdout) as DfJson;
          const theirs =
            phase === 'running' ? (JSON.parse((await dockerd.docker(['system', 'df', '-v', '--format', '{{json .}}'])).stdout) as DfJson) : snapshot.df;
          if (phase === 'running') snapshot.df = theirs;
          const pickImage = (i: Record<string, string>) => [i.Repository, i.Tag, i.ID, i.Size, i.SharedSize, i.UniqueSize, i.Containers].join('|');
          assert.deepEqual(ours.Images.map(pickImage).sort(), theirs.Images.map(pickImage).sort());
          assert.ok(
            ours.Images.some((i) => i.SharedSize !== '0B'),
            'app and base share layers',
          );
          const pickContainer = (c: Record<string, string>) => [c.ID, c.Image, c.Command, c.LocalVolumes, c.Size, c.Names, c.Status].join('|');
          assert.deepEqual(ours.Containers.map(pickContainer).sort(), theirs.Containers.map(pickContainer).sort());
          const pickVolume = (v: Record<string, string>) => [v.Name, v.Links, v.Size].join('|');
          assert.deepEqual(ours.Volumes.map(pickVolume).sort(), theirs.Volumes.map(pickVolume).sort());
          const summary = (await stowage('df')).stdout;
          if (phase === 'running') snapshot.dfSummary = (await dockerd.docker(['system', 'df'])).stdout;
          assert.equal(summary, snapshot.dfSummary);
        });

        it("locate names the owner of every directory under the driver's root", async () => {
          const layerRoot = driver === 'vfs' ? join(dockerd.root, 'vfs', 'dir') : join(dockerd.root, 'overlay2');
          const entries = (await readdir(layerRoot)).filter((name) => name !== 'l');
          assert.ok(entries.length >= 5, `${entries.length} layer directories`);
          for (const name of entries) {
            const found = JSON.parse((await stowage('locate', join(layerRoot, name), '--format', 'json')).stdout) as Array<{ Kind: string }>;
            assert.ok(
              found.some((f) => f.Kind === 'layer' || f.Kind === 'container'),
              `${name}: ${JSON.stringify(found)}`,
            );
          }
          const byId = JSON.parse((await stowage('locate', app.layers[0]!.diffId.slice(7, 19), '--format', 'json')).stdout) as Array<{
            Kind: string;
            Images: Array<{ RepoTags: string[] }>;
            Containers: unknown[];
          }>;
          const layer = byId.find((f) => f.Kind === 'layer');
          assert.ok(layer, 'the first layer, found by a diff ID prefix');
          assert.equal(layer.Images.length, 2, 'used by base and app');
          assert.equal(layer.Containers.length, 2, 'and by both containers');
        });
      });
    }

    it('exports an image from the stopped root; docker load takes it back with the same ID and diff IDs, and it pushes', async () => {
      await dockerd.stop();
      const archive = join(dir, 'app.tar');
      await stowage('export', '-q', `${host}/team/app:1`, archive);
      const layout = join(dir, 'exported');
      await runOk(process.execPath, [STOWAGE_CLI, 'copy', '-q', `docker-root:${dockerd.root}:${host}/team/app:1`, `oci:${layout}:app`]);
      // (skopeo 1.9 ignores index.json entries with Docker media types, so Stowage reads it back.)
      const config = JSON.parse((await runOk(process.execPath, [STOWAGE_CLI, 'inspect', '--config', `oci:${layout}:app`])).stdout) as {
        rootfs: { diff_ids: string[] };
      };
      assert.deepEqual(
        config.rootfs.diff_ids,
        app.layers.map((l) => l.diffId),
      );

      await dockerd.restart();
      await dockerd.docker(['rm', 'c1']);
      await dockerd.docker(['rmi', `${host}/team/app:1`, 'local/app:copy']);
      const loaded = await dockerd.docker(['load', '-i', archive]);
      assert.match(loaded.stdout, new RegExp(`Loaded image: ${host}/team/app:1`));
      const inspected = JSON.parse((await dockerd.docker(['image', 'inspect', `${host}/team/app:1`])).stdout) as Array<{
        Id: string;
        RootFS: { Layers: string[] };
      }>;
      assert.equal(inspected[0]?.Id, app.config.digest);
      assert.deepEqual(
        inspected[0]?.RootFS.Layers,
        app.layers.map((l) => l.diffId),
      );
      await dockerd.docker(['tag', `${host}/team/app:1`, `${host}/team/reloaded:1`]);
      await dockerd.docker(['push', `${host}/team/reloaded:1`]);
      const pushed = JSON.parse((await skopeo(['inspect', '--tls-verify=false', '--config', `docker://${host}/team/reloaded:1`])).stdout) as {
        rootfs: { diff_ids: string[] };
      };
      assert.deepEqual(
        pushed.rootfs.diff_ids,
        app.layers.map((l) => l.diffId),
      );
      await dockerd.stop();
    });

    it('a damaged root: clear warnings, nothing followed outside it', async () => {
      const copy = join(dir, 'damaged');
      await runOk('cp', ['-a', dockerd.root, copy]);
      const meta = join(copy, 'image', driver);
      const layer = app.layers[2]!;
      const chainDirs = await readdir(join(meta, 'layerdb', 'sha256'));
      // Remove the top layer of app from layerdb; truncate repositories.json.
      const topChain = (
        JSON.parse((await stowage('inspect', `${host}/team/reloaded:1`)).stdout) as Array<{ Stowage: { Layers: Array<{ ChainID: string }> } }>
      )[0]!.Stowage.Layers[2]!.ChainID;
      assert.ok(chainDirs.includes(topChain.slice(7)), `layerdb holds ${layer.diffId}'s chain`);
      await rm(join(meta, 'layerdb', 'sha256', topChain.slice(7)), { recursive: true });
      await writeFile(join(meta, 'repositories.json'), '{"Repositories":{"lib/ba');
      if (driver === 'overlay2') await symlink('/etc', join(copy, 'overlay2', 'l', 'ESCAPEESCAPEESCAPEESCAPE00'));
      const result = await run(process.execPath, [STOWAGE_CLI, 'docker', 'images', '-a', '--docker-root', copy]);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stderr, /repositories\.json: not valid JSON/);
      assert.match(result.stderr, /missing from layerdb/);
      assert.match(result.stdout, /<none>/);
      // copy docker-root: says what it read past, then refuses the image whose layer is gone, in one line.
      const copied = await run(process.execPath, [STOWAGE_CLI, 'copy', '-q', `docker-root:${copy}:${app.config.digest}`, `oci:${join(dir, 'from-damaged')}:x`]);
      assert.equal(copied.code, 1);
      assert.match(copied.stderr, /^stowage: warning: .*repositories\.json: not valid JSON/m);
      assert.match(copied.stderr, /^stowage: (?!warning).*\n$/m);
      const located = await run(process.execPath, [
        STOWAGE_CLI,
        'docker',
        'locate',
        join(copy, 'overlay2', 'l', 'ESCAPEESCAPEESCAPEESCAPE00', 'passwd'),
        '--docker-root',
        copy,
      ]);
      assert.doesNotMatch(located.stdout, /root:x:0:0/);
    });
  });
}

interface DfJson {
  Images: Array<Record<string, string>>;
  Containers: Array<Record<string, string>>;
  Volumes: Array<Record<string, string>>;
}

/** What docker said while it ran: compared again after it stopped. */
const snapshot: { images: string[]; inspect: Array<Record<string, unknown>>; df: DfJson; dfSummary: string } = {
  images: [],
  inspect: [],
  df: { Images: [], Containers: [], Volumes: [] },
  dfSummary: '',
};

function lines(text: string): string[] {
  return text.trim().split('\n').filter(Boolean).sort();
}

function sorted(value: unknown): string[] {
  return [...((value as string[] | undefined) ?? [])].sort();
}
