import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { FilesystemDriver } from '../../../src/storage/fs/driver.js';
import { runDriverSuite, walkPaths } from './driver-suite.js';

async function freshRoot(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'stowage-fs-driver-'));
}

runDriverSuite('filesystem', async () => {
  const root = await freshRoot();
  return { driver: new FilesystemDriver(root), cleanup: () => rm(root, { recursive: true, force: true }) };
});

describe('FilesystemDriver on disk', () => {
  let root: string;
  let driver: FilesystemDriver;

  beforeEach(async () => {
    root = await freshRoot();
    driver = new FilesystemDriver(root);
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('stores /a/b at <root>/a/b', async () => {
    await driver.putContent('/a/b', Buffer.from('on disk'));
    assert.equal(await readFile(join(root, 'a', 'b'), 'utf8'), 'on disk');
  });

  it('hides in-flight temp files from list and walk', async () => {
    await driver.putContent('/a/x', Buffer.from('x'));
    await writeFile(join(root, 'a', '.stowage-tmp-0123456789abcdef'), 'partial');
    await mkdir(join(root, 'a', '.stowage-tmp-dir'));
    assert.deepEqual(await driver.list('/a'), ['/a/x']);
    assert.deepEqual(await walkPaths(driver, '/'), ['/a', '/a/x']);
  });

  it('leaves no temp file behind after putContent, even a failed one', async () => {
    for (let i = 0; i < 5; i++) await driver.putContent('/a/b', Buffer.from(`version ${i}`));
    assert.deepEqual(await readdir(join(root, 'a')), ['b']);

    await mkdir(join(root, 'd', 'dir'), { recursive: true });
    await assert.rejects(driver.putContent('/d/dir', Buffer.from('over a directory')));
    assert.deepEqual(await readdir(join(root, 'd')), ['dir']);
  });

  it('deletes by renaming to the root: nothing hidden ever shows in the parent (distribution lists it)', async () => {
    await driver.putContent('/r/tags/a/current/link', Buffer.from('x'));
    await driver.putContent('/r/tags/b/current/link', Buffer.from('y'));
    await driver.delete('/r/tags/a');
    assert.deepEqual(await readdir(join(root, 'r', 'tags')), ['b']);
    assert.deepEqual(await readdir(root), ['r']);
  });

  it('cancel removes the file from disk', async () => {
    const writer = await driver.writer('/up/data', false);
    await writer.write(Buffer.from('x'));
    await writer.cancel();
    assert.deepEqual(await readdir(join(root, 'up')), []);
  });
});
