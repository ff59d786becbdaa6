import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, readlink, lstat, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import tar from 'tar-stream';
import { createReadStream } from 'node:fs';
import { ImageStore } from '../../../src/store/store.js';
import { EXPECTED_TREE, writeWhiteoutImage } from '../../support/whiteout-image.js';
import { loadInto, writeCraftedImage } from './store-fixtures.js';
import { startRegistry, type TestRegistry } from '../../support/registry.js';

const CLI = fileURLToPath(new URL('../../../src/cli/main.js', import.meta.url));
const exec = promisify(execFile);

/** path → 'dir' | '-> target' | file content, for a directory tree. */
async function treeOf(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(root, { recursive: true })) {
    const path = join(root, entry);
    const info = await lstat(path);
    out[entry] = info.isDirectory() ? 'dir' : info.isSymbolicLink() ? `-> ${await readlink(path)}` : await readFile(path, 'utf8');
  }
  return out;
}

/** The same for a tar: hard links resolved to their target's content. */
async function tarTree(file: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const extract = tar.extract();
  const done = new Promise<void>((resolve, reject) => {
    extract.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: unknown) => void chunks.push(c as Buffer));
      stream.on('end', () => {
        const name = header.name.replace(/\/$/, '');
        out[name] =
          header.type === 'directory'
            ? 'dir'
            : header.type === 'symlink'
              ? `-> ${header.linkname}`
              : header.type === 'link'
                ? (out[header.linkname ?? ''] ?? '?')
                : Buffer.concat(chunks).toString('utf8');
        next();
      });
      stream.resume();
    });
    extract.on('finish', resolve);
    extract.on('error', reject);
  });
  createReadStream(file).pipe(extract);
  await done;
  return out;
}

describe('stowage export: the flattened root filesystem, whiteouts applied', () => {
  let reg: TestRegistry;
  let dir: string;
  let root: string;
  let host: string;
  const stowage = (...args: string[]) => exec(process.execPath, [CLI, '--root', root, ...args], { timeout: 60_000 });

  before(async () => {
    reg = await startRegistry();
    host = new URL(reg.url).host;
    dir = await mkdtemp(join(tmpdir(), 'stowage-export-'));
    root = join(dir, 'root');
    await writeWhiteoutImage(join(dir, 'layout'), 'w');
    await stowage('copy', '-q', `oci:${join(dir, 'layout')}:w`, `docker://${host}/wh/img:1`);
    await stowage('pull', '-q', `${host}/wh/img:1`);
  });
  after(async () => {
    await reg.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('--dir: deleted files gone, opaque dir replaced, upper files win, links kept', async () => {
    const out = join(dir, 'rootfs');
    await stowage('export', '--dir', out, `${host}/wh/img:1`);
    assert.deepEqual(await treeOf(out), EXPECTED_TREE);
    assert.equal((await stat(join(out, 'bin/tool'))).mode & 0o777, 0o755);
    assert.equal((await stat(join(out, 'bin/hard'))).ino, (await stat(join(out, 'bin/tool'))).ino, 'a hard link stays one file');
  });

  it('-o: the same tree as one tar, without writing the tree to disk', async () => {
    const file = join(dir, 'rootfs.tar');
    await stowage('export', '-o', file, `${host}/wh/img:1`);
    assert.deepEqual(await tarTree(file), EXPECTED_TREE);
    // The layers' spools lived under the store's scratch dir, and nothing of them stays.
    assert.deepEqual(await readdir(join(root, 'stowage', 'tmp')), []);
  });

  it('-o from a store whose scratch dir cannot be made: spooled in the temp dir instead', async () => {
    const scratch = join(root, 'stowage', 'tmp');
    await rm(scratch, { recursive: true, force: true });
    await writeFile(scratch, 'not a directory');
    try {
      const file = join(dir, 'rootfs-tmp.tar');
      await stowage('export', '-o', file, `${host}/wh/img:1`);
      assert.deepEqual(await tarTree(file), EXPECTED_TREE);
    } finally {
      await rm(scratch, { force: true });
    }
  });

  it('refuses a non-empty directory and an unknown image, in one line', async () => {
    await assert.rejects(stowage('export', '--dir', join(dir, 'rootfs'), `${host}/wh/img:1`), (err: { code: number; stderr: string }) => {
      assert.equal(err.code, 1);
      assert.match(err.stderr, /^stowage: .* is not empty: export into an empty directory\n$/);
      return true;
    });
    await assert.rejects(stowage('export', '-o', join(dir, 'x.tar'), 'no/such:image'), { stderr: 'stowage: No such image: no/such:image\n' });
  });

  it('unpacks layers by chain ID, shared, whiteouts kept as files like overlay2', async () => {
    // The whiteout image's upper layer hard-links a file of the lower one, which a layer's own
    // directory cannot hold (see the next test): this one has the same whiteouts without that link.
    const layout = join(dir, 'unpack-layout');
    await writeCraftedImage(layout, 'u', {
      layers: [
        {
          entries: [
            { name: 'etc/', type: 'directory' },
            { name: 'etc/gone.conf', data: 'gone\n' },
            { name: 'etc/replaced.conf', data: 'old\n' },
          ],
        },
        { entries: [{ name: 'etc/', type: 'directory' }, { name: 'etc/.wh.gone.conf' }, { name: 'etc/replaced.conf', data: 'new\n' }] },
      ],
    });
    const store = await ImageStore.open(root);
    await loadInto(store, layout, 'u', ['docker.io/wh/unpack:1']);
    const first = (await stowage('image', 'unpack', 'wh/unpack:1')).stdout.trim().split('\n');
    assert.equal(first.length, 2);
    assert.ok(first.every((line) => line.startsWith(join(root, 'stowage', 'layers'))));
    const upper = first[1] ?? '';
    assert.deepEqual((await readdir(join(upper, 'etc'))).sort(), ['.wh.gone.conf', 'replaced.conf']);
    assert.equal(await readFile(join(upper, 'etc', 'replaced.conf'), 'utf8'), 'new\n');
    const again = (await stowage('image', 'unpack', 'wh/unpack:1')).stdout;
    assert.match(again, /already unpacked/);
    await stowage('rmi', 'wh/unpack:1');
    assert.deepEqual(await readdir(join(root, 'stowage', 'layers')), [], 'unpacked layers go with their last image');
  });

  it('refuses to cache a layer directory that would lack an entry, in one line', async () => {
    // bin/hard links to bin/tool of the layer below: export resolves it, a lone layer directory cannot.
    await assert.rejects(stowage('image', 'unpack', `${host}/wh/img:1`), (err: { code: number; stderr: string }) => {
      assert.equal(err.code, 1);
      assert.match(
        err.stderr,
        /^stowage: layer 2 of 2 \(sha256:[0-9a-f]{64}\) of image sha256:[0-9a-f]{64} cannot be unpacked whole: 1 entry was refused, the first "bin\/hard": hard link target bin\/tool does not exist\n$/,
      );
      return true;
    });
    const layers = await readdir(join(root, 'stowage', 'layers'));
    assert.equal(layers.length, 1, `only the complete lower layer is cached: ${layers.join(', ')}`);
    await stowage('rmi', `${host}/wh/img:1`);
    assert.deepEqual(await readdir(join(root, 'stowage', 'layers')), []);
  });
});
