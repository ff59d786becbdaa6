// src/tar's header codec on the entries root filesystems really hold and on hostile ones: ids
// beyond 7 octal digits, mtimes before 1970, after 2038 and with fractions, long and non-UTF-8
// names, long link targets, sizes of 8 GiB and more, binary xattr values, global pax headers,
// GNU long names and base-256 numbers, signed checksums, truncation.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  BLOCK,
  completeHeader,
  decodeBytes,
  decodeHeaderBlock,
  encodeExtended,
  encodeHeader,
  encodeHeaderBlock,
  encodeText,
  END_OF_ARCHIVE,
  parsePaxRecords,
  readTar,
  TarFormatError,
  type TarHeaderInput,
} from '../../../src/tar/index.js';
import { entriesOf, firstHeader, tarOf } from './tar-helpers.js';

const CAPABILITY = Buffer.from('0100000200200000000000000000000000000000', 'hex'); // cap_net_raw+ep, VFS_CAP_REVISION_2
const GIB = 1024 ** 3;

async function roundTrip(given: TarHeaderInput, data?: Buffer): Promise<void> {
  const input = data ? { ...given, size: data.length } : given;
  const bytes = await tarOf([{ header: input, ...(data ? { data } : {}) }]);
  const [entry, ...rest] = await entriesOf(bytes);
  assert.deepEqual(rest, []);
  assert.deepEqual(entry?.header, completeHeader(input));
  assert.deepEqual(entry?.data, data ?? Buffer.alloc(0));
}

/** A raw header block with the given fields (the rest zero), for the variants src/tar never writes. */
type Fields = Parameters<typeof encodeHeaderBlock>[0];
function rawBlock(fields: Partial<Omit<Fields, 'name'>> & { name: string | Buffer }): Buffer {
  return encodeHeaderBlock({
    prefix: Buffer.alloc(0),
    mode: 0o644,
    uid: 0,
    gid: 0,
    size: 0,
    mtime: 0,
    typeflag: '0',
    linkname: Buffer.alloc(0),
    uname: Buffer.alloc(0),
    gname: Buffer.alloc(0),
    devmajor: 0,
    devminor: 0,
    ...fields,
    name: Buffer.from(fields.name),
  });
}

