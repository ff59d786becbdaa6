// encode → decode is the identity for any header src/tar can write: names and link targets of
// any bytes and length, ids and sizes up to 2^53, times of any sign with nanoseconds, device
// numbers that need base-256, binary xattrs and extra pax records.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { completeHeader, decodeBytes, encodeHeader, type EntryType, type TarHeaderInput } from '../../../src/tar/index.js';
import { entriesOf, firstHeader, tarOf } from './tar-helpers.js';

const TYPES: EntryType[] = ['file', 'link', 'symlink', 'character-device', 'block-device', 'directory', 'fifo', 'contiguous-file'];

/** Any bytes but NUL (no tar name can hold one), as src/tar's strings stand for them. */
const bytesText = (min: number, max: number) =>
  fc.uint8Array({ minLength: min, maxLength: max }).map((b) => decodeBytes(Buffer.from(b.map((x) => (x === 0 ? 0x2f : x)))));
/** Names and paths: mostly ASCII with slashes (the ustar split), sometimes any bytes, up to 400. */
const pathText = fc.oneof(
  fc.array(fc.constantFrom('a', 'b', '/', '.', '-', 'é', '日'), { minLength: 1, maxLength: 400 }).map((c) => c.join('')),
  bytesText(1, 300),
);
const timestamp = fc
  .record({ seconds: fc.integer({ min: -(2 ** 40), max: 2 ** 40 }), nanoseconds: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 999_999_999 })) })
  .map((t) => ({ ...t }));
const id = fc.oneof(fc.integer({ min: 0, max: 2_097_151 }), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }));
const xattrName = fc.string({ minLength: 1, maxLength: 30 }).filter((s) => !s.includes('=') && !s.includes('\0') && Buffer.from(s).toString() === s);
const header: fc.Arbitrary<TarHeaderInput> = fc
  .record(
    {
      name: pathText,
      type: fc.constantFrom(...TYPES),
      mode: fc.integer({ min: 0, max: 0o7777777 }),
      uid: id,
      gid: id,
      uname: fc.oneof(fc.constant(''), bytesText(1, 40)),
      gname: fc.oneof(fc.constant(''), bytesText(1, 40)),
      size: fc.oneof(fc.integer({ min: 0, max: 2 ** 33 }), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER })),
      mtime: timestamp,
      atime: timestamp,
      ctime: timestamp,
      linkname: fc.oneof(fc.constant(''), pathText),
      devmajor: fc.oneof(fc.integer({ min: 0, max: 2_097_151 }), fc.integer({ min: 0, max: 2 ** 50 })),
      devminor: fc.integer({ min: 0, max: 2 ** 40 }),
      xattrs: fc
        .array(
          fc.tuple(
            xattrName,
            fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)),
          ),
        )
        .map((pairs) => new Map(pairs)),
      pax: fc.option(
        fc.uint8Array({ maxLength: 40 }).map((b) => new Map([['comment', Buffer.from(b)]])),
        { nil: undefined },
      ),
    },
    { requiredKeys: ['name', 'type', 'mtime', 'mode', 'uid', 'gid', 'size', 'xattrs'] },
  )
  .map((h) => ({ ...h }));

describe('src/tar encode → decode', () => {
  it('is the identity on the header (data never read)', async () => {
    await fc.assert(
      fc.asyncProperty(header, async (input) => {
        assert.deepEqual(await firstHeader(encodeHeader(input)), completeHeader(input));
      }),
      { numRuns: 500 },
    );
  });

  it('is the identity on whole archives, data included', async () => {
    const entry = fc
      .tuple(header, fc.uint8Array({ maxLength: 1500 }))
      .map(([h, data]) => ({ header: { ...h, type: 'file' as const, size: data.length }, data: Buffer.from(data) }));
    await fc.assert(
      fc.asyncProperty(fc.array(entry, { maxLength: 6 }), async (entries) => {
        const decoded = await entriesOf(await tarOf(entries));
        assert.deepEqual(
          decoded,
          entries.map((e) => ({ header: completeHeader(e.header), data: e.data })),
        );
      }),
      { numRuns: 100 },
    );
  });
});
