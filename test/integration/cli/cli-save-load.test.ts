// `stowage save A B` and `stowage load` end to end, on a real store: several images in one
// archive (docker and OCI format), archives compressed as docker load takes them (from a file
// and from a pipe), and the errors a user meets said in words with the path.

import assert from 'node:assert/strict';
import { execFile, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { TarIndex } from '../../../src/tar/file-index.js';
import type { BuiltImage } from '../../support/oci-layout.js';
import { startRegistry, type TestRegistry } from '../../support/registry.js';
import { mountTmpfs } from '../../support/tmpfs.js';
import { pullBaseAndApp } from '../../support/base-app.js';
import { eventually } from '../../support/registry-images.js';

const CLI = fileURLToPath(new URL('../../../src/cli/main.js', import.meta.url));
const exec = promisify(execFile);

interface Failure {
  code: number;
  stderr: string;
}

describe('save several images, load compressed archives, errors in words', () => {
  let reg: TestRegistry;
  let dir: string;
  let host: string;
  let base: BuiltImage;
  let app: BuiltImage;
  const root = () => join(dir, 'root');
  const stowage = (...args: string[]) =>
    exec(process.execPath, [CLI, ...args], { env: { ...process.env, STOWAGE_ROOT: root() }, timeout: 120_000, maxBuffer: 64 << 20 });
  const shell = (script: string) => exec('sh', ['-c', script], { env: { ...process.env, STOWAGE: `${process.execPath} ${CLI}` }, timeout: 120_000 });
  const fails = async (...args: string[]): Promise<Failure> => {
    try {
      await stowage(...args);
    } catch (err) {
      return err as Failure;
    }
    throw new Error(`stowage ${args.join(' ')} succeeded`);
  };
  /** One line on stderr, exit 1, no bare errno code. */
  const oneLine = (failure: Failure): string => {
    assert.equal(failure.code, 1);
    const lines = failure.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, failure.stderr);
    assert.doesNotMatch(failure.stderr, /\bE[A-Z]{3,}\b:/, 'no bare errno code');
    return lines[0] ?? '';
  };
  const member = async (archive: string, name: string): Promise<unknown> =>
    JSON.parse(((await (await TarIndex.open(archive)).read(name, 1 << 20)) as Buffer).toString('utf8'));
  const blobCount = async (archive: string): Promise<number> => (await TarIndex.open(archive)).names().filter((n) => n.startsWith('blobs/sha256/')).length;

  before(async () => {
    reg = await startRegistry();
    host = new URL(reg.url).host;
    dir = await mkdtemp(join(tmpdir(), 'stowage-cli-save-load-'));
    // Same seed: app's first two layers are base's, so a two-image archive shares them.
    ({ base, app } = await pullBaseAndApp(stowage, dir, host, { seed: 'save-load', sizeBytes: 100_000 }));
    await stowage('tag', `${host}/team/app:1`, `${host}/team/app:2`);
  });
  after(async () => {
    await reg.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('save A B: one docker archive, both images tagged, shared layers once; load restores both', async () => {
    const archive = join(dir, 'two.tar');
    await stowage('save', '-o', archive, `${host}/team/app:1`, `${host}/lib/base:1`);
    const manifest = (await member(archive, 'manifest.json')) as Array<{ Config: string; RepoTags: string[]; Layers: string[] }>;
    assert.deepEqual(
      manifest.map((e) => e.RepoTags),
      [[`${host}/team/app:1`], [`${host}/lib/base:1`]],
    );
    assert.deepEqual(
      manifest.map((e) => e.Config),
      [`blobs/sha256/${app.config.digest.slice(7)}`, `blobs/sha256/${base.config.digest.slice(7)}`],
    );
    // 3 app layers (2 shared with base) + 2 configs + 2 manifests.
    assert.equal(await blobCount(archive), 7);
    const index = (await member(archive, 'index.json')) as { manifests: Array<{ digest: string; annotations: Record<string, string> }> };
    assert.deepEqual(
      index.manifests.map((m) => [m.digest, m.annotations['io.containerd.image.name'], m.annotations['org.opencontainers.image.ref.name']]),
      [
        [app.digest, `${host}/team/app:1`, '1'],
        [base.digest, `${host}/lib/base:1`, '1'],
      ],
    );
    assert.deepEqual(Object.keys((await member(archive, 'repositories')) as object).sort(), [`${host}/lib/base`, `${host}/team/app`]);

    const loaded = await stowage('--root', join(dir, 'loaded'), 'load', '-i', archive);
    assert.equal(loaded.stdout, `Loaded image: ${host}/team/app:1\nLoaded image: ${host}/lib/base:1\n`);
    const ids = (await stowage('--root', join(dir, 'loaded'), 'images', '-q', '--no-trunc')).stdout.trim().split('\n').sort();
    assert.deepEqual(ids, [app.config.digest, base.config.digest].sort());
  });

  it('save NAME saves every tag of the repository; save ID saves the image untagged', async () => {
    const archive = join(dir, 'repo.tar');
    await stowage('save', '-o', archive, `${host}/team/app`);
    const manifest = (await member(archive, 'manifest.json')) as Array<{ RepoTags: string[] }>;
    assert.deepEqual(
      manifest.map((e) => e.RepoTags),
      [[`${host}/team/app:1`, `${host}/team/app:2`]],
    );
    const byId = join(dir, 'by-id.tar');
    await stowage('save', '-o', byId, app.config.digest.slice(7, 19));
    assert.deepEqual(
      ((await member(byId, 'manifest.json')) as Array<{ RepoTags: string[] }>).map((e) => e.RepoTags),
      [[]],
    );
    const loaded = await stowage('--root', join(dir, 'by-id'), 'load', '-i', byId);
    assert.equal(loaded.stdout, `Loaded image ID: ${app.config.digest}\n`);
  });

  it('save --format oci A B: one OCI archive, each image named as Docker 25 names them; load restores both', async () => {
    const archive = join(dir, 'two-oci.tar');
    await stowage('save', '--format', 'oci', '-o', archive, `${host}/team/app:2`, `${host}/lib/base:1`);
    const index = (await member(archive, 'index.json')) as { manifests: Array<{ digest: string; annotations: Record<string, string> }> };
    assert.deepEqual(
      index.manifests.map((m) => [m.digest, m.annotations['io.containerd.image.name'], m.annotations['org.opencontainers.image.ref.name']]),
      [
        [app.digest, `${host}/team/app:2`, '2'],
        [base.digest, `${host}/lib/base:1`, '1'],
      ],
    );
    assert.equal((await TarIndex.open(archive)).find('manifest.json'), undefined);
    const loaded = await stowage('--root', join(dir, 'oci-loaded'), 'load', '-i', archive);
    assert.equal(loaded.stdout, `Loaded image: ${host}/team/app:2\nLoaded image: ${host}/lib/base:1\n`);
  });

  it('load takes gzip, zstd, bzip2 and xz archives, from a file and from a pipe, and leaves no scratch behind', async () => {
    const archive = join(dir, 'two.tar');
    for (const [tool, ext] of [
      ['gzip', 'gz'],
      ['zstd -q', 'zst'],
      ['bzip2', 'bz2'],
      ['xz', 'xz'],
    ] as const) {
      const compressed = `${archive}.${ext}`;
      await shell(`${tool} -c '${archive}' > '${compressed}'`);
      const into = join(dir, `from-${ext}`);
      const loaded = await stowage('--root', into, 'load', '-i', compressed);
      assert.equal(loaded.stdout, `Loaded image: ${host}/team/app:1\nLoaded image: ${host}/lib/base:1\n`, ext);
      const piped = await shell(`${tool} -c '${archive}' | $STOWAGE --root '${join(dir, `piped-${ext}`)}' load`);
      assert.equal(piped.stdout, `Loaded image: ${host}/team/app:1\nLoaded image: ${host}/lib/base:1\n`, `${ext} from a pipe`);
      assert.deepEqual(await readdir(join(into, 'stowage', 'tmp')).catch(() => []), [], 'the decompressed copy is removed');
      assert.deepEqual(await readdir(join(dir, `piped-${ext}`, 'stowage', 'tmp')).catch(() => []), []);
    }
    // A plain archive from a pipe, as `docker save x | stowage load`.
    const plain = await shell(`cat '${archive}' | $STOWAGE --root '${join(dir, 'piped-plain')}' load`);
    assert.match(plain.stdout, /^Loaded image: .*team\/app:1\n/);
    // -i naming a pipe (process substitution): read once, like stdin.
    for (const tool of ['cat', 'zstd -q -c']) {
      const substituted = await exec('bash', ['-c', `$STOWAGE --root '${join(dir, `substituted-${tool.split(' ')[0]}`)}' load -i <(${tool} '${archive}')`], {
        env: { ...process.env, STOWAGE: `${process.execPath} ${CLI}` },
      });
      assert.match(substituted.stdout, /^Loaded image: .*team\/app:1\nLoaded image: .*lib\/base:1\n$/, tool);
    }
  });

  it('a corrupt compressed archive: one line naming the format and the file; nothing loaded, no scratch left', async () => {
    const bad = join(dir, 'bad.tar.zst');
    await shell(`zstd -q -c '${join(dir, 'two.tar')}' | head -c 20000 > '${bad}'`);
    const into = join(dir, 'from-bad');
    const line = oneLine(await fails('--root', into, 'load', '-i', bad));
    assert.match(line, new RegExp(`^stowage: ${bad}: not a valid zstd-compressed archive`));
    assert.equal((await stowage('--root', into, 'images', '-q')).stdout, '');
    assert.deepEqual(await readdir(join(into, 'stowage', 'tmp')).catch(() => []), []);
  });

  it('errors name the cause and the path: --root a file, load -i a directory or a missing file, save -o a directory', async () => {
    const file = join(dir, 'a-file');
    await writeFile(file, 'not a store');
    assert.equal(oneLine(await fails('--root', file, 'images')), `stowage: --root ${file}: not a directory (it is a file)`);
    assert.equal(oneLine(await fails('--root', join(file, 'sub'), 'images')), `stowage: --root ${join(file, 'sub')}: not a directory (${file} is a file)`);
    const folder = join(dir, 'a-dir');
    await mkdir(folder, { recursive: true });
    assert.equal(oneLine(await fails('load', '-i', folder)), `stowage: load -i ${folder}: is a directory, expected an archive file`);
    const missing = join(dir, 'missing.tar');
    assert.equal(oneLine(await fails('load', '-i', missing)), `stowage: load -i ${missing}: does not exist`);
    assert.equal(
      oneLine(await fails('save', '-o', folder, `${host}/lib/base:1`)),
      `stowage: save -o ${folder}: is a directory, expected a file name for the archive`,
    );
    assert.deepEqual(await readdir(folder), [], 'no temp file left beside it');
  });

  it('Ctrl-C while a piped archive is decompressed: the scratch copy is removed and the process dies of the signal', async () => {
    const into = join(dir, 'interrupted');
    const child = spawn(process.execPath, [CLI, '--root', into, 'load'], { stdio: ['pipe', 'ignore', 'pipe'] });
    // The start of a zstd archive, and the pipe kept open: load waits in the decompression.
    const head = spawnSync('zstd', ['-q', '-c'], { input: await readFile(join(dir, 'two.tar')) }).stdout.subarray(0, 30_000);
    child.stdin.write(head);
    const tmp = join(into, 'stowage', 'tmp');
    assert.ok(await eventually(async () => (await readdir(tmp).catch(() => [])).length === 1, 30_000), 'the scratch directory appears');
    const exited = once(child, 'exit');
    child.kill('SIGINT');
    const [code, signal] = (await exited) as [number | null, NodeJS.Signals | null];
    assert.equal(signal, 'SIGINT', `exit ${code}`);
    assert.deepEqual(await readdir(tmp), []);
  });

  it('a full disk under the root: no space left, naming the root; the partial copy is gone', async () => {
    const disk = await mountTmpfs(256 * 1024);
    try {
      const small = join(disk.dir, 'store');
      const compressed = join(dir, 'two.tar.gz');
      const line = oneLine(await fails('--root', small, 'load', '-i', compressed));
      assert.match(line, new RegExp(`^stowage: --root ${small}: no space left on device \\(${join(small, 'stowage', 'tmp')}/`));
      assert.deepEqual(await readdir(join(small, 'stowage', 'tmp')), []);
    } finally {
      await disk.unmount();
    }
  });

  it('a read-only root: the verbs that write say so, naming the root; reading still works', async () => {
    const disk = await mountTmpfs(64 << 20);
    try {
      const roRoot = join(disk.dir, 'store');
      await stowage('--root', roRoot, 'pull', '-q', `${host}/lib/base:1`);
      await exec('mount', ['-o', 'remount,ro', disk.dir]);
      assert.match((await stowage('--root', roRoot, 'images')).stdout, /lib\/base/);
      const words = `stowage: --root ${roRoot}: the store root is on a read-only file system`;
      for (const verb of [
        ['tag', `${host}/lib/base:1`, 'x:1'],
        ['pull', '-q', `${host}/team/app:1`],
        ['load', '-i', join(dir, 'two.tar')],
      ]) {
        assert.ok(oneLine(await fails('--root', roRoot, ...verb)).startsWith(words), verb.join(' '));
      }
      const fresh = join(disk.dir, 'fresh');
      assert.equal(oneLine(await fails('--root', fresh, 'images')), `stowage: --root ${fresh}: the store root is on a read-only file system`);
    } finally {
      await disk.unmount();
    }
  });
});
