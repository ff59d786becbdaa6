import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { BoltFile, type BoltBucket, fnv64a } from '../../../src/dockerroot/containerd/bbolt.js';
import { decodeGoTime, decodeUvarint, decodeVarint } from '../../../src/dockerroot/containerd/go-encoding.js';
import { isStowageError } from '../../../src/errors/error.js';
import { writeBolt, type BoltTree } from '../../support/bbolt-writer.js';

/** Everything a bucket holds, as a plain object (buckets nested), read through entries(). */
function dump(bucket: BoltBucket): BoltTree {
  const out: BoltTree = {};
  for (const e of bucket.entries()) out[e.key.toString('utf8')] = e.bucket ? dump(e.bucket) : (e.value as Buffer).toString('utf8');
  return out;
}

/** Inverts the bits of one byte. */
const flip = (data: Buffer, at: number): void => {
  data.writeUInt8(data.readUInt8(at) ^ 0xff, at);
};

const key = (i: number): string => `key-${String(i).padStart(5, '0')}`;

describe('bbolt reader: trees as bbolt lays them out', () => {
  it('reads a single leaf with an inline bucket', () => {
    const tree = { a: '1', b: { c: 'd', e: '' }, z: 'last' };
    const db = BoltFile.parse(writeBolt(tree), 'mem.db');
    assert.deepEqual(dump(db.root()), tree);
    assert.equal(db.root().getString('a'), '1');
    assert.equal(db.bucketAt('b')?.getString('c'), 'd');
    assert.equal(db.bucketAt('b')?.getString('e'), '');
    assert.equal(db.root().get('b'), undefined, 'a bucket key has no plain value');
    assert.equal(db.root().bucket('a'), undefined, 'a plain key is not a bucket');
    assert.equal(db.root().get('missing'), undefined);
    assert.equal(db.bucketAt('b', 'nope'), undefined);
  });

  it('reads multi-level trees (branch pages) by walking and by descending', () => {
    const big: BoltTree = {};
    for (let i = 0; i < 700; i++) big[key(i)] = `value ${i}`;
    const tree = { v1: { big, small: { x: 'y' } } };
    const db = BoltFile.parse(writeBolt(tree, { maxElements: 4 }), 'mem.db');
    const bucket = db.bucketAt('v1', 'big');
    assert.ok(bucket);
    const keys = bucket.entries().map((e) => e.key.toString());
    assert.deepEqual(keys, Object.keys(big).sort());
    for (let i = 0; i < 700; i += 7) assert.equal(bucket.getString(key(i)), `value ${i}`, key(i));
    assert.equal(bucket.getString('key-'), undefined, 'before the first key');
    assert.equal(bucket.getString('key-00003x'), undefined, 'between keys');
    assert.equal(bucket.getString('zzz'), undefined, 'after the last key');
    assert.deepEqual(dump(db.root()), tree);
  });

  it('reads page-backed nested buckets as well as inline ones', () => {
    const tree = { v1: { moby: { images: { 'docker.io/library/alpine:latest': { target: { digest: 'sha256:abc', size: Buffer.from([0x02]) } } } } } };
    for (const inlineLimit of [0, 1024]) {
      const db = BoltFile.parse(writeBolt(tree, { inlineLimit }), 'mem.db');
      const target = db.bucketAt('v1', 'moby', 'images', 'docker.io/library/alpine:latest', 'target');
      assert.equal(target?.getString('digest'), 'sha256:abc', `inlineLimit ${inlineLimit}`);
      assert.deepEqual(target?.get('size'), Buffer.from([0x02]));
    }
  });

  it('reads values that spill into overflow pages', () => {
    const large = Buffer.alloc(20_000, 'x');
    large.write('the end', large.length - 7);
    const tree = { blobs: { big: large, after: 'ok' } };
    const db = BoltFile.parse(writeBolt(tree, { pageSize: 4096 }), 'mem.db');
    assert.deepEqual(db.bucketAt('blobs')?.get('big'), large);
    assert.equal(db.bucketAt('blobs')?.getString('after'), 'ok');
  });

  it('handles other page sizes and empty buckets', () => {
    const db = BoltFile.parse(writeBolt({ empty: {}, x: { y: {} } }, { pageSize: 16384, inlineLimit: 0 }), 'mem.db');
    assert.equal(db.pageSize, 16384);
    assert.deepEqual(db.bucketAt('empty')?.entries(), []);
    assert.deepEqual(dump(db.root()), { empty: {}, x: { y: {} } });
  });

  it('uses the valid meta page with the higher transaction ID', () => {
    const data = writeBolt({ a: 'b' }, { txids: [7, 6] });
    assert.equal(BoltFile.parse(data, 'mem.db').txid, 7n);
    flip(data, 16 + 20); // damage meta 0's root field: its checksum no longer matches
    const db = BoltFile.parse(data, 'mem.db');
    assert.equal(db.txid, 6n, 'falls back to meta 1');
    assert.equal(db.root().getString('a'), 'b');
  });

  it('finds the page size from meta 1 when meta 0 is damaged', () => {
    const data = writeBolt({ a: 'b' }, { pageSize: 8192, txids: [3, 2] });
    data.fill(0, 0, 64);
    const db = BoltFile.parse(data, 'mem.db');
    assert.equal(db.pageSize, 8192);
    assert.equal(db.txid, 2n);
    assert.equal(db.root().getString('a'), 'b');
  });

  it('reads a file with positioned reads', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bbolt-'));
    try {
      const file = join(dir, 'meta.db');
      await writeFile(file, writeBolt({ v1: { a: 'b' } }));
      const db = await BoltFile.read(file);
      assert.equal(db.bucketAt('v1')?.getString('a'), 'b');
      await assert.rejects(BoltFile.read(file, 1024), { code: 'PATH_INVALID', message: /more than the 1024/ });
      await assert.rejects(BoltFile.read(dir), (err: unknown) => isStowageError(err) || (err as NodeJS.ErrnoException).code === 'EISDIR');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('computes FNV-1a 64 as Go hash/fnv does', () => {
    assert.equal(fnv64a(Buffer.alloc(0)), 0xcbf29ce484222325n);
    assert.equal(fnv64a(Buffer.from('a')), 0xaf63dc4c8601ec8cn);
    assert.equal(fnv64a(Buffer.from('foobar')), 0x85944171f73967e8n);
  });
});

describe('bbolt reader: damaged files are a clear error, never a hang or a crash', () => {
  const tree: BoltTree = { v1: { moby: { images: { a: { target: { digest: 'x' } }, b: { target: { digest: 'y' } } } } } };
  const corrupt = (data: Buffer): void => {
    assert.throws(
      () => dump(BoltFile.parse(data, 'bad.db').root()),
      (err: unknown) => {
        assert.ok(isStowageError(err, 'PATH_INVALID'), `not a StowageError: ${(err as Error).stack}`);
        assert.match(err.message, /^bad\.db: /);
        return true;
      },
    );
  };

  it('refuses bad magic on both meta pages', () => {
    const data = writeBolt(tree);
    data.writeUInt32LE(0x12345678, 16);
    data.writeUInt32LE(0x12345678, 4096 + 16);
    assert.throws(() => BoltFile.parse(data, 'bad.db'), { code: 'PATH_INVALID', message: /bad magic/ });
  });

  it('refuses bad checksums on both meta pages', () => {
    const data = writeBolt(tree);
    flip(data, 16 + 56);
    flip(data, 4096 + 16 + 56);
    assert.throws(() => BoltFile.parse(data, 'bad.db'), { code: 'PATH_INVALID', message: /checksum/ });
  });

  it('refuses files that are empty, tiny or truncated', () => {
    assert.throws(() => BoltFile.parse(Buffer.alloc(0), 'bad.db'), { code: 'PATH_INVALID', message: /too short/ });
    assert.throws(() => BoltFile.parse(Buffer.alloc(10_000), 'bad.db'), { code: 'PATH_INVALID' });
    const data = writeBolt(tree, { inlineLimit: 0 });
    for (const length of [100, 4096, 4096 * 2 + 10, data.length - 4096]) {
      assert.throws(() => dump(BoltFile.parse(data.subarray(0, length), 'bad.db').root()), { code: 'PATH_INVALID' }, `length ${length}`);
    }
    assert.throws(() => BoltFile.parse(data.subarray(0, data.length - 4096), 'bad.db'), { message: /truncated/ });
  });

  it('refuses a branch page that points to itself', () => {
    const big: BoltTree = {};
    for (let i = 0; i < 20; i++) big[key(i)] = 'v';
    const data = writeBolt(big, { maxElements: 4 });
    const db = BoltFile.parse(data, 'bad.db');
    // The root is the last page written: a branch page. Point its second child at itself.
    const rootId = Number(data.readBigUInt64LE(4096 + 16 + 16));
    const at = rootId * 4096;
    assert.equal(data.readUInt16LE(at + 8), 0x01);
    data.writeBigUInt64LE(BigInt(rootId), at + 16 + 16 + 8);
    corrupt(data);
    assert.throws(() => BoltFile.parse(data, 'bad.db').root().get(key(19)), { code: 'PATH_INVALID' });
    assert.ok(db);
  });

  it('refuses elements that point outside their page', () => {
    const data = writeBolt({ a: 'b' });
    const rootId = Number(data.readBigUInt64LE(4096 + 16 + 16));
    data.writeUInt32LE(0xffff_fff0, rootId * 4096 + 16 + 4); // pos of element 0
    corrupt(data);
  });

  it('survives random damage: every outcome is data or a PATH_INVALID error', () => {
    const base = writeBolt(
      { v1: { moby: { images: Object.fromEntries(Array.from({ length: 60 }, (_, i) => [key(i), { target: { digest: `d${i}`, size: Buffer.from([i]) } }])) } } },
      { maxElements: 5, inlineLimit: 200 },
    );
    let seed = 12345;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    let failures = 0;
    for (let round = 0; round < 400; round++) {
      const data = Buffer.from(base);
      for (let flips = 1 + random(8); flips > 0; flips--) data[8192 + random(data.length - 8192)] = random(256);
      try {
        dump(BoltFile.parse(data, 'bad.db').root());
      } catch (err) {
        assert.ok(isStowageError(err, 'PATH_INVALID'), `round ${round}: ${(err as Error).stack}`);
        failures++;
      }
    }
    assert.ok(failures > 0, 'some damage must be detected');
  });
});

describe('Go encodings in containerd values', () => {
  it('decodes varints as encoding/binary writes them', () => {
    assert.equal(decodeUvarint(Buffer.from([0x05])), 5n);
    assert.equal(decodeUvarint(Buffer.from([0xac, 0x02])), 300n);
    assert.equal(decodeUvarint(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01])), (1n << 64n) - 1n);
    assert.equal(decodeUvarint(Buffer.from([0x80])), undefined, 'unterminated');
    assert.equal(decodeUvarint(Buffer.from([])), undefined);
    assert.equal(decodeVarint(Buffer.from([0x02])), 1n);
    assert.equal(decodeVarint(Buffer.from([0x01])), -1n);
    assert.equal(decodeVarint(Buffer.from([0xd8, 0x04])), 300n);
  });

  it('decodes time.Time.MarshalBinary', () => {
    // 2024-01-02T03:04:05.678Z, UTC (offset -1), version 1.
    const t = Buffer.alloc(15);
    t[0] = 1;
    t.writeBigInt64BE(BigInt(Date.UTC(2024, 0, 2, 3, 4, 5) / 1000) + 62_135_596_800n, 1);
    t.writeInt32BE(678_000_000, 9);
    t.writeInt16BE(-1, 13);
    assert.equal(decodeGoTime(t), '2024-01-02T03:04:05.678Z');
    assert.equal(decodeGoTime(Buffer.concat([Buffer.from([2]), t.subarray(1), Buffer.from([0])])), '2024-01-02T03:04:05.678Z');
    assert.equal(decodeGoTime(Buffer.from([1, 2, 3])), undefined);
    assert.equal(decodeGoTime(undefined), undefined);
  });
});
