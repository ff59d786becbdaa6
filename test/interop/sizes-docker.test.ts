// SIZE, against a real dockerd (overlay2): the same images in docker and in Stowage stores, one
// pulled from a Stowage registry (gzip layers) and one loaded from `docker save` (plain tars),
// must show docker's numbers in `images`, `history` and `system df`. The images: crafted
// layers of known sizes (symlinks, hard links, whiteouts, an opaque directory, an empty tar, an
// empty_layer entry), and one docker built itself (RUN rm leaves real whiteouts).

import assert from 'node:assert/strict';
import { mkdir, symlink, copyFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startDockerd, type Dockerd } from '../support/dockerd.js';
import { STOWAGE_CLI, makeTempDir, removeTempDirs, runOk, stopAll } from '../support/process.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { writeSizedImage } from '../support/sized-image.js';

const BUILT = `FROM base
RUN mkdir /d && dd if=/dev/zero of=/d/a bs=1000 count=50 && ln /d/a /d/b && ln -s /d/a /d/c && mkdir /d/sub && dd if=/dev/zero of=/d/sub/x bs=1 count=123
RUN rm /d/b && rm -rf /d/sub && mkdir /d/sub && dd if=/dev/zero of=/d/sub/y bs=1 count=77
ENV X=1
RUN true
`;

