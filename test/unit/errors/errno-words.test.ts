// Failed file operations in words: the cause and the path the user gave, never a bare errno.
// Real errors from the file system where one can be made here, synthetic ones for the rest.

import assert from 'node:assert/strict';
import { mkdir, mkdtemp, open, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { errnoMessage, forgetNamedPaths, namePath, systemError } from '../../../src/errors/errno-words.js';

async function failure(work: () => Promise<unknown>): Promise<unknown> {
  try {
    await work();
  } catch (err) {
    return err;
  }
  throw new Error('expected a failure');
}

describe('errnoMessage', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stowage-errno-'));
    await writeFile(join(dir, 'a-file'), 'x');
    await mkdir(join(dir, 'a-dir'));
  });
  after(() => rm(dir, { recursive: true, force: true }));
  afterEach(() => forgetNamedPaths());

  it('ENOTDIR names the file in the way, and the flag that named the path', async () => {
    const root = join(dir, 'a-file');
    const err = await failure(() => mkdir(join(root, 'stowage'), { recursive: true }));
    assert.equal(errnoMessage(err), `${join(root, 'stowage')}: not a directory (${root} is a file)`);
    namePath(root, { label: `--root ${root}`, noun: 'the store root' });
    assert.equal(errnoMessage(err), `--root ${root}: not a directory (it is a file)`);
    const below = join(root, 'sub');
    forgetNamedPaths();
    namePath(below, { label: `--root ${below}` });
    assert.equal(errnoMessage(await failure(() => mkdir(join(below, 'stowage'), { recursive: true }))), `--root ${below}: not a directory (${root} is a file)`);
  });

  it('ENOENT: does not exist, with the flag', async () => {
    const missing = join(dir, 'missing.tar');
    namePath(missing, { label: `load -i ${missing}`, expected: 'an archive file' });
    assert.equal(errnoMessage(await failure(() => open(missing, 'r'))), `load -i ${missing}: does not exist`);
  });

  it('EISDIR says what was expected; rename reports its target, not the temp name', async () => {
    const target = join(dir, 'a-dir');
    namePath(target, { label: `save -o ${target}`, expected: 'a file name for the archive' });
    await writeFile(join(dir, '.tmp-x'), 'x');
    const err = await failure(() => rename(join(dir, '.tmp-x'), target));
    assert.equal((err as NodeJS.ErrnoException).code, 'EISDIR');
    assert.equal(errnoMessage(err), `save -o ${target}: is a directory, expected a file name for the archive`);
    assert.equal(errnoMessage(systemError('EISDIR', 'open', target)), `save -o ${target}: is a directory, expected a file name for the archive`);
  });

  it('EROFS, ENOSPC, EACCES under a named root: the root, and the file in brackets', () => {
    const root = join(dir, 'root');
    namePath(root, { label: `--root ${root}`, noun: 'the store root' });
    const lock = join(root, 'stowage', 'lock.lock');
    assert.equal(errnoMessage(systemError('EROFS', 'mkdir', lock)), `--root ${root}: the store root is on a read-only file system (${lock})`);
    assert.equal(errnoMessage(systemError('ENOSPC', 'write', lock)), `--root ${root}: no space left on device (${lock})`);
    assert.equal(errnoMessage(systemError('EACCES', 'open', root)), `--root ${root}: permission denied`);
    assert.equal(errnoMessage(systemError('ENOSPC', 'write', '/elsewhere/x')), '/elsewhere/x: no space left on device');
  });

  it('leaves alone what is not a file-system error', () => {
    assert.equal(errnoMessage(new Error('plain')), undefined);
    assert.equal(errnoMessage(Object.assign(new Error('getaddrinfo ENOTFOUND x'), { code: 'ENOTFOUND', syscall: 'getaddrinfo' })), undefined);
    assert.equal(errnoMessage(Object.assign(new Error('zlib'), { code: 'Z_DATA_ERROR' })), undefined);
    assert.equal(errnoMessage('text'), undefined);
  });
});
