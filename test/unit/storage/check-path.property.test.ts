/**
 * checkPath, the drivers' last line of defence: whatever a caller gets wrong, no path with a
 * `..`/`.`/empty component, a NUL, or any character outside [A-Za-z0-9._-] reaches a backend;
 * and the filesystem driver, handed hostile paths, never touches anything outside its root.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { StowageError } from '../../../src/errors/error.js';
import { FilesystemDriver } from '../../../src/storage/fs/driver.js';
import { MemoryDriver } from '../../../src/storage/memory/driver.js';
import { checkPath } from '../../../src/storage/path.js';

const SAFE = /^[A-Za-z0-9._-]+$/;

function refused(path: unknown): boolean {
  try {
    checkPath(path as string);
    return false;
  } catch (err) {
    assert.ok(err instanceof StowageError && err.code === 'PATH_INVALID', `checkPath threw ${String(err)}`);
    return true;
  }
}

const goodComponent = fc.stringMatching(/^[A-Za-z0-9_-][A-Za-z0-9._-]{0,20}$/).filter((c) => c !== '.' && c !== '..');
const badComponent = fc.oneof(
  fc.constantFrom(
    '',
    '.',
    '..',
    '\u0000',
    'a\u0000',
    '..\u0000',
    'a b',
    'a\\b',
    '\\',
    '%2e%2e',
    'é',
    '🐳',
    '\uff0e\uff0e',
    'a:b',
    'C:',
    '~',
    '*',
    '?',
    '\n',
    '\r',
    '\t',
  ),
  // No '/': a bad component must stay one component.
  fc.string({ maxLength: 8 }).filter((c) => !c.includes('/') && (!SAFE.test(c) || c === '.' || c === '..')),
);
/** Good components with at least one bad one somewhere. */
const hostilePath = fc
  .record({ before: fc.array(goodComponent, { maxLength: 4 }), bad: badComponent, after: fc.array(goodComponent, { maxLength: 4 }) })
  .map(({ before, bad, after }) => `/${[...before, bad, ...after].join('/')}`)
  // An empty component alone is the root, `/`, which is valid.
  .filter((path) => path !== '/');

describe('checkPath refuses hostile paths', () => {
  it('refuses any path with a `..`, `.`, empty, NUL or non-[A-Za-z0-9._-] component', () => {
    fc.assert(
      fc.property(hostilePath, (path) => {
        assert.ok(refused(path), JSON.stringify(path));
      }),
      { numRuns: 10_000 },
    );
  });

  it('refuses relative paths, trailing and doubled slashes, and overlong paths', () => {
    for (const path of ['', 'a', 'a/b', './a', '../a', '//', '/a/', '/a//b', '//a', `/${'a/'.repeat(3000)}a`, ' /a', '\\a', 'C:\\a']) {
      assert.ok(refused(path), JSON.stringify(path));
    }
    fc.assert(
      fc.property(fc.array(goodComponent, { minLength: 1, maxLength: 5 }), (components) => {
        const path = components.join('/');
        assert.ok(refused(path), 'relative');
        assert.ok(refused(`/${path}/`), 'trailing slash');
        assert.ok(refused(`/${components.join('//')}`) || components.length === 1, 'doubled slash');
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses non-strings with PATH_INVALID, not a TypeError', () => {
    for (const value of [undefined, null, 1, {}, [], ['/a'], new String('/a'), Symbol.iterator]) assert.ok(refused(value));
  });

  it('throws nothing but PATH_INVALID for arbitrary strings, and what it accepts is made of safe components', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 100 }),
          fc.string({ unit: 'binary', maxLength: 100 }).map((s) => `/${s}`),
          hostilePath,
        ),
        (path) => {
          if (refused(path)) return;
          const components = checkPath(path);
          assert.equal(`/${components.join('/')}`, path === '/' ? '/' : path);
          for (const c of components) assert.ok(SAFE.test(c) && c !== '.' && c !== '..', JSON.stringify(path));
        },
      ),
      { numRuns: 10_000 },
    );
  });

  it('accepts paths of safe components, returning them', () => {
    fc.assert(
      fc.property(fc.array(goodComponent, { maxLength: 8 }), (components) => {
        assert.deepEqual(checkPath(`/${components.join('/')}`), components.length === 0 ? [] : components);
      }),
    );
  });
});

describe('drivers handed hostile paths', () => {
  let sandbox: string;
  let root: string;
  before(async () => {
    sandbox = await mkdtemp(join(tmpdir(), 'stowage-checkpath-'));
    root = join(sandbox, 'root');
  });
  after(async () => {
    await rm(sandbox, { recursive: true, force: true });
  });

  it('refuse every operation with PATH_INVALID and write nothing outside the root (filesystem and memory)', async () => {
    const drivers = [new FilesystemDriver(root), new MemoryDriver()];
    await fc.assert(
      fc.asyncProperty(hostilePath, async (path) => {
        for (const driver of drivers) {
          const attempts: Array<() => Promise<unknown>> = [
            () => driver.putContent(path, Buffer.from('x')),
            () => driver.getContent(path),
            () => driver.stat(path),
            () => driver.list(path),
            () => driver.delete(path),
            () => driver.writer(path, true),
            () => driver.reader(path),
            () => driver.move('/safe/source', path),
            () => driver.move(path, '/safe/destination'),
            () => driver.walk(path, () => undefined),
          ];
          for (const attempt of attempts) {
            await assert.rejects(
              attempt(),
              (err: unknown) => err instanceof StowageError && err.code === 'PATH_INVALID',
              `${driver.name} ${JSON.stringify(path)}`,
            );
          }
        }
      }),
      { numRuns: 300 },
    );
    // The sandbox holds the root at most (created lazily), and the root holds nothing.
    const entries = await readdir(sandbox);
    assert.ok(entries.length === 0 || (entries.length === 1 && entries[0] === 'root'), entries.join(','));
    if (entries.length === 1) assert.deepEqual(await readdir(root), []);
  });
});
