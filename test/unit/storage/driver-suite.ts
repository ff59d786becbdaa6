import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { ErrorCode } from '../../../src/errors/error.js';
import { isStowageError } from '../../../src/errors/error.js';
import type { FileInfo, StorageDriver } from '../../../src/storage/driver.js';

export type DriverFactory = () => Promise<{ driver: StorageDriver; cleanup: () => Promise<void> }>;

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

export async function rejectsWith(promise: Promise<unknown>, code: ErrorCode): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(isStowageError(err, code), `expected ${code}, got ${String(err)}`);
    return true;
  });
}

export async function walkPaths(driver: StorageDriver, path: string, skip: (info: FileInfo) => boolean = () => false): Promise<string[]> {
  const seen: string[] = [];
  await driver.walk(path, (info) => {
    seen.push(info.path);
    return !skip(info);
  });
  return seen;
}

const INVALID_PATHS = ['relative', '/a/../b', '/a/./b', '/a//b', '/a/b\u0000', '/a/%2e%2e', '/a b', '/a/', '', '/..'];

/**
 * `objectStore`: keys, not directories (S3): a file may share its path with a directory, and a
 * move is a copy, so a moved file's time is the move's. Everything else holds for every driver.
 */
export function runDriverSuite(name: string, makeDriver: DriverFactory, kind: { objectStore?: boolean } = {}): void {
  describe(`storage driver conformance: ${name}`, () => {
    let driver: StorageDriver;
    let cleanup: () => Promise<void>;

    beforeEach(async () => {
      ({ driver, cleanup } = await makeDriver());
    });
    afterEach(async () => {
      await cleanup();
    });

    describe('getContent / putContent', () => {
      it('round-trips binary content and creates parents', async () => {
        const bytes = Buffer.from(Array.from({ length: 512 }, (_, i) => i % 256));
        await driver.putContent('/a/b/c', bytes);
        assert.deepEqual(await driver.getContent('/a/b/c'), bytes);
        assert.equal((await driver.stat('/a/b')).isDirectory, true);
      });

      it('stores an empty file', async () => {
        await driver.putContent('/empty', new Uint8Array(0));
        assert.equal((await driver.getContent('/empty')).length, 0);
        assert.equal((await driver.stat('/empty')).size, 0);
      });

      it('overwrites with shorter content', async () => {
        await driver.putContent('/f', Buffer.from('a much longer first version'));
        await driver.putContent('/f', Buffer.from('short'));
        assert.equal((await driver.getContent('/f')).toString(), 'short');
      });

      it('keeps its own copy of the caller’s bytes', async () => {
        const bytes = Buffer.from('original');
        await driver.putContent('/f', bytes);
        bytes.fill(0);
        assert.equal((await driver.getContent('/f')).toString(), 'original');
      });

      it('reports PATH_NOT_FOUND for a missing file, a directory, and a path under a file', async () => {
        await driver.putContent('/dir/file', Buffer.from('x'));
        await rejectsWith(driver.getContent('/missing'), 'PATH_NOT_FOUND');
        await rejectsWith(driver.getContent('/dir'), 'PATH_NOT_FOUND');
        await rejectsWith(driver.getContent('/dir/file/below'), 'PATH_NOT_FOUND');
      });

      if (kind.objectStore === true) {
        it('lets a file and a directory share a path, neither replacing the other (keys, not directories)', async () => {
          await driver.putContent('/dir/file', Buffer.from('x'));
          await driver.putContent('/dir/file/below', Buffer.from('y'));
          await driver.putContent('/dir', Buffer.from('z'));
          assert.equal((await driver.getContent('/dir/file')).toString(), 'x');
          assert.equal((await driver.getContent('/dir/file/below')).toString(), 'y');
          assert.equal((await driver.getContent('/dir')).toString(), 'z');
          assert.deepEqual(await driver.list('/dir'), ['/dir/file']);
        });
      } else {
        it('refuses to put a file under a file or over a directory', async () => {
          await driver.putContent('/dir/file', Buffer.from('x'));
          await assert.rejects(driver.putContent('/dir/file/below', Buffer.from('y')));
          await assert.rejects(driver.putContent('/dir', Buffer.from('y')));
          assert.equal((await driver.getContent('/dir/file')).toString(), 'x');
        });
      }
    });

    describe('reader', () => {
      const content = Buffer.from('0123456789');
      beforeEach(async () => {
        await driver.putContent('/r', content);
      });

      it('reads the whole file by default', async () => {
        assert.deepEqual(await readAll(await driver.reader('/r')), content);
      });

      it('starts at an offset', async () => {
        assert.equal((await readAll(await driver.reader('/r', { offset: 4 }))).toString(), '456789');
      });

      it('stops at an inclusive end, clamped to the file', async () => {
        assert.equal((await readAll(await driver.reader('/r', { offset: 2, end: 4 }))).toString(), '234');
        assert.equal((await readAll(await driver.reader('/r', { end: 0 }))).toString(), '0');
        assert.equal((await readAll(await driver.reader('/r', { offset: 8, end: 100 }))).toString(), '89');
      });

      it('gives an empty stream at the end of the file and for an empty file', async () => {
        assert.equal((await readAll(await driver.reader('/r', { offset: 10 }))).length, 0);
        await driver.putContent('/empty', new Uint8Array(0));
        assert.equal((await readAll(await driver.reader('/empty'))).length, 0);
      });

      it('rejects impossible ranges with RANGE_INVALID', async () => {
        await rejectsWith(driver.reader('/r', { offset: 11 }), 'RANGE_INVALID');
        await rejectsWith(driver.reader('/r', { offset: -1 }), 'RANGE_INVALID');
        await rejectsWith(driver.reader('/r', { offset: 1.5 }), 'RANGE_INVALID');
        await rejectsWith(driver.reader('/r', { offset: 5, end: 2 }), 'RANGE_INVALID');
      });

      it('rejects (not emits) PATH_NOT_FOUND', async () => {
        await rejectsWith(driver.reader('/missing'), 'PATH_NOT_FOUND');
        await rejectsWith(driver.reader('/missing', { offset: 3 }), 'PATH_NOT_FOUND');
        await driver.putContent('/d/f', Buffer.from('x'));
        await rejectsWith(driver.reader('/d'), 'PATH_NOT_FOUND');
      });
    });

    describe('writer', () => {
      it('writes buffers and iterables, counting bytes, and creates parents', async () => {
        const writer = await driver.writer('/up/load/data', false);
        assert.equal(writer.size, 0);
        assert.equal(await writer.write(Buffer.from('hello ')), 6);
        assert.equal(await writer.write(Readable.from([Buffer.from('wor'), Buffer.from('ld')])), 5);
        assert.equal(
          await writer.write(
            (async function* () {
              yield new Uint8Array([33]);
            })(),
          ),
          1,
        );
        assert.equal(writer.size, 12);
        await writer.commit();
        assert.equal((await driver.getContent('/up/load/data')).toString(), 'hello world!');
        assert.equal((await driver.stat('/up/load/data')).size, 12);
      });

      it('appends across two writer instances, reporting the whole size', async () => {
        const first = await driver.writer('/resume', false);
        await first.write(Buffer.from('abc'));
        await first.close();
        assert.equal((await driver.getContent('/resume')).toString(), 'abc');

        const second = await driver.writer('/resume', true);
        assert.equal(second.size, 3);
        await second.write(Buffer.from('def'));
        assert.equal(second.size, 6);
        await second.commit();
        assert.equal((await driver.getContent('/resume')).toString(), 'abcdef');
      });

      it('appending to a missing file creates it', async () => {
        const writer = await driver.writer('/new/file', true);
        assert.equal(writer.size, 0);
        await writer.write(Buffer.from('x'));
        await writer.commit();
        assert.equal((await driver.getContent('/new/file')).toString(), 'x');
      });

      it('truncates without append', async () => {
        await driver.putContent('/t', Buffer.from('old content'));
        const writer = await driver.writer('/t', false);
        assert.equal(writer.size, 0);
        assert.equal((await driver.stat('/t')).size, 0);
        await writer.write(Buffer.from('new'));
        await writer.commit();
        assert.equal((await driver.getContent('/t')).toString(), 'new');
      });

      it('cancel deletes the file', async () => {
        const writer = await driver.writer('/c/file', false);
        await writer.write(Buffer.from('doomed'));
        await writer.cancel();
        await rejectsWith(driver.stat('/c/file'), 'PATH_NOT_FOUND');
      });

      it('refuses writes after commit, close or cancel', async () => {
        for (const finish of ['commit', 'close', 'cancel'] as const) {
          const writer = await driver.writer(`/w-${finish}`, false);
          await writer.write(Buffer.from('x'));
          await writer[finish]();
          await assert.rejects(writer.write(Buffer.from('y')), `write after ${finish}`);
          await assert.rejects(writer.commit(), `commit after ${finish}`);
        }
        assert.equal((await driver.getContent('/w-commit')).toString(), 'x');
        assert.equal((await driver.getContent('/w-close')).toString(), 'x');
      });

      it('propagates a failing source and stays appendable with the bytes that arrived', async () => {
        const writer = await driver.writer('/failing', false);
        const source = (async function* () {
          yield Buffer.from('partial');
          throw new Error('source broke');
        })();
        await assert.rejects(writer.write(source), /source broke/);
        assert.equal(writer.size, 7);
        await writer.write(Buffer.from('+more'));
        await writer.commit();
        assert.equal((await driver.getContent('/failing')).toString(), 'partial+more');
      });
    });

    describe('stat', () => {
      it('describes files and directories', async () => {
        const before = Date.now();
        await driver.putContent('/s/file', Buffer.from('12345'));
        const file = await driver.stat('/s/file');
        assert.equal(file.path, '/s/file');
        assert.equal(file.size, 5);
        assert.equal(file.isDirectory, false);
        assert.ok(file.modTime instanceof Date);
        assert.ok(Math.abs(file.modTime.getTime() - before) < 60_000);

        const dir = await driver.stat('/s');
        assert.equal(dir.path, '/s');
        assert.equal(dir.isDirectory, true);
        assert.equal((await driver.stat('/')).isDirectory, true);
      });

      it('reports PATH_NOT_FOUND', async () => {
        await rejectsWith(driver.stat('/nothing'), 'PATH_NOT_FOUND');
        await driver.putContent('/file', Buffer.from('x'));
        await rejectsWith(driver.stat('/file/below'), 'PATH_NOT_FOUND');
      });
    });

    describe('list', () => {
      it('lists direct children as full paths in code-unit order', async () => {
        for (const child of ['b', 'a', 'B', 'a-b', 'a.b', '_x', '0', 'sub/deep/file']) {
          await driver.putContent(`/l/${child}`, Buffer.from(child));
        }
        const expected = ['b', 'a', 'B', 'a-b', 'a.b', '_x', '0', 'sub'].sort().map((n) => `/l/${n}`);
        assert.deepEqual(await driver.list('/l'), expected);
        assert.deepEqual(await driver.list('/l/sub'), ['/l/sub/deep']);
        assert.deepEqual(await driver.list('/'), ['/l']);
      });

      it('reports PATH_NOT_FOUND for a missing directory or a file', async () => {
        await rejectsWith(driver.list('/missing'), 'PATH_NOT_FOUND');
        await driver.putContent('/file', Buffer.from('x'));
        await rejectsWith(driver.list('/file'), 'PATH_NOT_FOUND');
      });
    });

    describe('move', () => {
      it('moves a file, creating destination parents', async () => {
        await driver.putContent('/src', Buffer.from('payload'));
        await driver.move('/src', '/deep/er/dst');
        assert.equal((await driver.getContent('/deep/er/dst')).toString(), 'payload');
        await rejectsWith(driver.stat('/src'), 'PATH_NOT_FOUND');
      });

      it('replaces an existing destination', async () => {
        await driver.putContent('/src', Buffer.from('new'));
        await driver.putContent('/dst', Buffer.from('old and longer'));
        await driver.move('/src', '/dst');
        assert.equal((await driver.getContent('/dst')).toString(), 'new');
        assert.deepEqual(await driver.list('/'), ['/dst']);
      });

      it('moves a committed writer’s file', async () => {
        const writer = await driver.writer('/uploads/u1/data', false);
        await writer.write(Buffer.from('blob'));
        await writer.commit();
        await driver.move('/uploads/u1/data', '/blobs/ab/data');
        assert.equal((await driver.getContent('/blobs/ab/data')).toString(), 'blob');
      });

      it('reports PATH_NOT_FOUND for a missing source, leaving no destination parents', async () => {
        await rejectsWith(driver.move('/missing', '/x/y'), 'PATH_NOT_FOUND');
        await rejectsWith(driver.stat('/x'), 'PATH_NOT_FOUND');
      });

      it('moves a directory whole, but never over one that holds anything (PATH_EXISTS, source kept)', async () => {
        await driver.putContent('/stage/current/link', Buffer.from('a'));
        await driver.putContent('/stage/index/x/link', Buffer.from('a'));
        await driver.move('/stage', '/tags/t1');
        assert.deepEqual(await walkPaths(driver, '/tags'), [
          '/tags/t1',
          '/tags/t1/current',
          '/tags/t1/current/link',
          '/tags/t1/index',
          '/tags/t1/index/x',
          '/tags/t1/index/x/link',
        ]);
        await rejectsWith(driver.stat('/stage'), 'PATH_NOT_FOUND');
        await driver.putContent('/stage2/current/link', Buffer.from('b'));
        await rejectsWith(driver.move('/stage2', '/tags/t1'), 'PATH_EXISTS');
        assert.equal((await driver.getContent('/stage2/current/link')).toString(), 'b');
        assert.equal((await driver.getContent('/tags/t1/current/link')).toString(), 'a');
      });
    });

    describe('delete', () => {
      it('deletes a file, leaving its siblings', async () => {
        await driver.putContent('/d/one', Buffer.from('1'));
        await driver.putContent('/d/two', Buffer.from('2'));
        await driver.delete('/d/one');
        await rejectsWith(driver.stat('/d/one'), 'PATH_NOT_FOUND');
        assert.deepEqual(await driver.list('/d'), ['/d/two']);
      });

      it('deletes a directory tree', async () => {
        await driver.putContent('/tree/a/b/c', Buffer.from('c'));
        await driver.putContent('/tree/d', Buffer.from('d'));
        await driver.putContent('/keep', Buffer.from('k'));
        await driver.delete('/tree');
        await rejectsWith(driver.stat('/tree'), 'PATH_NOT_FOUND');
        await rejectsWith(driver.getContent('/tree/a/b/c'), 'PATH_NOT_FOUND');
        assert.deepEqual(await driver.list('/'), ['/keep']);
      });

      it('reports PATH_NOT_FOUND and refuses the root', async () => {
        await rejectsWith(driver.delete('/missing'), 'PATH_NOT_FOUND');
        await rejectsWith(driver.delete('/'), 'PATH_INVALID');
      });
    });

    describe('touch / removeEmptyDirectory', () => {
      it("touch sets a file's time to now, keeps its content, and says false for a missing file", async () => {
        await driver.putContent('/t/file', Buffer.from('x'));
        const before = (await driver.stat('/t/file')).modTime.getTime();
        await new Promise((resolve) => setTimeout(resolve, kind.objectStore === true ? 1100 : 20));
        assert.equal(await driver.touch('/t/file'), true);
        assert.ok((await driver.stat('/t/file')).modTime.getTime() > before);
        assert.equal((await driver.getContent('/t/file')).toString(), 'x');
        assert.equal(await driver.touch('/t/missing'), false);
      });

      it(
        kind.objectStore === true
          ? "a moved file's time is the move's (a copy), and the driver says so"
          : 'a moved file keeps its time (garbage collection reads a use that touched it before the move)',
        async () => {
          assert.equal(driver.movesKeepTime, kind.objectStore !== true);
          await driver.putContent('/m/file', Buffer.from('x'));
          const time = (await driver.stat('/m/file')).modTime.getTime();
          // Object stores keep whole seconds.
          await new Promise((resolve) => setTimeout(resolve, kind.objectStore === true ? 1100 : 20));
          await driver.move('/m/file', '/m/.stowage-tmp-gc-file');
          const moved = (await driver.stat('/m/.stowage-tmp-gc-file')).modTime.getTime();
          if (kind.objectStore === true) assert.ok(moved > time, `${moved} after ${time}`);
          else assert.equal(moved, time);
        },
      );

      it('removeEmptyDirectory leaves a directory that holds anything', async () => {
        await driver.putContent('/e/full/file', Buffer.from('x'));
        assert.equal(await driver.removeEmptyDirectory('/e/full'), false);
        assert.equal((await driver.getContent('/e/full/file')).toString(), 'x');
        assert.equal(await driver.removeEmptyDirectory('/e/missing'), false);
        await driver.delete('/e/full/file');
        await driver.removeEmptyDirectory('/e/full');
        await rejectsWith(driver.stat('/e/full/file'), 'PATH_NOT_FOUND');
        assert.ok(!(await driver.list('/e').catch((): string[] => [])).includes('/e/full'), 'the empty directory is gone');
      });
    });

    describe('walk', () => {
      beforeEach(async () => {
        for (const file of ['/w/b', '/w/a/y/z', '/w/a-b', '/w/a/x', '/w/A', '/other']) {
          await driver.putContent(file, Buffer.from(file));
        }
      });

      it('visits depth-first in lexical order, excluding the start', async () => {
        assert.deepEqual(await walkPaths(driver, '/w'), ['/w/A', '/w/a', '/w/a/x', '/w/a/y', '/w/a/y/z', '/w/a-b', '/w/b']);
        assert.deepEqual((await walkPaths(driver, '/')).slice(0, 2), ['/other', '/w']);
      });

      it('skips a directory’s subtree when visit returns false', async () => {
        const seen = await walkPaths(driver, '/w', (info) => info.path === '/w/a');
        assert.deepEqual(seen, ['/w/A', '/w/a', '/w/a-b', '/w/b']);
      });

      it('awaits async visits and reports sizes and kinds', async () => {
        const infos: FileInfo[] = [];
        await driver.walk('/w/a', async (info) => {
          await new Promise((resolve) => setImmediate(resolve));
          infos.push(info);
          return info.path !== '/w/a/y';
        });
        assert.deepEqual(
          infos.map((i) => [i.path, i.isDirectory, i.isDirectory ? 0 : i.size]),
          [
            ['/w/a/x', false, '/w/a/x'.length],
            ['/w/a/y', true, 0],
          ],
        );
      });

      it('reports PATH_NOT_FOUND', async () => {
        await rejectsWith(
          driver.walk('/missing', () => undefined),
          'PATH_NOT_FOUND',
        );
      });

      it('visits .stowage-tmp- entries too when asked (the leftover sweep)', async () => {
        await driver.putContent('/h/x', Buffer.from('x'));
        await driver.putContent('/h/.stowage-tmp-0a1b', Buffer.from('partial'));
        await driver.putContent('/h/.stowage-tmp-dir/inner', Buffer.from('partial'));
        const seen: string[] = [];
        await driver.walk('/h', (info) => void seen.push(info.path), { temporary: true });
        assert.deepEqual(seen, ['/h/.stowage-tmp-0a1b', '/h/.stowage-tmp-dir', '/h/.stowage-tmp-dir/inner', '/h/x']);
      });

      it('hides .stowage-tmp- entries from list and walk, but not their directories', async () => {
        await driver.putContent('/h/x', Buffer.from('x'));
        await driver.putContent('/h/.stowage-tmp-0a1b', Buffer.from('partial'));
        await driver.putContent('/h/.stowage-tmp-dir/inner', Buffer.from('partial'));
        await driver.putContent('/only-tmp/.stowage-tmp-0a1b', Buffer.from('partial'));
        assert.deepEqual(await driver.list('/h'), ['/h/x']);
        assert.deepEqual(await driver.list('/only-tmp'), []);
        const infos: FileInfo[] = [];
        await driver.walk('/', (info) => void infos.push(info));
        assert.deepEqual(
          infos.filter((i) => !i.path.startsWith('/w') && i.path !== '/other').map((i) => [i.path, i.isDirectory]),
          [
            ['/h', true],
            ['/h/x', false],
            ['/only-tmp', true],
          ],
        );
      });
    });

    describe('path checking', () => {
      for (const bad of INVALID_PATHS) {
        it(`refuses ${JSON.stringify(bad)} in every method`, async () => {
          await driver.putContent('/ok', Buffer.from('x'));
          const calls: [string, () => Promise<unknown>][] = [
            ['getContent', () => driver.getContent(bad)],
            ['putContent', () => driver.putContent(bad, Buffer.from('x'))],
            ['reader', () => driver.reader(bad)],
            ['writer', () => driver.writer(bad, false)],
            ['stat', () => driver.stat(bad)],
            ['list', () => driver.list(bad)],
            ['move source', () => driver.move(bad, '/dst')],
            ['move destination', () => driver.move('/ok', bad)],
            ['delete', () => driver.delete(bad)],
            ['walk', () => driver.walk(bad, () => undefined)],
          ];
          for (const [method, call] of calls) {
            await assert.rejects(call(), (err: unknown) => isStowageError(err, 'PATH_INVALID'), method);
          }
          assert.equal((await driver.getContent('/ok')).toString(), 'x');
        });
      }
    });

    describe('concurrency', () => {
      it('20 concurrent moves onto one destination all succeed', async () => {
        const sources = Array.from({ length: 20 }, (_, i) => `/staging/s${i}/data`);
        await Promise.all(sources.map((s, i) => driver.putContent(s, Buffer.from(`content ${i}`))));
        await Promise.all(sources.map((s) => driver.move(s, '/final/blob/data')));
        assert.match((await driver.getContent('/final/blob/data')).toString(), /^content \d+$/);
        for (const s of sources) await rejectsWith(driver.stat(s), 'PATH_NOT_FOUND');
      });

      it('20 concurrent putContent to one path never tear, even for concurrent readers', async () => {
        const size = 256 * 1024;
        await driver.putContent('/hot/file', Buffer.alloc(size, 255));
        const reads: Promise<Buffer>[] = [];
        const writes = Array.from({ length: 20 }, (_, i) => {
          reads.push(driver.getContent('/hot/file'));
          return driver.putContent('/hot/file', Buffer.alloc(size, i));
        });
        await Promise.all(writes);
        for (const content of [...(await Promise.all(reads)), await driver.getContent('/hot/file')]) {
          assert.equal(content.length, size);
          const first = content[0];
          assert.ok(
            content.every((byte) => byte === first),
            'torn content',
          );
        }
        assert.deepEqual(await driver.list('/hot'), ['/hot/file']);
      });

      it('creates one new parent for many concurrent writes', async () => {
        await Promise.all(
          Array.from({ length: 50 }, (_, i) =>
            i % 2 === 0
              ? driver.putContent(`/fresh/parent/f${i}`, Buffer.from(`${i}`))
              : driver.writer(`/fresh/parent/f${i}`, false).then((w) => w.write(Buffer.from(`${i}`)).then(() => w.commit())),
          ),
        );
        assert.equal((await driver.list('/fresh/parent')).length, 50);
      });
    });

    describe('streaming', () => {
      it('writes ~64 MiB from an async generator and reads back the same sha256', async () => {
        const chunkSize = 1 << 20;
        const chunks = 64;
        const block = randomBytes(chunkSize);
        const written = createHash('sha256');
        async function* produce(): AsyncGenerator<Uint8Array> {
          for (let i = 0; i < chunks; i++) {
            // A fresh buffer per chunk with distinct bytes, so misordered chunks change the hash.
            const chunk = Buffer.from(block);
            chunk.writeUInt32BE(i, 0);
            // An odd tail makes the total not a multiple of any buffer size.
            const piece = i === chunks - 1 ? chunk.subarray(0, 12345) : chunk;
            written.update(piece);
            yield piece;
          }
        }
        const total = (chunks - 1) * chunkSize + 12345;

        const writer = await driver.writer('/big/data', false);
        assert.equal(await writer.write(produce()), total);
        assert.equal(writer.size, total);
        await writer.commit();
        assert.equal((await driver.stat('/big/data')).size, total);

        const read = createHash('sha256');
        let readBytes = 0;
        for await (const chunk of await driver.reader('/big/data')) {
          read.update(chunk as Buffer);
          readBytes += (chunk as Buffer).length;
        }
        assert.equal(readBytes, total);
        assert.equal(read.digest('hex'), written.digest('hex'));

        const tail = await readAll(await driver.reader('/big/data', { offset: total - 10 }));
        assert.deepEqual(tail, block.subarray(12335, 12345));
      });
    });
  });
}
