// Whiteouts and opaque directories (layer.md, "Whiteouts", "Opaque Whiteout"): the merged tree
// written to a directory and the merged tar must agree, and both must match the spec's examples.

import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { applyLayer, exportToDirectory, exportToTar } from '../../../../src/store/unpack/index.js';
import { buildTar, dir, file, layerSource, listTar, symlink, walkTree, type TreeEntry } from './layer-tars.js';

const lower = (): Promise<Buffer> =>
  buildTar([
    dir('etc/'),
    file('etc/keep.conf', 'keep'),
    file('etc/remove.conf', 'remove me'),
    dir('bin/'),
    file('bin/tool', 'v1'),
    dir('opt/'),
    dir('opt/old/'),
    file('opt/old/x', 'x'),
    dir('var/'),
    dir('var/cache/'),
    file('var/cache/a', 'a'),
    dir('var/cache/sub/'),
    file('var/cache/sub/b', 'b'),
    dir('lib/'),
    file('lib/libc.so', 'libc'),
    file('replaced', 'a file below'),
  ]);

const upper = (): Promise<Buffer> =>
  buildTar([
    file('etc/.wh.remove.conf'),
    file('.wh.opt'),
    dir('var/cache/'),
    file('var/cache/new', 'new'),
    // After the new file on purpose: "applied first ... regardless of the ordering" (layer.md).
    file('var/cache/.wh..wh..opq'),
    file('bin/tool', 'v2'),
    // A whiteout applies to lower layers only: this layer's own file survives its whiteout.
    file('etc/own.conf', 'own'),
    file('etc/.wh.own.conf'),
    symlink('lib', 'usr/lib'),
    dir('replaced/'),
    file('replaced/inner', 'inner'),
  ]);

const expected: TreeEntry[] = [
  { path: 'bin', type: 'directory' },
  { path: 'bin/tool', type: 'file', content: 'v2' },
  { path: 'etc', type: 'directory' },
  { path: 'etc/keep.conf', type: 'file', content: 'keep' },
  { path: 'etc/own.conf', type: 'file', content: 'own' },
  { path: 'lib', type: 'symlink', content: 'usr/lib' },
  { path: 'replaced', type: 'directory' },
  { path: 'replaced/inner', type: 'file', content: 'inner' },
  { path: 'var', type: 'directory' },
  { path: 'var/cache', type: 'directory' },
  { path: 'var/cache/new', type: 'file', content: 'new' },
];

async function exportTarBytes(layers: Buffer[]): Promise<{ bytes: Buffer; result: { entries: number; bytes: number } }> {
  const chunks: Buffer[] = [];
  const output = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk);
      callback();
    },
  });
  const result = await exportToTar(layers.map(layerSource), output);
  return { bytes: Buffer.concat(chunks), result };
}

