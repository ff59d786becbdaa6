/** sweepLeftovers: what a crash or a full disk left is removed once old enough, nothing else. */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LEFTOVER_AGE_MS, sweepLeftovers } from '../../../../src/registry/store/leftovers.js';
import { FilesystemDriver } from '../../../../src/storage/fs/driver.js';
import { MemoryDriver } from '../../../../src/storage/memory/driver.js';

const HEX = (c: string): string => c.repeat(64);

describe('sweepLeftovers (filesystem)', () => {
  let root: string;
  before(async () => (root = await mkdtemp(join(tmpdir(), 'stowage-leftovers-'))));
  after(async () => rm(root, { recursive: true, force: true }));

  const v2 = (...parts: string[]): string => join(root, 'docker/registry/v2', ...parts);
  const old = new Date(Date.now() - 2 * LEFTOVER_AGE_MS);
  const age = async (path: string): Promise<void> => utimes(path, old, old);

  it('removes old temporary entries and data-less blob directories, keeps fresh ones and real blobs', async () => {
    const blobs = v2('blobs/sha256');
    // An old temp file beside a link, an old temp tree (a tag staging directory), a fresh temp file.
    await mkdir(v2('repositories/r/_layers/sha256', HEX('1')), { recursive: true });
    await writeFile(v2('repositories/r/_layers/sha256', HEX('1'), '.stowage-tmp-0011223344556677'), 'partial');
    await age(v2('repositories/r/_layers/sha256', HEX('1'), '.stowage-tmp-0011223344556677'));
    await writeFile(v2('repositories/r/_layers/sha256', HEX('1'), 'link'), `sha256:${HEX('1')}`);
    await mkdir(v2('repositories/r/_manifests/.stowage-tmp-tag-aa/current'), { recursive: true });
    await writeFile(v2('repositories/r/_manifests/.stowage-tmp-tag-aa/current/link'), 'sha256:');
    await age(v2('repositories/r/_manifests/.stowage-tmp-tag-aa'));
    await writeFile(v2('repositories/r/_manifests/.stowage-tmp-fresh'), 'being written');
    // A doomed tree renamed to the root by a delete that was killed before removing it.
    await mkdir(join(root, '.stowage-tmp-deadbeef/a/b'), { recursive: true });
    await age(join(root, '.stowage-tmp-deadbeef'));
    // Blob directories: empty and old; empty and fresh; old with only an old temp file; with data.
    for (const c of ['a', 'b', 'c', 'd']) await mkdir(join(blobs, c + c, HEX(c)), { recursive: true });
    await writeFile(join(blobs, 'cc', HEX('c'), '.stowage-tmp-99'), 'x');
    await age(join(blobs, 'cc', HEX('c'), '.stowage-tmp-99'));
    await writeFile(join(blobs, 'dd', HEX('d'), 'data'), 'real');
    for (const c of ['a', 'c', 'd']) await age(join(blobs, c + c, HEX(c)));

    const removed = await sweepLeftovers(new FilesystemDriver(root), new Date(Date.now() - LEFTOVER_AGE_MS));
    assert.deepEqual(removed, { temporary: 4, emptyBlobDirectories: 2, brokenTags: 0 });
    assert.deepEqual(await readdir(v2('repositories/r/_layers/sha256', HEX('1'))), ['link']);
    assert.deepEqual(await readdir(v2('repositories/r/_manifests')), ['.stowage-tmp-fresh']);
    assert.deepEqual((await readdir(root)).sort(), ['docker']);
    assert.deepEqual(await readdir(join(blobs, 'aa')), []);
    assert.deepEqual(await readdir(join(blobs, 'bb')), [HEX('b')]);
    assert.deepEqual(await readdir(join(blobs, 'cc')), []);
    assert.deepEqual(await readdir(join(blobs, 'dd', HEX('d'))), ['data']);
  });

  it('removes old tag directories whose current/link is missing or torn, keeps sound and fresh ones', async () => {
    const tags = v2('repositories/t/app/_manifests/tags');
    const digest = `sha256:${HEX('e')}`;
    const make = async (tag: string, link: string | undefined, when: Date | undefined): Promise<void> => {
      await mkdir(join(tags, tag, 'index/sha256', HEX('e')), { recursive: true });
      await writeFile(join(tags, tag, 'index/sha256', HEX('e'), 'link'), digest);
      if (link !== undefined) {
        await mkdir(join(tags, tag, 'current'), { recursive: true });
        await writeFile(join(tags, tag, 'current/link'), link);
        if (when) await utimes(join(tags, tag, 'current/link'), when, when);
      }
      if (when) await utimes(join(tags, tag), when, when);
    };
    await make('sound', digest, old);
    await make('no-current', undefined, old);
    await make('torn', 'sha256:e', old);
    await make('dangling', `sha256:${HEX('f')}`, old); // names a manifest that is not there: kept
    await make('new-orphan', undefined, undefined); // distribution may be writing it right now
    await make('being-written', '', undefined);
    const removed = await sweepLeftovers(new FilesystemDriver(root), new Date(Date.now() - LEFTOVER_AGE_MS));
    assert.equal(removed.brokenTags, 2);
    assert.deepEqual((await readdir(tags)).sort(), ['being-written', 'dangling', 'new-orphan', 'sound']);
  });

  it('is a no-op on an empty root', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'stowage-leftovers-empty-'));
    try {
      assert.deepEqual(await sweepLeftovers(new FilesystemDriver(join(empty, 'missing')), new Date()), {
        temporary: 0,
        emptyBlobDirectories: 0,
        brokenTags: 0,
      });
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});

describe('sweepLeftovers (inmemory)', () => {
  it('removes old hidden entries the walk would otherwise not show', async () => {
    const driver = new MemoryDriver();
    await driver.putContent('/docker/registry/v2/repositories/r/_manifests/.stowage-tmp-tag-1/current/link', Buffer.from('x'));
    await driver.putContent('/docker/registry/v2/repositories/r/_manifests/tags/v/current/link', Buffer.from(`sha256:${HEX('7')}`));
    const removed = await sweepLeftovers(driver, new Date(Date.now() + 1000));
    assert.equal(removed.temporary, 1);
    const seen: string[] = [];
    await driver.walk('/', (info) => void (!info.isDirectory && seen.push(info.path)), { temporary: true });
    assert.deepEqual(seen, ['/docker/registry/v2/repositories/r/_manifests/tags/v/current/link']);
  });
});
