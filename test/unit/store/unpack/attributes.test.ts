// Attributes (layer.md, "File Attributes") and "Changeset over existing files": modes masked,
// set-id bits only for root, mtimes from the headers, owners only as root, devices only when
// asked for as root; an entry over an existing path of another type replaces it.

import assert from 'node:assert/strict';
import { chmod, lstat, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { entryMode } from '../../../../src/store/unpack/attributes.js';
import { applyLayer } from '../../../../src/store/unpack/index.js';
import { normaliseEntryPath } from '../../../../src/store/unpack/safe-path.js';
import type { TarHeader } from '../../../../src/store/unpack/tar-entries.js';
import { buildTar, dir, file, symlink, type Member } from './layer-tars.js';

const MTIME = new Date('2001-02-03T04:05:06Z');

describe('entry paths and modes', () => {
  it('normalises names lexically and refuses the ones that leave the root', () => {
    const ok: Array<[string, string]> = [
      ['./etc/passwd', 'etc/passwd'],
      ['././a//b/./c/', 'a/b/c'],
      ['a/../b', 'b'],
      ['./', ''],
      ['.', ''],
      ['a\\..\\..\\b', 'a\\..\\..\\b'], // a backslash is a name character on Linux
    ];
    for (const [name, want] of ok) assert.equal(normaliseEntryPath(name), want, name);
    for (const name of ['..', '../a', 'a/../..', '/etc/passwd', './/etc', '//x', 'a\0b']) {
      assert.throws(() => normaliseEntryPath(name), /escapes|absolute|NUL/, name);
    }
  });

  it('masks modes to 0o7777 and drops setuid/setgid unless root', () => {
    const header = { mode: 0o106755 } as TarHeader;
    assert.equal(entryMode(header, { root: false, preserveOwner: false }), 0o755);
    assert.equal(entryMode(header, { root: true, preserveOwner: true }), 0o6755);
    assert.equal(entryMode({ mode: 0o1777 } as TarHeader, { root: false, preserveOwner: false }), 0o1777);
  });
});

describe('applyLayer attributes and replacement', () => {
  let work: string;
  before(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'stowage-attributes-'));
  });
  after(() => rm(work, { recursive: true, force: true }));

  const apply = async (name: string, members: Member[], options = {}) => applyLayer(Readable.from([await buildTar(members)]), path.join(work, name), options);

  it('sets modes and mtimes from the headers, a read-only directory after its children', async () => {
    const result = await apply('modes', [
      { ...dir('ro/', 0o555), mtime: MTIME },
      { ...file('ro/script', '#!/bin/sh\n', 0o750), mtime: MTIME },
      { ...symlink('ro/link', 'script'), mtime: MTIME },
      { ...file('implied/deep/file', 'x', 0o600), mtime: MTIME },
    ]);
    assert.deepEqual(result.skipped, []);
    const root = path.join(work, 'modes');
    const ro = await lstat(path.join(root, 'ro'));
    assert.equal(ro.mode & 0o7777, 0o555);
    assert.equal(ro.mtimeMs, MTIME.getTime());
    const script = await lstat(path.join(root, 'ro/script'));
    assert.equal(script.mode & 0o7777, 0o750);
    assert.equal(script.mtimeMs, MTIME.getTime());
    assert.equal((await lstat(path.join(root, 'ro/link'))).mtimeMs, MTIME.getTime());
    // Directories that only exist because a path needs them: 0o755 whatever the umask.
    assert.equal((await lstat(path.join(root, 'implied'))).mode & 0o7777, 0o755);
    assert.equal((await lstat(path.join(root, 'implied/deep'))).mode & 0o7777, 0o755);
    assert.equal((await lstat(path.join(root, 'implied/deep/file'))).mode & 0o7777, 0o600);
    await chmod(path.join(root, 'ro'), 0o755); // so that an unprivileged run can clean up
  });

  it('keeps setuid as root and sets owners from the headers (root only)', async () => {
    const root = path.join(work, 'owners');
    await apply('owners', [
      { ...file('suid', 'x', 0o4755), uid: 1234, gid: 4321 },
      { ...symlink('l', 'suid'), uid: 1234, gid: 4321 },
    ]);
    const suid = await lstat(path.join(root, 'suid'));
    assert.equal(suid.mode & 0o7777, 0o4755);
    assert.equal(suid.uid, 1234);
    assert.equal(suid.gid, 4321);
    assert.equal((await lstat(path.join(root, 'l'))).uid, 1234);
    await apply('owners-off', [{ ...file('f', 'x'), uid: 1234 }], { preserveOwner: false });
    assert.equal((await lstat(path.join(work, 'owners-off/f'))).uid, 0);
  });

  it('makes device nodes and fifos only with `devices` as root', async () => {
    const members: Member[] = [
      { name: 'dev/null', type: 'character-device', devmajor: 1, devminor: 3, mode: 0o666 },
      { name: 'dev/fifo', type: 'fifo', mode: 0o600 },
    ];
    const result = await apply('devices', members, { devices: true });
    assert.deepEqual(result.skipped, []);
    const nul = await lstat(path.join(work, 'devices/dev/null'));
    assert.ok(nul.isCharacterDevice());
    assert.equal(nul.rdev, (1 << 8) | 3);
    assert.ok((await lstat(path.join(work, 'devices/dev/fifo'))).isFIFO());
    const off = await apply('no-devices', members);
    assert.deepEqual(
      off.skipped.map((s) => s.path),
      ['dev/null', 'dev/fifo'],
    );
  });

  it('replaces a directory with a file, a file with a directory, and merges directory over directory', async () => {
    await apply('replace', [dir('d/'), file('d/child', 'c'), file('f', 'file'), dir('keep/'), file('keep/old', 'old')]);
    const result = await apply('replace', [file('d', 'now a file'), dir('f/'), file('f/inside', 'i'), dir('keep/', 0o700), file('keep/new', 'new')]);
    assert.deepEqual(result.skipped, []);
    const root = path.join(work, 'replace');
    assert.equal(await readFile(path.join(root, 'd'), 'utf8'), 'now a file');
    assert.equal(await readFile(path.join(root, 'f/inside'), 'utf8'), 'i');
    assert.equal(await readFile(path.join(root, 'keep/old'), 'utf8'), 'old');
    assert.equal(await readFile(path.join(root, 'keep/new'), 'utf8'), 'new');
    assert.equal((await lstat(path.join(root, 'keep'))).mode & 0o7777, 0o700);
  });

  it('a directory entry replaced by a symlink later in the layer never gets its attributes through the link', async () => {
    const outside = await mkdtemp(path.join(tmpdir(), 'stowage-attributes-outside-'));
    try {
      const before = await lstat(outside);
      await apply('dir-then-link', [dir('x/', 0o700), symlink('x', outside)]);
      const afterwards = await lstat(outside);
      assert.equal(afterwards.mode, before.mode);
      assert.equal(afterwards.mtimeMs, before.mtimeMs);
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });
});
