/**
 * The filesystem driver under concurrent writes into, and deletes of, the same tree: what a
 * registry sees when a tag or manifest is pushed and deleted at the same time. Found by the
 * fuzzer as 500s (ENOENT from the rename of a temporary file whose directory was deleted and
 * re-created, ENOENT from the fsync of a deleted directory, ENOTDIR from a recursive mkdir,
 * ENOTEMPTY from a removal racing a writer). Any interleaving is acceptable; an internal error
 * is not: deletes may find nothing (PATH_NOT_FOUND), writes must succeed.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { StowageError } from '../../../src/errors/error.js';
import { FilesystemDriver } from '../../../src/storage/fs/driver.js';

describe('filesystem driver: concurrent writes and deletes of one tree', () => {
  let root: string;
  let driver: FilesystemDriver;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'stowage-fs-races-'));
    driver = new FilesystemDriver(root);
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const onlyNotFound = (err: unknown): void => {
    if (err instanceof StowageError && err.code === 'PATH_NOT_FOUND') return;
    throw err;
  };

  it('never fails a putContent, and a delete only with PATH_NOT_FOUND', async () => {
    const tag = '/repositories/x/_manifests/tags/t';
    for (let i = 0; i < 200; i++) {
      await Promise.all([
        driver.putContent(`${tag}/index/sha256/${'a'.repeat(64)}/link`, Buffer.from('a')),
        driver.putContent(`${tag}/current/link`, Buffer.from('b')),
        driver.delete(tag).catch(onlyNotFound),
        driver.putContent(`${tag}/current/link`, Buffer.from('c')),
        driver.delete('/repositories/x/_manifests/tags').catch(onlyNotFound),
        driver.putContent(`${tag}/index/sha256/${'b'.repeat(64)}/link`, Buffer.from('d')),
      ]);
    }
  });

  it('never fails a writer commit or a move racing a delete of the parent', async () => {
    for (let i = 0; i < 200; i++) {
      await Promise.all([
        (async () => {
          const writer = await driver.writer('/up/u1/data', false);
          await writer.write(Buffer.from('data'));
          await writer.commit();
          await driver.move('/up/u1/data', `/blobs/${i % 7}/data`).catch(onlyNotFound);
        })(),
        driver.delete('/up').catch(onlyNotFound),
        driver.delete(`/blobs/${i % 7}`).catch(onlyNotFound),
        driver.putContent('/up/u1/startedat', Buffer.from('now')),
      ]);
    }
  });

  it('leaves no hidden debris of deleted trees behind', async () => {
    const debris: string[] = [];
    const visit = async (dir: string): Promise<void> => {
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        if (entry.name.startsWith('.stowage-tmp-')) debris.push(join(dir, entry.name));
        if (entry.isDirectory()) await visit(join(dir, entry.name));
      }
    };
    await visit(root);
    assert.deepEqual(debris, []);
  });
});
