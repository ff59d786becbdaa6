/** src/fs/durable.ts, the one atomic-and-durable write every caller uses: what a failure leaves, modes, temp names. */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { after, before, describe, it } from 'node:test';
import { streamToFileAtomic, syncDirectory, TEMP_PREFIX, tempPathBeside, writeFileAtomic, writeStreamAtomic } from '../../../src/fs/durable.js';
import { TEMP_PREFIX as STORAGE_TEMP_PREFIX } from '../../../src/storage/path.js';
import { mountTmpfs, type Tmpfs } from '../../support/tmpfs.js';

describe('durable files', () => {
  let dir: string;
  let n = 0;
  const fresh = async (): Promise<string> => {
    const d = join(dir, `case-${n++}`);
    await mkdir(d);
    return d;
  };
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stowage-durable-'));
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  it('writeFileAtomic replaces the file whole and leaves no temporary file', async () => {
    const d = await fresh();
    const path = join(d, 'index.json');
    await writeFile(path, 'old');
    await writeFileAtomic(path, Buffer.from('new'));
    assert.equal(await readFile(path, 'utf8'), 'new');
    assert.deepEqual(await readdir(d), ['index.json']);
  });

  it('writeFileAtomic with a mode gives that mode whatever the umask, under the temp name asked for', async () => {
    const d = await fresh();
    const path = join(d, 'config.json');
    const before = process.umask(0o277); // would leave 0400 without the chmod
    try {
      await writeFileAtomic(path, Buffer.from('{}'), { temp: join(d, '.config.json.x.tmp'), mode: 0o600 });
    } finally {
      process.umask(before);
    }
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    assert.deepEqual(await readdir(d), ['config.json']);
  });

  it('a stream that fails midway leaves the old file and no temporary file', async () => {
    const d = await fresh();
    const path = join(d, 'blob');
    await writeFile(path, 'old');
    const source = Readable.from([Buffer.from('partial')]);
    const failing = new Transform({
      transform(_chunk, _encoding, callback) {
        callback(new Error('digest mismatch'));
      },
    });
    await assert.rejects(streamToFileAtomic(source, [failing], tempPathBeside(path), path), /digest mismatch/);
    assert.equal(await readFile(path, 'utf8'), 'old');
    assert.deepEqual(await readdir(d), ['blob']);
    assert.ok(source.destroyed, 'the source is destroyed, not left to hold its file open');
  });

  it('writeStreamAtomic: a writer that fails leaves nothing under the name', async () => {
    const d = await fresh();
    const path = join(d, 'export.tar');
    await assert.rejects(
      writeStreamAtomic(path, async (out: Writable) => {
        await new Promise<void>((resolve) => out.write(Buffer.alloc(1000), () => resolve()));
        throw new Error('layer changed');
      }),
      /layer changed/,
    );
    assert.deepEqual(await readdir(d), []);
    await writeStreamAtomic(path, (out) => pipeline(Readable.from([Buffer.from('tar')]), out));
    assert.equal(await readFile(path, 'utf8'), 'tar');
  });

  it('temporary files carry the prefix the leftover sweep and the drivers know', () => {
    assert.equal(TEMP_PREFIX, STORAGE_TEMP_PREFIX);
    const temp = tempPathBeside('/x/y/blobs/sha256/abc');
    assert.ok(temp.startsWith(`/x/y/blobs/sha256/${TEMP_PREFIX}abc-`), temp);
  });

  it('syncDirectory: a missing directory is an error, unless ignoreMissing (the storage driver)', async () => {
    const gone = join(dir, 'never-made');
    await assert.rejects(syncDirectory(gone), { code: 'ENOENT' });
    await syncDirectory(gone, { ignoreMissing: true });
  });
});

describe('durable files on a full disk', () => {
  let fs: Tmpfs;
  before(async () => {
    fs = await mountTmpfs(1 << 20);
  });
  after(async () => fs.unmount());

  it('ENOSPC reaches the caller, and neither the file nor a temporary file is left', async () => {
    const path = join(fs.dir, 'big');
    await assert.rejects(writeFileAtomic(path, Buffer.alloc(2 << 20)), { code: 'ENOSPC' });
    await assert.rejects(
      writeStreamAtomic(path, (out) => pipeline(Readable.from([Buffer.alloc(1 << 20), Buffer.alloc(1 << 20)]), out)),
      { code: 'ENOSPC' },
    );
    assert.deepEqual(await readdir(fs.dir), []);
  });
});