describe('src/tar round trips', () => {
  it('keeps uid 4000000 and gid 3000000000 (beyond 7 octal digits: pax uid/gid)', async () => {
    await roundTrip({ name: 'owned', uid: 4_000_000, gid: 3_000_000_000, uname: 'big', gname: 'bigger' });
    const records = paxOf(encodeHeader({ name: 'owned', uid: 4_000_000, gid: 3_000_000_000 }));
    assert.equal(records.get('uid')?.toString(), '4000000');
    assert.equal(records.get('gid')?.toString(), '3000000000');
  });

  it('keeps mtimes of 1960-01-01, 2100-01-01 and 1.5 s', async () => {
    const t1960 = Date.UTC(1960, 0, 1) / 1000;
    const t2100 = Date.UTC(2100, 0, 1) / 1000;
    await roundTrip({ name: 'old', mtime: { seconds: t1960, nanoseconds: 0 } });
    await roundTrip({ name: 'future', mtime: { seconds: t2100, nanoseconds: 0 } });
    await roundTrip({ name: 'fraction', mtime: { seconds: 1, nanoseconds: 500_000_000 } });
    await roundTrip({
      name: 'old-fraction',
      mtime: { seconds: t1960, nanoseconds: 250_000_000 },
      atime: { seconds: -1, nanoseconds: 1 },
      ctime: { seconds: 3, nanoseconds: 0 },
    });
    // 2100 fits the 11 octal digits: a plain ustar field, positive (tar-stream wrote it negative).
    const future = encodeHeader({ name: 'future', mtime: { seconds: t2100, nanoseconds: 0 } });
    assert.equal(future.length, BLOCK, 'no pax header for a 2100 mtime');
    assert.equal(future.toString('latin1', 136, 148), `${t2100.toString(8).padStart(11, '0')}\0`);
    // 1960 needs pax; the ustar field is clamped to 0 for readers that ignore pax.
    const old = encodeHeader({ name: 'old', mtime: { seconds: t1960, nanoseconds: 0 } });
    assert.equal(paxOf(old).get('mtime')?.toString(), String(t1960));
    assert.equal(old.toString('latin1', BLOCK * 2 + 136, BLOCK * 2 + 148), '00000000000\0');
    assert.equal(
      paxOf(encodeHeader({ name: 'f', mtime: { seconds: -2, nanoseconds: 500_000_000 } }))
        .get('mtime')
        ?.toString(),
      '-1.5',
    );
    assert.equal(
      paxOf(encodeHeader({ name: 'f', mtime: { seconds: 1, nanoseconds: 500_000_000 } }))
        .get('mtime')
        ?.toString(),
      '1.5',
    );
  });

  it('keeps names longer than 100 and 255 bytes, ustar-split when they can be', async () => {
    const split = `${'d'.repeat(120)}/${'f'.repeat(90)}`;
    await roundTrip({ name: split });
    assert.equal(encodeHeader({ name: split }).length, BLOCK, 'a 211-byte name split at a / needs no pax');
    const long = `${'a'.repeat(200)}/${'b'.repeat(200)}/${'c'.repeat(100)}`;
    await roundTrip({ name: long }, Buffer.from('data'));
    assert.equal(
      paxOf(encodeHeader({ name: long }))
        .get('path')
        ?.toString(),
      long,
    );
    await roundTrip({ name: `${'x'.repeat(150)}/`, type: 'directory' });
  });

  it('keeps non-UTF-8 name bytes and UTF-8 names exactly', async () => {
    const raw = Buffer.from([0x66, 0xff, 0xfe, 0x2f, 0xc3, 0x28, 0x80]); // invalid UTF-8 throughout
    const name = decodeBytes(raw);
    assert.deepEqual(encodeText(name), raw);
    await roundTrip({ name });
    assert.deepEqual(paxOf(encodeHeader({ name })).get('path'), raw);
    await roundTrip({ name: 'café/日本語/🐳' });
    // A ustar field with such bytes (written by GNU tar from a Latin-1 filesystem) reads back as those bytes.
    const header = await firstHeader(Buffer.concat([rawBlock({ name: Buffer.from([0x63, 0x61, 0x66, 0xe9]) }), END_OF_ARCHIVE]));
    assert.deepEqual(encodeText(header.name), Buffer.from([0x63, 0x61, 0x66, 0xe9]));
    assert.equal(header.name, 'caf\udce9');
  });

  it('keeps link targets longer than 100 bytes, symbolic and hard', async () => {
    await roundTrip({ name: 'sym', type: 'symlink', linkname: `/${'t'.repeat(300)}` });
    await roundTrip({ name: 'hard', type: 'link', linkname: `${'h'.repeat(101)}` });
  });

  it('writes a 9 GiB size as a pax size and reads it back (header only)', async () => {
    const size = 9 * GIB;
    const blocks = encodeHeader({ name: 'huge', size });
    assert.equal(paxOf(blocks).get('size')?.toString(), String(size));
    const header = await firstHeader(blocks);
    assert.equal(header.size, size);
    // GNU tar writes it base-256 instead.
    const gnu = await firstHeader(rawBlock({ name: 'huge', size, format: 'gnu' }));
    assert.equal(gnu.size, size);
  });

  it('keeps binary xattr values (NUL and 0xff bytes) and user.* xattrs', async () => {
    const xattrs = new Map([
      ['security.capability', CAPABILITY],
      ['user.binary', Buffer.from([0, 0xff, 0x0a, 0x3d, 0x20, 0])],
      ['user.mime_type', Buffer.from('text/plain')],
    ]);
    await roundTrip({ name: 'ping', mode: 0o755, xattrs }, Buffer.from('ELF'));
    assert.deepEqual(paxOf(encodeHeader({ name: 'ping', xattrs })).get('SCHILY.xattr.security.capability'), CAPABILITY);
  });

  it('reads LIBARCHIVE.xattr.* records (bsdtar: URL-encoded name, base64 value)', async () => {
    const pax = encodeExtended(
      'x',
      Buffer.from('PaxHeaders/f'),
      Buffer.from(`${recordOf('LIBARCHIVE.xattr.user.a%3Db', Buffer.from([0, 1, 0xff]).toString('base64'))}`),
    );
    const header = await firstHeader(Buffer.concat([pax, rawBlock({ name: 'f' }), END_OF_ARCHIVE]));
    assert.deepEqual(header.xattrs, new Map([['user.a=b', Buffer.from([0, 1, 0xff])]]));
  });

  it('returns a global pax header as an entry of its own and applies it to nothing', async () => {
    const pax = new Map([
      ['comment', Buffer.from('made by a test')],
      ['uid', Buffer.from('7')],
    ]);
    const bytes = await tarOf([{ header: { name: 'ignored', type: 'pax-global-header', pax } }, { header: { name: 'after' } }]);
    const [global, after] = await entriesOf(bytes);
    assert.equal(global?.header.type, 'pax-global-header');
    assert.equal(global?.header.typeflag, 'g');
    assert.deepEqual(global?.header.pax, pax);
    assert.equal(after?.header.name, 'after');
    assert.equal(after?.header.uid, 0);
  });

  it('of two pax headers in a row only the last describes the entry, as Go and GNU tar read them', async () => {
    // Go's reader.go next(): `paxHdrs, err = parsePAX(tr)` replaces what an earlier one said. Merging
    // them would also let a hostile layer pile up any number of 1 MiB headers for one entry.
    const first = encodeExtended('x', Buffer.from('PaxHeaders/1'), Buffer.from(recordOf('uid', '7') + recordOf('SCHILY.xattr.user.a', 'b')));
    const second = encodeExtended('x', Buffer.from('PaxHeaders/2'), Buffer.from(recordOf('path', 'good')));
    const header = await firstHeader(Buffer.concat([first, second, rawBlock({ name: 'f' }), END_OF_ARCHIVE]));
    assert.equal(header.name, 'good');
    assert.equal(header.uid, 0);
    assert.deepEqual(header.xattrs, new Map());
  });

  it('a GNU long name or link target wins over a pax path or linkpath, as in Go (reader.go next())', async () => {
    const pax = encodeExtended('x', Buffer.from('PaxHeaders/f'), Buffer.from(recordOf('path', 'pax-name') + recordOf('linkpath', 'pax-target')));
    const bytes = Buffer.concat([
      pax,
      encodeExtended('L', Buffer.from('././@LongLink'), Buffer.from('gnu-name\0')),
      encodeExtended('K', Buffer.from('././@LongLink'), Buffer.from('gnu-target\0')),
      rawBlock({ name: 'short', typeflag: '2', linkname: Buffer.from('short-target') }),
      END_OF_ARCHIVE,
    ]);
    const header = await firstHeader(bytes);
    assert.equal(header.name, 'gnu-name');
    assert.equal(header.linkname, 'gnu-target');
  });

  it('reads GNU long names and link targets (L/K) and base-256 numbers', async () => {
    const longName = `${'n'.repeat(300)}/file`;
    const longLink = `${'l'.repeat(200)}`;
    const bytes = Buffer.concat([
      encodeExtended('L', Buffer.from('././@LongLink'), Buffer.from(`${longName}\0`)),
      encodeExtended('K', Buffer.from('././@LongLink'), Buffer.from(`${longLink}\0`)),
      rawBlock({
        name: 'n'.repeat(100),
        typeflag: '2',
        linkname: Buffer.from('l'.repeat(100)),
        uid: 4_000_000,
        gid: 2 ** 40,
        mtime: -315_619_200,
        format: 'gnu',
      }),
      END_OF_ARCHIVE,
    ]);
    // The numbers did not fit octal: encodeHeaderBlock wrote them base-256, as GNU tar does.
    assert.equal((bytes[BLOCK * 4 + 108] ?? 0) & 0x80, 0x80);
    assert.equal(bytes[BLOCK * 4 + 136], 0xff, 'a negative mtime is base-256 two’s complement');
    const header = await firstHeader(bytes);
    assert.equal(header.name, longName);
    assert.equal(header.linkname, longLink);
    assert.equal(header.type, 'symlink');
    assert.equal(header.uid, 4_000_000);
    assert.equal(header.gid, 2 ** 40);
    assert.deepEqual(header.mtime, { seconds: -315_619_200, nanoseconds: 0 });
  });

  it('accepts a checksum summed over signed bytes, refuses a wrong one', () => {
    const block = rawBlock({ name: 'h\u00e9' });
    block[1] = 0xe9; // a byte above 0x7f: signed and unsigned sums differ
    let signed = 0;
    for (let i = 0; i < BLOCK; i++) signed += i >= 148 && i < 156 ? 0x20 : (block[i] ?? 0) > 127 ? (block[i] ?? 0) - 256 : (block[i] ?? 0);
    block.write(`${signed.toString(8).padStart(6, '0')}\0 `, 148, 8, 'latin1');
    assert.equal(encodeText(decodeHeaderBlock(block).name)[1], 0xe9);
    block.write('0000001\0', 148, 8, 'latin1');
    assert.throws(() => decodeHeaderBlock(block), TarFormatError);
  });

  it('reads v7 headers (no magic) and GNU atime/ctime', async () => {
    const v7 = rawBlock({ name: 'old' });
    v7.fill(0, 257, 265);
    v7.fill(0x20, 148, 156);
    let sum = 0;
    for (const b of v7) sum += b;
    v7.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'latin1');
    assert.equal(decodeHeaderBlock(v7).format, 'v7');
    assert.equal((await firstHeader(Buffer.concat([v7, END_OF_ARCHIVE]))).name, 'old');
  });

  it('fails on truncation and malformed pax records, not silently', async () => {
    const bytes = await tarOf([{ header: { name: 'f', size: 1000 }, data: Buffer.alloc(1000, 1) }]);
    await assert.rejects(entriesOf(bytes.subarray(0, BLOCK + 600)), /truncated/);
    await assert.rejects(entriesOf(bytes.subarray(0, 300)), /truncated/);
    for (const body of ['5 a=b\n', '12 path=x\n', 'x path=y\n', '9 =value\n', '7 uid=x\n']) {
      const pax = encodeExtended('x', Buffer.from('p'), Buffer.from(body));
      await assert.rejects(entriesOf(Buffer.concat([pax, rawBlock({ name: 'f' }), END_OF_ARCHIVE])), TarFormatError, body);
    }
    const tooBig = rawBlock({ name: 'p', typeflag: 'x', size: 2 << 20 });
    await assert.rejects(entriesOf(tooBig), /extended tar header/);
  });

  it('refuses to write data that does not match the size', async () => {
    await assert.rejects(tarOf([{ header: { name: 'f', size: 4 }, data: Buffer.from('abc') }]), /3 bytes of data for a size of 4/);
    await assert.rejects(tarOf([{ header: { name: 'f', size: 2 }, data: Buffer.from('abc') }]), /more data than its size/);
    await assert.rejects(tarOf([{ header: { name: 'f', uid: -1 } }]), /not a non-negative integer/);
  });

  it('streams data without buffering it: the source is pulled as the entry is read', async () => {
    const size = 64 * 1024 * 1024;
    const chunk = Buffer.alloc(1 << 20, 7);
    let produced = 0;
    let maxAhead = 0;
    let consumed = 0;
    async function* source(): AsyncGenerator<Buffer> {
      yield encodeHeader({ name: 'big', size });
      for (let i = 0; i < size / chunk.length; i++) {
        produced += chunk.length;
        maxAhead = Math.max(maxAhead, produced - consumed);
        yield chunk;
      }
      yield END_OF_ARCHIVE;
    }
    for await (const entry of readTar(source())) {
      for await (const data of entry) consumed += data.length;
    }
    assert.equal(consumed, size);
    assert.ok(maxAhead <= chunk.length, `at most one chunk ahead of the consumer, was ${maxAhead}`);
  });
});

function recordOf(key: string, value: string): string {
  const body = Buffer.byteLength(key) + Buffer.byteLength(value) + 3;
  let length = body + String(body).length;
  if (String(length).length !== String(body).length) length = body + String(length).length;
  return `${length} ${key}=${value}\n`;
}

/** The records of the pax header that precedes a header block in `blocks`. */
function paxOf(blocks: Buffer): Map<string, Buffer> {
  const raw = decodeHeaderBlock(blocks.subarray(0, BLOCK));
  assert.equal(raw.typeflag, 'x', 'a pax header first');
  return parsePaxRecords(blocks.subarray(BLOCK, BLOCK + raw.size));
}
