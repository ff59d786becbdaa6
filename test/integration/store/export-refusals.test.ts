// `stowage export --dir` exits non-zero when it refused entries, as `image unpack` does: a tree
// missing entries is not the image's root filesystem, and a script must be able to tell.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ImageStore } from '../../../src/store/store.js';
import { loadInto, writeCraftedImage } from './store-fixtures.js';

const CLI = fileURLToPath(new URL('../../../src/cli/main.js', import.meta.url));
const exec = promisify(execFile);

describe('stowage export --dir with refused entries', () => {
  let dir: string;
  let root: string;
  const stowage = (...args: string[]) => exec(process.execPath, [CLI, '--root', root, ...args], { timeout: 60_000 });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stowage-export-refusals-'));
    root = join(dir, 'root');
    const layout = join(dir, 'layout');
    await writeCraftedImage(layout, 'r', {
      layers: [
        {
          entries: [
            { name: 'etc/', type: 'directory' },
            { name: 'etc/ok.conf', data: 'ok\n' },
            { name: '../escape.txt', data: 'out\n' },
          ],
        },
        {
          entries: [
            { name: 'etc/link', type: 'symlink', linkname: '/etc' },
            { name: 'etc/link/through.txt', data: 'no\n' },
          ],
        },
      ],
    });
    await loadInto(await ImageStore.open(root), layout, 'r', ['docker.io/hostile/refused:1']);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('writes what it can, lists every refusal and exits 1', async () => {
    const out = join(dir, 'rootfs');
    await assert.rejects(stowage('export', '--dir', out, 'hostile/refused:1'), (err: { code: number; stderr: string }) => {
      assert.equal(err.code, 1);
      const lines = err.stderr.trim().split('\n');
      assert.equal(lines.length, 3, err.stderr);
      assert.match(lines[0] ?? '', /^skipped \.\.\/escape\.txt: path escapes the target with '\.\.'$/);
      assert.match(lines[1] ?? '', /^skipped etc\/link\/through\.txt: parent etc\/link is a symlink$/);
      assert.equal(lines[2], `stowage: 2 entries of hostile/refused:1 could not be written whole into ${out} (listed above)`);
      return true;
    });
    assert.equal(await readFile(join(out, 'etc', 'ok.conf'), 'utf8'), 'ok\n');
    assert.deepEqual((await readdir(dir)).sort(), ['layout', 'root', 'rootfs']);
  });

  it('exits 0 for the same image as a tar, which carries the entries it can name', async () => {
    const file = join(dir, 'rootfs.tar');
    await stowage('export', '-o', file, 'hostile/refused:1');
    await rm(file);
  });
});