describe('whiteouts and opaque directories', () => {
  let work: string;
  let layers: Buffer[];
  before(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'stowage-whiteouts-'));
    layers = [await lower(), await upper()];
  });
  after(() => rm(work, { recursive: true, force: true }));

  it('exportToDirectory merges the layers as layer.md describes', async () => {
    const target = path.join(work, 'dir');
    const result = await exportToDirectory(layers.map(layerSource), target);
    assert.deepEqual(await walkTree(target), expected);
    assert.equal(result.whiteouts, 4);
    assert.deepEqual(result.skipped, []);
  });

  it('exportToTar lists the same tree: hidden paths absent, replaced content from the upper layer', async () => {
    const { bytes, result } = await exportTarBytes(layers);
    const entries = await listTar(bytes);
    const names = entries.map((e) => e.name.replace(/\/$/, '')).sort();
    assert.deepEqual(
      names,
      expected.map((e) => e.path),
    );
    assert.equal(result.entries, expected.length);
    for (const entry of entries) {
      const want = expected.find((e) => e.path === entry.name.replace(/\/$/, ''));
      if (want?.type === 'file') assert.equal(entry.data, want.content, entry.name);
      if (want?.type === 'symlink') assert.equal(entry.linkname, want.content);
      assert.ok(!entry.name.includes('.wh.'), `whiteout leaked: ${entry.name}`);
    }
    // Directories come first, parents before children: extractors never meet an implied parent.
    const firstFile = entries.findIndex((e) => e.type !== 'directory');
    assert.ok(entries.slice(firstFile).every((e) => e.type !== 'directory'));
    assert.equal(result.bytes, 'v2'.length + 'keep'.length + 'own'.length + 'inner'.length + 'new'.length);
  });

  it('the merged tar, applied to an empty directory, gives the merged tree', async () => {
    const { bytes } = await exportTarBytes(layers);
    const target = path.join(work, 'roundtrip');
    await applyLayer(Readable.from([bytes]), target);
    assert.deepEqual(await walkTree(target), expected);
  });

  it('keepWhiteouts leaves the markers as files, for a single-layer diff directory', async () => {
    const target = path.join(work, 'diff');
    const result = await applyLayer(Readable.from([layers[1] as Buffer]), target, { keepWhiteouts: true });
    assert.equal(result.whiteouts, 4);
    assert.deepEqual((await readdir(path.join(target, 'var/cache'))).sort(), ['.wh..wh..opq', 'new']);
    assert.deepEqual((await readdir(target)).sort(), ['.wh.opt', 'bin', 'etc', 'lib', 'replaced', 'var']);
  });

  it('an opaque directory at the root hides every lower path', async () => {
    const top = await buildTar([file('.wh..wh..opq'), file('only', 'only')]);
    const target = path.join(work, 'opaque-root');
    await exportToDirectory([layers[0] as Buffer, top].map(layerSource), target);
    assert.deepEqual(await walkTree(target), [{ path: 'only', type: 'file', content: 'only' }]);
    const listed = await listTar((await exportTarBytes([layers[0] as Buffer, top])).bytes);
    assert.deepEqual(
      listed.map((e) => e.name),
      ['only'],
    );
  });

  it('a whiteout of a directory in one layer, recreated by a later layer, shows only the new content', async () => {
    const middle = await buildTar([file('.wh.var')]);
    const top = await buildTar([dir('var/'), file('var/fresh', 'fresh')]);
    const stack = [layers[0] as Buffer, middle, top];
    const target = path.join(work, 'recreated');
    await exportToDirectory(stack.map(layerSource), target);
    const tree = (await walkTree(target)).filter((e) => e.path.startsWith('var'));
    assert.deepEqual(tree, [
      { path: 'var', type: 'directory' },
      { path: 'var/fresh', type: 'file', content: 'fresh' },
    ]);
    const listed = (await listTar((await exportTarBytes(stack)).bytes)).map((e) => `${e.name.replace(/\/$/, '')}:${e.type}`).filter((n) => n.startsWith('var'));
    assert.deepEqual(listed, ['var:directory', 'var/fresh:file']);
  });

  it("layer.md's own opaque example: a/b recreated with a/b/c/foo, the marker last", async () => {
    const stack = [
      await buildTar([dir('a/'), dir('a/b/'), dir('a/b/c/'), file('a/b/c/bar', 'bar')]),
      await buildTar([dir('a/'), dir('a/b/'), dir('a/b/c/'), file('a/b/c/foo', 'foo'), file('a/.wh..wh..opq')]),
    ];
    const want: TreeEntry[] = [
      { path: 'a', type: 'directory' },
      { path: 'a/b', type: 'directory' },
      { path: 'a/b/c', type: 'directory' },
      { path: 'a/b/c/foo', type: 'file', content: 'foo' },
    ];
    const target = path.join(work, 'spec-opaque');
    await exportToDirectory(stack.map(layerSource), target);
    assert.deepEqual(await walkTree(target), want);
    const listed = await listTar((await exportTarBytes(stack)).bytes);
    assert.deepEqual(
      listed.map((e) => e.name.replace(/\/$/, '')),
      want.map((e) => e.path),
    );
  });

  it('a whiteout naming nothing is skipped, not applied to the directory itself', async () => {
    const target = path.join(work, 'bad-whiteouts');
    await exportToDirectory([layers[0] as Buffer].map(layerSource), target);
    const result = await applyLayer(Readable.from([await buildTar([file('etc/.wh.'), file('etc/.wh..'), file('etc/.wh...')])]), target);
    assert.deepEqual(
      result.skipped.map((s) => s.path),
      ['etc/.wh.', 'etc/.wh..', 'etc/.wh...'],
    );
    assert.deepEqual((await readdir(path.join(target, 'etc'))).sort(), ['keep.conf', 'remove.conf']);
  });
});