describe('SIZE matches docker images, docker history and docker system df', () => {
  let dir: string;
  let registry: TestRegistry;
  let host: string;
  let dockerd: Dockerd;
  let names: string[];
  const stowage = async (root: string, ...args: string[]): Promise<string> =>
    (await runOk(process.execPath, [STOWAGE_CLI, ...args], { env: { ...process.env, STOWAGE_ROOT: join(dir, root) }, timeoutMs: 120_000 })).stdout;
  const docker = async (...args: string[]): Promise<string> => (await dockerd.docker(args)).stdout;

  before(async () => {
    dir = await makeTempDir('stowage-sizes-docker-');
    registry = await startRegistry();
    host = new URL(registry.url).host;
    dockerd = await startDockerd('overlay2');
    // docker's number is directory.Size of the applied layer only with a native overlay diff.
    assert.match(await docker('info', '--format', '{{json .DriverStatus}}'), /"Native Overlay Diff","true"/);

    const src = join(dir, 'src');
    await writeSizedImage(src, 'sized', ['base', 'changes', 'links', 'empty']);
    await writeSizedImage(src, 'other', ['base', 'extra']);
    for (const tag of ['sized', 'other']) await stowage('pulled', 'copy', '-q', `oci:${src}:${tag}`, `docker://${host}/t/${tag}:1`);

    // A base with a shell (busybox-static), then a docker-built image over it, pushed too.
    const rootfs = join(dir, 'rootfs');
    await mkdir(join(rootfs, 'bin'), { recursive: true });
    await copyFile('/bin/busybox', join(rootfs, 'bin', 'busybox'));
    for (const tool of ['sh', 'mkdir', 'dd', 'ln', 'rm', 'true']) await symlink('busybox', join(rootfs, 'bin', tool));
    await runOk('tar', ['-cf', join(dir, 'rootfs.tar'), '-C', rootfs, '.']);
    await docker('import', join(dir, 'rootfs.tar'), `${host}/t/base:1`);
    await mkdir(join(dir, 'ctx'));
    await writeFile(join(dir, 'ctx', 'Dockerfile'), BUILT.replace('FROM base', `FROM ${host}/t/base:1`));
    await dockerd.docker(['build', '--network=none', '-q', '-t', `${host}/t/built:1`, join(dir, 'ctx')], 300_000);
    for (const tag of ['base', 'built']) await docker('push', `${host}/t/${tag}:1`);
    for (const tag of ['sized', 'other']) await docker('pull', '-q', `${host}/t/${tag}:1`);

    names = ['sized', 'other', 'base', 'built'].map((t) => `${host}/t/${t}:1`);
    for (const name of names) await stowage('pulled', 'pull', '-q', name);
    await docker('save', '-o', join(dir, 'save.tar'), ...names);
    await stowage('loaded', 'load', '-i', join(dir, 'save.tar'));
  });

  after(async () => {
    await dockerd?.stop();
    await registry?.close();
    await stopAll();
    await removeTempDirs();
  });

  for (const root of ['pulled', 'loaded']) {
    describe(`a store that ${root} them`, () => {
      it("images: SIZE and --format {{.Size}} are docker's", async () => {
        const format = '{{.Repository}}:{{.Tag}} {{.Size}}';
        const ours = sorted(await stowage(root, 'images', '--format', format));
        assert.deepEqual(ours, sorted(await docker('images', '--format', format)));
        assert.equal(ours.length, 4);
        assert.ok(ours.includes(`${host}/t/sized:1 113kB`), ours.join(', '));
        const sizeColumn = async (table: string) =>
          sorted(
            table
              .split('\n')
              .slice(1)
              .filter(Boolean)
              .map((l) => `${l.split(/\s{2,}/)[0]} ${l.split(/\s{2,}/).at(-1)}`)
              .join('\n'),
          );
        assert.deepEqual(await sizeColumn(await stowage(root, 'images')), await sizeColumn(await docker('images')));
      });

      it('history: the SIZE column, human and in bytes', async () => {
        for (const name of names) {
          for (const flags of [[], ['--human=false']]) {
            const format = ['--format', '{{.CreatedBy}} {{.Size}}'];
            const ours = await stowage(root, 'history', ...flags, ...format, name);
            assert.equal(ours, await docker('history', ...flags, ...format, name), `${name} ${flags.join(' ')}`);
            assert.ok(ours.trim().split('\n').length >= 1);
          }
        }
      });

      it('system df: the Images SIZE and RECLAIMABLE; -v per image SIZE, SHARED SIZE, UNIQUE SIZE', async () => {
        const imagesRow = (table: string) => (table.split('\n').find((l) => l.startsWith('Images')) ?? '').split(/\s{2,}/).slice(3);
        assert.deepEqual(imagesRow(await stowage(root, 'system', 'df')), imagesRow(await docker('system', 'df')));
        assert.equal(
          (await stowage(root, 'system', 'df', '--format', '{{.Size}}')).split('\n')[0],
          (await docker('system', 'df', '--format', '{{.Size}}')).split('\n')[0],
        );
        // REPOSITORY TAG IMAGE-ID CREATED SIZE SHARED UNIQUE CONTAINERS: all but CREATED.
        const perImage = (text: string) =>
          sorted(
            text
              .split('\n')
              .filter((l) => l.startsWith(`${host}/`))
              .map((l) =>
                l
                  .split(/\s{2,}/)
                  .filter((_, i) => i !== 3)
                  .join(' '),
              )
              .join('\n'),
          );
        const ours = perImage(await stowage(root, 'system', 'df', '-v'));
        assert.deepEqual(ours, perImage(await docker('system', 'df', '-v')));
        assert.equal(ours.length, 4);
      });
    });
  }

  it("the Content row is what the store's blobs take: the pulled store's gzip layers less than the loaded one's tars", async () => {
    const content = async (root: string): Promise<number> => {
      const line = (await stowage(root, 'system', 'df', '--format', '{{.Type}} {{.Size}}')).split('\n').find((l) => l.startsWith('Content ')) ?? '';
      const [, value, unit] = /^Content ([\d.]+)(B|kB|MB|GB)$/.exec(line) ?? [];
      return Number(value) * 1000 ** ['B', 'kB', 'MB', 'GB'].indexOf(unit ?? '');
    };
    const [pulled, loaded] = [await content('pulled'), await content('loaded')];
    assert.ok(pulled > 0 && loaded > pulled, `${pulled} vs ${loaded} bytes`);
  });
});

function sorted(text: string): string[] {
  return text.split('\n').filter(Boolean).sort();
}
