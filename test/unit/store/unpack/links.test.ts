// Hard links (layer.md, "Hardlinks") within a layer and to a lower layer's file, and symlinks,
// which are data: relative, absolute and dangling targets are all kept as links, never resolved.

import assert from 'node:assert/strict';
import { lstat, mkdtemp, readFile, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { applyLayer, exportToDirectory, exportToTar } from '../../../../src/store/unpack/index.js';
import { buildTar, dir, file, hardlink, layerSource, listTar, symlink } from './layer-tars.js';

async function exportTarBytes(layers: Buffer[]): Promise<Buffer> {
  const chunks: Buffer[] = [];
  await exportToTar(
    layers.map(layerSource),
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        chunks.push(chunk);
        callback();
      },
    }),
  );
  return Buffer.concat(chunks);
}

describe('hard links and symlinks', () => {
  let work: string;
  let layers: Buffer[];
  before(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'stowage-links-'));
    layers = [
      await buildTar([
        dir('data/'),
        file('data/orig', 'hello'),
        hardlink('data/same-layer', 'data/orig'),
        symlink('rel', 'data/orig'),
        symlink('abs', '/etc/hostname'),
        symlink('dangling', 'nowhere/at/all'),
        symlink('up', '..'),
      ]),
      await buildTar([dir('up2/'), hardlink('up2/from-lower', './data/orig')]),
    ];
  });
  after(() => rm(work, { recursive: true, force: true }));

  it('applies hard links within a layer and to a lower layer as the same inode', async () => {
    const target = path.join(work, 'tree');
    const result = await exportToDirectory(layers.map(layerSource), target);
    assert.equal(result.hardlinks, 2);
    assert.equal(result.symlinks, 4);
    assert.deepEqual(result.skipped, []);
    const orig = await lstat(path.join(target, 'data/orig'));
    assert.equal(orig.nlink, 3);
    for (const name of ['data/same-layer', 'up2/from-lower']) {
      assert.equal((await lstat(path.join(target, name))).ino, orig.ino, name);
    }
  });

  it('keeps symlinks as links, whatever they point at', async () => {
    const target = path.join(work, 'tree');
    for (const [name, want] of [
      ['rel', 'data/orig'],
      ['abs', '/etc/hostname'],
      ['dangling', 'nowhere/at/all'],
      ['up', '..'],
    ] as const) {
      assert.ok((await lstat(path.join(target, name))).isSymbolicLink(), name);
      assert.equal(await readlink(path.join(target, name)), want);
    }
  });

  it('exports hard links as links to names written before them', async () => {
    const entries = await listTar(await exportTarBytes(layers));
    const byName = new Map(entries.map((e) => [e.name, e]));
    assert.equal(byName.get('data/same-layer')?.type, 'link');
    assert.equal(byName.get('data/same-layer')?.linkname, 'data/orig');
    assert.equal(byName.get('up2/from-lower')?.linkname, 'data/orig');
    assert.equal(byName.get('abs')?.linkname, '/etc/hostname');
    const order = entries.map((e) => e.name);
    assert.ok(order.indexOf('data/orig') < order.indexOf('data/same-layer'));
    assert.ok(order.indexOf('data/orig') < order.indexOf('up2/from-lower'));
  });

  it('a link keeps the old data when an upper layer replaces or deletes its target', async () => {
    const stack = [
      await buildTar([file('f', 'old'), hardlink('g', 'f'), hardlink('h', 'f'), file('k', 'k-old'), hardlink('l', 'k')]),
      await buildTar([file('f', 'new'), file('.wh.k')]),
    ];
    const target = path.join(work, 'replaced');
    await exportToDirectory(stack.map(layerSource), target);
    assert.equal(await readFile(path.join(target, 'f'), 'utf8'), 'new');
    assert.equal(await readFile(path.join(target, 'g'), 'utf8'), 'old');
    assert.equal((await lstat(path.join(target, 'g'))).ino, (await lstat(path.join(target, 'h'))).ino);
    assert.equal(await readFile(path.join(target, 'l'), 'utf8'), 'k-old');
    await assert.rejects(lstat(path.join(target, 'k')));

    // The merged tar carries the old data under the first surviving link's name.
    const bytes = await exportTarBytes(stack);
    const entries = await listTar(bytes);
    const byName = new Map(entries.map((e) => [e.name, e]));
    assert.equal(byName.get('f')?.data, 'new');
    assert.equal(byName.get('g')?.type, 'file');
    assert.equal(byName.get('g')?.data, 'old');
    assert.equal(byName.get('h')?.type, 'link');
    assert.equal(byName.get('h')?.linkname, 'g');
    assert.equal(byName.get('l')?.data, 'k-old');
    assert.equal(byName.has('k'), false);

    const roundtrip = path.join(work, 'replaced-roundtrip');
    await applyLayer(Readable.from([bytes]), roundtrip);
    assert.equal(await readFile(path.join(roundtrip, 'h'), 'utf8'), 'old');
    assert.equal(await readFile(path.join(roundtrip, 'f'), 'utf8'), 'new');
  });

  it('a file entry over an existing hard link replaces the name, leaving the other names alone', async () => {
    const target = path.join(work, 'relink');
    await exportToDirectory([await buildTar([file('a', 'shared'), hardlink('b', 'a')]), await buildTar([file('b', 'own')])].map(layerSource), target);
    assert.equal(await readFile(path.join(target, 'a'), 'utf8'), 'shared');
    assert.equal(await readFile(path.join(target, 'b'), 'utf8'), 'own');
  });
});
